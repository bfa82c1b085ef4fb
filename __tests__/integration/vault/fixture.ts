// The shared Vault fixture, seeded with generated values of every shape the road handles:
// a KV v2 object with nested objects and arrays, a PEM, versions, KV v1, a non-JSON value.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  startVaultFixture as startSharedFixture,
  VAULT_AUDIENCE,
  type VaultFixture as SharedFixture,
} from '../../../test/support/vault-fixture.js';

export const AUDIENCE = VAULT_AUDIENCE;

export interface VaultFixture extends SharedFixture {
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
}

export const randomText = (bytes = 18) => randomBytes(bytes).toString('base64url');

export async function startVaultFixture(): Promise<VaultFixture> {
  const fixture = await startSharedFixture();
  const { vault } = fixture;
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
  return { ...fixture, values };
}
