// require-oidc and VAULT_TOKEN: a token an earlier oidc-secrets step of this job exported
// (its record beside its later-step files under RUNNER_TEMP) passes; a token from
// `secrets.*`, another job's, a record anyone else could have written or a link to one
// does not. Tokens here are generated per test; no message may contain one.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  VAULT_TOKEN_RECORD,
  vaultTokenFromThisJob,
  vaultTokenRecord,
} from '../../../src/core/job-vault-token.js';
import { checkPolicy } from '../../../src/core/policy.js';

const strict = { requireOidc: true, allowUntrustedEvents: false };
const token = () => `hvs.${randomBytes(18).toString('base64url')}`;

let runnerTemp: string;
let job: NodeJS.ProcessEnv;

beforeEach(() => {
  runnerTemp = mkdtempSync(join(tmpdir(), 'vault-record-'));
  job = {
    RUNNER_TEMP: runnerTemp,
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'deploy',
  };
});
afterEach(() => rmSync(runnerTemp, { recursive: true, force: true }));

/** What `credentials: vault: env` leaves: a mkdtemp directory (0700) with the record (0600). */
function exported(value: string, env: NodeJS.ProcessEnv = job): string {
  const dir = mkdtempSync(join(runnerTemp, 'oidc-secrets-'));
  writeFileSync(join(dir, VAULT_TOKEN_RECORD), vaultTokenRecord(value, env), {
    mode: 0o600,
    flag: 'wx',
  });
  return dir;
}

const policy = (value: string, env: NodeJS.ProcessEnv = job) =>
  checkPolicy(strict, { ...env, VAULT_TOKEN: value }).map((e) => e.message);

describe('VAULT_TOKEN under require-oidc', () => {
  it('passes the token an earlier oidc-secrets step of this job exported', () => {
    const mine = token();
    exported(mine);
    expect(vaultTokenFromThisJob(mine, job)).toBe(true);
    expect(policy(mine)).toEqual([]);
  });

  it('refuses a token from secrets.* even beside such a record, naming the variable and never the value', () => {
    exported(token());
    const fromSecrets = token();
    const found = policy(fromSecrets);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /^require-oidc: the environment variable VAULT_TOKEN holds a Vault token/,
    );
    expect(found[0]).toContain('credentials: vault: env');
    expect(found[0]?.includes(fromSecrets)).toBe(false);
  });

  it('refuses without RUNNER_TEMP, or with no record at all', () => {
    const mine = token();
    expect(policy(mine)).toHaveLength(1);
    exported(mine);
    expect(policy(mine, { ...job, RUNNER_TEMP: undefined })).toHaveLength(1);
  });

  it.each([
    ['another run', { GITHUB_RUN_ID: '4243' }],
    ['another attempt of the run', { GITHUB_RUN_ATTEMPT: '2' }],
    ['another job of the run', { GITHUB_JOB: 'build' }],
  ])('refuses a record made in %s (a self-hosted runner’s leftovers)', (_what, other) => {
    const mine = token();
    exported(mine, { ...job, ...other });
    expect(policy(mine)).toHaveLength(1);
  });

  it('refuses a record without the run context it was made in', () => {
    const mine = token();
    const bare = { RUNNER_TEMP: runnerTemp };
    exported(mine, bare);
    expect(vaultTokenFromThisJob(mine, bare)).toBe(false);
  });

  it('refuses a record others could have written: a readable directory, a readable file', () => {
    const first = token();
    const dir = exported(first);
    chmodSync(dir, 0o755);
    expect(policy(first)).toHaveLength(1);
    chmodSync(dir, 0o700);
    chmodSync(join(dir, VAULT_TOKEN_RECORD), 0o644);
    expect(policy(first)).toHaveLength(1);
    chmodSync(join(dir, VAULT_TOKEN_RECORD), 0o600);
    expect(policy(first)).toEqual([]);
  });

  it('follows no link: neither a linked record nor a linked directory counts', () => {
    const mine = token();
    const real = exported(mine);
    const elsewhere = mkdtempSync(join(runnerTemp, 'elsewhere-'));
    rmSync(join(real, VAULT_TOKEN_RECORD));
    const target = join(elsewhere, 'record.json');
    writeFileSync(target, vaultTokenRecord(mine, job), { mode: 0o600 });
    symlinkSync(target, join(real, VAULT_TOKEN_RECORD));
    expect(policy(mine)).toHaveLength(1);

    const other = token();
    const outside = mkdtempSync(join(tmpdir(), 'vault-record-outside-'));
    try {
      chmodSync(outside, 0o700);
      writeFileSync(join(outside, VAULT_TOKEN_RECORD), vaultTokenRecord(other, job), {
        mode: 0o600,
      });
      symlinkSync(outside, join(runnerTemp, 'oidc-secrets-LnkDir'));
      expect(policy(other)).toHaveLength(1);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('looks only in directories named as main names them', () => {
    const mine = token();
    const dir = join(runnerTemp, 'not-ours');
    mkdirSync(dir, { mode: 0o700 });
    writeFileSync(join(dir, VAULT_TOKEN_RECORD), vaultTokenRecord(mine, job), { mode: 0o600 });
    expect(policy(mine)).toHaveLength(1);
  });

  it('the record holds neither the token nor its base64', () => {
    const mine = token();
    const text = vaultTokenRecord(mine, job);
    expect(text.includes(mine)).toBe(false);
    expect(text.includes(Buffer.from(mine).toString('base64'))).toBe(false);
    // Salted: the same token never gives the same record twice.
    expect(vaultTokenRecord(mine, job)).not.toBe(text);
  });
});
