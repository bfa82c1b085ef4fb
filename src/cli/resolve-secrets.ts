// The action's road, driven from the command line: a file of `NAME: REFERENCE` lines →
// plan → providers → mask gate → shaped name/value pairs. Masks are collected for the
// output masker of `run` instead of only being printed as `::add-mask::`; leases and tokens
// go to an in-memory ledger that `run` revokes when the command is done.
//
// Provider settings come from the environment, one variable per action input:
// OIDC_SECRETS_VAULT_URL, OIDC_SECRETS_AWS_ROLE_ARN, OIDC_SECRETS_GCP_WORKLOAD_IDENTITY_PROVIDER,
// … (input name upper-cased, dashes as underscores). Cloud providers need a GitHub OIDC
// token, so they work where the environment can mint one (a job with id-token: write).
import { readConfig, type ActionConfig } from '../github/inputs.js';
import { createContext } from '../core/context.js';
import { ActionErrors } from '../core/errors.js';
import { checkPolicy } from '../core/policy.js';
import { Ledger } from '../core/ledger.js';
import { MaskGate, singleLineEncodings } from '../core/mask.js';
import { createProvider } from '../providers/registry.js';
import type { Logger } from '../providers/types.js';
import { revokeEntries } from '../core/revoke.js';
import { resolvePlan } from '../core/resolve.js';
import { addMask } from '../github/commands.js';
import { writeErr } from './report.js';
import { shapeSecrets, type ShapedSecret } from '../core/shape.js';
import { planSecrets } from '../core/plan/plan.js';
import { lineLabel, type ProviderName } from '../core/plan/types.js';

/** Providers that log in with the job's OIDC token: the OIDC-only policy is about these. */
const OIDC_PROVIDERS: readonly ProviderName[] = ['vault', 'aws', 'gcp', 'azure'];

export const stderrLogger: Logger = {
  info: (message) => writeErr(`oidc-secrets: ${message}\n`),
  warning: (message) => writeErr(`oidc-secrets: warning: ${message}\n`),
  debug: (message) => {
    if (process.env.OIDC_SECRETS_DEBUG === '1') writeErr(`oidc-secrets: ${message}\n`);
  },
};

export interface ResolveRequest {
  /** The `NAME: REFERENCE` lines. */
  secrets: string;
  /** Store file and key (file path or key text) for `local:`; absolute or empty. */
  storePath?: string | undefined;
  storeKey?: string | undefined;
  env: NodeJS.ProcessEnv;
}

export interface Resolved {
  secrets: ShapedSecret[];
  /** Every string the gate registered, plus the encodings the runner would derive. */
  masks: Set<string>;
  gate: MaskGate;
  /** Undoes leases and tokens; call once the command is done. */
  revoke(): Promise<void>;
  close(): void;
}

export function cliInputReader(request: ResolveRequest): (name: string) => string {
  return (name) => {
    if (name === 'secrets') return request.secrets;
    if (name === 'export') return 'none';
    if (name === 'summary') return 'false';
    if (name === 'store-path') return request.storePath ?? '';
    if (name === 'store-key') return request.storeKey ?? request.env.OIDC_SECRETS_STORE_KEY ?? '';
    return request.env[`OIDC_SECRETS_${name.toUpperCase().replace(/-/g, '_')}`] ?? '';
  };
}

export async function resolveSecrets(request: ResolveRequest): Promise<Resolved> {
  const masks = new Set<string>();
  // On a runner the log is masked by the runner too: register there as well.
  const onRunner = request.env.GITHUB_ACTIONS === 'true';
  const gate = new MaskGate(
    {
      add(value) {
        masks.add(value);
        if (onRunner) addMask(value);
      },
    },
    (message) => stderrLogger.warning(message),
  );
  const config: ActionConfig = readConfig(cliInputReader(request));
  const plan = planSecrets(config.secrets);
  const usesOidc = plan.providers.some((p) => OIDC_PROVIDERS.includes(p));
  const refused = checkPolicy(
    {
      // A laptop's own cloud keys are none of our business unless we are asked to log
      // in with OIDC next to them.
      requireOidc: config.requireOidc && usesOidc,
      allowUntrustedEvents: config.allowUntrustedEvents,
    },
    request.env,
  );
  if (refused.length) throw new ActionErrors(refused);

  const ledger = new Ledger(() => {});
  const context = createContext(
    config,
    gate,
    (entry) => ledger.record(entry),
    request.env,
    stderrLogger,
  );
  const revoke = async (): Promise<void> => {
    if (!config.revoke || ledger.entries.length === 0) return;
    await revokeEntries(ledger.entries, context, createProvider, { removeFiles: false });
  };
  try {
    const road = await resolvePlan(plan, {
      context,
      gate,
      concurrency: config.concurrency,
      createProvider,
    });
    if (road.errors.length) throw new ActionErrors(road.errors);
    const secrets = shapeSecrets(plan, road.values, (value, line) =>
      gate.admitValue(value, { label: lineLabel(line) }),
    );
    gate.flushShortWarnings();
    // The runner masks the encoded forms of each registered string itself; `run` is the
    // runner here.
    for (const value of [...masks]) {
      for (const encoded of singleLineEncodings(value)) if (encoded.length > 0) masks.add(encoded);
    }
    return { secrets, masks, gate, revoke, close: () => context.http.close() };
  } catch (error) {
    await revoke().catch(() => undefined);
    context.http.close();
    throw error;
  }
}
