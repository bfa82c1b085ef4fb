// The nightly full-history scan (`mode: history`, `--history`): every commit reachable from
// any ref (`git log --all`; `--reverse --topo-order`: a commit after all its ancestors), each
// added line read once.
//
// "Once" is by file path and line content: the first commit (oldest first) that adds a line
// to a path reads it; the same line added to the same path again (a cherry-pick, a rebased
// copy of a branch, a revert of a revert, a merge that re-adds it) is dropped before the
// detector sees it, unless it borders a line that is new: a key rewritten in `key.pem` keeps
// its `-----BEGIN…` and `-----END…` lines, which every version shares, so that a match that
// spans lines still sees them. A finding that lies wholly on such repeated context lines
// was reported where the lines were first added and is dropped (`repeated`). A secret copied
// into another file is reported again: it is a new place to clean up. Keys are kept for the
// whole scan, so memory grows with the distinct added lines (about their total size), not
// with the number of commits.
import { LOG_ARGS, streamDiff, type LogScanOptions } from './git.js';
import type { Finding, Fragment } from '../types.js';

export interface HistoryScanOptions extends Omit<LogScanOptions, 'onFragment'> {
  /** A fragment, and the file lines in it kept only as context around new lines. */
  onFragment: (fragment: Fragment, repeated: ReadonlySet<number>) => void;
}

/** Lines on either side of a new line that are kept even when seen before. */
const CONTEXT = 1;

/** Streams every reachable commit's added lines, each (path, line) once; resolves with the commit count. */
export function scanHistory(cwd: string, options: HistoryScanOptions): Promise<number> {
  const seen = new Set<string>();
  let repeated = new Set<number>();
  return streamDiff(cwd, [...LOG_ARGS, '--reverse', '--topo-order', '--all', '--'], {
    maxChars: options.maxChars,
    onNote: options.onNote,
    onFragment: (fragment) => options.onFragment(fragment, repeated),
    select: (path, lines, numbers, continued) => {
      const fresh = lines.map((line) => {
        const key = `${path}\0${line}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
      // A later piece of a large file (diff.ts) begins with the end of the piece before, not
      // offered here again: its lines kept as context stay so.
      if (!continued) repeated = new Set<number>();
      if (fresh.every(Boolean)) return null;
      return fresh.map((isNew, i) => {
        if (isNew) return true;
        for (let d = 1; d <= CONTEXT; d++) {
          // Neighbours in the file, not only in the list: a hunk boundary is not a border.
          if (fresh[i - d] && numbers[i - d] === numbers[i]! - d) return keepAsContext(i);
          if (fresh[i + d] && numbers[i + d] === numbers[i]! + d) return keepAsContext(i);
        }
        return false;
      });
      function keepAsContext(i: number): true {
        repeated.add(numbers[i]!);
        return true;
      }
    },
  });
}

/** A finding that lies wholly on repeated context lines was reported where they were added. */
export function onRepeatedLines(finding: Finding, repeated: ReadonlySet<number>): boolean {
  if (repeated.size === 0) return false;
  for (let line = Math.min(finding.matchLine, finding.startLine); line <= finding.endLine; line++)
    if (!repeated.has(line)) return false;
  return true;
}
