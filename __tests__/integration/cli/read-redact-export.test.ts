// `oidc-secrets read`, `redact` and `export` as a user runs them (the built CLI in a child
// process): values come from env: references and from Vault with a person's token (a lease
// among them, revoked at the end). Every output that should not hold a value is checked for
// the values, their lines, their JSON leaves and their base64.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { expectNoLeak } from '../../../test/support/leaks.js';
import { startVaultFixture, type VaultFixture } from '../vault/fixture.js';
import { CLI, runCli, sha, type CliResult } from './cli-process.js';

let f: VaultFixture;
let dir: string;
let token: string;
const pem = `-----BEGIN PRIVATE KEY-----\n${randomBytes(48).toString('base64')}\n${randomBytes(48).toString('base64')}\n-----END PRIVATE KEY-----\n`;
const json = JSON.stringify({
  user: `u_${randomBytes(6).toString('hex')}`,
  password: randomBytes(15).toString('base64url'),
  nested: { token: `t_${randomBytes(12).toString('hex')}` },
});
const plain = `p_${randomBytes(12).toString('hex')}`;
// Quotes of every kind and a backslash: what dotenv files get wrong most easily.
const awkward = `it's a "q" \\n ${randomBytes(6).toString('hex')}`;
const secrets: unknown[] = [];

const withBase64 = (values: unknown[]) => [
  ...values,
  ...values
    .filter((v): v is string => typeof v === 'string')
    .map((v) => Buffer.from(v).toString('base64')),
];

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  f = await startVaultFixture();
  token = f.vault.issueToken({ policies: ['ci-read'] });
  secrets.push(
    ...withBase64([pem, json, plain, awkward, f.values.db.password, f.values.db.user, token]),
  );
});
afterAll(async () => {
  await f.close();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-rre-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A laptop with the person's Vault token, and the values in variables env: reads. */
const env = (extra: Record<string, string> = {}) => ({
  HOME: dir,
  GITHUB_ACTIONS: '',
  ACTIONS_ID_TOKEN_REQUEST_URL: '',
  VAULT_ADDR: f.vault.url,
  VAULT_TOKEN: token,
  X_PEM: pem,
  X_JSON: json,
  X_PLAIN: plain,
  X_AWKWARD: awkward,
  ...extra,
});

const JOB = [
  'TLS_KEY: env:X_PEM',
  'APP_*: env:X_JSON',
  'PLAIN: env:X_PLAIN',
  'AWKWARD: env:X_AWKWARD',
  'DB_PASSWORD: vault:secret/data/ci/db#password',
  'PG_*: vault:database/creds/readonly',
].join('\n');

async function cli(
  args: string[],
  options: { input?: string; extra?: Record<string, string> } = {},
): Promise<CliResult> {
  return runCli(args, {
    cwd: dir,
    env: env(options.extra),
    ...(options.input !== undefined ? { input: options.input } : {}),
  });
}

describe('oidc-secrets read', () => {
  it('prints exactly the value to a pipe, and nothing of it on stderr', async () => {
    for (const [ref, value] of [
      ['env:X_PEM', pem],
      ['env:X_JSON', json],
      ['vault:secret/data/ci/db#password', f.values.db.password],
    ] as const) {
      const result = await cli(['read', ref]);
      expect(result.code).toBe(0);
      expect(sha(result.stdout)).toBe(sha(value));
      expectNoLeak(result.stderr, secrets);
    }
  });

  it('reads a dynamic secret and revokes its lease when done', async () => {
    const result = await cli(['read', 'vault:database/creds/readonly#password']);
    expect(result.code).toBe(0);
    expect(result.stdout.length).toBeGreaterThan(0);
    expect(f.vault.liveLeases()).toEqual([]);
  });

  it('refuses a terminal without --reveal, before fetching anything; prints to it with --reveal', () => {
    // util-linux `script` gives the command a pseudo-terminal as stdout.
    const base = { ...process.env, ...env() };
    const requestsBefore = f.vault.requests.length;
    const onTerminal = (args: string) =>
      spawnSync('script', ['-qec', `"${process.execPath}" "${CLI}" read ${args}`, '/dev/null'], {
        cwd: dir,
        env: base,
        encoding: 'utf8',
      });
    const refused = onTerminal('vault:secret/data/ci/db#password');
    expect(refused.status).toBe(1);
    expect(refused.stdout).toContain('refusing to print a secret to a terminal');
    expect(refused.stdout).toContain('--reveal');
    expectNoLeak(refused.stdout + refused.stderr, secrets);
    expect(f.vault.requests.length).toBe(requestsBefore);

    const revealed = onTerminal('--reveal env:X_PLAIN');
    expect(revealed.status).toBe(0);
    expect(revealed.stdout.includes(plain)).toBe(true);
  });

  it('in a job, registers the masks on stderr and keeps stdout exactly the value', async () => {
    for (const command of [['read', 'env:X_JSON'], ['redact']]) {
      await writeFile(join(dir, '.oidc-secrets'), 'APP_*: env:X_JSON\n');
      const result = await cli(command, {
        input: command[0] === 'redact' ? `${json}\n` : '',
        extra: { GITHUB_ACTIONS: 'true' },
      });
      expect(result.code).toBe(0);
      expect(result.stdout).not.toContain('::add-mask::');
      expect(result.stderr).toContain('::add-mask::');
      if (command[0] === 'read') expect(sha(result.stdout)).toBe(sha(json));
      else expectNoLeak(result.stdout, secrets);
    }
  });

  it("in a job step's script, registers the masks on stdout before the value when stdout is the step's own, on stderr when it is captured", async () => {
    // As a `run:` step runs it: bash with a script file, its stdout and stderr the runner's
    // pipes (here the test's).
    const script = join(dir, 'step.sh');
    const captured = join(dir, 'captured.txt');
    const q = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
    const node = `${q(process.execPath)} ${q(CLI)}`;
    await writeFile(
      script,
      [
        `${node} read env:X_JSON`,
        `echo`,
        `X="$(${node} read env:X_PLAIN)"`,
        `printf '%s' "$X" > ${q(captured)}`,
      ].join('\n') + '\n',
    );
    const result = spawnSync('bash', ['-e', script], {
      cwd: dir,
      env: { ...process.env, ...env({ GITHUB_ACTIONS: 'true' }) },
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    const lines = result.stdout.split('\n');
    const valueAt = lines.indexOf(json);
    expect(valueAt).toBeGreaterThan(0);
    // Every mask of the bare read is on stdout, before its value; the leaves of the JSON too.
    const masks = lines.slice(0, valueAt);
    expect(masks.length).toBeGreaterThan(0);
    expect(masks.every((line) => line.startsWith('::add-mask::'))).toBe(true);
    expect(lines.slice(valueAt + 1).some((line) => line.startsWith('::add-mask::'))).toBe(false);
    // The captured read: its value is exactly the data, its mask went to stderr.
    expect(sha(await readFile(captured, 'utf8'))).toBe(sha(plain));
    expect(result.stderr.split('\n').filter((l) => l.startsWith('::add-mask::'))).toHaveLength(1);
    expect(result.stdout).not.toContain(plain);
  });

  it('names the REF argument when the reference is bad, and refuses two of them', async () => {
    const bad = await cli(['read', 'nowhere:thing']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^oidc-secrets: error: REF: /m);
    expect(bad.stdout).toBe('');
    // The one-line job read makes is not the user's: no "secrets line 1", no name for it.
    const selector = await cli(['read', 'env:X_PLAIN#x']);
    expect(selector.code).toBe(1);
    expect(selector.stderr).toContain(
      'oidc-secrets: error: REF: the selector #x needs a JSON object, but the value of env:X_PLAIN is not one',
    );
    // A warning about the value says REF too (a short value: its mask hides that text elsewhere).
    const short = await cli(['read', 'env:X_SHORT'], { extra: { X_SHORT: 'a7Q' } });
    expect(short.code).toBe(0);
    expect(short.stderr).toMatch(/^oidc-secrets: warning: REF: a value of 3 characters is masked/m);
    expect(short.stderr).not.toContain('OIDC_SECRETS_READ_VALUE');
    const unset = await cli(['read', 'env:X_NOT_SET_ANYWHERE']);
    expect(unset.stderr).toContain(
      'oidc-secrets: error: REF: env:X_NOT_SET_ANYWHERE: the variable is not set',
    );
    const two = await cli(['read', 'env:X_PLAIN', 'env:X_PEM']);
    expect(two.code).toBe(1);
    expect(two.stderr).toContain('expected one REF, got 2');
    expect(two.stdout).toBe('');
  });
});

describe('oidc-secrets redact', () => {
  it('masks values, their lines, JSON leaves and base64 on the way from stdin to stdout', async () => {
    await writeFile(join(dir, '.oidc-secrets'), JOB);
    const leaves = JSON.parse(json) as {
      user: string;
      password: string;
      nested: { token: string };
    };
    const input = [
      'start of the log',
      `plain ${plain} end`,
      `a pem line: ${pem.split('\n')[1]}`,
      `the json user ${leaves.user} and token ${leaves.nested.token}`,
      `base64 ${Buffer.from(plain).toString('base64')}`,
      `vault ${f.values.db.password}`,
      'end of the log',
      '',
    ].join('\n');
    const result = await cli(['redact'], { input });
    expect(result.code).toBe(0);
    expectNoLeak(result.stdout + result.stderr, secrets);
    expect(result.stdout.startsWith('start of the log\nplain *** end\n')).toBe(true);
    expect(result.stdout).toContain('\nthe json user *** and token ***\n');
    expect(result.stdout.endsWith('vault ***\nend of the log\n')).toBe(true);
    expect(f.vault.liveLeases()).toEqual([]);
  });

  it('names the job file it cannot read, and copies nothing', async () => {
    const result = await cli(['redact', '-c', 'missing.txt'], { input: `${plain}\n` });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`no secrets file ${join(dir, 'missing.txt')}`);
    expect(result.stdout).toBe('');
  });
});

describe('oidc-secrets export', () => {
  const mode = (path: string) => statSync(path).mode & 0o777;

  it('writes a 0600 dotenv file that dotenv reads back unchanged, replacing an older file', async () => {
    await writeFile(join(dir, '.oidc-secrets'), JOB);
    const out = join(dir, 'app.env');
    await writeFile(out, 'OLD=1\n');
    await chmod(out, 0o644);
    const result = await cli(['export', '--format', 'dotenv', '--out', out]);
    expect(result.code).toBe(0);
    expectNoLeak(result.stdout + result.stderr, secrets);
    expect(mode(out)).toBe(0o600);
    const parsed = parse(await readFile(out, 'utf8'));
    const leaves = JSON.parse(json) as { user: string; password: string };
    expect(sha(parsed.TLS_KEY)).toBe(sha(pem));
    expect(sha(parsed.APP_USER)).toBe(sha(leaves.user));
    expect(sha(parsed.APP_PASSWORD)).toBe(sha(leaves.password));
    expect(sha(parsed.PLAIN)).toBe(sha(plain));
    expect(sha(parsed.AWKWARD)).toBe(sha(awkward));
    expect(sha(parsed.DB_PASSWORD)).toBe(sha(f.values.db.password));
    expect(parsed.OLD).toBeUndefined();
    expect(result.stderr).toContain(`wrote `);
  });

  it('writes JSON with every secret', async () => {
    await writeFile(join(dir, '.oidc-secrets'), 'PLAIN: env:X_PLAIN\nTLS_KEY: env:X_PEM\n');
    const out = join(dir, 'secrets.json');
    const result = await cli(['export', '-c', '.oidc-secrets', '--format', 'json', '--out', out]);
    expect(result.code).toBe(0);
    expectNoLeak(result.stdout + result.stderr, secrets);
    expect(mode(out)).toBe(0o600);
    const written = JSON.parse(await readFile(out, 'utf8')) as Record<string, string>;
    expect(Object.keys(written)).toEqual(['PLAIN', 'TLS_KEY']);
    expect(sha(written.TLS_KEY)).toBe(sha(pem));
  });

  it('refuses a path git does not ignore in a work tree, before fetching; writes an ignored one', async () => {
    execFileSync('git', ['init', '-q', dir]);
    await writeFile(join(dir, '.oidc-secrets'), JOB);
    const requestsBefore = f.vault.requests.length;
    const refused = await cli(['export', '--format', 'dotenv', '--out', 'app.env']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `--out ${join(dir, 'app.env')} is inside the git work tree ${dir} and git does not ignore it`,
    );
    expect(existsSync(join(dir, 'app.env'))).toBe(false);
    expect(f.vault.requests.length).toBe(requestsBefore);

    await writeFile(join(dir, '.gitignore'), '*.env\n');
    const ignored = await cli(['export', '--format', 'dotenv', '--out', 'app.env']);
    expect(ignored.code).toBe(0);
    expect(mode(join(dir, 'app.env'))).toBe(0o600);
  });

  it('refuses a tracked file even when .gitignore matches it', async () => {
    execFileSync('git', ['init', '-q', dir]);
    await mkdir(join(dir, 'config'));
    await writeFile(join(dir, 'config', 'app.env'), 'PUBLIC=1\n');
    execFileSync('git', ['-C', dir, 'add', 'config/app.env']);
    await writeFile(join(dir, '.gitignore'), '*.env\n');
    await writeFile(join(dir, '.oidc-secrets'), 'PLAIN: env:X_PLAIN\n');
    const result = await cli(['export', '--format', 'dotenv', '--out', 'config/app.env']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('git does not ignore it');
    expect(await readFile(join(dir, 'config', 'app.env'), 'utf8')).toBe('PUBLIC=1\n');
  });

  it('names the flag at fault', async () => {
    await writeFile(join(dir, '.oidc-secrets'), 'PLAIN: env:X_PLAIN\n');
    const noFormat = await cli(['export', '--out', 'x.env']);
    expect(noFormat.code).toBe(1);
    expect(noFormat.stderr).toContain('--format is required: dotenv or json');
    const badFormat = await cli(['export', '--format', 'yaml', '--out', 'x.env']);
    expect(badFormat.stderr).toContain('--format yaml: expected dotenv or json');
    const noOut = await cli(['export', '--format', 'json']);
    expect(noOut.stderr).toContain('--out PATH is required');
    const noDir = await cli(['export', '--format', 'json', '--out', 'nowhere/x.json']);
    expect(noDir.stderr).toContain(
      `--out ${join(dir, 'nowhere', 'x.json')}: its directory does not exist`,
    );
    const badJob = await cli(['export', '-c', 'jobs.txt', '--format', 'json', '--out', 'x.json']);
    expect(badJob.stderr).toContain(`no secrets file ${join(dir, 'jobs.txt')}`);
    for (const r of [noFormat, badFormat, noOut, noDir, badJob]) {
      expect(r.code).toBe(1);
      expectNoLeak(r.stdout + r.stderr, secrets);
    }
    expect(existsSync(join(dir, 'x.env'))).toBe(false);
    expect(existsSync(join(dir, 'x.json'))).toBe(false);
  });

  it('refuses a value dotenv cannot hold, naming the secret, and writes nothing', async () => {
    await writeFile(join(dir, '.oidc-secrets'), 'ALL_QUOTES: env:X_ALL\n');
    const all = `a'b"c\`d\\n${randomBytes(4).toString('hex')}`;
    const result = await cli(['export', '--format', 'dotenv', '--out', 'x.env'], {
      extra: { X_ALL: all },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ALL_QUOTES: its value cannot be written as a dotenv line');
    expectNoLeak(result.stdout + result.stderr, [...secrets, all]);
    expect(existsSync(join(dir, 'x.env'))).toBe(false);
  });
});
