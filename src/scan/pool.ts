// Runs scan jobs on worker threads besides the main thread when there is enough work to
// repay starting them (a worker takes ~60 ms to load and compile the rules, and starts with
// cold code). Jobs are handed out one at a time to whichever thread is free, and results are
// put back in job order, so the findings come out exactly as one thread would report them.
// The main thread scans too (it starts at once, while workers load); if a worker cannot
// start or dies, its job in hand is redone on the main thread: threads change how fast a
// scan is, never what it finds.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { runJob, type JobResult, type ScanJob } from './batch.js';
import type { Detector } from './detector.js';
import type { ScanConfig } from './types.js';
import type { WorkerInit, WorkerReply } from './worker.js';

/** More threads than this contend for memory bandwidth more than they add. */
export const MAX_WORKERS = 8;

export interface ParallelOptions {
  /** Worker threads besides the main one: default one per core less one (at least 1, at most MAX_WORKERS); 0 keeps one thread. */
  workers?: number;
  /** A tree with fewer files is scanned on one thread. */
  minFiles?: number;
  /** A diff with fewer added bytes is scanned on one thread. */
  minBytes?: number;
}

// A worker is ready after ~60 ms and starts cold: below ~100 ms of scanning (~2,000 files of
// source at ~250 MB/s) it would not finish a job before the main thread finished the lot.
export const DEFAULT_MIN_FILES = 1500;
export const DEFAULT_MIN_BYTES = 4 * 1024 * 1024;

/** The main thread scans too: one worker per other core (a single core still gets one worker). */
export function defaultWorkers(): number {
  return Math.max(1, Math.min(availableParallelism() - 1, MAX_WORKERS));
}

/** How to start a worker: the bundled script, or the TypeScript source through tsx. */
type WorkerSpec = { script: URL } | { evalCode: string };

let located: WorkerSpec | null | undefined;

/**
 * The worker script sits beside this module's bundle: dist/scan-worker.js next to
 * dist/scan.js, one directory up from the CLI's dist/cli-chunks/. Run from the TypeScript
 * sources (tests, benches), the worker is src/scan/worker.ts, loaded through tsx when it is
 * installed. Nothing found: null, and scans stay on one thread.
 */
export function locateWorker(): WorkerSpec | null {
  if (located !== undefined) return located;
  located = null;
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const source = new URL('./worker.ts', here);
    try {
      const api = createRequire(here)
        .resolve('tsx/esm/api')
        .replace(/\.cjs$/, '.mjs');
      if (existsSync(fileURLToPath(source)) && existsSync(api)) {
        const [from, to] = [JSON.stringify(pathToFileURL(api).href), JSON.stringify(source.href)];
        located = { evalCode: `import(${from}).then((tsx) => tsx.tsImport(${to}, ${to}))` };
      }
    } catch {
      // tsx is not installed: one thread.
    }
    return located;
  }
  for (const candidate of ['./scan-worker.js', '../scan-worker.js']) {
    const script = new URL(candidate, here);
    if (existsSync(fileURLToPath(script))) return (located = { script });
  }
  return located;
}

/** Whether `config.raw` still describes `config.rules` (a caller may have edited the rules). */
function rawMatches(config: ScanConfig): boolean {
  const raw = config.raw;
  if (!raw) return false;
  const rules = raw.rules ?? [];
  return (
    rules.length === config.rules.length &&
    rules.every((r, i) => r.id === config.rules[i]!.id) &&
    (raw.allowlists ?? []).filter((a) => !a.targetRules?.length).length === config.allowlists.length
  );
}

/** Whether jobs can go to worker threads for this config (else `runJobs` uses one thread). */
export function canRunInParallel(config: ScanConfig, workers: number): boolean {
  return workers > 0 && rawMatches(config) && locateWorker() !== null;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  alive: boolean;
  job: number;
}

export interface JobsOutcome {
  results: JobResult[];
  /** Worker threads that ran at least one job (0: everything ran on the main thread). */
  workersUsed: number;
}

/**
 * Runs `jobs` on the main thread and up to `workers` worker threads, results in job order. `detector` is the main thread's, for the jobs it runs itself.
 */
export async function runJobs(
  jobs: readonly ScanJob[],
  config: ScanConfig,
  detector: Detector,
  workers: number,
  /** false: workers alone (tests use it to be sure workers did the work). */
  mainThreadScans = true,
): Promise<JobsOutcome> {
  const spec = canRunInParallel(config, workers) ? locateWorker() : null;
  if (!spec || jobs.length === 0) {
    return { results: jobs.map((job) => runJob(detector, job)), workersUsed: 0 };
  }
  const init: WorkerInit = {
    raw: config.raw!,
    source: config.source,
    configFile: config.configFile,
  };
  const results: JobResult[] = new Array<JobResult>(jobs.length);
  const used = new Set<Slot>();
  let next = 0;
  let done = 0;

  const slots: Slot[] = [];
  try {
    await new Promise<void>((resolveAll, rejectAll) => {
      let settled = false;
      const finish = (err?: unknown): void => {
        if (settled) return;
        if (err === undefined && done < jobs.length) return;
        settled = true;
        if (err === undefined) resolveAll();
        else rejectAll(err as Error);
      };
      const runHere = (id: number): void => {
        try {
          results[id] = runJob(detector, jobs[id]!);
          done++;
          finish();
        } catch (err) {
          finish(err);
        }
      };
      const dispatch = (slot: Slot): void => {
        if (settled || next >= jobs.length) return;
        slot.job = next++;
        slot.worker.postMessage({ id: slot.job, job: jobs[slot.job] });
      };
      // The main thread scans too, one job per turn of the event loop so that workers'
      // replies are heard between its jobs (it would otherwise only wait).
      const helpHere = (): void => {
        if (settled || next >= jobs.length) return;
        runHere(next++);
        setImmediate(helpHere);
      };
      for (let i = 0; i < workers; i++) {
        const worker =
          'script' in spec
            ? new Worker(spec.script, { workerData: init })
            : new Worker(spec.evalCode, { eval: true, workerData: init });
        const slot: Slot = { worker, ready: false, alive: true, job: -1 };
        slots.push(slot);
        worker.on('message', (reply: WorkerReply) => {
          if (reply.kind === 'ready') {
            slot.ready = true;
            dispatch(slot);
            return;
          }
          slot.job = -1;
          if (reply.kind === 'done') {
            results[reply.id] = reply.result;
            used.add(slot);
            done++;
            finish();
          } else {
            // Run it here: the same error, if it is one, surfaces as on one thread.
            runHere(reply.id);
          }
          dispatch(slot);
        });
        // An error is followed by 'exit': the job in hand is redone there.
        worker.on('error', () => undefined);
        worker.on('exit', () => {
          if (!slot.alive) return;
          slot.alive = false;
          if (settled) return;
          if (slot.job !== -1) runHere(slot.job);
          slot.job = -1;
          if (!slots.some((s) => s.alive)) helpHere();
        });
      }
      if (mainThreadScans) setImmediate(helpHere);
    });
  } finally {
    for (const slot of slots) slot.alive = false;
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }
  return { results, workersUsed: used.size };
}
