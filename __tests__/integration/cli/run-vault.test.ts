// `run` with a cloud provider where the environment can mint an OIDC token: the Vault
// emulator trusts the OIDC issuer emulator, as a self-hosted runner's job would see them.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUDIENCE, startVaultFixture, type VaultFixture } from '../vault/fixture.js';
import { CLI, expectOutput, runCli, sha } from './cli-process.js';

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
  dir = await mkdtemp(join(tmpdir(), 'cli-run-vault-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const vaultEnv = () => ({
  ...f.issuer.env(),
  OIDC_SECRETS_VAULT_URL: f.vault.url,
  OIDC_SECRETS_VAULT_ROLE: 'ci',
  OIDC_SECRETS_VAULT_AUDIENCE: AUDIENCE,
});

describe('oidc-secrets run with vault:', () => {
  it('logs in with the OIDC token, masks the values, and revokes the lease and token after CMD', async () => {
    await writeFile(
      join(dir, '.oidc-secrets'),
      'DB_*: vault:secret/data/ci/db\nPG_*: vault:database/creds/readonly\n',
    );
    const script = `const h=(v)=>require('crypto').createHash('sha256').update(v??'').digest('hex').slice(0,16);
      console.log('hash', h(process.env.DB_PASSWORD));
      console.log('db', process.env.DB_USER, process.env.DB_TLS_PORT, 'pg', process.env.PG_USERNAME ? 'set' : 'unset', process.env.PG_PASSWORD);`;
    const result = await runCli(['run', '--', process.execPath, '-e', script], {
      cwd: dir,
      env: vaultEnv(),
    });
    expect(result.code).toBe(0);
    expectOutput(result.stdout, `hash ${sha(f.values.db.password)}\ndb *** *** pg set ***\n`);
    expect(f.vault.liveLeases()).toEqual([]);
    expect(f.vault.liveTokens()).toBe(0);
    expect(result.stderr).toMatch(/revoked: vault lease /);
  });

  it('says why when a job cannot mint an OIDC token', async () => {
    await writeFile(join(dir, '.oidc-secrets'), 'DB_*: vault:secret/data/ci/db\n');
    const result = await runCli(['run', '--', 'true'], {
      cwd: dir,
      env: {
        OIDC_SECRETS_VAULT_URL: f.vault.url,
        OIDC_SECRETS_VAULT_ROLE: 'ci',
        GITHUB_ACTIONS: 'true',
        ACTIONS_ID_TOKEN_REQUEST_URL: '',
        HOME: dir,
        VAULT_TOKEN: '',
      },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot mint a GitHub OIDC token');
  });

  it('on a laptop without a Vault login, says how to log in', async () => {
    await writeFile(join(dir, '.oidc-secrets'), 'DB_*: vault:secret/data/ci/db\n');
    const result = await runCli(['run', '--', 'true'], {
      cwd: dir,
      env: {
        OIDC_SECRETS_VAULT_URL: f.vault.url,
        GITHUB_ACTIONS: '',
        ACTIONS_ID_TOKEN_REQUEST_URL: '',
        HOME: dir,
        VAULT_TOKEN: '',
      },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no Vault token here: set VAULT_TOKEN, or run `vault login`');
  });
});
