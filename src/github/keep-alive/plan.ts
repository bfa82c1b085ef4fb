// What main hands the keep-alive process (over its IPC pipe, never argv or the environment):
// exactly what main itself held and the keep-alive needs — the Vault settings, token and
// leases to renew, the token files to keep fresh and, only when there are token files, the
// runner's OIDC request URL and token to mint their replacements with.
import type { LedgerEntry } from '../../core/ledger.js';
import { renewalDelayMs } from '../../core/renewal.js';
import type { PipelineSettings, VaultSettings } from '../../core/settings.js';
import { vaultRenewablesFrom, type VaultRenewables } from '../../providers/vault-renew.js';
import type { OidcRequestEnvironment } from '../oidc.js';

/** A file that must always hold an unexpired job OIDC token for `audience`. */
export interface TokenFile {
  path: string;
  audience: string;
}

export interface KeepAlivePlan {
  version: 1;
  /** Its directory under RUNNER_TEMP (0700): `keep-alive.log` and `state.json`. */
  dir: string;
  /** The runner's job process (main's parent); 0 when there is none to watch. */
  watchPid: number;
  maxSeconds: number;
  /** How often the watched process is checked (one kill(pid, 0) each time). */
  livenessMs: number;
  http: Pick<PipelineSettings, 'timeoutSeconds' | 'retries' | 'caCertificate'>;
  /** HTTPS_PROXY / NO_PROXY as main saw them. */
  proxyEnv: Record<string, string>;
  vault?: { settings: VaultSettings; renewables: VaultRenewables } | undefined;
  tokenFiles: TokenFile[];
  oidc?: OidcRequestEnvironment | undefined;
}

const PROXY_VARIABLES = [
  'HTTPS_PROXY',
  'https_proxy',
  'HTTP_PROXY',
  'http_proxy',
  'NO_PROXY',
  'no_proxy',
];

export interface PlanInputs {
  entries: readonly LedgerEntry[];
  vault: VaultSettings;
  pipeline: PipelineSettings;
  maxSeconds: number;
  tokenFiles: readonly TokenFile[];
  env: NodeJS.ProcessEnv;
  watchPid: number;
  oidc: OidcRequestEnvironment;
  /** Whether later steps were handed the Vault token (`credentials: vault: env`). */
  vaultTokenExported: boolean;
}

/**
 * The plan, or undefined when nothing would need the process: no token file, and no Vault
 * token or lease whose first renewal (at half its TTL) falls within max seconds.
 *
 * The Vault token counts only when something after main depends on it: later steps hold it
 * (`vault: env`), or it carries what post revokes with it — leases (Vault revokes them with
 * the token) and certificates (pki/revoke needs a live token). A token that only read KV
 * secrets has no user after main: letting it expire is what a security team wants, post
 * finds it already gone, and the step spawns no process (about 30 ms of main's CPU;
 * bench/vault.bench.ts).
 */
export function keepAlivePlan(inputs: PlanInputs): Omit<KeepAlivePlan, 'dir'> | undefined {
  const renewables = vaultRenewablesFrom(inputs.entries);
  const due = (ttlSeconds: number) =>
    ttlSeconds > 0 && renewalDelayMs(ttlSeconds * 1000) < inputs.maxSeconds * 1000;
  const tokenInUse =
    inputs.vaultTokenExported ||
    inputs.entries.some(
      (entry) =>
        entry.provider === 'vault' && (entry.kind === 'lease' || entry.kind === 'certificate'),
    );
  const vaultDue =
    renewables !== undefined &&
    ((tokenInUse && renewables.tokenRenewable && due(renewables.tokenTtlSeconds)) ||
      renewables.leases.some((lease) => lease.renewable && due(lease.ttlSeconds)));
  if (!vaultDue && inputs.tokenFiles.length === 0) return undefined;
  const proxyEnv: Record<string, string> = {};
  for (const name of PROXY_VARIABLES) {
    const value = inputs.env[name];
    if (value) proxyEnv[name] = value;
  }
  return {
    version: 1,
    watchPid: inputs.watchPid > 1 ? inputs.watchPid : 0,
    maxSeconds: inputs.maxSeconds,
    livenessMs: 2000,
    http: {
      timeoutSeconds: inputs.pipeline.timeoutSeconds,
      retries: inputs.pipeline.retries,
      caCertificate: inputs.pipeline.caCertificate,
    },
    proxyEnv,
    vault: vaultDue && renewables ? { settings: inputs.vault, renewables } : undefined,
    tokenFiles: [...inputs.tokenFiles],
    oidc: inputs.tokenFiles.length ? inputs.oidc : undefined,
  };
}

/** The plan as the process receives it, checked for shape (it came over a pipe). */
export function parsePlan(value: unknown): KeepAlivePlan {
  const plan = value as Partial<KeepAlivePlan> | null;
  const ok =
    plan !== null &&
    typeof plan === 'object' &&
    plan.version === 1 &&
    typeof plan.dir === 'string' &&
    typeof plan.watchPid === 'number' &&
    typeof plan.maxSeconds === 'number' &&
    typeof plan.livenessMs === 'number' &&
    typeof plan.http === 'object' &&
    Array.isArray(plan.tokenFiles) &&
    plan.tokenFiles.every((f) => typeof f?.path === 'string' && typeof f.audience === 'string');
  if (!ok) throw new Error('the keep-alive plan is malformed');
  return plan as KeepAlivePlan;
}
