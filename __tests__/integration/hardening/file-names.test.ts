// export: files sets NAME_FILE beside each secret, and NAME_FILE is held to the reserved names
// of SPEC §1.4a like any name: `SSL_CERT` must not become SSL_CERT_FILE (whom every later
// step's TLS clients trust) pointing at a file that holds the fetched value. Run through the
// built action against the Vault emulator: a line naming one is refused before any token is
// minted; a flattened line that produces one fails before anything is exported, and the
// lease and token it created are revoked. Never a value in the log.
import { randomBytes } from 'node:crypto';
import { expectNoLeak } from '../../../test/support/leaks.js';
import { runJob } from '../../../test/support/runner.js';
import {
  errorsOf,
  expectNothingExported,
  expectNothingLive,
  startVaultFixture,
  type VaultFixture,
} from '../../../test/support/vault-fixture.js';

let fx: VaultFixture;
const bundle = {
  CERT: `fake-cert-${randomBytes(12).toString('hex')}`,
  HOST: `fake-host-${randomBytes(12).toString('hex')}`,
};
const values = [...Object.values(bundle), JSON.stringify(bundle)];

beforeAll(async () => {
  fx = await startVaultFixture();
  fx.vault.addKvV2('secret', 'ci/ssl', bundle);
});
afterAll(() => fx.close());

describe('NAME_FILE under export: files', () => {
  it('refuses a line whose NAME_FILE is reserved before any token is minted', async () => {
    const minted = fx.issuer.tokenRequests.length;
    const job = await runJob({
      inputs: fx.inputs(
        'OK: vault:secret/data/ci/ssl#HOST\nSSL_CERT: vault:secret/data/ci/ssl#CERT',
        {
          export: 'files',
        },
      ),
      issuer: fx.issuer,
    });
    expect(job.main.exitCode).toBe(1);
    expect(errorsOf(job.main)).toEqual([
      "secrets line 2 (SSL_CERT): export files would set SSL_CERT_FILE to the path of SSL_CERT's file, and SSL_CERT_FILE is reserved: it changes which servers TLS clients trust",
    ]);
    expect(fx.issuer.tokenRequests.length).toBe(minted);
    expectNothingExported(job);
    expectNothingLive(fx.vault);
  }, 60_000);

  it('refuses a reserved NAME_FILE a flattened line produces; nothing exported, nothing live', async () => {
    const job = await runJob({
      inputs: fx.inputs('SSL_*: vault:secret/data/ci/ssl', { export: 'files' }),
      issuer: fx.issuer,
    });
    expect(job.main.exitCode).toBe(1);
    expect(errorsOf(job.main)).toEqual([
      "secrets line 1: export files would set SSL_CERT_FILE to the path of SSL_CERT's file, and SSL_CERT_FILE is reserved: it changes which servers TLS clients trust",
    ]);
    expectNothingExported(job);
    expectNoLeak(job.log, values);
    expectNothingLive(fx.vault);
  }, 60_000);

  it('still exports the same lines as env', async () => {
    const job = await runJob({
      inputs: fx.inputs('SSL_*: vault:secret/data/ci/ssl', { export: 'env' }),
      issuer: fx.issuer,
    });
    expect(errorsOf(job.main)).toEqual([]);
    expect(Object.keys(job.main.env).sort()).toEqual(['SSL_CERT', 'SSL_HOST']);
    expectNoLeak(job.log, values);
  }, 60_000);
});
