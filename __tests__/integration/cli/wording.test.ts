// One misconfiguration, two front ends: the pipeline names a setting, and each front end
// words it its own way — the action as an input, `oidc-secrets run` as its flag and
// variable. A person on a laptop is never told about "the vault-url input".
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJob } from '../../../test/support/runner.js';
import { errorsOf } from '../../../test/support/vault-fixture.js';
import { AUDIENCE, startVaultFixture, type VaultFixture } from '../vault/fixture.js';
import { CLI, runCli } from './cli-process.js';

let f: VaultFixture;
let dir: string;

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  f = await startVaultFixture();
});
afterAll(async () => {
  await f.close();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-wording-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(secrets: string, env: Record<string, string>, flags: string[] = []) {
  await writeFile(join(dir, '.oidc-secrets'), `${secrets}\n`);
  return runCli(['run', ...flags, '--', 'true'], { cwd: dir, env: { ...f.issuer.env(), ...env } });
}

describe('the same misconfiguration, worded by each front end', () => {
  const MALFORMED_URL = 'ftp://vault.example.com';
  const SECRETS = 'DB_*: vault:secret/data/ci/db';

  it('a malformed vault url: the action names its input', async () => {
    const job = await runJob({
      inputs: { ...f.inputs(SECRETS), 'vault-url': MALFORMED_URL },
      issuer: f.issuer,
    });
    expect(job.main.exitCode).toBe(1);
    expect(errorsOf(job.main)).toEqual([
      expect.stringMatching(/^input vault-url: expected an https:\/\/ URL$/),
    ]);
  });

  it.each([
    ['its variable', { OIDC_SECRETS_VAULT_URL: MALFORMED_URL }, []],
    ['its flag', {}, ['--vault-url', MALFORMED_URL]],
  ])(
    'a malformed vault url: run names the flag and the variable (given as %s)',
    async (_how, env, flags) => {
      const result = await cli(SECRETS, env, flags);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        '--vault-url (OIDC_SECRETS_VAULT_URL): expected an https:// URL',
      );
      expect(result.stderr).not.toMatch(/input vault-url|vault-url input/);
    },
  );

  it('a gcp: line without a workload identity provider: the action names its input', async () => {
    const job = await runJob({
      inputs: f.inputs('KEY: gcp:projects/my-proj/secrets/api'),
      issuer: f.issuer,
    });
    expect(job.main.exitCode).toBe(1);
    expect(errorsOf(job.main)).toEqual([
      expect.stringMatching(
        /^secrets line 1: gcp: references need the gcp-workload-identity-provider input \(projects\/NUMBER/,
      ),
    ]);
  });

  it('a gcp: line without a workload identity provider: run names the flag and the variable', async () => {
    const tokensBefore = f.issuer.tokenRequests.length;
    const result = await cli('KEY: gcp:projects/my-proj/secrets/api', {});
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'secrets line 1: gcp: references need --gcp-workload-identity-provider (OIDC_SECRETS_GCP_WORKLOAD_IDENTITY_PROVIDER)',
    );
    expect(result.stderr).not.toMatch(/input/);
    expect(f.issuer.tokenRequests.length).toBe(tokensBefore);
  });

  it('run takes a provider setting as a flag, over its variable', async () => {
    const result = await cli(
      SECRETS,
      { OIDC_SECRETS_VAULT_URL: MALFORMED_URL, OIDC_SECRETS_VAULT_AUDIENCE: AUDIENCE },
      ['--vault-url', f.vault.url, '--vault-role', 'ci'],
    );
    expect(result.code).toBe(0);
    expect(f.vault.liveTokens()).toBe(0);
  });
});
