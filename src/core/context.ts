// What main and post both build from the configuration: the HTTP client, the OIDC identity
// and the provider context, wired to the mask gate and the ledger.
import type { ActionConfig } from '../github/inputs.js';
import { HttpClient } from '../net/http.js';
import { GitHubOidc, oidcRequestEnvironment } from '../github/oidc.js';
import type { LedgerEntry } from './ledger.js';
import type { MaskGate } from './mask.js';
import type { Logger, ProviderContext } from '../providers/types.js';
import { annotate, debug, info } from '../github/commands.js';

export const USER_AGENT = 'oidc-secrets/0.1 (+https://github.com/oidc-secrets/oidc-secrets)';

export const runnerLogger: Logger = {
  info,
  warning: (message) => annotate('warning', message),
  debug,
};

export function createContext(
  config: ActionConfig,
  gate: MaskGate,
  record: (entry: LedgerEntry) => void,
  env: NodeJS.ProcessEnv,
  log: Logger = runnerLogger,
): ProviderContext & { http: HttpClient } {
  const http = new HttpClient({
    timeoutMs: config.timeoutSeconds * 1000,
    retries: config.retries,
    ...(config.caCertificate ? { ca: config.caCertificate } : {}),
    maxSockets: config.concurrency,
    userAgent: USER_AGENT,
    env,
    redact: (text) => gate.redact(text),
  });
  const admitCredential = (value: string, what: string) => gate.admitCredential(value, what);
  return {
    config,
    http,
    identity: new GitHubOidc(http, oidcRequestEnvironment(env), admitCredential),
    admitCredential,
    record,
    log,
    env,
  };
}
