// The scan's window on history, through the `git` CLI: resolving revisions, making sure a
// shallow checkout holds every commit of the range (deepening it as far as needed, or saying
// which `fetch-depth` would), and streaming each commit's added lines into the detector.
import { OidcSecretsError, type ErrorAbout } from '../../core/errors.js';
import { nodeRequire } from '../../core/node-require.js';
import type * as ChildProcess from 'node:child_process';
import { lstatSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { ScanIncompleteError } from '../detect/detector.js';
import { COMMIT_MARKER, DiffParser, MAX_LINE_CHARS, type DiffParserOptions } from './diff.js';
import type { Fragment, ScanNote } from '../types.js';

/** git could not run, or could not give the history the scan needs. */
export class GitError extends OidcSecretsError {
  override readonly name = 'GitError';
  declare readonly code: 'SCAN_GIT';
  constructor(message: string, about?: ErrorAbout) {
    super('SCAN_GIT', message, about);
  }
}

const GIT_ENV = { GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' };

/**
 * The environment git runs with: this process's own, with prompts and optional locks off.
 * Inherited on purpose, the one exemption from the boundary rule's process.env ban
 * (eslint.config.js): git is the user's tool, configured by what the runner or the shell set
 * (PATH, HOME and its global config, safe.directory, the checkout's GIT_* variables). The
 * scanner reads nothing from it, and a front end could only pass the same object through.
 */
export function gitEnvironment(): NodeJS.ProcessEnv {
  // eslint-disable-next-line no-restricted-properties -- inherited on purpose, see above
  return { ...process.env, ...GIT_ENV };
}
const ZERO_SHA = /^0+$/;

/**
 * node:child_process, loaded with the first git command: a scan git has no part in (standard
 * input, a tree outside any repository) never loads it, ~7 ms of its start-up.
 */
let childProcessModule: typeof ChildProcess | undefined;
export function childProcess(): typeof ChildProcess {
  childProcessModule ??= nodeRequire('node:child_process') as typeof ChildProcess;
  return childProcessModule;
}

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runGit(cwd: string, args: string[]): Promise<GitResult> {
  return new Promise((resolvePromise, reject) => {
    childProcess().execFile(
      'git',
      args,
      { cwd, env: gitEnvironment(), maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err && typeof (err as NodeJS.ErrnoException).code === 'string') {
          reject(
            new GitError(`cannot run git: ${(err as NodeJS.ErrnoException).code}`, { cause: err }),
          );
          return;
        }
        const code = err ? Number((err as { code?: number }).code ?? 1) : 0;
        resolvePromise({ code, stdout, stderr });
      },
    );
  });
}

async function gitOk(cwd: string, args: string[]): Promise<string> {
  const result = await runGit(cwd, args);
  if (result.code !== 0) {
    throw new GitError(
      `git ${args[0]} failed: ${firstLine(result.stderr) || `exit code ${result.code}`}`,
    );
  }
  return result.stdout;
}

/** git's first message line, with any credentials in a URL (`https://user:token@host`) cut out. */
function firstLine(text: string): string {
  const line =
    text
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? '';
  return line.replace(/:\/\/[^/@\s]+@/g, '://***@');
}

export function isZeroSha(sha: string | undefined): boolean {
  return !sha || ZERO_SHA.test(sha);
}

/**
 * False only when git, started in `dir`, cannot find a repository: no `.git` (directory, file
 * or link) in `dir` or any directory above it, none of them holding a `HEAD` (what a bare
 * repository, or a git directory itself, has), and no GIT_DIR or GIT_WORK_TREE naming one.
 * git's own discovery looks at exactly those places (setup.c: `.git` at each level, then the
 * level itself as a git directory; GIT_CEILING_DIRECTORIES and file-system boundaries only
 * stop it sooner), so asking git there can only say "no". Anything uncertain (a directory
 * that cannot be read) is a "maybe": git is asked. It saves starting git twice (about 20 ms
 * of the main thread and 15 ms of waiting on this machine) for a tree scan outside a
 * repository: an unpacked archive, a build context, a directory of artefacts.
 */
export function mayBeInGitRepository(dir: string): boolean {
  const env = gitEnvironment();
  if (env.GIT_DIR || env.GIT_WORK_TREE) return true;
  try {
    for (let at = resolve(dir); ; at = dirname(at)) {
      for (const name of ['.git', 'HEAD']) {
        if (lstatSync(join(at, name), { throwIfNoEntry: false }) !== undefined) return true;
      }
      if (dirname(at) === at) return false;
    }
  } catch {
    return true;
  }
}

export async function isGitRepository(cwd: string): Promise<boolean> {
  const r = await runGit(cwd, ['rev-parse', '--is-inside-work-tree']);
  return r.code === 0 && r.stdout.trim() === 'true';
}

export async function hasCommit(cwd: string, rev: string): Promise<boolean> {
  return (await runGit(cwd, ['cat-file', '-e', `${rev}^{commit}`])).code === 0;
}

/** A revision (sha, branch, `HEAD~3`) → full commit sha, or a GitError naming `what`. */
export async function resolveCommit(cwd: string, rev: string, what: string): Promise<string> {
  const r = await runGit(cwd, [
    'rev-parse',
    '--verify',
    '--quiet',
    '--end-of-options',
    `${rev}^{commit}`,
  ]);
  if (r.code !== 0) throw new GitError(`${what}: "${rev}" is not a commit in this repository`);
  return r.stdout.trim();
}

export async function isShallow(cwd: string): Promise<boolean> {
  return (await gitOk(cwd, ['rev-parse', '--is-shallow-repository'])).trim() === 'true';
}

/** Commits whose parents a shallow clone does not have. */
async function shallowBoundary(cwd: string): Promise<Set<string>> {
  const path = resolve(cwd, (await gitOk(cwd, ['rev-parse', '--git-path', 'shallow'])).trim());
  try {
    return new Set(readFileSync(path, 'utf8').split('\n').filter(Boolean));
  } catch {
    return new Set();
  }
}

export interface CommitRange {
  /** Commits reachable from `base` are excluded; absent: all history of `head`. */
  base?: string;
  head: string;
}

export interface EnsureOptions {
  remote?: string;
  /** How many commits the range is expected to hold (from the event), to size the first fetch. */
  expectedCommits?: number;
  log?: (message: string) => void;
  /** Depths tried in turn; the last failing one is named in the error. */
  depths?: number[];
  /** Never fetch (the CLI on a developer's clone): report what is missing instead. */
  offline?: boolean;
}

const CHECKOUT_HINT = 'check out with actions/checkout `fetch-depth: 0`';
const LOCAL_HINT = 'run `git fetch --unshallow` (or fetch the missing commits) first';

async function gitFetch(
  cwd: string,
  remote: string,
  args: string[],
  refs: string[],
): Promise<GitResult> {
  return runGit(cwd, [
    'fetch',
    '--no-tags',
    '--no-recurse-submodules',
    '--quiet',
    ...args,
    remote,
    ...refs,
  ]);
}

/**
 * Makes sure every commit of the range, and each one's parents, are in the clone. A missing
 * base or head is fetched by sha; a shallow clone is deepened step by step until the range
 * meets its merge base without crossing the shallow boundary.
 */
export async function ensureRange(
  cwd: string,
  range: CommitRange,
  options: EnsureOptions = {},
): Promise<void> {
  const remote = options.remote ?? 'origin';
  const log = options.log ?? (() => {});
  const shallow = await isShallow(cwd);
  const expected = Math.max(1, options.expectedCommits ?? 1);
  const depths = options.depths ?? [Math.max(expected + 2, 50), 250, 1000, 4000];
  const wanted = [range.head, ...(range.base ? [range.base] : [])];

  const missing: string[] = [];
  for (const sha of wanted) if (!(await hasCommit(cwd, sha))) missing.push(sha);
  if (options.offline) {
    if (missing.length > 0)
      throw new GitError(`commit ${missing[0]} is not in this clone: ${LOCAL_HINT}`);
    if (shallow && !(await rangeComplete(cwd, range))) {
      throw new GitError(
        `this clone is shallow and does not hold all of ${describeRange(range)}: ${LOCAL_HINT}`,
      );
    }
    return;
  }
  if (missing.length > 0) {
    log(`fetching ${missing.map((s) => s.slice(0, 12)).join(', ')} from ${remote}`);
    const r = await gitFetch(cwd, remote, shallow ? [`--depth=${depths[0]}`] : [], missing);
    for (const sha of missing) {
      if (!(await hasCommit(cwd, sha))) {
        throw new GitError(
          `commit ${sha} is not in the checkout and could not be fetched from ${remote}` +
            (r.code !== 0 ? ` (${firstLine(r.stderr)})` : '') +
            `: ${CHECKOUT_HINT}`,
        );
      }
    }
  }
  if (!(await isShallow(cwd))) return;

  for (let attempt = 0; ; attempt++) {
    if (await rangeComplete(cwd, range)) return;
    const depth = depths[attempt];
    if (depth === undefined) break;
    log(`shallow checkout: deepening to ${depth} commits to reach the start of the range`);
    const r = await gitFetch(cwd, remote, [`--depth=${depth}`], wanted);
    if (r.code !== 0) {
      throw new GitError(
        `the checkout is shallow and deepening it failed (${firstLine(r.stderr)}): ${CHECKOUT_HINT}`,
      );
    }
  }
  const hint =
    expected > 1 ? ` (at least ${expected + 1} when the base branch has not moved since)` : '';
  throw new GitError(
    `the checkout is shallow and the range ${describeRange(range)} was still incomplete after deepening to ` +
      `${depths[depths.length - 1]} commits: set actions/checkout \`fetch-depth: 0\`${hint}`,
  );
}

export function describeRange(range: CommitRange): string {
  return range.base
    ? `${range.base.slice(0, 12)}..${range.head.slice(0, 12)}`
    : `${range.head.slice(0, 12)} (all history)`;
}

/** Every commit of the range has its parents, and head meets base at a merge base. */
async function rangeComplete(cwd: string, range: CommitRange): Promise<boolean> {
  if (range.base && (await runGit(cwd, ['merge-base', range.base, range.head])).code !== 0)
    return false;
  const boundary = await shallowBoundary(cwd);
  if (boundary.size === 0) return true;
  const list = await gitOk(cwd, [
    'rev-list',
    range.base ? `${range.base}..${range.head}` : range.head,
  ]);
  return !list.split('\n').some((sha) => sha && boundary.has(sha));
}

export interface LogScanOptions {
  maxChars: number;
  onFragment: (fragment: Fragment) => void;
  onNote: (note: ScanNote) => void;
}

/** Streams every commit of the range through the diff parser; resolves with the commit count. */
export function scanCommits(
  cwd: string,
  range: CommitRange,
  options: LogScanOptions,
): Promise<number> {
  return streamDiff(
    cwd,
    [
      ...LOG_ARGS,
      // Oldest first: findings come in the order the PR made them.
      '--reverse',
      '--end-of-options',
      range.base ? `${range.base}..${range.head}` : range.head,
      '--',
    ],
    options,
  );
}

/**
 * `git log` options shared by every commit scan: each commit's added lines (`-U0`, renames
 * followed, merges as combined diffs), one marker line per commit.
 */
export const LOG_ARGS: readonly string[] = [
  '-c',
  'core.quotePath=false',
  '-c',
  'log.showSignature=false',
  'log',
  '--no-color',
  // The real bytes of every file: `.gitattributes` (`-diff`, `binary`, a diff driver's
  // `binary`, `textconv` or external command) and git's NUL test cannot turn added text
  // into "Binary files differ". Which files are binary is decided by content (diff.ts).
  '--text',
  '--no-ext-diff',
  '--no-textconv',
  '-p',
  '--cc',
  '-U0',
  '-M',
  '--src-prefix=a/',
  '--dst-prefix=b/',
  `--format=${COMMIT_MARKER}%H`,
];

export interface StreamOptions extends LogScanOptions {
  /** Written to git's standard input (revisions for `--stdin`), then closed. */
  input?: string;
  /** Which added lines to keep (history's dedupe, diff.ts). */
  select?: DiffParserOptions['select'];
}

/**
 * Runs a git command whose output is a patch (`git log -p`, `git diff --cached`) and streams
 * it through the diff parser; resolves with the number of commits it showed.
 */
export function streamDiff(cwd: string, args: string[], options: StreamOptions): Promise<number> {
  const parser = new DiffParser(options);
  return new Promise((resolvePromise, reject) => {
    const child = childProcess().spawn('git', args, {
      cwd,
      env: gitEnvironment(),
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (options.input !== undefined) {
      // git may exit before reading all of it (an error): that is said by its exit code.
      child.stdin!.on('error', () => {});
      child.stdin!.end(options.input);
    }
    // Latin-1: one character a byte, so the parser sees the bytes git printed (diff.ts).
    const decoder = new StringDecoder('latin1');
    // The start of a line not ended yet, in the chunks it came in: joined once when it ends,
    // so a long line costs its length, not its length times its chunks. Capped: a line
    // longer than the scan holds ends it as incomplete, naming the file.
    let pending: string[] = [];
    let pendingChars = 0;
    let stderr = '';
    let failed: unknown = null;
    child.stdout!.on('data', (chunk: Buffer) => {
      if (failed) return;
      try {
        const text = decoder.write(chunk);
        let start = 0;
        for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
          if (pending.length > 0) {
            pending.push(text.slice(start, nl));
            parser.line(pending.join(''));
            pending = [];
            pendingChars = 0;
          } else parser.line(text.slice(start, nl));
          start = nl + 1;
        }
        if (start < text.length) {
          pending.push(text.slice(start));
          pendingChars += text.length - start;
          if (pendingChars > MAX_LINE_CHARS)
            throw new ScanIncompleteError({
              ...parser.place,
              reason: 'line',
              limit: MAX_LINE_CHARS,
            });
        }
      } catch (err) {
        failed = err;
        child.kill();
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString('utf8');
    });
    child.on('error', (err) =>
      reject(new GitError(`cannot run git: ${(err as NodeJS.ErrnoException).code}`)),
    );
    child.on('close', (code) => {
      if (failed) return reject(failed);
      const command = args.find((a) => a === 'log' || a === 'diff') ?? 'log';
      if (code !== 0)
        return reject(
          new GitError(`git ${command} failed: ${firstLine(stderr) || `exit code ${code}`}`),
        );
      try {
        const rest = pending.join('') + decoder.end();
        if (rest) parser.line(rest);
        parser.end();
        resolvePromise(parser.commits);
      } catch (err) {
        reject(err);
      }
    });
  });
}

/** The default branch's tip on the remote, fetched (shallowly if the clone is), or null. */
export async function fetchBranchTip(
  cwd: string,
  branch: string,
  options: { remote?: string; depth?: number } = {},
): Promise<string | null> {
  const remote = options.remote ?? 'origin';
  const shallow = await isShallow(cwd);
  const r = await gitFetch(cwd, remote, shallow ? [`--depth=${options.depth ?? 50}`] : [], [
    `refs/heads/${branch}`,
  ]);
  if (r.code !== 0) return null;
  const tip = await runGit(cwd, ['rev-parse', '--verify', '--quiet', 'FETCH_HEAD^{commit}']);
  return tip.code === 0 ? tip.stdout.trim() : null;
}

/**
 * Which of `paths` the range changes in any way (added, edited, deleted, renamed to or from,
 * made a link): what the head side did since it left the base (`base...head`), renames split
 * into a deletion and an addition so both names count.
 */
export async function changedPaths(
  cwd: string,
  range: CommitRange,
  paths: readonly string[],
): Promise<string[]> {
  if (!range.base || paths.length === 0) return [];
  const out = await gitOk(cwd, [
    '-c',
    'core.quotePath=false',
    'diff',
    '--no-ext-diff',
    '--no-renames',
    '--name-only',
    '-z',
    '--end-of-options',
    `${range.base}...${range.head}`,
    '--',
    ...paths.map((p) => `:(literal)${p}`),
  ]);
  return [...new Set(out.split('\0').filter(Boolean))].sort();
}

/** Makes sure one commit (the base, whose settings the scan reads) is in the clone. */
export async function ensureCommit(
  cwd: string,
  sha: string,
  options: { remote?: string; offline?: boolean } = {},
): Promise<void> {
  if (await hasCommit(cwd, sha)) return;
  const remote = options.remote ?? 'origin';
  if (!options.offline) {
    const shallow = await isShallow(cwd);
    await gitFetch(cwd, remote, shallow ? ['--depth=1'] : [], [sha]);
    if (await hasCommit(cwd, sha)) return;
  }
  throw new GitError(
    `the base commit ${sha} is not in the checkout and could not be fetched from ${remote}: ${CHECKOUT_HINT}`,
  );
}
