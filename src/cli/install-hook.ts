// `oidc-secrets scan install-hook [pre-commit|pre-push]`: writes a git hook that runs this
// CLI's scan (`--staged` before a commit, `--pre-push` before a push) into the hooks
// directory git uses, `core.hooksPath` included (`git rev-parse --git-path hooks` answers
// with it). A hook that is already there and is not ours is never overwritten: the command
// refuses, naming it, so that a team's existing hook (husky, lefthook, pre-commit's own) is
// not lost. Our own hook (recognised by its marker line) is rewritten, so installing twice
// is harmless and an install from a moved CLI updates the paths.
import { chmodSync, lstatSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { GitError, isGitRepository, runGit } from '../scan/sources/git.js';
import { UsageError } from './args.js';

export const HOOK_KINDS = ['pre-commit', 'pre-push'] as const;
export type HookKind = (typeof HOOK_KINDS)[number];

/** The line that marks a hook as ours. */
export const HOOK_MARKER = '# oidc-secrets-hook:';

/** A single-quoted shell word: nothing in it is expanded. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The hook's text: it runs the CLI that installed it, with the node that runs it now. */
export function hookScript(kind: HookKind, node: string, cli: string): string {
  const args = kind === 'pre-commit' ? 'scan --staged' : 'scan --pre-push "$@"';
  const what =
    kind === 'pre-commit'
      ? 'scans what the commit records; skip it once with `git commit --no-verify`'
      : 'scans the commits a push sends; skip it once with `git push --no-verify`';
  return [
    '#!/bin/sh',
    `${HOOK_MARKER} ${kind}`,
    `# Installed by \`oidc-secrets scan install-hook ${kind}\`: ${what}.`,
    `exec ${shellQuote(node)} ${shellQuote(cli)} ${args}`,
    '',
  ].join('\n');
}

export interface InstallResult {
  path: string;
  state: 'installed' | 'updated' | 'unchanged';
}

/**
 * Installs the hook for the repository around `cwd`. `cli` is the path of the CLI script the
 * hook should run.
 */
export async function installHook(
  cwd: string,
  kind: string,
  node: string,
  cli: string,
): Promise<InstallResult> {
  if (!(HOOK_KINDS as readonly string[]).includes(kind))
    throw new UsageError(
      // The operand is echoed only when it reads like a hook name (args.ts says why).
      `install-hook: ${/^[a-z][a-z-]{0,30}$/.test(kind) ? `"${kind}"` : 'the operand'} is not a hook this command installs; expected pre-commit or pre-push`,
      'scan',
    );
  if (!(await isGitRepository(cwd)))
    throw new GitError('install-hook needs a git work tree (the current directory is not in one)');
  const r = await runGit(cwd, ['rev-parse', '--git-path', 'hooks']);
  if (r.code !== 0) throw new GitError('install-hook: git did not say where its hooks are');
  const dir = resolve(cwd, r.stdout.trim());
  const path = join(dir, kind);
  const script = hookScript(kind as HookKind, node, cli);

  let existing: string | undefined;
  try {
    const st = lstatSync(path);
    if (!st.isFile())
      throw new GitError(
        `install-hook: ${path} exists and is not a regular file (a link or a directory): not overwritten; remove it or call this command from it`,
      );
    existing = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof GitError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (existing !== undefined) {
    if (!existing.split('\n').some((line) => line.startsWith(`${HOOK_MARKER} ${kind}`)))
      throw new GitError(
        `install-hook: ${path} already exists and is not an oidc-secrets hook: not overwritten. ` +
          `Add the line \`oidc-secrets scan ${kind === 'pre-commit' ? '--staged' : '--pre-push "$@"'}\` to it yourself, or move it away and run this again`,
      );
    if (existing === script) {
      chmodSync(path, 0o755);
      return { path, state: 'unchanged' };
    }
  }
  mkdirSync(dirname(path), { recursive: true });
  // Written beside and renamed into place: git never runs half a hook.
  const temp = `${path}.oidc-secrets-${process.pid}`;
  writeFileSync(temp, script, { mode: 0o755 });
  chmodSync(temp, 0o755);
  renameSync(temp, path);
  return { path, state: existing === undefined ? 'installed' : 'updated' };
}
