// Files that hold secrets: read only when nobody else can read them, written atomically.
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { isSystemError } from '../core/errors.js';
import { StoreError, errnoCode } from './errors.js';

/** Mode bits are meaningless on Windows (ACLs decide there), so nothing is checked there. */
const CHECK_MODES = process.platform !== 'win32';

export function permissionError(path: string, what: string, mode: number): StoreError {
  const octal = (mode & 0o777).toString(8).padStart(3, '0');
  return new StoreError(
    'STORE_PERMISSIONS',
    `${what} ${path} is open to other users (mode ${octal}); refusing to use it: run chmod 600 ${path}`,
    { file: path },
  );
}

/**
 * Reads a private file, or returns undefined when it does not exist. The mode is checked on
 * the open descriptor, so the file checked is the file read. Synchronous on purpose: the
 * store and its key are a few KB, and `oidc-secrets run` starts CMD sooner without the
 * thread-pool round trips of open/stat/read/close.
 */
export async function readPrivateFile(path: string, what: string): Promise<string | undefined> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw ioError(`cannot open ${what} ${path}`, error);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile())
      throw new StoreError('STORE_IO', `${what} ${path} is not a regular file`, { file: path });
    if (CHECK_MODES && (stat.mode & 0o077) !== 0) throw permissionError(path, what, stat.mode);
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `path` with `data` so that a reader sees the old file or the new one, never a
 * mix, and a crash leaves one of the two on disk: a private temp file in the same directory
 * (same file system, so rename is atomic), fsync it, rename it over the target, then fsync
 * the directory so the rename itself is durable.
 */
export async function writePrivateFileAtomic(
  path: string,
  data: string,
  what: string,
): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let handle;
  try {
    // 'wx': never follow or reuse something already at the temp name; 0600 from birth.
    handle = await open(temp, 'wx', 0o600);
  } catch (error) {
    throw ioError(`cannot write ${what} ${path}`, error);
  }
  try {
    try {
      await handle.writeFile(data, { encoding: 'utf8' });
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error instanceof StoreError ? error : ioError(`cannot write ${what} ${path}`, error);
  }
  await syncDirectory(dir);
}

export async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return; // directories cannot be opened for fsync there
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function ioError(message: string, error: unknown): StoreError {
  const code = errnoCode(error);
  // A system error names paths, never file contents: it is kept as the cause. Anything else
  // might quote what was being written, so it is not.
  return new StoreError(
    'STORE_IO',
    code ? `${message}: ${code}` : message,
    isSystemError(error) ? { cause: error } : {},
  );
}
