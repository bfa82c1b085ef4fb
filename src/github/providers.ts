// What the runner gives providers: the HTTP client (proxy variables from the step's
// environment), the job's GitHub OIDC token as identity, and the runner's logger.
import { createHttpClient, providerDeps } from '../core/context.js';
import type { LedgerEntry } from '../core/ledger.js';
import type { MaskGate } from '../core/mask.js';
import type { PipelineSettings } from '../core/settings.js';
import type { HttpClient } from '../net/http.js';
import type { Logger, ProviderDeps } from '../providers/types.js';
import { runnerLogger } from './logger.js';
import { GitHubOidc, oidcRequestEnvironment } from './oidc.js';

export function runnerProviderDeps(
  settings: PipelineSettings,
  gate: MaskGate,
  record: (entry: LedgerEntry) => void,
  env: NodeJS.ProcessEnv,
  log: Logger = runnerLogger,
): { http: HttpClient; deps: ProviderDeps } {
  const http = createHttpClient(settings, gate, env);
  const deps = providerDeps({
    http,
    gate,
    identity: (admit) => new GitHubOidc(http, oidcRequestEnvironment(env), admit),
    record,
    log,
  });
  return { http, deps };
}
