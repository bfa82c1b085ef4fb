// How many worker threads `oidc-secrets scan` may share a path tree with (src/scan/parallel.ts),
// and the bundle they run: dist/cli/scan-worker.cjs, next to the scan command's own bundle.
// Run from source (tests, tsx) there is no such bundle and the scan keeps to one thread.
// OIDC_SECRETS_SCAN_THREADS=N sets the number of workers (0: none); by default one per core
// that the machine leaves idle (cores minus the load average, less this thread's own core,
// rounded: a 2-core machine at load 0.3 gets one worker, at load 0.6 none):
// on a busy machine a worker only competes with this thread for the same cores, and its
// start (~0.2 s of CPU: its bundle and the rules compiled again) is lost.
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './args.js';
import type { ParallelOptions } from '../scan/parallel.js';

/** More than this adds start-up (each worker compiles the rules) faster than it saves. */
const MAX_WORKERS = 4;

export function scanWorkers(env: NodeJS.ProcessEnv): ParallelOptions | undefined {
  const given = env.OIDC_SECRETS_SCAN_THREADS;
  if (given !== undefined && given !== '' && !/^\d{1,2}$/.test(given))
    throw new UsageError(
      `OIDC_SECRETS_SCAN_THREADS: expected a number of worker threads, got "${given}"`,
      'scan',
    );
  // The CommonJS bundle's own directory; absent when this runs as an ES module from source.
  const dir = typeof __dirname === 'string' ? __dirname : undefined;
  if (dir === undefined) return undefined;
  const script = join(dir, 'scan-worker.cjs');
  if (!existsSync(script)) return undefined;
  const workers =
    given !== undefined && given !== ''
      ? Number(given)
      : Math.min(MAX_WORKERS, Math.round(availableParallelism() - 1 - loadavg()[0]!));
  return workers > 0 ? { script, workers } : undefined;
}
