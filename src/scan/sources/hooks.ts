// What git's hooks ask the scan to read:
// - pre-commit (`scan --staged`): the index, as `git commit` will record it. `git diff
//   --cached` compares the index's blobs with HEAD (with the empty tree on a first commit,
//   which git does by itself on an unborn branch), so a partly staged file (`git add -p`) is
//   read as staged, not as it is in the work tree; a deletion adds nothing; a rename adds
//   only what changed beyond the move.
// - pre-push (`scan --pre-push`): git writes one line a ref to the hook's standard input,
//   `<local ref> SP <local sha> SP <remote ref> SP <remote sha>` (githooks(5)). A deletion
//   (local sha all zeros) pushes nothing. Otherwise the push sends the commits reachable
//   from the local sha that the remote does not have: those on no remote-tracking ref and
//   not behind the remote's current sha when this clone has it. That covers a new branch
//   (remote sha all zeros), a fast-forward and a force push (whose old remote commits are
//   simply not pushed) alike.
import { GitError, isZeroSha, LOG_ARGS, runGit, streamDiff, type LogScanOptions } from './git.js';

/** The patch options of a commit scan, for `git diff --cached` instead of `git log`. */
const STAGED_ARGS: readonly string[] = [
  '-c',
  'core.quotePath=false',
  'diff',
  '--cached',
  '--no-color',
  '--text',
  '--no-ext-diff',
  '--no-textconv',
  '-p',
  '-U0',
  '-M',
  '--src-prefix=a/',
  '--dst-prefix=b/',
  '--',
];

/** Streams the lines the index adds to HEAD (to nothing, before the first commit). */
export async function scanStaged(cwd: string, options: LogScanOptions): Promise<void> {
  await streamDiff(cwd, [...STAGED_ARGS], options);
}

/** One line of git's pre-push input. */
export interface PushedRef {
  localRef: string;
  localSha: string;
  remoteRef: string;
  remoteSha: string;
}

const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** Parses the pre-push hook's standard input; a malformed line is an error naming it. */
export function parsePrePush(text: string): PushedRef[] {
  const refs: PushedRef[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') return;
    const parts = line.split(' ');
    const [localRef, localSha, remoteRef, remoteSha] = parts;
    if (
      parts.length !== 4 ||
      !SHA.test(localSha!.toLowerCase()) ||
      !SHA.test(remoteSha!.toLowerCase())
    ) {
      throw new GitError(
        `--pre-push: line ${index + 1} of standard input is not "<local ref> <local sha> <remote ref> <remote sha>" as git's pre-push hook writes it`,
      );
    }
    refs.push({
      localRef: localRef!,
      localSha: localSha!.toLowerCase(),
      remoteRef: remoteRef!,
      remoteSha: remoteSha!.toLowerCase(),
    });
  });
  return refs;
}

/**
 * The commits a push sends, oldest first, each once however many pushed refs hold it.
 * `remote` (the hook's first argument) is not used to narrow "the remote has it": a commit on
 * any remote-tracking ref has been shared already and was scanned when it was pushed there.
 */
export async function pushedCommits(cwd: string, refs: readonly PushedRef[]): Promise<string[]> {
  const seen = new Set<string>();
  const commits: string[] = [];
  for (const ref of refs) {
    if (isZeroSha(ref.localSha)) continue; // a deletion sends nothing
    // The remote's sha when this clone has it: --ignore-missing ("Upon seeing an invalid
    // object name in the input, pretend as if the bad input was not given", git-rev-list(1))
    // passes over one it does not have, with no `cat-file -e` process to ask first.
    const exclude = ['--not', '--remotes', ...(isZeroSha(ref.remoteSha) ? [] : [ref.remoteSha])];
    // Both shas were checked to be hex above: neither can be read as an option.
    const r = await runGit(cwd, [
      'rev-list',
      '--ignore-missing',
      '--reverse',
      '--topo-order',
      ref.localSha,
      ...exclude,
    ]);
    if (r.code !== 0)
      throw new GitError(
        `--pre-push: git rev-list failed for ${ref.localRef}: ${r.stderr.split('\n')[0] ?? ''}`,
      );
    // --ignore-missing would pass over a local sha this clone lacks too: nothing to list is
    // then checked (rare: a push of commits the remote has), so such a line is an error.
    if (
      r.stdout.trim() === '' &&
      (await runGit(cwd, ['cat-file', '-e', `${ref.localSha}^{commit}`])).code !== 0
    )
      throw new GitError(
        `--pre-push: ${ref.localRef} names commit ${ref.localSha}, which this repository does not have`,
      );
    for (const sha of r.stdout.split('\n')) {
      if (sha && !seen.has(sha)) {
        seen.add(sha);
        commits.push(sha);
      }
    }
  }
  return commits;
}

/** Streams the added lines of the given commits (each against its parents); resolves with the count. */
export function scanCommitList(
  cwd: string,
  commits: readonly string[],
  options: LogScanOptions,
): Promise<number> {
  if (commits.length === 0) return Promise.resolve(0);
  return streamDiff(cwd, [...LOG_ARGS, '--no-walk=unsorted', '--stdin', '--'], {
    ...options,
    input: commits.join('\n') + '\n',
  });
}
