// A unit of scanning work handed to a thread: a run of listed files to read and scan, or
// fragments already read (a diff's added lines). The same code runs in a worker thread and,
// when there is no worker, on the main thread, so both paths report alike.
import type { Detector } from './detector.js';
import { readTreeFile } from './tree.js';
import type { Finding, Fragment, ScanNote } from './types.js';

export type ScanJob =
  | { kind: 'files'; maxBytes: number; files: { abs: string; path: string }[] }
  | { kind: 'fragments'; fragments: Fragment[] };

/** Per file of a `files` job, in order: what was found, or why it was skipped. */
export interface FileOutcome {
  findings: Finding[];
  note?: ScanNote;
  /** Bytes read (0 when skipped). */
  bytes: number;
}

export type JobResult =
  { kind: 'files'; files: FileOutcome[] } | { kind: 'fragments'; findings: Finding[][] };

const NONE: Finding[] = [];

export function runJob(detector: Detector, job: ScanJob): JobResult {
  if (job.kind === 'fragments') {
    return { kind: 'fragments', findings: job.fragments.map((f) => detector.detect(f)) };
  }
  const files = job.files.map(({ abs, path }): FileOutcome => {
    const read = readTreeFile(abs, path, job.maxBytes);
    if ('note' in read) return { findings: NONE, note: read.note, bytes: 0 };
    return { findings: detector.detect(read.fragment), bytes: read.bytes };
  });
  return { kind: 'files', files };
}
