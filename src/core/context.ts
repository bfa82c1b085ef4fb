// What main, post and the CLI build from the pipeline's settings: the one HTTP client,
// scrubbed through the mask gate, and the dependencies every provider receives.
import { HttpClient } from '../net/http.js';
import type { IdentitySource } from './identity.js';
import type { LedgerEntry } from './ledger.js';
import type { MaskGate } from './mask.js';
import type { PipelineSettings } from './settings.js';
import type { Logger, ProviderDeps } from '../providers/types.js';

export const USER_AGENT = 'oidc-secrets/0.1 (+https://github.com/oidc-secrets/oidc-secrets)';

/**
 * The HTTP client of one run. `proxyEnvironment` is the front end's snapshot of the proxy
 * variables (HTTPS_PROXY, NO_PROXY, …): core reads no environment of its own.
 */
export function createHttpClient(
  settings: PipelineSettings,
  gate: MaskGate,
  proxyEnvironment: NodeJS.ProcessEnv,
): HttpClient {
  return new HttpClient({
    timeoutMs: settings.timeoutSeconds * 1000,
    retries: settings.retries,
    ...(settings.caCertificate ? { ca: settings.caCertificate } : {}),
    maxSockets: settings.concurrency,
    userAgent: USER_AGENT,
    env: proxyEnvironment,
    redact: (text) => gate.redact(text),
  });
}

/** The dependencies of every provider, wired to the mask gate and the ledger. */
export function providerDeps(parts: {
  http: HttpClient;
  gate: MaskGate;
  identity: (admitCredential: ProviderDeps['admitCredential']) => IdentitySource;
  record: (entry: LedgerEntry) => void;
  log: Logger;
}): ProviderDeps {
  const admitCredential = (value: string, what: string) => parts.gate.admitCredential(value, what);
  return {
    http: parts.http,
    identity: parts.identity(admitCredential),
    admitCredential,
    record: parts.record,
    log: parts.log,
  };
}
