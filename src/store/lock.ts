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
//   and the process holding it;
// - links are never followed: we only ever create the lock with link() (a hard link), so a
//   symbolic link at the lock's name is someone else's. A dangling one is broken like any
//   abandoned lock; one that points at a file is refused, naming the lock file. A lock that
//   claims the impossible (created in the future, a pid no system can have) is broken too:
//   it would otherwise never grow stale.
import { constants } from 'node:fs';
import { link, lstat, open, readlink, stat, unlink } from 'node:fs/promises';
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
/** Clocks of processes sharing a store disagree a little; a lock from further ahead is made up. */
const FUTURE_SLACK_MS = 60_000;
/** Linux's PID_MAX_LIMIT (2^22); macOS and Windows stay far below it. */
const MAX_PID = 4_194_304;
/** Our lock files are a few dozen bytes; anything longer is not ours and not read whole. */
const MAX_LOCK_BYTES = 4096;
const NO_FOLLOW =
  process.platform === 'win32'
    ? constants.O_RDONLY
    : constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** What is at the lock's name, read without following a link. */
type LockState =
  | { kind: 'missing' }
  | { kind: 'file'; text: string; mtimeMs: number }
  | { kind: 'link'; dangling: boolean; target: string }
  | { kind: 'other' };

/** A string that changes whenever what is at the lock's name changes. */
function fingerprint(state: LockState): string {
  if (state.kind === 'file') return `file:${state.text}`;
  if (state.kind === 'link') return `link:${state.target}`;
  return state.kind;
}

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
        const current = await readLock(lockPath).catch(() => undefined);
        if (current?.kind === 'file' && current.text === mine)
          await unlink(lockPath).catch(() => undefined);
      };
    }
    const held = await readLock(lockPath);
    if (held.kind === 'link' && !held.dangling)
      throw new StoreError(
        'STORE_IO',
        `the lock file ${lockPath} is a symbolic link, which oidc-secrets never creates; refusing to follow it. Remove it if no oidc-secrets is running`,
        { file: lockPath },
      );
    if (held.kind === 'other')
      throw new StoreError(
        'STORE_IO',
        `the lock file ${lockPath} is not a regular file; refusing to use it. Remove it if no oidc-secrets is running`,
        { file: lockPath },
      );
    if (held.kind !== 'missing') {
      const holder = held.kind === 'file' ? parseOwner(held.text) : undefined;
      lastHolder = holder ? `process ${holder.pid} on ${holder.host}` : 'an unknown process';
      if (held.kind === 'link' || isStale(held, holder, staleMs)) {
        await breakLock(lockPath, fingerprint(held));
        continue;
      }
    }
    if (Date.now() >= deadline) {
      throw new StoreError(
        'STORE_LOCKED',
        `the store is locked by ${lastHolder || 'another process'} (lock file ${lockPath}); ` +
          `waited ${Math.round(timeoutMs / 1000)} s. Remove the lock file if no oidc-secrets is running`,
        { file: lockPath },
      );
    }
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 50);
  }
}

/** The lock's name, looked at without following a link, and its text if it is a file. */
async function readLock(lockPath: string): Promise<LockState> {
  let handle;
  try {
    handle = await open(lockPath, NO_FOLLOW);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT') return { kind: 'missing' };
    // O_NOFOLLOW on a link fails with ELOOP (EMLINK on FreeBSD); O_NONBLOCK on a FIFO with
    // no writer opens, on a socket fails with ENXIO.
    const info = await lstat(lockPath).catch(() => undefined);
    if (!info) return { kind: 'missing' };
    if (info.isSymbolicLink()) {
      const target = await readlink(lockPath).catch(() => '');
      const dangling = await stat(lockPath).then(
        () => false,
        () => true,
      );
      return { kind: 'link', dangling, target };
    }
    if (!info.isFile()) return { kind: 'other' };
    throw ioError(`cannot read lock file ${lockPath}`, error);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { kind: 'other' };
    const buffer = Buffer.alloc(Math.min(info.size, MAX_LOCK_BYTES));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return {
      kind: 'file',
      text: buffer.subarray(0, bytesRead).toString('utf8'),
      mtimeMs: info.mtimeMs,
    };
  } finally {
    await handle.close();
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
        host: printable(value.host),
        created: typeof value.created === 'number' ? value.created : 0,
        nonce: String(value.nonce ?? ''),
      };
    }
  } catch {
    // not ours: judged by age below
  }
  return undefined;
}

/**
 * The host name as the CLI may print it: the lock file is anyone's text, and a terminal
 * would act on escape sequences in it. Control and format characters become `?`.
 */
function printable(text: string): string {
  const clean = text.replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, '?');
  return clean.length > 253 ? `${clean.slice(0, 253)}…` : clean;
}

function isStale(
  held: Extract<LockState, { kind: 'file' }>,
  holder: LockOwner | undefined,
  staleMs: number,
): boolean {
  const now = Date.now();
  // A lock from the future would never grow old; no process has such a pid.
  if (held.mtimeMs > now + FUTURE_SLACK_MS) return true;
  if (holder) {
    if (holder.created > now + FUTURE_SLACK_MS) return true;
    if (!Number.isSafeInteger(holder.pid) || holder.pid <= 0 || holder.pid > MAX_PID) return true;
    if (holder.host === hostname() && !isAlive(holder.pid)) return true;
  }
  // Age from the file's mtime when the content is not ours to read; otherwise from both.
  const created = holder ? Math.max(holder.created, held.mtimeMs) : held.mtimeMs;
  return now - created > staleMs;
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

async function breakLock(lockPath: string, staleFingerprint: string): Promise<void> {
  const guard = `${lockPath}.break`;
  let handle;
  try {
    handle = await open(guard, 'wx', 0o600);
  } catch (error) {
    if (errnoCode(error) !== 'EEXIST') throw ioError(`cannot create ${guard}`, error);
    // Someone else is breaking it right now; a guard is held for microseconds, so an old
    // one was left by a crash. lstat: the guard's own age, not that of what a link names.
    const age = await lstat(guard).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > GUARD_STALE_MS) await unlink(guard).catch(() => undefined);
    return;
  }
  try {
    const current = await readLock(lockPath).catch(() => undefined);
    // unlink removes a link itself, never what it points at.
    if (current && fingerprint(current) === staleFingerprint)
      await unlink(lockPath).catch(() => undefined);
  } finally {
    await handle.close();
    await unlink(guard).catch(() => undefined);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
