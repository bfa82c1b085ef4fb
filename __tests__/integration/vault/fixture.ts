// A Vault set up the way a security team would for one repository, with generated values.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { startOidcIssuer, type OidcIssuer } from '../../../test/emulators/oidc-issuer.js';
import { startVault, type VaultEmulator } from '../../../test/emulators/vault.js';

export const AUDIENCE = 'https://github.com/octo-org';

export interface VaultFixture {
  issuer: OidcIssuer;
  vault: VaultEmulator;
  inputs(secrets: string, extra?: Record<string, string>): Record<string, string>;
  values: {
    db: {
      user: string;
      password: string;
      hosts: string[];
      tls: { ca: string; port: number; verify: boolean };
    };
    kv1: { api_key: string; token: string };
    pem: string;
    versions: string[];
  };
  close(): Promise<void>;
}

export const randomText = (bytes = 18) => randomBytes(bytes).toString('base64url');

export async function startVaultFixture(): Promise<VaultFixture> {
  const issuer = await startOidcIssuer();
  const vault = await startVault({ issuer });
  vault.addPolicy('ci', {
    'secret/data/ci/*': ['read'],
    'kv/*': ['read'],
    'database/creds/*': ['read'],
    'sys/leases/revoke': ['update'],
  });
  vault.addJwtRole('ci', {
    bound_audiences: [AUDIENCE],
    bound_claims: { repository: 'octo-org/octo-repo' },
    user_claim: 'repository',
    token_policies: ['ci'],
    token_ttl: 600,
  });
  const values: VaultFixture['values'] = {
    db: {
      user: `user_${randomText(6)}`,
      password: randomText(),
      hosts: [`h1-${randomText(6)}.internal`, `h2-${randomText(6)}.internal`],
      tls: { ca: randomText(24), port: 15432, verify: true },
    },
    kv1: { api_key: `k_${randomText(20)}`, token: `t_${randomText(20)}` },
    pem: generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString(),
    versions: [randomText(), randomText(), randomText()],
  };
  vault.addKvV2('secret', 'ci/db', values.db);
  vault.addKvV2('secret', 'ci/tls', { key: values.pem });
  for (const version of values.versions) vault.addKvV2('secret', 'ci/rotating', { value: version });
  vault.addKvV1('kv', 'legacy', values.kv1);
  vault.addKvV1('kv', 'plain', { text: 'not json ' + randomText() });
  vault.addDatabaseRole('database', 'readonly', { ttlSeconds: 3600 });
  return {
    issuer,
    vault,
    values,
    inputs: (secrets, extra = {}) => ({
      'vault-url': vault.url,
      'vault-role': 'ci',
      'vault-audience': AUDIENCE,
      secrets,
      ...extra,
    }),
    close: async () => {
      await vault.close();
      await issuer.close();
    },
  };
}
