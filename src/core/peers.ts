// The providers of one run, each created and logged in at most once, whoever asks first:
// the road (for its own lines) or the keyless store (to unwrap its data key through that
// provider's key service). An `aws:` line and an `aws-kms:` recipient share one STS login,
// and the store's unwrap starts the moment that login is done, in parallel with every
// other provider's login: the store adds one round trip (the unwrap) to the critical path.
import type { ActionError } from './errors.js';
import type { Location, ProviderName } from './plan/types.js';
import type { ProviderSettings } from './settings.js';
import type { ProviderCreator } from '../providers/registry.js';
import { loadProvider } from '../providers/registry.js';
import type { ProviderDeps, SecretProvider } from '../providers/types.js';

export interface PeerProviders {
  /** The settings problems that keep a provider from logging in here; no request is made. */
  problems(name: ProviderName): Promise<ActionError[]>;
  /**
   * The provider, logged in (once for everyone who asks). `locations`: what the asker will
   * read through it, told to the provider before it logs in (SecretProvider.prepare).
   */
  ready(name: ProviderName, locations?: readonly Location[]): Promise<SecretProvider>;
}

export function createPeers(
  settings: ProviderSettings,
  deps: ProviderDeps,
  createProvider: ProviderCreator,
  /** Told of every provider the moment it exists (before its login), for revocation. */
  onCreated?: (name: ProviderName, provider: SecretProvider) => void,
): PeerProviders {
  const logins = new Map<ProviderName, Promise<SecretProvider>>();
  const peers: PeerProviders = {
    async problems(name) {
      const module = await loadProvider(name);
      return (module.check as (s: unknown) => ActionError[])(settings[name]);
    },
    ready(name, locations = []) {
      let login = logins.get(name);
      if (!login) {
        login = (async () => {
          // Each provider sees the same peers, so one may open through another; and the same
          // deps object, which providers that share a login (aws: and ssm:) key it by.
          const provider = await createProvider(name, settings, peerDeps);
          onCreated?.(name, provider);
          if (locations.length > 0) provider.prepare?.(locations);
          await provider.login();
          return provider;
        })();
        logins.set(name, login);
      }
      return login;
    },
  };
  const peerDeps: ProviderDeps = { ...deps, peers };
  return peers;
}
