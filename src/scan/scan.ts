// One scan, whatever asked for it (the action or the CLI): read the target (a commit range's
// added lines or a path tree), run the detector over each fragment, drop what
// `.gitleaksignore` lists, and return findings with what was skipped and how much was read.
import { Detector } from './detector.js';
import { formatSize } from './diff.js';
import { IgnoreList } from './fingerprint.js';
import { ensureRange, scanCommits, type CommitRange, type EnsureOptions } from './git.js';
import type { FileOutcome } from './batch.js';
import {
  DEFAULT_MIN_FILES,
  canRunInParallel,
  defaultWorkers,
  runJobs,
  type ParallelOptions,
} from './pool.js';
import { listTree, scanTree } from './tree.js';
import type { Finding, Fragment, ScanConfig, ScanNote } from './types.js';

export const DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024;

/** Files whose change in a range alters what the scan reports: said in the summary. */
const SCAN_SETTINGS_FILES = new Set(['.gitleaks.toml', '.gitleaksignore']);

export type ScanTarget =
  | ({ kind: 'range'; description: string; expectedCommits?: number } & CommitRange)
  | { kind: 'tree'; paths: string[] }
  | { kind: 'none'; reason: string };

export interface ScanRequest {
  root: string;
  target: ScanTarget;
  config: ScanConfig;
  ignore?: IgnoreList;
  maxFileBytes?: number;
  /** Fetch missing commits and deepen a shallow clone (the action); the CLI reports instead. */
  ensure?: EnsureOptions | false;
  log?: (message: string) => void;
  /** Worker threads for a large tree (see pool.ts); `false`: one thread. */
  parallel?: ParallelOptions | false;
}

export interface ScanResult {
  target: ScanTarget;
  configSource: string;
  findings: Finding[];
  /** Findings dropped because `.gitleaksignore` lists their fingerprint. */
  ignored: number;
  notes: ScanNote[];
  files: number;
  bytes: number;
  commits: number;
  durationMs: number;
  /** Worker threads that scanned (0 or absent: the main thread alone). */
  workers?: number;
  /** Scan settings files the range changes (a PR editing its own allowlist deserves a look). */
  changedSettings: string[];
}

export async function runScan(request: ScanRequest): Promise<ScanResult> {
  const started = performance.now();
  const detector = new Detector(request.config);
  const ignore = request.ignore ?? new IgnoreList();
  const maxBytes = request.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const result: ScanResult = {
    target: request.target,
    configSource: request.config.source,
    findings: [],
    ignored: 0,
    notes: [],
    files: 0,
    bytes: 0,
    commits: 0,
    durationMs: 0,
    workers: 0,
    changedSettings: [],
  };
  const changed = new Set<string>();
  const onNote = (note: ScanNote): void => {
    result.notes.push(note);
  };
  const keep = (findings: readonly Finding[]): void => {
    for (const finding of findings) {
      if (ignore.ignores(finding)) result.ignored++;
      else result.findings.push(finding);
    }
  };
  const onFragment = (fragment: Fragment): void => keep(detector.detect(fragment));

  const target = request.target;
  if (target.kind === 'range') {
    if (request.ensure !== false) {
      await ensureRange(request.root, target, {
        expectedCommits: target.expectedCommits,
        log: request.log,
        ...(request.ensure ?? {}),
      });
    }
    const files = new Set<string>();
    result.commits = await scanCommits(request.root, target, {
      maxChars: maxBytes,
      onNote,
      onFragment: (fragment) => {
        files.add(fragment.path);
        result.bytes += fragment.text.length;
        if (SCAN_SETTINGS_FILES.has(fragment.path) || fragment.path === request.config.configFile) {
          changed.add(fragment.path);
        }
        onFragment(fragment);
      },
    });
    result.files = files.size;
  } else if (target.kind === 'tree') {
    const parallel = request.parallel === false ? { workers: 0 } : (request.parallel ?? {});
    const workers = parallel.workers ?? defaultWorkers();
    const entries = listTree(request.root, target.paths);
    const files = entries.flatMap((e) => ('abs' in e ? [e] : []));
    if (
      files.length >= (parallel.minFiles ?? DEFAULT_MIN_FILES) &&
      canRunInParallel(request.config, workers)
    ) {
      // Small jobs balance the threads; not so small that messages cost more than scanning.
      const size = Math.max(8, Math.min(128, Math.ceil(files.length / (workers * 16))));
      const jobs = [];
      for (let i = 0; i < files.length; i += size) {
        jobs.push({ kind: 'files' as const, maxBytes, files: files.slice(i, i + size) });
      }
      const run = await runJobs(jobs, request.config, detector, workers);
      result.workers = run.workersUsed;
      const outcomes = run.results.flatMap((r) => (r.kind === 'files' ? r.files : []));
      let at = 0;
      for (const entry of entries) {
        const outcome: FileOutcome | undefined = 'note' in entry ? undefined : outcomes[at++];
        if (!outcome) {
          if ('note' in entry) onNote(entry.note);
          continue;
        }
        if (outcome.note) {
          onNote(outcome.note);
          continue;
        }
        result.files++;
        result.bytes += outcome.bytes;
        keep(outcome.findings);
      }
    } else {
      const stats = scanTree({
        root: request.root,
        paths: target.paths,
        maxBytes,
        onFragment,
        onNote,
      });
      result.files = stats.files;
      result.bytes = stats.bytes;
    }
  }
  result.changedSettings = [...changed].sort();
  result.durationMs = performance.now() - started;
  return result;
}

/** One line per kind of skipped file, naming a few: for the log and the summary. */
export function describeNotes(notes: readonly ScanNote[], limit = 5): string[] {
  const groups = new Map<ScanNote['reason'], ScanNote[]>();
  for (const note of notes) groups.set(note.reason, [...(groups.get(note.reason) ?? []), note]);
  const label: Record<ScanNote['reason'], string> = {
    binary: 'binary',
    'too-large': 'too large',
    unreadable: 'unreadable',
    symlink: 'symbolic link',
  };
  return [...groups].map(([reason, list]) => {
    const names = [...new Set(list.map((n) => n.path + (n.detail ? ` (${n.detail})` : '')))];
    const shown = names.slice(0, limit).join(', ');
    const more = names.length > limit ? ` and ${names.length - limit} more` : '';
    return `skipped ${list.length} ${label[reason]} file${list.length === 1 ? '' : 's'}: ${shown}${more}`;
  });
}

export function describeAmount(result: ScanResult): string {
  const parts = [`${result.files} file${result.files === 1 ? '' : 's'}`, formatSize(result.bytes)];
  if (result.target.kind === 'range')
    parts.unshift(`${result.commits} commit${result.commits === 1 ? '' : 's'}`);
  const threads = result.workers ? ` on ${result.workers + 1} threads` : '';
  return `${parts.join(', ')} in ${(result.durationMs / 1000).toFixed(2)} s${threads}`;
}
