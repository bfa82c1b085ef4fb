// Vault writes (SPEC §1.1a `vault:PATH?method=POST&k=v…`) on the real road against the
// Vault emulator's PKI engine: the other options are the JSON body, NAME_* flattens the
// answer, the certificate is recorded in the ledger the moment it exists, and revoking the
// ledger (what post does) revokes it with pki/revoke before the token goes.
import type { LedgerEntry } from '../../../src/core/ledger.js';
import { MaskGate } from '../../../src/core/mask.js';
import { ActionError, ActionErrors } from '../../../src/core/errors.js';
import { planSecrets } from '../../../src/core/plan/plan.js';
import { revokeEntries } from '../../../src/core/revoke.js';
import { readConfig } from '../../../src/github/inputs.js';
import { runnerProviderDeps } from '../../../src/github/providers.js';
import { createProvider } from '../../../src/providers/registry.js';
import { quiet, runActionPipeline } from '../../../test/support/pipeline.js';
import { expectNoLeak } from '../../../test/support/leaks.js';
import { startVaultFixture, type VaultFixture } from '../../../test/support/vault-fixture.js';

let fx: VaultFixture;

beforeAll(async () => {
  fx = await startVaultFixture();
  fx.vault.addPolicy('ci-read', {
    'pki/issue/*': ['update'],
    'pki/sign/*': ['update'],
    'pki/revoke': ['update'],
    'sys/leases/revoke': ['update'],
  });
  fx.vault.addPkiRole('pki', 'web', { allowedDomains: ['example.com'], ttlSeconds: 600 });
});

afterAll(() => fx.close());

async function run(secrets: string) {
  const masks: string[] = [];
  const printed: string[] = [];
  const ledger: LedgerEntry[] = [];
  const gate = new MaskGate({ add: (v: string) => masks.push(v) }, (m: string) => printed.push(m));
  const inputs = fx.inputs(secrets);
  const env = fx.issuer.env();
  const result = await runActionPipeline(secrets, inputs, env, gate, (e) => ledger.push(e));
  const revoke = async () => {
    const config = readConfig((name) => inputs[name] ?? '', env);
    const { http, deps } = runnerProviderDeps(config.settings.pipeline, gate, () => {}, env, quiet);
    try {
      return await revokeEntries(
        ledger,
        { settings: config.settings.providers, deps },
        createProvider,
        {
          removeFiles: false,
        },
      );
    } finally {
      http.close();
    }
  };
  const env2 = Object.fromEntries(result.secrets.map((s) => [s.name, s.value]));
  expectNoLeak(
    [...printed, ...result.messages, ...ledger.map((e) => e.label)].join('\n'),
    [...Object.values(env2)],
    { minLength: 8 },
  ); // private_key_type "ec" is no secret
  return { env: env2, messages: result.messages, masks, ledger, revoke };
}

describe('vault:PATH?method=POST', () => {
  it('issues a certificate, flattens it, records it, and revoking the ledger revokes it', async () => {
    const result = await run(
      'CERT_*: vault:pki/issue/web?method=POST&common_name=ci.example.com&ttl=10m',
    );
    expect(result.messages).toEqual([]);
    expect(Object.keys(result.env).sort()).toEqual([
      'CERT_CA_CHAIN_0',
      'CERT_CERTIFICATE',
      'CERT_EXPIRATION',
      'CERT_ISSUING_CA',
      'CERT_PRIVATE_KEY',
      'CERT_PRIVATE_KEY_TYPE',
      'CERT_SERIAL_NUMBER',
    ]);
    expect(result.env.CERT_PRIVATE_KEY).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    // The key's every line passed the mask gate (it is multi-line: masked line by line).
    for (const line of result.env.CERT_PRIVATE_KEY!.split('\n').filter((l) => l.length > 40))
      expect(result.masks).toContain(line);
    const issued = fx.vault.certificates().at(-1)!;
    expect(issued.commonName).toBe('ci.example.com');
    expect(issued.serial).toBe(result.env.CERT_SERIAL_NUMBER);
    const recorded = result.ledger.filter((e) => e.kind === 'certificate');
    expect(recorded).toEqual([
      expect.objectContaining({ provider: 'vault', data: { mount: 'pki', serial: issued.serial } }),
    ]);

    const outcomes = await result.revoke();
    expect(outcomes.map((o) => [o.entry.kind, o.outcome])).toEqual([
      ['certificate', 'revoked'],
      ['token', 'revoked'],
    ]);
    expect(fx.vault.certificates().at(-1)!.revoked).toBe(true);
    expect(fx.vault.liveTokens()).toBe(0);
  });

  it('sends a CSR to pki/sign and records the certificate it returns', async () => {
    const result = await run(
      'SIGNED_*: vault:pki/sign/web?method=POST&common_name=app.example.com&csr=fake-csr-text',
    );
    expect(result.messages).toEqual([]);
    expect(result.env.SIGNED_PRIVATE_KEY).toBeUndefined();
    expect(result.ledger.filter((e) => e.kind === 'certificate')).toHaveLength(1);
    await result.revoke();
    expect(fx.vault.certificates().at(-1)!.revoked).toBe(true);
  });

  it('reports Vault refusing the body, naming the line; nothing exported, nothing recorded', async () => {
    const result = await run('CERT_*: vault:pki/issue/web?method=POST&common_name=evil.org');
    expect(result.env).toEqual({});
    expect(result.messages).toEqual([
      'secrets line 1: vault:pki/issue/web: HTTP 400: common name evil.org not allowed by this role',
    ]);
    expect(result.ledger.filter((e) => e.kind === 'certificate')).toEqual([]);
    await result.revoke();
  });

  it.each([
    ['C_*: vault:pki/issue/web?method=GET', /option method must be POST or PUT/],
    ['C_*: vault:pki/issue/web?method=POST&Common-Name=x', /unknown option/],
    ['C_*: vault:pki/issue/web?method=POST&ttl=', /option ttl needs a value/],
    ['C_*: vault:pki/issue/web?method=POST&version=2', /a write \(method=\) takes no version/],
    ['C_*: vault:pki/issue/web?common_name=x', /unknown option 'common_name'/],
  ])('refuses %s before any request', (line, expected) => {
    let messages: string[] = [];
    try {
      planSecrets(line);
    } catch (error) {
      if (error instanceof ActionErrors) messages = error.errors.map((e) => e.message);
      else if (error instanceof ActionError) messages = [error.message];
      else throw error;
    }
    expect(messages).toEqual([expect.stringMatching(expected)]);
  });
});
