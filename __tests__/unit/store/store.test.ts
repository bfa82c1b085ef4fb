import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { StoreError } from '../../../src/store/errors.js';
import { keyId, parseEnvelope } from '../../../src/store/format.js';
import { encodeKey, generateKey, parseKey } from '../../../src/store/key.js';
import { acquireLock } from '../../../src/store/lock.js';
import { keyPathBeside, resolveStoreLocation } from '../../../src/store/location.js';
import { LocalStore, readStoreWithKey } from '../../../src/store/store.js';

const run = promisify(execFile);
const sha = (text: string | undefined): string =>
  createHash('sha256')
    .update(text ?? '<undefined>')
    .digest('hex')
    .slice(0, 16);

let dir: string;
let store: LocalStore;
const storePath = (): string => join(dir, 'secrets.json.enc');
const keyPath = (): string => join(dir, 'secrets.key');

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'store-test-'));
  store = new LocalStore({ storePath: storePath(), keyPath: keyPath() }, { timeoutMs: 2_000 });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return error instanceof StoreError ? error.code : `not a StoreError: ${String(error)}`;
  }
  return undefined;
}

const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

describe('LocalStore', () => {
  it('creates the store and its key, both 0600, on the first set', async () => {
    const result = await store.set([['API_TOKEN', 'tok-0123456789abcdef']]);
    expect(result).toEqual({ createdStore: true, createdKey: true });
    expect(await mode(storePath())).toBe(0o600);
    expect(await mode(keyPath())).toBe(0o600);
    expect(parseKey(await readFile(keyPath(), 'utf8'), 'k')).toHaveLength(32);
    expect(await store.set([['OTHER', 'x-value']])).toEqual({
      createdStore: false,
      createdKey: false,
    });
  });

  it('round-trips set, get, names, delete', async () => {
    const values = new Map([
      ['A', 'first-value'],
      ['B_2', 'line one\nline two\n'],
      ['_C', '{"user":"u","pass":"p4ss"}'],
    ]);
    await store.set(values);
    expect(await store.names()).toEqual(['A', 'B_2', '_C']);
    for (const [name, value] of values) expect(sha(await store.get(name))).toBe(sha(value));
    await store.set([['A', 'replaced-value']]);
    expect(sha(await store.get('A'))).toBe(sha('replaced-value'));
    expect(await store.delete('B_2')).toBe(true);
    expect(await store.delete('B_2')).toBe(false);
    expect(await store.names()).toEqual(['A', '_C']);
    // a second instance (another process) reads the same
    const again = new LocalStore({ storePath: storePath(), keyPath: keyPath() });
    expect(sha(await again.get('_C'))).toBe(sha(values.get('_C')));
  });

  it('leaves no temp or lock file behind', async () => {
    await store.set([['A', 'value-a']]);
    await store.rotateKey();
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(dir)).sort()).toEqual(['secrets.json.enc', 'secrets.key']);
  });

  it('refuses invalid names and empty values', async () => {
    expect(await codeOf(store.set([['1ABC', 'v']]))).toBe('STORE_NAME');
    expect(await codeOf(store.set([['A-B', 'v']]))).toBe('STORE_NAME');
    expect(await codeOf(store.set([['A', '']]))).toBe('STORE_VALUE');
    expect(await codeOf(store.get('has space'))).toBe('STORE_NAME');
  });

  it('reports a missing store and a missing key', async () => {
    expect(await codeOf(store.names())).toBe('STORE_NOT_FOUND');
    await store.set([['A', 'value-a']]);
    await rm(keyPath());
    expect(await codeOf(store.names())).toBe('STORE_KEY_NOT_FOUND');
    // and never makes a new key for an existing store
    expect(await codeOf(store.set([['B', 'value-b']]))).toBe('STORE_KEY_NOT_FOUND');
  });

  it('refuses store and key files that others can read or write', async () => {
    await store.set([['A', 'value-a']]);
    for (const [path, bad] of [
      [storePath(), 0o640],
      [storePath(), 0o604],
      [keyPath(), 0o644],
      [keyPath(), 0o620],
    ] as const) {
      await chmod(path, bad);
      let message = '';
      try {
        await store.names();
      } catch (error) {
        expect((error as StoreError).code).toBe('STORE_PERMISSIONS');
        message = (error as Error).message;
      }
      expect(message).toContain(`run chmod 600 ${path}`);
      expect(await codeOf(store.set([['B', 'value-b']]))).toBe('STORE_PERMISSIONS');
      await chmod(path, 0o600);
    }
    expect(await store.names()).toEqual(['A']);
  });

  it('detects a modified store file', async () => {
    await store.set([['A', 'value-a']]);
    const text = await readFile(storePath(), 'utf8');
    const envelope = JSON.parse(text) as { data: string };
    const data = Buffer.from(envelope.data, 'base64');
    data[data.length - 1]! ^= 0x20;
    await writeFile(
      storePath(),
      JSON.stringify({ ...envelope, data: data.toString('base64') }) + '\n',
    );
    await expect(store.get('A')).rejects.toThrow(
      `store file ${storePath()} failed authentication: it was modified or the key is wrong`,
    );
  });

  it('refuses a wrong key', async () => {
    await store.set([['A', 'value-a']]);
    await writeFile(keyPath(), encodeKey(generateKey()), { mode: 0o600 });
    expect(await codeOf(store.get('A'))).toBe('STORE_AUTH');
  });

  it('rotates the key: same secrets, new key, old key useless', async () => {
    await store.set([
      ['A', 'value-a'],
      ['B', 'value-b'],
    ]);
    const oldKey = parseKey(await readFile(keyPath(), 'utf8'), 'k');
    const { oldKeyId, newKeyId } = await store.rotateKey();
    const newKey = parseKey(await readFile(keyPath(), 'utf8'), 'k');
    expect(oldKeyId).toBe(keyId(oldKey));
    expect(newKeyId).toBe(keyId(newKey));
    expect(newKey.equals(oldKey)).toBe(false);
    expect(await mode(keyPath())).toBe(0o600);
    expect(sha(await store.get('B'))).toBe(sha('value-b'));
    expect(await codeOf(readStoreWithKey(storePath(), oldKey))).toBe('STORE_AUTH');
    expect((await readStoreWithKey(storePath(), newKey)).size).toBe(2);
  });

  it('survives a crash after rotate-key wrote the new key but not the store', async () => {
    await store.set([['A', 'value-a']]);
    await writeFile(`${keyPath()}.next`, encodeKey(generateKey()), { mode: 0o600 });
    expect(sha(await store.get('A'))).toBe(sha('value-a'));
    await store.set([['B', 'value-b']]); // the next write drops the unused key
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(dir)).not.toContain('secrets.key.next');
    expect(await store.names()).toEqual(['A', 'B']);
  });

  it('survives a crash after rotate-key wrote the store but before it replaced the key', async () => {
    await store.set([['A', 'value-a']]);
    const oldKeyText = await readFile(keyPath(), 'utf8');
    await store.rotateKey();
    // Rebuild the state between step 2 and 3: store under the new key, new key in .next,
    // old key still in place.
    const newKeyText = await readFile(keyPath(), 'utf8');
    await writeFile(`${keyPath()}.next`, newKeyText, { mode: 0o600 });
    await writeFile(keyPath(), oldKeyText, { mode: 0o600 });
    expect(sha(await store.get('A'))).toBe(sha('value-a')); // readers find the new key
    await store.set([['B', 'value-b']]); // a writer finishes the rotation
    expect(await readFile(keyPath(), 'utf8')).toBe(newKeyText);
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(dir)).not.toContain('secrets.key.next');
    const envelope = parseEnvelope(await readFile(storePath(), 'utf8'), storePath());
    expect(envelope.kid).toBe(keyId(parseKey(newKeyText, 'k')));
  });

  it('backs up the encrypted file as is, privately, without overwriting by default', async () => {
    await store.set([['A', 'value-a']]);
    const target = join(dir, 'backup.enc');
    expect(await store.backup(target)).toBe(target);
    expect(await readFile(target, 'utf8')).toBe(await readFile(storePath(), 'utf8'));
    expect(await mode(target)).toBe(0o600);
    expect(await codeOf(store.backup(target))).toBe('STORE_EXISTS');
    await store.set([['B', 'value-b']]);
    await store.backup(target, { force: true });
    expect(await readFile(target, 'utf8')).toBe(await readFile(storePath(), 'utf8'));
    expect(await codeOf(store.backup(storePath(), { force: true }))).toBe('STORE_EXISTS');
  });

  it('waits for the lock, and gives up with a clear error', async () => {
    await store.set([['A', 'value-a']]);
    const release = await acquireLock(`${storePath()}.lock`);
    const quick = new LocalStore(store.location, { timeoutMs: 200 });
    let message = '';
    try {
      await quick.set([['B', 'value-b']]);
    } catch (error) {
      expect((error as StoreError).code).toBe('STORE_LOCKED');
      message = (error as Error).message;
    }
    expect(message).toContain(`the store is locked by process ${process.pid}`);
    const waiting = store.set([['C', 'value-c']]);
    await new Promise((done) => setTimeout(done, 50));
    await release();
    await waiting;
    expect(await store.names()).toEqual(['A', 'C']);
  });

  it('breaks a lock left by a process that is gone', async () => {
    await store.set([['A', 'value-a']]);
    const { stdout } = await run(process.execPath, [
      '-e',
      'process.stdout.write(String(process.pid))',
    ]);
    const { hostname } = await import('node:os');
    await writeFile(
      `${storePath()}.lock`,
      JSON.stringify({ pid: Number(stdout), host: hostname(), created: Date.now(), nonce: 'x' }),
    );
    await store.set([['B', 'value-b']]);
    expect(await store.names()).toEqual(['A', 'B']);
  });

  it('breaks a lock older than the stale limit', async () => {
    await store.set([['A', 'value-a']]);
    await writeFile(`${storePath()}.lock`, 'garbage');
    const old = new Date(Date.now() - 60_000);
    const { utimes } = await import('node:fs/promises');
    await utimes(`${storePath()}.lock`, old, old);
    await store.set([['B', 'value-b']]);
    expect(await store.names()).toEqual(['A', 'B']);
  });

  it('loses no write when two processes write at once', async () => {
    const count = 40;
    const writer = join(import.meta.dirname, 'fixtures', 'writer.ts');
    const args = (prefix: string) => [
      '--import',
      'tsx',
      writer,
      storePath(),
      keyPath(),
      prefix,
      String(count),
    ];
    await Promise.all([run(process.execPath, args('LEFT')), run(process.execPath, args('RIGHT'))]);
    const names = await store.names();
    expect(names).toHaveLength(2 * count);
    for (let i = 0; i < count; i++) {
      expect(sha(await store.get(`LEFT_${i}`))).toBe(sha(`value-LEFT-${i}`));
      expect(sha(await store.get(`RIGHT_${i}`))).toBe(sha(`value-RIGHT-${i}`));
    }
  });
});

describe('store location', () => {
  it('defaults to ./secrets.json.enc and a key named after the store', () => {
    expect(resolveStoreLocation({ env: {}, cwd: '/w' })).toEqual({
      storePath: '/w/secrets.json.enc',
      keyPath: '/w/secrets.key',
    });
    expect(
      resolveStoreLocation({ env: { OIDC_SECRETS_STORE: 'x/prod.json.enc' }, cwd: '/w' }),
    ).toEqual({
      storePath: '/w/x/prod.json.enc',
      keyPath: '/w/x/prod.key',
    });
    expect(
      resolveStoreLocation({
        file: '/s/team.enc',
        keyFile: 'k/team.key',
        env: { OIDC_SECRETS_STORE: '/ignored' },
        cwd: '/w',
      }),
    ).toEqual({ storePath: '/s/team.enc', keyPath: '/w/k/team.key' });
    expect(keyPathBeside('/a/store')).toBe('/a/store.key');
  });
});
