// What a workflow run asks the scan to read, from the event that started it:
// - pull_request / pull_request_target: every commit between the PR's base and head shas
//   (the event's own shas: no API call, no paging limit, however many commits);
// - merge_group: the queue entry's base_sha..head_sha;
// - push: before..after; a new branch (all-zero `before`) is scanned from where it leaves
//   the default branch; a deleted branch has nothing to scan;
// - anything else (workflow_dispatch, schedule, …): the checked-out tree.
// Inputs can force a mode or override the shas.
import { OidcSecretsError, type ErrorAbout } from '../../core/errors.js';
import { readFileSync } from 'node:fs';
import { fetchBranchTip, isZeroSha, resolveCommit } from './git.js';
import type { ScanTarget } from '../scan.js';

/** The scan's inputs or the event payload say something the scan cannot do. */
export class ScanInputError extends OidcSecretsError {
  override readonly name = 'ScanInputError';
  declare readonly code: 'SCAN_INPUT';
  constructor(message: string, about?: ErrorAbout) {
    super('SCAN_INPUT', message, about);
  }
}

export type ScanMode = 'auto' | 'diff' | 'tree' | 'history';

export interface TargetInputs {
  mode: ScanMode;
  base?: string;
  head?: string;
  paths: string[];
  /** Tree mode inside a git work tree: leave out what git ignores (default true). */
  gitignore?: boolean;
}

export interface RunEvent {
  name: string;
  payload: Record<string, unknown>;
}

export function readEvent(env: NodeJS.ProcessEnv): RunEvent {
  const name = env.GITHUB_EVENT_NAME ?? '';
  let payload: Record<string, unknown> = {};
  if (env.GITHUB_EVENT_PATH) {
    try {
      payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as Record<string, unknown>;
    } catch {
      throw new ScanInputError(
        `cannot read the event payload at GITHUB_EVENT_PATH (${env.GITHUB_EVENT_PATH})`,
      );
    }
  }
  return { name, payload };
}

export function parseMode(value: string): ScanMode {
  const mode = (value || 'auto').toLowerCase();
  if (mode !== 'auto' && mode !== 'diff' && mode !== 'tree' && mode !== 'history') {
    throw new ScanInputError(`mode: "${value}" is not one of auto, diff, tree, history`);
  }
  return mode;
}

function get(obj: unknown, ...path: string[]): unknown {
  let v = obj;
  for (const key of path)
    v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined;
  return v;
}

function sha(v: unknown): string | undefined {
  return typeof v === 'string' && /^[0-9a-f]{40}([0-9a-f]{24})?$/i.test(v)
    ? v.toLowerCase()
    : undefined;
}

interface EventRange {
  base?: string;
  head?: string;
  expectedCommits?: number;
  description: string;
  /** push only: the branch is new (before is all zeros). */
  newBranch?: boolean;
  deleted?: boolean;
}

function rangeOfEvent(event: RunEvent): EventRange | null {
  const p = event.payload;
  switch (event.name) {
    case 'pull_request':
    case 'pull_request_target': {
      const number = get(p, 'pull_request', 'number') ?? get(p, 'number');
      const commits = get(p, 'pull_request', 'commits');
      return {
        base: sha(get(p, 'pull_request', 'base', 'sha')),
        head: sha(get(p, 'pull_request', 'head', 'sha')),
        expectedCommits: typeof commits === 'number' ? commits : undefined,
        description: `pull request${number !== undefined ? ` #${String(number)}` : ''}`,
      };
    }
    case 'merge_group':
      return {
        base: sha(get(p, 'merge_group', 'base_sha')),
        head: sha(get(p, 'merge_group', 'head_sha')),
        description: 'merge queue entry',
      };
    case 'push': {
      const before = get(p, 'before');
      const after = get(p, 'after');
      const commits = get(p, 'commits');
      return {
        base: isZeroSha(before as string | undefined) ? undefined : sha(before),
        head: isZeroSha(after as string | undefined) ? undefined : sha(after),
        expectedCommits: Array.isArray(commits) ? commits.length : undefined,
        description: `push to ${typeof get(p, 'ref') === 'string' ? String(get(p, 'ref')) : 'a branch'}`,
        newBranch: isZeroSha(before as string | undefined),
        deleted: isZeroSha(after as string | undefined) || get(p, 'deleted') === true,
      };
    }
    default:
      return null;
  }
}

/**
 * Decides the target. `cwd` is the checkout (revisions given as inputs are resolved there;
 * a new branch's fork point is fetched from `origin`).
 */
export async function targetFromEvent(
  event: RunEvent,
  inputs: TargetInputs,
  cwd: string,
  log: (message: string) => void = () => {},
): Promise<ScanTarget> {
  // The nightly full-history scan: every ref's commits, whatever the event.
  if (inputs.mode === 'history') return { kind: 'history' };
  const fromEvent = inputs.mode === 'tree' ? null : rangeOfEvent(event);
  if (
    inputs.mode === 'tree' ||
    (inputs.mode === 'auto' && !fromEvent && !inputs.base && !inputs.head)
  ) {
    return { kind: 'tree', paths: inputs.paths, gitignore: inputs.gitignore ?? true };
  }
  if (fromEvent?.deleted && !inputs.head)
    return { kind: 'none', reason: 'the push deleted the branch' };

  const revision = async (value: string | undefined, what: string): Promise<string | undefined> => {
    if (!value) return undefined;
    const direct = sha(value);
    if (direct) return direct; // may not be fetched yet: ensureRange fetches it
    return resolveCommit(cwd, value, what);
  };
  const head =
    (await revision(inputs.head, 'head')) ??
    fromEvent?.head ??
    (await resolveCommit(cwd, 'HEAD', 'head'));
  let base = (await revision(inputs.base, 'base')) ?? fromEvent?.base;
  const description =
    inputs.base || inputs.head ? 'the given range' : (fromEvent?.description ?? 'the given range');

  if (!base && fromEvent?.newBranch && !inputs.base) {
    // A new branch: scan what it adds to the default branch, not the repository's history.
    const ref = get(event.payload, 'ref');
    const defaultBranch = get(event.payload, 'repository', 'default_branch');
    if (typeof defaultBranch === 'string' && ref !== `refs/heads/${defaultBranch}`) {
      const tip = await fetchBranchTip(cwd, defaultBranch, {
        depth: Math.max(50, (fromEvent.expectedCommits ?? 0) + 2),
      });
      if (tip) {
        log(`new branch: scanning the commits it adds to ${defaultBranch}`);
        base = tip;
      }
    }
    if (!base)
      log('new branch without a default branch to compare with: scanning its whole history');
  }
  if (inputs.mode === 'diff' && !base) {
    throw new ScanInputError(
      `mode: diff needs a base commit: set the base input, or run on pull_request, merge_group or push (event: ${event.name || 'none'})`,
    );
  }
  return { kind: 'range', base, head, expectedCommits: fromEvent?.expectedCommits, description };
}

/** Events whose change is under review: the scan's settings come from their base commit. */
export const REVIEW_EVENTS: ReadonlySet<string> = new Set([
  'pull_request',
  'pull_request_target',
  'merge_group',
]);

/**
 * The base commit whose `.gitleaks.toml` and `.gitleaksignore` judge the change (SPEC §2.1),
 * or undefined when the event is not a review (a push, a schedule…). A review event without
 * a base sha in its payload is an error: falling back to the work tree would let the change
 * pick its own settings.
 */
export function settingsCommit(event: RunEvent): string | undefined {
  if (!REVIEW_EVENTS.has(event.name)) return undefined;
  const base =
    event.name === 'merge_group'
      ? sha(get(event.payload, 'merge_group', 'base_sha'))
      : sha(get(event.payload, 'pull_request', 'base', 'sha'));
  if (!base)
    throw new ScanInputError(
      `the ${event.name} event payload has no base commit sha: the scan's settings must come from the base`,
    );
  return base;
}
