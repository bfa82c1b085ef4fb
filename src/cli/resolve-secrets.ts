// `run`'s use of the pipeline: a file of `NAME: REFERENCE` lines → the same pipeline as
// the action (plan, settings checks, policy, providers, mask gate, shape) → name/value
// pairs. Masks are collected for the output masker of `run` instead of only being printed
// as `::add-mask::`; leases and tokens go to an in-memory ledger that `run` revokes when
// the command is done.
//
// Settings come from `run`'s flags and OIDC_SECRETS_* variables (src/cli/settings.ts).
// Cloud providers log in with the job's GitHub OIDC token where the environment can mint
// one (a job with id-token: write), and with the person's own login elsewhere
// (src/cli/laptop/identities.ts).
import { createHttpClient, providerDeps } from '../core/context.js';
import { ActionError, ActionErrors, describeError } from '../core/errors.js';
import { RenewalSchedule } from '../core/renewal.js';
import { vaultRenewablesFrom, vaultRenewals } from '../providers/vault-renew.js';
import { Ledger } from '../core/ledger.js';
import { MaskGate, singleLineEncodings } from '../core/mask.js';
import { runPipeline } from '../core/pipeline.js';
import { revokeEntries } from '../core/revoke.js';
import { absentNotice, type ShapedSecret } from '../core/shape.js';
import type { ProviderName } from '../core/plan/types.js';
import { wordSettings, type Settings } from '../core/settings.js';
import { createProvider } from '../providers/registry.js';
import type { Logger } from '../providers/types.js';
import { addMask, addMaskOnStderr, flushMasks } from '../github/commands.js';
import { GitHubOidc, oidcRequestEnvironment } from '../github/oidc.js';
import { writeErr } from './report.js';
import { CLI_WORDS } from './settings.js';
import { inJob, withPersonalLogins } from './laptop/identities.js';

/** Providers that log in with the job's OIDC token: the OIDC-only policy is about these. */
const OIDC_PROVIDERS: readonly ProviderName[] = ['vault', 'aws', 'gcp', 'azure', 'ssm'];

const worded = (message: string) => wordSettings(message, CLI_WORDS);

export const stderrLogger: Logger = {
  info: (message) => writeErr(`oidc-secrets: ${worded(message)}\n`),
  warning: (message) => writeErr(`oidc-secrets: warning: ${worded(message)}\n`),
  debug: (message) => {
    if (process.env.OIDC_SECRETS_DEBUG === '1') writeErr(`oidc-secrets: ${worded(message)}\n`);
  },
};

export interface ResolveRequest {
  /** The `NAME: REFERENCE` lines. */
  secrets: string;
  settings: Settings;
  env: NodeJS.ProcessEnv;
  log?: Logger;
  /** On a runner, register masks on stderr: the command's stdout is data (read, redact, export). */
  masksOnStderr?: boolean;
}

export interface Resolved {
  secrets: ShapedSecret[];
  /** Every string the gate registered, plus the encodings the runner would derive. */
  masks: Set<string>;
  gate: MaskGate;
  /** Undoes leases and tokens; call once the command is done. */
  revoke(): Promise<void>;
  /**
   * Renews the Vault token and renewable leases at half their TTL while the command runs
   * (SPEC §3.1 "Kept alive"); resolves the returned stop once the command is done.
   */
  keepAlive(): () => Promise<void>;
  close(): void;
}

export async function resolveSecrets(request: ResolveRequest): Promise<Resolved> {
  const log = request.log ?? stderrLogger;
  const masks = new Set<string>();
  // On a runner the log is masked by the runner too: register there as well.
  const onRunner = request.env.GITHUB_ACTIONS === 'true';
  const gate = new MaskGate(
    {
      add(value) {
        masks.add(value);
        if (onRunner) (request.masksOnStderr ? addMaskOnStderr : addMask)(value);
      },
    },
    (message) => log.warning(message),
  );
  // Outside a job that can mint OIDC tokens, cloud references use the person's own login.
  const settings = withPersonalLogins(request.settings, request.env);
  const ledger = new Ledger(() => {});
  const http = createHttpClient(settings.pipeline, gate, request.env);
  const deps = providerDeps({
    http,
    gate,
    // `run` on a runner: the job's own GitHub OIDC token.
    identity: (admit) => new GitHubOidc(http, oidcRequestEnvironment(request.env), admit),
    record: (entry) => ledger.record(entry),
    log,
  });
  const revoke = async (): Promise<void> => {
    if (!settings.pipeline.revoke || ledger.entries.length === 0) return;
    await revokeEntries(ledger.entries, { settings: settings.providers, deps }, createProvider, {
      removeFiles: false,
    });
  };
  try {
    const result = await runPipeline(
      {
        secrets: request.secrets,
        settings,
        policy: (plan) => ({
          // A laptop's own cloud keys are the point of running there: the policy is about
          // jobs (GITHUB_ACTIONS=true), and about plans that log in to a cloud.
          requireOidc:
            settings.pipeline.requireOidc &&
            inJob(request.env) &&
            plan.providers.some((p) => OIDC_PROVIDERS.includes(p)),
          allowUntrustedEvents: settings.pipeline.allowUntrustedEvents,
        }),
        environment: request.env,
      },
      { gate, providers: deps },
    );
    // The runner has every mask before `run` starts CMD or anything else prints.
    if (onRunner) flushMasks();
    if (result.errors.length) throw new ActionErrors(result.errors);
    for (const absent of result.absent) log.info(`notice: ${gate.redact(absentNotice(absent))}`);
    // CMD gets its secrets as environment variables, which cannot hold arbitrary bytes.
    const binary = result.secrets.find((s) => s.bytes !== undefined);
    if (binary)
      throw new ActionError(
        'EXPORT_FAILED',
        `secrets line ${binary.line}: ${binary.name} is bytes that are not text once decoded (decode=base64): an environment variable cannot hold them`,
        binary.line,
      );
    // The runner masks the encoded forms of each registered string itself; `run` is the
    // runner here.
    for (const value of [...masks]) {
      for (const encoded of singleLineEncodings(value)) if (encoded.length > 0) masks.add(encoded);
    }
    const keepAlive = () => {
      const renewables = vaultRenewablesFrom(ledger.entries);
      if (!renewables) return async () => undefined;
      const schedule = new RenewalSchedule(
        vaultRenewals(settings.providers.vault, http, renewables),
        {
          describe: (error) => gate.redact(describeError(error)),
          onEvent: (event) => {
            const what = `${event.kind} ${event.label}`;
            if (event.outcome === 'failed' || event.outcome === 'gave-up')
              log.warning(`could not renew ${what}: ${event.detail ?? ''}`);
            else log.debug(`renewed ${what}: ${event.ttlSeconds ?? 0} s`);
          },
        },
      );
      schedule.start();
      return () => schedule.stop();
    };
    return { secrets: result.secrets, masks, gate, revoke, keepAlive, close: () => http.close() };
  } catch (error) {
    if (onRunner) flushMasks();
    await revoke().catch(() => undefined);
    http.close();
    throw error;
  }
}
