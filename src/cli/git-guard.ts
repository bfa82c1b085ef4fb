// Whether a file may be written where git might commit it: a path inside a git work tree is
// refused unless git itself says it ignores it (`git check-ignore`, which also reports a
// tracked file as not ignored: tracked files are committed whatever .gitignore says).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ActionError } from '../core/errors.js';

interface GitAnswer {
  code: number;
  stdout: string;
  stderr: string;
  /** git could not be run at all. */
  missing?: boolean;
}

function git(args: string[], cwd: string): Promise<GitAnswer> {
  return new Promise((done) => {
    execFile('git', args, { cwd, timeout: 30_000, windowsHide: true }, (error, stdout, stderr) => {
      const code = (error as { code?: unknown } | null)?.code;
      done({
        code: error ? (typeof code === 'number' ? code : -1) : 0,
        stdout: String(stdout),
        stderr: String(stderr),
        ...(code === 'ENOENT' ? { missing: true } : {}),
      });
    });
  });
}

/** Throws an error naming `flag` when git might commit `path` (absolute; its directory exists). */
export async function refuseUnignoredInWorkTree(path: string, flag: string): Promise<void> {
  const dir = dirname(path);
  const inside = await git(['rev-parse', '--is-inside-work-tree', '--show-toplevel'], dir);
  if (inside.missing) {
    // Without git nothing can say the path is ignored; a .git above it means it may be committed.
    for (let d = dir; ; d = dirname(d)) {
      if (existsSync(join(d, '.git'))) {
        throw new ActionError(
          'INPUT_INVALID',
          `${flag} ${path} is inside the git work tree ${d}, and git is not installed to say whether it ignores it: write it outside the work tree`,
        );
      }
      if (dirname(d) === d) return;
    }
  }
  // Not a work tree (exit 128), or inside .git itself ("false").
  if (inside.code !== 0 || !inside.stdout.startsWith('true')) return;
  const root = inside.stdout.split('\n')[1]?.trim() || dir;
  const ignored = await git(['check-ignore', '-q', '--', path], dir);
  if (ignored.code === 0) return;
  if (ignored.code === 1) {
    throw new ActionError(
      'INPUT_INVALID',
      `${flag} ${path} is inside the git work tree ${root} and git does not ignore it, so it could be committed: ` +
        'add it to .gitignore (or .git/info/exclude), or write it outside the work tree',
    );
  }
  const why = ignored.stderr.split('\n').find((line) => line.trim()) ?? `exit code ${ignored.code}`;
  throw new ActionError(
    'INPUT_INVALID',
    `${flag} ${path}: git could not say whether it ignores it (${why.trim().slice(0, 200)})`,
  );
}
