// `file:PATH` — a file on the runner (SPEC §1.4a). A relative path is read from the
// workspace (GITHUB_WORKSPACE, as the front end resolved it) and must stay inside it once links are resolved: the workspace holds the
// pull request's files, and `file:config/app.key` must not become a way to read
// `~/.ssh/id_rsa` through a link a pull request committed. An absolute path is the
// workflow author's own choice and is read as written. Only a regular file of at most
// MAX_FILE_BYTES is read: a FIFO would block the step for ever, a device never ends.
import { constants, type Stats } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { ActionError } from '../core/errors.js';
import { SecretNotFoundError } from '../core/not-found.js';
import type { FileSettings } from '../core/settings.js';
import type { ProviderModule } from './types.js';

export const MAX_FILE_BYTES = 4 * 1024 * 1024;

/**
 * O_NONBLOCK: should the path become a FIFO between the check and the open, the open
 * returns at once instead of waiting for a writer (the fstat after it then refuses it).
 * O_NOFOLLOW: the path opened is the one already resolved and checked; a link put in its
 * place since is refused rather than followed. Neither exists on Windows.
 */
const OPEN_FLAGS =
  process.platform === 'win32'
    ? constants.O_RDONLY
    : constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW;

export const fileProvider: ProviderModule<FileSettings> = {
  check: () => [],
  create: ({ workspace }) => ({
    name: 'file',
    async login() {},
    async read(location) {
      return {
        value: await readWorkspaceFile(location.locator, workspace, `file:${location.locator}`),
      };
    },
  }),
};

/**
 * Reads a file a reference names (`file:`, and `dotenv:` later). `what` names the reference
 * in every message; no message carries the file's contents.
 */
export async function readWorkspaceFile(
  locator: string,
  workspace: string,
  what: string,
): Promise<string> {
  const fail = (code: 'SECRET_NOT_FOUND' | 'READ_FAILED', problem: string): never => {
    // A file that is not there is the one failure ?optional tolerates.
    if (code === 'SECRET_NOT_FOUND') throw new SecretNotFoundError(`${what}: ${problem}`);
    throw new ActionError(code, `${what}: ${problem}`);
  };
  const ioFailure = (error: unknown): never => {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return fail('SECRET_NOT_FOUND', 'no such file');
    if (code === 'ELOOP')
      return fail('READ_FAILED', 'is a symbolic link that changed while it was read; refused');
    return fail('READ_FAILED', `cannot be read (${code ?? 'error'})`);
  };

  let path: string;
  if (isAbsolute(locator)) {
    path = await realpath(locator).catch(ioFailure);
  } else {
    const root = await realpath(workspace).catch(() =>
      fail('READ_FAILED', 'the workspace does not exist'),
    );
    path = await realpath(resolve(root, locator)).catch(ioFailure);
    const inside = relative(root, path);
    if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside))
      fail(
        'READ_FAILED',
        'a relative path must stay inside the workspace once links are resolved, and this one leads outside it (give an absolute path to read a file elsewhere on the runner)',
      );
  }

  // stat before open: opening a FIFO blocks until someone writes to it.
  const before = await stat(path).catch(ioFailure);
  checkRegular(before, fail);

  const handle = await open(path, OPEN_FLAGS).catch(ioFailure);
  try {
    // fstat after open: what was checked is what is read, whatever was swapped in between.
    const opened = await handle.stat();
    checkRegular(opened, fail);
    if (opened.dev !== before.dev || opened.ino !== before.ino)
      fail('READ_FAILED', 'the file was replaced while it was read; refused');
    const buffer = Buffer.alloc(Math.min(opened.size, MAX_FILE_BYTES) + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > MAX_FILE_BYTES) fail('READ_FAILED', tooLarge());
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    await handle.close();
  }
}

function checkRegular(stats: Stats, fail: (code: 'READ_FAILED', problem: string) => never): void {
  if (!stats.isFile()) fail('READ_FAILED', `is ${kindOf(stats)}, not a regular file; refused`);
  if (stats.size > MAX_FILE_BYTES) fail('READ_FAILED', tooLarge());
}

function tooLarge(): string {
  return `is larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB, the most a file: reference reads`;
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}
