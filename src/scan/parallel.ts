// A path tree scanned by this thread and worker threads together: reading and detecting are
// most of a large tree scan's time, and each file is scanned on its own, so the listed files
// are dealt out in small chunks to whichever thread asks next (a shared counter: no thread
// waits for a slow file of another). The calling thread scans from the first chunk on, so
// it never waits for a worker to start: a worker that is still compiling the rules when the
// last chunk is taken is stopped, unused. What each file gave is kept by its place in the
// listing and reported in that order afterwards: findings, notes and their order are those
// of the one-thread scan (scanTree), which is also what runs whenever workers cannot.
//
// Why it stays (issue 15: `oidc-secrets scan` at >= 100 MiB/s end to end on this 2-core
// machine). One thread cannot get there: after the rest of issue 15's work a scan of the
// 20 MiB bench tree still takes ~0.86 s of CPU. Not yet shown to pay, though: it was only
// measured on a machine loaded 4-8 (other builds), where a worker found no idle core and
// made the scan slower (wall 2.0-3.3 s against 1.4-2.5 s); hence the default of
// src/cli/scan-workers.ts, one worker per core the load average leaves idle. The cost: a
// worker starts node, loads its bundle (without the compile cache) and builds the detector
// (the RE2 translations come from this thread) before it takes a file: ~0.5 s at load 4.5,
// during which this thread scans alone; hence also the threshold below, and this file.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { compileConfig } from './config/config.js';
import {
  translationsInUse,
  useTranslations,
  type TranslationRecords,
} from './config/translation-memo.js';
import { Detector } from './detect/detector.js';
import { readTreeFile, type TreeEntry, type TreeScanStats } from './sources/tree.js';
import type { Finding, RawConfig, ScanConfig, ScanNote } from './types.js';

/** Where the worker's bundle is and how many workers may run besides this thread. */
export interface ParallelOptions {
  /** The worker's script (dist/cli/scan-worker.cjs). */
  script: string;
  workers: number;
}

/** Files per claim: small enough to balance, large enough that messages stay few. */
const CHUNK = 8;
/**
 * Below this many files a worker costs more than it saves: its start (bundle, rules) takes
 * about as long as scanning a few hundred ordinary files here.
 */
export const MIN_PARALLEL_FILES = 256;

/** What one listed entry gave; `failed` only on this thread (a worker that fails stops). */
type Outcome = { note: ScanNote } | { bytes: number; findings: Finding[] } | { failed: unknown };

interface WorkerInput {
  kind: 'oidc-secrets-tree-worker';
  raw: RawConfig;
  source: string;
  configFile?: string;
  extendFiles?: readonly string[];
  maxDecodeDepth: number;
  maxBytes: number;
  entries: readonly TreeEntry[];
  counter: Int32Array;
  /** This thread's RE2 translations (translation-memo.ts): the worker need not redo them. */
  translations?: TranslationRecords;
}

interface WorkerMessage {
  from: number;
  outcomes: Outcome[];
}

function scanEntry(entry: TreeEntry, detector: Detector, maxBytes: number): Outcome {
  if ('note' in entry) return { note: entry.note };
  const read = readTreeFile(entry.abs, entry.path, maxBytes);
  if ('note' in read) return read;
  return { bytes: read.bytes.length, findings: detector.detectFile(entry.path, read.bytes) };
}

/** Claims chunks until none is left, calling `done` with each chunk's outcomes. */
function claimChunks(
  counter: Int32Array,
  count: number,
  scanOne: (index: number) => Outcome,
  done: (from: number, outcomes: Outcome[]) => void,
): void {
  for (;;) {
    const from = Atomics.add(counter, 0, CHUNK);
    if (from >= count) return;
    const to = Math.min(from + CHUNK, count);
    const outcomes: Outcome[] = [];
    for (let i = from; i < to; i++) outcomes.push(scanOne(i));
    done(from, outcomes);
  }
}

export interface ParallelTreeScan {
  entries: readonly TreeEntry[];
  config: ScanConfig;
  /** This thread's detector (built from `config`). */
  detector: Detector;
  maxDecodeDepth: number;
  maxBytes: number;
  parallel: ParallelOptions;
  onFile: (path: string, findings: Finding[]) => void;
  onNote: (note: ScanNote) => void;
}

/**
 * scanTree's result and reports, with the work shared with worker threads. Whatever a
 * worker did not answer (it failed to start, died, or stopped at a file it could not
 * finish) this thread scans itself, in listing order at the end: so a failure is the one
 * the one-thread scan meets first, and the scan's outcome never depends on a worker.
 */
export async function scanTreeInParallel(
  scan: ParallelTreeScan,
): Promise<TreeScanStats & { byWorkers: number }> {
  const { entries, config, detector, maxBytes } = scan;
  const outcomes: (Outcome | undefined)[] = new Array<Outcome | undefined>(entries.length);
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const workers: Worker[] = [];
  let live = 0;
  /** Entries the workers answered (said with OIDC_SECRETS_DEBUG=1). */
  let byWorkers = 0;
  let wake: (() => void) | undefined;
  if (config.raw !== undefined) {
    const input: WorkerInput = {
      kind: 'oidc-secrets-tree-worker',
      raw: config.raw,
      source: config.source,
      ...(config.configFile !== undefined ? { configFile: config.configFile } : {}),
      ...(config.extendFiles !== undefined ? { extendFiles: config.extendFiles } : {}),
      maxDecodeDepth: scan.maxDecodeDepth,
      maxBytes,
      entries,
      counter,
      translations: translationsInUse(),
    };
    for (let w = 0; w < scan.parallel.workers; w++) {
      const worker = new Worker(scan.parallel.script, { workerData: input });
      live++;
      worker.on('message', (message: WorkerMessage) => {
        message.outcomes.forEach((o, k) => (outcomes[message.from + k] = o));
        byWorkers += message.outcomes.length;
        wake?.();
      });
      // A worker that cannot go on leaves its chunk unanswered: this thread scans it below.
      worker.on('error', () => undefined);
      worker.on('exit', () => {
        live--;
        wake?.();
      });
      workers.push(worker);
    }
  }
  try {
    const scanHere = (i: number): Outcome => {
      try {
        return scanEntry(entries[i]!, detector, maxBytes);
      } catch (failed) {
        return { failed };
      }
    };
    claimChunks(counter, entries.length, scanHere, (from, list) => {
      list.forEach((o, k) => (outcomes[from + k] = o));
      // Nothing after a failure is reported: the workers need not go on either.
      if (list.some((o) => 'failed' in o)) Atomics.store(counter, 0, entries.length);
    });
    // Chunks the workers claimed: waited for while a worker that may answer them runs.
    let waitFrom = 0;
    for (;;) {
      while (waitFrom < entries.length && outcomes[waitFrom] !== undefined) {
        if ('failed' in outcomes[waitFrom]!) break;
        waitFrom++;
      }
      if (waitFrom === entries.length || live === 0 || outcomes[waitFrom] !== undefined) break;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    for (const worker of workers) void worker.terminate();
  }
  const stats = { files: 0, bytes: 0, byWorkers };
  entries.forEach((entry, i) => {
    const outcome = (outcomes[i] ??= scanEntry(entry, detector, maxBytes));
    if ('failed' in outcome) throw outcome.failed;
    if ('note' in outcome) {
      scan.onNote(outcome.note);
      return;
    }
    stats.files++;
    stats.bytes += outcome.bytes;
    scan.onFile((entry as { path: string }).path, outcome.findings);
  });
  return stats;
}

/** The worker's side (dist/cli/scan-worker.cjs): compile the rules, claim chunks, answer. */
export function runTreeWorker(): void {
  const input = workerData as WorkerInput | undefined;
  if (isMainThread || parentPort === null || input?.kind !== 'oidc-secrets-tree-worker') return;
  const port = parentPort;
  if (input.translations) useTranslations(input.translations);
  const config: ScanConfig = {
    ...compileConfig(input.raw, input.source),
    ...(input.configFile !== undefined ? { configFile: input.configFile } : {}),
    ...(input.extendFiles !== undefined ? { extendFiles: input.extendFiles } : {}),
  };
  const detector = new Detector(config, { maxDecodeDepth: input.maxDecodeDepth });
  // A file that throws ends this worker (an 'error' event there); its chunk goes unanswered.
  const { entries, maxBytes } = input;
  const scanOne = (i: number): Outcome => scanEntry(entries[i]!, detector, maxBytes);
  claimChunks(input.counter, entries.length, scanOne, (from, outcomes) =>
    port.postMessage({ from, outcomes } satisfies WorkerMessage),
  );
}
