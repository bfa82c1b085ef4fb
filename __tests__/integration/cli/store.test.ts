import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, runCli, sha } from './cli-process.js';

let dir: string;
const store = (...args: string[]) => runCli(['store', ...args], { cwd: dir });
const fakeToken = (): string => `tok_${randomBytes(18).toString('hex')}`; // 40 characters

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('oidc-secrets --help', () => {
  it.each([
    [['--help']],
    [['-h']],
    [['help']],
    [['help', 'store']],
    [['help', 'store', 'get']],
    [['store', '--help']],
    ...['set', 'get', 'list', 'exists', 'delete', 'import', 'backup', 'rotate-key'].map((sub) => [
      ['store', sub, '--help'],
    ]),
  ])('%j prints usage and exits 0', async (args) => {
    const result = await runCli(args, { cwd: dir });
    expect(result.stdout).toMatch(/^Usage: oidc-secrets /);
    expect(result.code).toBe(0);
  });

  it('prints usage on stderr and exits 1 without a command', async () => {
    const result = await runCli([], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Usage: oidc-secrets /);
  });

  it('rejects an unknown command or option, pointing at --help', async () => {
    const unknown = await runCli(['stor'], { cwd: dir });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown command; expected one of store');
    const option = await store('get', '--revael', 'A');
    expect(option.code).toBe(1);
    expect(option.stderr).toBe(
      'oidc-secrets store get: unknown option --revael; to pass a value that starts with -, put it after --\n' +
        'Run `oidc-secrets store get --help` for usage.\n',
    );
  });

  it('never echoes a value typed where an option was expected', async () => {
    const value = `--${fakeToken()}`;
    const result = await store('set', 'A', value);
    expect(result.code).toBe(1);
    expect(result.stderr.includes(value.slice(2))).toBe(false);
    expect(result.stderr).toContain(
      'unknown option (not shown: it does not read like an option name)',
    );
    // after --, it is a value
    expect((await store('set', 'A', '--', value)).code).toBe(0);
    expect(sha((await store('get', '--reveal', 'A')).stdout)).toBe(sha(value + '\n'));
  });
});

describe('oidc-secrets store', () => {
  it('sets, gets masked and revealed, lists, checks, deletes', async () => {
    const token = fakeToken();
    const created = await store('set', 'API_TOKEN', token);
    expect(created.code).toBe(0);
    expect(created.stderr).toContain(
      `created ${join(dir, 'secrets.json.enc')} with a new key in ${join(dir, 'secrets.key')}`,
    );
    expect(created.stdout).toBe('');
    expect((await stat(join(dir, 'secrets.json.enc'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'secrets.key'))).mode & 0o777).toBe(0o600);

    const masked = await store('get', 'API_TOKEN');
    expect(masked.stdout).toBe(`${token.slice(0, 3)}***...${token.slice(-3)}\n`);
    const revealed = await store('get', '--reveal', 'API_TOKEN');
    expect(sha(revealed.stdout)).toBe(sha(token + '\n'));

    await store('set', 'SHORT', 'abc-1234');
    expect((await store('get', 'SHORT')).stdout).toBe('***\n');
    expect((await store('list')).stdout).toBe('API_TOKEN\nSHORT\n');
    expect((await store('exists', 'SHORT')).code).toBe(0);
    expect((await store('exists', 'NOPE')).code).toBe(1);
    expect((await store('delete', 'SHORT')).code).toBe(0);
    expect((await store('exists', 'SHORT')).code).toBe(1);

    const missing = await store('delete', 'SHORT');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `oidc-secrets: error: no secret named SHORT in ${join(dir, 'secrets.json.enc')}\n`,
    );
    const missingGet = await store('get', 'NOPE');
    expect(missingGet.code).toBe(1);
  });

  it('reads the value from stdin with -, keeping a multi-line value exactly', async () => {
    const token = fakeToken();
    expect(
      (await runCli(['store', 'set', 'PIPED', '-'], { cwd: dir, input: `${token}\n` })).code,
    ).toBe(0);
    expect(sha((await store('get', '--reveal', 'PIPED')).stdout)).toBe(sha(token + '\n'));

    const pem = `-----BEGIN PRIVATE KEY-----\n${randomBytes(48).toString('base64')}\n-----END PRIVATE KEY-----\n`;
    expect((await runCli(['store', 'set', 'PEM'], { cwd: dir, input: pem })).code).toBe(0);
    expect(sha((await store('get', '--reveal', 'PEM')).stdout)).toBe(sha(pem));
    expect((await store('get', 'PEM')).stdout).toBe('---***...--\\n\n');
  });

  it('refuses an empty value and an invalid name, exit 1', async () => {
    const empty = await runCli(['store', 'set', 'EMPTY', '-'], { cwd: dir, input: '\n' });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toBe(
      'oidc-secrets: error: the value for EMPTY is empty: nothing to store\n',
    );
    const bad = await store('set', 'my-key', 'value');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("secret name is not valid (character 3 is '-')");
  });

  it('imports every SECRET_* variable without its prefix, in one write', async () => {
    const a = fakeToken();
    const b = fakeToken();
    const result = await runCli(['store', 'import'], {
      cwd: dir,
      env: { SECRET_DB_PASSWORD: a, SECRET_API_KEY: b, SECRET_EMPTY: '', NOT_SECRET_X: 'x' },
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('warning: SECRET_EMPTY is empty, not imported');
    expect(result.stderr).toContain('imported 2 secrets: API_KEY, DB_PASSWORD');
    expect((await store('list')).stdout).toBe('API_KEY\nDB_PASSWORD\n');
    expect(sha((await store('get', '--reveal', 'DB_PASSWORD')).stdout)).toBe(sha(a + '\n'));

    const invalid = await runCli(['store', 'import'], {
      cwd: dir,
      env: { SECRET_OK: fakeToken(), SECRET_1BAD: fakeToken() },
    });
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('nothing imported');
    expect((await store('list')).stdout).toBe('API_KEY\nDB_PASSWORD\n');

    const none = await runCli(['store', 'import'], { cwd: dir });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no SECRET_* environment variables with a value');
  });

  it('reports a flipped byte as tampering, exit 1', async () => {
    await store('set', 'A', fakeToken());
    const path = join(dir, 'secrets.json.enc');
    const bytes = await readFile(path);
    const at = bytes.indexOf('"data":"') + 12;
    bytes[at] = bytes[at] === 0x41 ? 0x42 : 0x41;
    await writeFile(path, bytes);
    const result = await store('get', '--reveal', 'A');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `oidc-secrets: error: store file ${path} failed authentication: it was modified or the key is wrong (the key ids match, so the file was most likely modified)\n`,
    );
  });

  it('refuses a wrong key and files open to others', async () => {
    await store('set', 'A', fakeToken());
    const key = join(dir, 'secrets.key');
    await chmod(key, 0o644);
    const open = await store('list');
    expect(open.code).toBe(1);
    expect(open.stderr).toContain(
      `key file ${key} is open to other users (mode 644); refusing to use it: run chmod 600 ${key}`,
    );
    await chmod(key, 0o600);
    await writeFile(key, randomBytes(32).toString('base64') + '\n');
    const wrong = await store('list');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(
      'failed authentication: it was modified or the key is wrong (it names key id',
    );
    expect((await store('exists', 'A')).code).toBe(2);
  });

  it('uses -f PATH and $OIDC_SECRETS_STORE, with the key named after the store', async () => {
    expect((await store('set', '-f', 'prod.json.enc', 'A', fakeToken())).code).toBe(0);
    expect(existsSync(join(dir, 'prod.key'))).toBe(true);
    expect((await store('-f', 'prod.json.enc', 'list')).stdout).toBe('A\n');
    const viaEnv = await runCli(['store', 'list'], {
      cwd: dir,
      env: { OIDC_SECRETS_STORE: join(dir, 'prod.json.enc') },
    });
    expect(viaEnv.stdout).toBe('A\n');
    const absent = await store('list');
    expect(absent.code).toBe(1);
    expect(absent.stderr).toContain(`no store file at ${join(dir, 'secrets.json.enc')}`);
  });

  it('backs up the encrypted file and rotates the key', async () => {
    const token = fakeToken();
    await store('set', 'A', token);
    const backup = await store('backup', join(dir, 'copy.enc'));
    expect(backup.code).toBe(0);
    expect(await readFile(join(dir, 'copy.enc'), 'utf8')).toBe(
      await readFile(join(dir, 'secrets.json.enc'), 'utf8'),
    );
    expect((await store('backup', join(dir, 'copy.enc'))).code).toBe(1);

    const keyBefore = await readFile(join(dir, 'secrets.key'), 'utf8');
    const rotated = await store('rotate-key');
    expect(rotated.code).toBe(0);
    expect(rotated.stderr).toMatch(/key id [0-9a-f]{16} → [0-9a-f]{16}/);
    expect(await readFile(join(dir, 'secrets.key'), 'utf8')).not.toBe(keyBefore);
    expect(sha((await store('get', '--reveal', 'A')).stdout)).toBe(sha(token + '\n'));
    // the old backup needs the old key
    const old = await store(
      '-f',
      join(dir, 'copy.enc'),
      '--key-file',
      join(dir, 'secrets.key'),
      'list',
    );
    expect(old.code).toBe(1);
    expect(old.stderr).toContain('failed authentication');
  });

  it('loses no write when two CLI processes write at once', async () => {
    const count = 12;
    const writer = async (prefix: string) => {
      for (let i = 0; i < count; i++) {
        const result = await store('set', `${prefix}_${i}`, `value-${prefix}-${i}`);
        if (result.code !== 0) throw new Error(`set ${prefix}_${i} failed: ${result.stderr}`);
      }
    };
    await Promise.all([writer('LEFT'), writer('RIGHT')]);
    const names = (await store('list')).stdout.trim().split('\n');
    expect(names).toHaveLength(2 * count);
  });
});
