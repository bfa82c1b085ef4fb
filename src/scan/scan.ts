// One scan, whatever asked for it (the action or the CLI): read the target (a commit range's
// added lines or a path tree), run the detector over each fragment, drop what
// `.gitleaksignore` lists, and return findings with what was skipped and how much was read.
import { Detector } from './detect/detector.js';
import { formatSize } from './sources/diff.js';
import { IgnoreList } from './detect/fingerprint.js';
import {
  changedPaths,
  ensureRange,
  isGitRepository,
  mayBeInGitRepository,
  scanCommits,
  type CommitRange,
  type EnsureOptions,
} from './sources/git.js';
import { scanTree, type TreeEntry } from './sources/tree.js';
import { pushedCommits, scanCommitList, scanStaged, type PushedRef } from './sources/hooks.js';
import { onRepeatedLines, scanHistory } from './sources/history.js';
import { unignoredEntries } from './sources/unignored.js';
import type { Baseline } from './config/baseline.js';
import type { Finding, Fragment, ScanConfig, ScanNote } from './types.js';

/**
 * The most of one file the scan holds and scans at once. A larger file is read in overlapping
 * pieces of this size (diff.ts, tree.ts), never skipped: a credential put in a large text
 * file is found like any other (SPEC §2.1). The limit protects memory only; the detector's
 * time is linear in what it reads, and a rule over its budget still ends the scan.
 */
export const DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024;

/** Files whose change in a range alters what the scan reports: said in the summary. */
export const SCAN_SETTINGS_FILES: readonly string[] = [
  '.gitattributes',
  '.gitleaks.toml',
  '.gitleaksignore',
];

/** The settings files of a config: the defaults, the config file and what it extends. */
export function settingsFiles(config: ScanConfig): string[] {
  return [
    ...new Set([
      ...SCAN_SETTINGS_FILES,
      ...(config.configFile ? [config.configFile] : []),
      ...(config.extendFiles ?? []),
    ]),
  ].sort();
}

export type ScanTarget =
  | ({ kind: 'range'; description: string; expectedCommits?: number } & CommitRange)
  | {
      kind: 'tree';
      paths: string[];
      /**
       * Inside a git work tree, read only what git does not ignore (unignored.ts); a path
       * named as an operand is read even when ignored. Outside one, every file.
       */
      gitignore?: boolean;
    }
  /** The index, as `git commit` will record it (hooks.ts). */
  | { kind: 'staged' }
  /** What a push sends: the pre-push hook's lines (hooks.ts). */
  | { kind: 'push'; refs: PushedRef[] }
  /** Every commit reachable from any ref, each added line once (history.ts). */
  | { kind: 'history' }
  /** One text given whole (standard input), reported under `name`. */
  | { kind: 'text'; name: string; bytes: Buffer }
  | { kind: 'none'; reason: string };

export interface ScanRequest {
  root: string;
  target: ScanTarget;
  config: ScanConfig;
  ignore?: IgnoreList;
  /** What a file is read in pieces of (DEFAULT_MAX_FILE_BYTES): tests lower it. */
  maxFileBytes?: number;
  /** Fetch missing commits and deepen a shallow clone (the action); the CLI reports instead. */
  ensure?: EnsureOptions | false;
  log?: (message: string) => void;
  /**
   * The commit the config and ignore list were read from (a pull request's base): the
   * range's own changes to them are said to take effect after merge.
   */
  settingsCommit?: string;
  /** Passes of decoding base64, hex and percent-encoded runs (default 2; 0 turns it off). */
  maxDecodeDepth?: number;
  /** Findings of an earlier report (`--baseline`): not reported again. */
  baseline?: Baseline;
}

/** How many times encoded runs are decoded and scanned again unless told otherwise. */
export const DEFAULT_MAX_DECODE_DEPTH = 2;
const MAX_DECODE_DEPTH = 10;

/**
 * A decode depth as written (an input or a flag): a whole number 0-10, or empty for the
 * default. Null when it is not one: the front end names its own input or flag.
 */
export function parseDecodeDepth(text: string): number | null {
  if (text.trim() === '') return DEFAULT_MAX_DECODE_DEPTH;
  if (!/^\d{1,2}$/.test(text.trim())) return null;
  const depth = Number(text.trim());
  return depth <= MAX_DECODE_DEPTH ? depth : null;
}

export interface ScanResult {
  target: ScanTarget;
  configSource: string;
  findings: Finding[];
  /** Findings dropped because `.gitleaksignore` lists their fingerprint. */
  ignored: number;
  /** Findings dropped because the baseline holds them. */
  baselined?: number;
  /** Tree mode: whether the files were listed by git, leaving out what it ignores. */
  gitignore?: boolean;
  notes: ScanNote[];
  files: number;
  bytes: number;
  commits: number;
  durationMs: number;
  /** Scan settings files the range changes (a PR editing its own allowlist deserves a look). */
  changedSettings: string[];
  /** Set when the settings came from a base commit: the changes above were not used. */
  settingsCommit?: string;
  /**
   * Findings that a `.gitleaksignore` entry without hash or commit names: reported anyway,
   * with the line of that entry (fingerprint.ts says why).
   */
  unhashedIgnores?: { file: string; ruleId: string; line: number; entryLine: number }[];
}

export async function runScan(request: ScanRequest): Promise<ScanResult> {
  const started = performance.now();
  const detector = new Detector(request.config, {
    maxDecodeDepth: request.maxDecodeDepth ?? DEFAULT_MAX_DECODE_DEPTH,
  });
  const ignore = request.ignore ?? new IgnoreList();
  const maxBytes = request.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const result: ScanResult = {
    target: request.target,
    configSource: request.config.source,
    findings: [],
    ignored: 0,
    baselined: 0,
    notes: [],
    files: 0,
    bytes: 0,
    commits: 0,
    durationMs: 0,
    changedSettings: [],
    ...(request.settingsCommit ? { settingsCommit: request.settingsCommit } : {}),
  };
  const changed = new Set<string>();
  const watched = new Set(settingsFiles(request.config));
  const report = (findings: Finding[]): void => {
    for (const finding of findings) {
      if (ignore.ignores(finding)) result.ignored++;
      else if (request.baseline?.holds(finding)) result.baselined = (result.baselined ?? 0) + 1;
      else result.findings.push(finding);
    }
  };
  // A file larger than a piece comes as several fragments, each beginning with the end of
  // the one before (diff.ts, tree.ts): what that overlap holds is found twice, reported once.
  let lastPiece = { file: '', found: new Set<string>() };
  const reportPiece = (fragment: Fragment, findings: Finding[]): void => {
    const file = `${fragment.commit ?? ''}\0${fragment.path}`;
    const key = (f: Finding): string =>
      [f.ruleId, f.startLine, f.startColumn, f.endLine, f.endColumn, f.decoded ?? ''].join('\0');
    const seen = lastPiece.file === file ? lastPiece.found : null;
    lastPiece = { file, found: new Set(findings.map(key)) };
    report(seen ? findings.filter((f) => !seen.has(key(f))) : findings);
  };
  // A file a global allowlist of the config passes over (gitleaks' `[[allowlists]] paths` or
  // `commits`: the repository's choice, applied as gitleaks applies it) is named, once.
  const allowlisted = (path: string, commit: string | undefined): boolean => {
    const allowlist = detector.allowlistOf({ path, commit });
    if (allowlist === null) return false;
    const last = result.notes.at(-1);
    if (last?.reason !== 'allowlisted' || last.path !== path || last.commit !== commit)
      result.notes.push({
        path,
        ...(commit ? { commit } : {}),
        reason: 'allowlisted',
        detail: allowlist.description || 'an allowlist of the scan config',
      });
    return true;
  };
  const onNote = (note: ScanNote): void => {
    result.notes.push(note);
    // A file binary for the content rules still meets the path-only ones (a committed
    // `.p12` is a finding whatever its bytes), as gitleaks tries them first.
    if (note.reason === 'binary')
      report(detector.detect({ path: note.path, commit: note.commit, text: '' }));
  };

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
        if (watched.has(fragment.path)) changed.add(fragment.path);
        if (!allowlisted(fragment.path, fragment.commit))
          reportPiece(fragment, detector.detect(fragment));
      },
    });
    result.files = files.size;
    // Deletions, renames and links add no line: git says what the range changed.
    for (const path of await changedPaths(request.root, target, [...watched])) changed.add(path);
  } else if (target.kind === 'tree') {
    let entries: TreeEntry[] | undefined;
    // Without git (not installed, or a checkout it refuses to read) every file is read.
    // git is asked for the list straight away, and whether this is a work tree only when it
    // refuses: a scan in a repository starts one git process, not two; a scan where git can
    // find no repository starts none.
    if (target.gitignore && mayBeInGitRepository(request.root)) {
      entries = await unignoredEntries(request.root, target.paths).catch(async (error) => {
        if (await isGitRepository(request.root).catch(() => false)) throw error;
        return undefined;
      });
      if (entries) result.gitignore = true;
    }
    const stats = scanTree({
      root: request.root,
      paths: target.paths,
      maxBytes,
      onFile: (path, bytes) => {
        if (!allowlisted(path, undefined)) report(detector.detectFile(path, bytes));
      },
      onPiece: (fragment) => {
        if (!allowlisted(fragment.path, undefined))
          reportPiece(fragment, detector.detect(fragment));
      },
      onNote,
      ...(entries ? { entries } : {}),
    });
    result.files = stats.files;
    result.bytes = stats.bytes;
  } else if (target.kind === 'text') {
    result.files = 1;
    result.bytes = target.bytes.length;
    if (!allowlisted(target.name, undefined))
      report(detector.detectFile(target.name, target.bytes));
  } else if (target.kind === 'staged' || target.kind === 'push' || target.kind === 'history') {
    const files = new Set<string>();
    const options = {
      maxChars: maxBytes,
      onNote,
      onFragment: (fragment: Fragment, repeated?: ReadonlySet<number>) => {
        files.add(fragment.path);
        result.bytes += fragment.text.length;
        if (allowlisted(fragment.path, fragment.commit)) return;
        const found = detector.detect(fragment);
        reportPiece(
          fragment,
          repeated ? found.filter((f) => !onRepeatedLines(f, repeated)) : found,
        );
      },
    };
    if (target.kind === 'staged') await scanStaged(request.root, options);
    else if (target.kind === 'history') result.commits = await scanHistory(request.root, options);
    else
      result.commits = await scanCommitList(
        request.root,
        await pushedCommits(request.root, target.refs),
        options,
      );
    result.files = files.size;
  }
  result.changedSettings = [...changed].sort();
  const seen = new Set<string>();
  for (const { finding, line } of ignore.unhashedMatches) {
    const key = `${finding.file}:${finding.ruleId}:${finding.startLine}`;
    if (seen.has(key)) continue;
    seen.add(key);
    (result.unhashedIgnores ??= []).push({
      file: finding.file,
      ruleId: finding.ruleId,
      line: finding.startLine,
      entryLine: line,
    });
  }
  result.durationMs = performance.now() - started;
  return result;
}

/** One line per kind of skipped file, naming a few: for the log and the summary. */
export function describeNotes(notes: readonly ScanNote[], limit = 5): string[] {
  const groups = new Map<ScanNote['reason'], ScanNote[]>();
  for (const note of notes) groups.set(note.reason, [...(groups.get(note.reason) ?? []), note]);
  const label: Record<ScanNote['reason'], string> = {
    binary: 'binary',
    allowlisted: 'allowlisted',
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
  const kind = result.target.kind;
  if (kind === 'range' || kind === 'history' || kind === 'push')
    parts.unshift(`${result.commits} commit${result.commits === 1 ? '' : 's'}`);
  return `${parts.join(', ')} in ${(result.durationMs / 1000).toFixed(2)} s`;
}
