// Tree mode inside a git work tree: the files git would consider, tracked files plus
// untracked ones that no ignore rule excludes (`git ls-files --cached --others
// --exclude-standard`). git is asked rather than the `.gitignore` files parsed here, because
// git's answer is the one that counts: nested `.gitignore` files, `.git/info/exclude`,
// `core.excludesFile`, negations and the rule that a tracked file is never ignored all come
// with it, and the listing skips ignored directories (node_modules, build output) without
// walking them. Each listed path is then checked as the walk checks it: a symbolic link
// (itself or a directory on its way) is named and not read, a path that is no longer a
// regular file (deleted in the work tree, a submodule) is passed over.
import { lstatSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { GitError, runGit } from './git.js';
import { TreeScanError, type TreeEntry } from './tree.js';

/**
 * The unignored files under `paths` (relative to `root`, which must be in a git work tree),
 * in git's order, as tree entries.
 */
async function listUnignored(root: string, paths: readonly string[]): Promise<TreeEntry[]> {
  const r = await runGit(root, [
    '-c',
    'core.quotePath=false',
    'ls-files',
    '-z',
    '--cached',
    '--others',
    '--exclude-standard',
    '--deduplicate',
    '--',
    // Operands are paths, never patterns: `:(literal)` turns off globbing and magic.
    ...(paths.length > 0 ? paths : ['.']).map((p) => `:(literal)${p}`),
  ]);
  if (r.code !== 0)
    throw new GitError(`git ls-files failed: ${r.stderr.split('\n')[0] || `exit code ${r.code}`}`);
  const entries: TreeEntry[] = [];
  const linkedDirs = new Map<string, boolean>();
  const isLinkDir = (dir: string): boolean => {
    let known = linkedDirs.get(dir);
    if (known === undefined) {
      try {
        known = lstatSync(resolve(root, dir)).isSymbolicLink();
      } catch {
        known = false;
      }
      linkedDirs.set(dir, known);
    }
    return known;
  };
  const reported = new Set<string>();
  for (const path of r.stdout.split('\0')) {
    if (path === '') continue;
    // A path git lists through a directory that is now a link (a tracked file's directory
    // swapped for one): the link is named once, nothing under it is read.
    const parts = path.split('/');
    let link: string | null = null;
    for (let i = 1; i < parts.length && link === null; i++) {
      const dir = parts.slice(0, i).join('/');
      if (dir !== '..' && !dir.endsWith('/..') && isLinkDir(dir)) link = dir;
    }
    if (link !== null) {
      if (!reported.has(link)) entries.push({ note: { path: link, reason: 'symlink' } });
      reported.add(link);
      continue;
    }
    const abs = resolve(root, path);
    let st;
    try {
      st = lstatSync(abs);
    } catch {
      continue; // tracked but deleted in the work tree: nothing to read
    }
    if (st.isSymbolicLink()) entries.push({ note: { path, reason: 'symlink' } });
    else if (st.isFile()) entries.push({ abs, path });
  }
  return entries;
}

/**
 * The unignored files under `paths`, plus each operand that names a file itself: a file
 * asked for by name is read even when git ignores it.
 */
export async function unignoredEntries(
  root: string,
  paths: readonly string[],
): Promise<TreeEntry[]> {
  const given = paths.length > 0 ? paths : ['.'];
  const named: TreeEntry[] = [];
  for (const path of given) {
    const abs = isAbsolute(path) ? path : resolve(root, path);
    let st;
    try {
      st = lstatSync(abs);
    } catch {
      throw new TreeScanError(`path ${path} does not exist`);
    }
    if (st.isFile()) {
      const rel = relative(resolve(root), abs);
      named.push({ abs, path: (rel === '' ? '.' : rel).split(sep).join('/') });
    }
  }
  const listed = await listUnignored(root, given);
  const have = new Set(listed.flatMap((e) => ('path' in e ? [e.path] : [])));
  return [...listed, ...named.filter((e) => 'path' in e && !have.has(e.path))];
}
