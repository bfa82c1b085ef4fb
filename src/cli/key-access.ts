// How the CLI's store commands reach a keyless store's key services: the providers'
// logins, configured by the same OIDC_SECRETS_* variables as `run` (OIDC_SECRETS_AWS_ROLE_ARN,
// OIDC_SECRETS_ENDPOINTS, …), shared through src/core/peers.ts. Today a provider logs in
// with a GitHub OIDC token, so cloud recipients serve where one can be minted (a CI job);
// laptop identities plug in below the providers and serve the store unchanged. age
// identities serve people anywhere. Whatever a login creates (a Vault token) is revoked
// when the command is done.
import { createHttpClient, providerDeps } from '../core/context.js';
import { Ledger } from '../core/ledger.js';
import { MaskGate } from '../core/mask.js';
import { createPeers } from '../core/peers.js';
import { revokeEntries } from '../core/revoke.js';
import { wordSettings } from '../core/settings.js';
import { createProvider } from '../providers/registry.js';
import { keyAccessFromPeers } from '../store/recipients/access.js';
import type { KeyAccess } from '../store/recipients/types.js';
import { addMask } from '../github/commands.js';
import { GitHubOidc, oidcRequestEnvironment } from '../github/oidc.js';
import { AGE_HINT, loadAge } from './age-identity.js';
import { stderrLogger } from './resolve-secrets.js';
import { CLI_WORDS, readCliSettings } from './settings.js';

export interface CliKeyAccess {
  access: KeyAccess;
  /** Revokes what the logins created and closes connections. */
  close(): Promise<void>;
}

export function cliKeyAccess(env: NodeJS.ProcessEnv, ageIdentities: string[]): CliKeyAccess {
  const settings = readCliSettings(new Map(), env);
  const onRunner = env.GITHUB_ACTIONS === 'true';
  const gate = new MaskGate({ add: (value) => (onRunner ? addMask(value) : undefined) }, (m) =>
    stderrLogger.warning(m),
  );
  for (const identity of ageIdentities) gate.admitCredential(identity, 'an age identity');
  const ledger = new Ledger(() => {});
  const http = createHttpClient(settings.pipeline, gate, env);
  const deps = providerDeps({
    http,
    gate,
    identity: (admit) => new GitHubOidc(http, oidcRequestEnvironment(env), admit),
    record: (entry) => ledger.record(entry),
    log: stderrLogger,
  });
  const peers = createPeers(settings.providers, deps, createProvider);
  const base = keyAccessFromPeers({
    http,
    peers,
    admit: (value, what) => gate.admitCredential(value, what),
    ageIdentities,
    ageHint: AGE_HINT,
    agePackage: loadAge,
  });
  const access: KeyAccess = {
    ...base,
    unavailable: async (provider) => {
      const why = await base.unavailable(provider);
      return why === undefined ? undefined : wordSettings(why, CLI_WORDS);
    },
  };
  return {
    access,
    async close() {
      try {
        if (ledger.entries.length) {
          await revokeEntries(
            ledger.entries,
            { settings: settings.providers, deps },
            createProvider,
            {
              removeFiles: false,
            },
          );
        }
      } finally {
        http.close();
      }
    },
  };
}
