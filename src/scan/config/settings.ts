// Where the scan's own settings (`.gitleaks.toml`, what it extends, `.gitleaksignore`) are
// read from (SPEC §2.1). On a pull request or a merge-queue entry they come from the BASE
// commit, through git's object store: the change under review cannot edit, add, rename into
// place or delete what decides how it is judged. On a push (the change is already in) they
// come from the work tree. Either way a symbolic link is never followed: in a commit it is
// refused by its mode, in the work tree by lstat of each directory and O_NOFOLLOW.
import { OidcSecretsError, type ErrorAbout } from '../../core/errors.js';
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { childProcess, gitEnvironment } from '../sources/git.js';

/** A settings file (the config, what it extends, the ignore list) that cannot be read as one. */
export class SettingsFileError extends OidcSecretsError {
  override readonly name = 'SettingsFileError';
  declare readonly code: 'SCAN_SETTINGS';
  constructor(message: string, about?: ErrorAbout) {
    super('SCAN_SETTINGS', message, about);
  }
}

/** Settings files are small: a bigger one is refused rather than read whole. */
export const MAX_SETTINGS_BYTES = 4 * 1024 * 1024;

export interface SettingsReader {
  /** For messages: `the work tree` or `the base commit 1a2b3c4`. */
  readonly where: string;
  /** The commit the files come from, if they come from one. */
  readonly commit?: string;
  /**
   * A file by its path relative to the repository root (`/`-separated): its text, or
   * undefined when there is no such file. A link or a non-file is an error naming the path.
   */
  read(path: string): string | undefined;
}

/** A root-relative path for the reader, or null when `abs` is outside `root`. */
export function insideRoot(root: string, abs: string): string | null {
  const rel = relative(resolve(root), resolve(abs));
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return null;
  return rel.split(sep).join('/');
}

/** Reads a regular file without following a link at its last component. */
export function readFileNoFollow(abs: string, shown: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(abs, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (code === 'ELOOP')
      throw new SettingsFileError(`${shown} is a symbolic link: the scan does not follow links`, {
        file: shown,
      });
    throw new SettingsFileError(`cannot read ${shown}: ${code ?? 'error'}`, {
      file: shown,
      cause: err,
    });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new SettingsFileError(`${shown} is not a regular file`);
    if (st.size > MAX_SETTINGS_BYTES)
      throw new SettingsFileError(`${shown} is larger than ${MAX_SETTINGS_BYTES} bytes`);
    const buffer = Buffer.alloc(st.size);
    let read = 0;
    while (read < st.size) {
      const n = readSync(fd, buffer, read, st.size - read, read);
      if (n === 0) break;
      read += n;
    }
    return buffer.subarray(0, read).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** The settings in the checked-out files (push events, tree scans, the CLI). */
export function workTreeReader(root: string): SettingsReader {
  return {
    where: 'the work tree',
    read(path: string): string | undefined {
      const parts = path.split('/');
      let at = resolve(root);
      for (let i = 0; i < parts.length - 1; i++) {
        at = join(at, parts[i]!);
        try {
          if (lstatSync(at).isSymbolicLink())
            throw new SettingsFileError(
              `${path}: ${parts.slice(0, i + 1).join('/')} is a symbolic link: the scan does not follow links`,
            );
        } catch (err) {
          if (err instanceof SettingsFileError) throw err;
          return undefined;
        }
      }
      return readFileNoFollow(join(resolve(root), ...parts), path);
    },
  };
}

/** The settings as committed in `commit` (pull-request and merge-queue events). */
export function commitReader(root: string, commit: string): SettingsReader {
  const git = (args: string[]): Buffer =>
    childProcess().execFileSync('git', args, {
      cwd: root,
      env: gitEnvironment(),
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: MAX_SETTINGS_BYTES + 1024,
    });
  return {
    where: `the base commit ${commit.slice(0, 7)}`,
    commit,
    read(path: string): string | undefined {
      let listing: string;
      try {
        // `ls-tree` walks the commit's trees: a link on the way is not entered, so a path
        // through one is simply absent; the entry's mode says what it is itself.
        listing = git(['ls-tree', '-z', '--full-tree', commit, '--', path]).toString('utf8');
      } catch {
        throw new SettingsFileError(
          `cannot read ${path} from the base commit ${commit.slice(0, 12)}: is it fetched?`,
        );
      }
      const entry = listing.split('\0').find((e) => e.endsWith(`\t${path}`));
      if (!entry) return undefined;
      const [mode, type, oid] = entry.slice(0, entry.indexOf('\t')).split(' ');
      if (mode === '120000')
        throw new SettingsFileError(
          `${path} is a symbolic link in the base commit: the scan does not follow links`,
        );
      if (type !== 'blob' || !oid)
        throw new SettingsFileError(`${path} is not a file in the base commit`);
      const size = Number(git(['cat-file', '-s', oid]).toString('utf8').trim());
      if (size > MAX_SETTINGS_BYTES)
        throw new SettingsFileError(`${path} is larger than ${MAX_SETTINGS_BYTES} bytes`);
      return git(['cat-file', 'blob', oid]).toString('utf8');
    },
  };
}
