// An inter-process lock beside the store, so that two writers never read-modify-write over
// each other. Node has no flock(), so the lock is a file that exists only while held:
//
// - acquire: write our identity to a private temp file, then link() it to the lock name.
//   link fails with EEXIST if the lock exists, atomically, and unlike open(O_EXCL) +
//   write, the lock never exists half-written;
// - a lock whose holder is gone (same host, pid no longer alive) or that is older than
//   `staleMs` (store operations take milliseconds) is broken. Breaking happens under a
//   second, tiny guard file, re-reading the lock under it, so that two waiters cannot both
//   break it and one of them delete the lock the other just took;
// - release removes the lock only if it is still ours;
// - waiting is bounded: after `timeoutMs` the caller gets an error naming the lock file
//   and the process holding it.
import { link, open, readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { StoreError, errnoCode } from './errors.js';
import { ioError } from './private-file.js';

export interface LockOptions {
  /** How long to wait for another holder (default 10 s). */
  timeoutMs?: number;
  /** A lock older than this is abandoned, whatever its pid (default 30 s). */
  staleMs?: number;
}

interface LockOwner {
  pid: number;
  host: string;
  created: number;
  nonce: string;
}

const GUARD_STALE_MS = 5_000;

export async function withLock<T>(
  lockPath: string,
  action: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const release = await acquireLock(lockPath, options);
  try {
    return await action();
  } finally {
    await release();
  }
}

export async function acquireLock(
  lockPath: string,
  options: LockOptions = {},
): Promise<() => Promise<void>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const staleMs = options.staleMs ?? 30_000;
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    created: Date.now(),
    nonce: randomBytes(8).toString('hex'),
  };
  const deadline = Date.now() + timeoutMs;
  let delay = 2;
  let lastHolder = '';
  for (;;) {
    owner.created = Date.now();
    if (await tryLink(lockPath, JSON.stringify(owner))) {
      const mine = JSON.stringify(owner);
      return async () => {
        // Only ours: if we were so slow that someone broke our lock, the lock is theirs now.
        const current = await readFile(lockPath, 'utf8').catch(() => undefined);
        if (current === mine) await unlink(lockPath).catch(() => undefined);
      };
    }
    const held = await readFile(lockPath, 'utf8').catch(() => undefined);
    if (held !== undefined) {
      const holder = parseOwner(held);
      lastHolder = holder ? `process ${holder.pid} on ${holder.host}` : 'an unknown process';
      if (await isStale(lockPath, holder, staleMs)) {
        await breakLock(lockPath, held);
        continue;
      }
    }
    if (Date.now() >= deadline) {
      throw new StoreError(
        'STORE_LOCKED',
        `the store is locked by ${lastHolder || 'another process'} (lock file ${lockPath}); ` +
          `waited ${Math.round(timeoutMs / 1000)} s. Remove the lock file if no oidc-secrets is running`,
      );
    }
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 50);
  }
}

async function tryLink(lockPath: string, content: string): Promise<boolean> {
  const temp = `${lockPath}.${process.pid}.${randomBytes(6).toString('hex')}`;
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(content, 'utf8');
    } finally {
      await handle.close();
    }
    await link(temp, lockPath);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return false;
    throw ioError(`cannot create lock file ${lockPath}`, error);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    if (typeof value.pid === 'number' && typeof value.host === 'string') {
      return {
        pid: value.pid,
        host: value.host,
        created: typeof value.created === 'number' ? value.created : 0,
        nonce: String(value.nonce ?? ''),
      };
    }
  } catch {
    // not ours: judged by age below
  }
  return undefined;
}

async function isStale(
  lockPath: string,
  holder: LockOwner | undefined,
  staleMs: number,
): Promise<boolean> {
  if (holder && holder.host === hostname() && !isAlive(holder.pid)) return true;
  // Age from the file's mtime when the content is not ours to read; otherwise from both.
  const mtime = await stat(lockPath).then(
    (s) => s.mtimeMs,
    () => Date.now(),
  );
  const created = holder ? Math.max(holder.created, mtime) : mtime;
  return Date.now() - created > staleMs;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return errnoCode(error) === 'EPERM';
  }
}

async function breakLock(lockPath: string, staleContent: string): Promise<void> {
  const guard = `${lockPath}.break`;
  let handle;
  try {
    handle = await open(guard, 'wx', 0o600);
  } catch (error) {
    if (errnoCode(error) !== 'EEXIST') throw ioError(`cannot create ${guard}`, error);
    // Someone else is breaking it right now; a guard is held for microseconds, so an old
    // one was left by a crash.
    const age = await stat(guard).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > GUARD_STALE_MS) await unlink(guard).catch(() => undefined);
    return;
  }
  try {
    const current = await readFile(lockPath, 'utf8').catch(() => undefined);
    if (current === staleContent) await unlink(lockPath).catch(() => undefined);
  } finally {
    await handle.close();
    await unlink(guard).catch(() => undefined);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
