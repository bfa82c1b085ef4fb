// KeyAccess over the providers of a run (src/core/peers.ts): a cloud recipient's key
// service is called with the credential of its provider's login, the same login a
// `vault:`/`aws:`/`gcp:`/`azure:` line of the run uses (shared, made once). This is where
// other identities plug in: whatever logs a provider in (the job's OIDC token today, a
// laptop's own login later) serves the store's recipients too.
import type { PeerProviders } from '../../core/peers.js';
import type { HttpClient } from '../../net/http.js';
import { StoreError } from '../errors.js';
import type { KeyAccess, KeyProvider } from './types.js';

export function keyAccessFromPeers(parts: {
  http: HttpClient;
  peers: PeerProviders | undefined;
  admit(value: string, what: string): void;
  ageIdentities?: readonly string[] | undefined;
  ageHint?: string | undefined;
  agePackage?: KeyAccess['agePackage'];
}): KeyAccess {
  const { peers } = parts;
  return {
    http: parts.http,
    admit: parts.admit,
    ageIdentities: parts.ageIdentities ?? [],
    ageHint: parts.ageHint ?? 'no age identity can be given here',
    agePackage: parts.agePackage,
    async unavailable(provider: KeyProvider) {
      if (!peers) return `no ${provider} login is available here`;
      const [problem] = await peers.problems(provider);
      return problem?.message;
    },
    async credential(provider: KeyProvider) {
      if (!peers) {
        throw new StoreError('STORE_UNWRAP', `no ${provider} login is available here`);
      }
      const credential = (await peers.ready(provider)).credential?.();
      if (!credential) {
        throw new StoreError(
          'STORE_UNWRAP',
          `the ${provider} login gave no credential for its key service`,
        );
      }
      return credential;
    },
  };
}
