// The store lock never follows a link, breaks locks that claim the impossible, and the
// holder it names is printable text whatever the lock file holds.
import { mkdtemp, readFile, rm, symlink, writeFile, readlink } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireLock } from '../../../src/store/lock.js';
import type { StoreError } from '../../../src/store/errors.js';

const posix = process.platform !== 'win32';
let dir: string;
let lockPath: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'store-lock-'));
  lockPath = join(dir, 'secrets.json.enc.lock');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function outcome(promise: Promise<() => Promise<void>>): Promise<StoreError | 'acquired'> {
  try {
    const release = await promise;
    await release();
    return 'acquired';
  } catch (error) {
    return error as StoreError;
  }
}

const lockText = (over: Record<string, unknown>) =>
  JSON.stringify({ pid: process.pid, host: hostname(), created: Date.now(), nonce: 'n', ...over });

describe('store lock', () => {
  (posix ? it : it.skip)('breaks a lock that is a dangling symbolic link', async () => {
    await symlink(join(dir, 'gone'), lockPath);
    expect(await outcome(acquireLock(lockPath, { timeoutMs: 300 }))).toBe('acquired');
  });

  (posix ? it : it.skip)(
    'refuses a lock that is a link to a file, naming the lock file, and leaves the file alone',
    async () => {
      const victim = join(dir, 'victim');
      await writeFile(victim, lockText({ pid: 1, host: 'elsewhere' }));
      await symlink(victim, lockPath);
      const error = await outcome(acquireLock(lockPath, { timeoutMs: 300 }));
      expect(error).not.toBe('acquired');
      expect((error as StoreError).code).toBe('STORE_IO');
      expect((error as StoreError).message).toBe(
        `the lock file ${lockPath} is a symbolic link, which oidc-secrets never creates; refusing to follow it. Remove it if no oidc-secrets is running`,
      );
      expect(await readlink(lockPath)).toBe(victim);
      expect(await readFile(victim, 'utf8')).toContain('elsewhere');
    },
  );

  it('breaks a lock created in the future (it would never grow stale)', async () => {
    const future = Date.now() + 365 * 24 * 3600 * 1000;
    // A live pid on this host, and a host we cannot check: both claim a year from now.
    await writeFile(lockPath, lockText({ created: future }));
    expect(await outcome(acquireLock(lockPath, { timeoutMs: 300 }))).toBe('acquired');
    await writeFile(lockPath, lockText({ host: 'elsewhere', created: future }));
    expect(await outcome(acquireLock(lockPath, { timeoutMs: 300 }))).toBe('acquired');
  });

  it('breaks a lock whose file time is in the future', async () => {
    await writeFile(lockPath, 'not ours');
    const { utimes } = await import('node:fs/promises');
    const future = new Date(Date.now() + 3600 * 1000);
    await utimes(lockPath, future, future);
    expect(await outcome(acquireLock(lockPath, { timeoutMs: 300 }))).toBe('acquired');
  });

  it.each([99_999_999, -5, 0, 1.5])(
    'breaks a lock held by pid %s, which no process can have',
    async (pid) => {
      await writeFile(lockPath, lockText({ pid, host: 'elsewhere' }));
      expect(await outcome(acquireLock(lockPath, { timeoutMs: 300 }))).toBe('acquired');
    },
  );

  it('names the holder without the control characters its lock file holds', async () => {
    const host = 'build-7\u001b]0;owned\u0007\u001b[2J\r\nline\u009b31m\u202e';
    await writeFile(lockPath, lockText({ host }));
    const error = await outcome(acquireLock(lockPath, { timeoutMs: 200 }));
    expect(error).not.toBe('acquired');
    const message = (error as StoreError).message;
    expect(message).toMatch(
      /^the store is locked by process \d+ on build-7\?\]0;owned\?\?\[2J\?\?line\?31m\? \(lock file /,
    );
    expect(message).not.toMatch(/[\p{Cc}\p{Cf}]/u);
  });

  it('still waits for a live holder on this host and takes the lock once released', async () => {
    const release = await acquireLock(lockPath);
    expect(((await outcome(acquireLock(lockPath, { timeoutMs: 100 }))) as StoreError).code).toBe(
      'STORE_LOCKED',
    );
    await release();
    expect(await outcome(acquireLock(lockPath, { timeoutMs: 100 }))).toBe('acquired');
  });
});
