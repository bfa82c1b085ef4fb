// Main's side: start the keep-alive process detached, hand it its plan over an IPC pipe
// (never argv, never the environment: /proc/PID/environ and `ps` show those), and let go of
// it. If it cannot start, main warns and the step still succeeds.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KeepAlivePlan } from './plan.js';
import { DIRECTORY_PREFIX, type KeepAliveRecord } from './state.js';

/**
 * The bundle beside main's (dist/keep-alive.js). In the bundles import.meta.url is the
 * bundle's own file (scripts/build.mjs defines it).
 */
export function keepAliveScript(): string {
  return fileURLToPath(new URL('./keep-alive.js', import.meta.url));
}

/**
 * V8 settings that keep the process small (bench/keep-alive.bench.ts, 15 s runs, 5 items
 * renewed every 2 s): a young generation of 1 MB, a heap ceiling far above what it holds,
 * and no JIT — the interpreter is plenty for a few requests a minute, and without compiled
 * code RSS stays flat (max 43.9 MB against 47.9 MB with the JIT; CPU 0.27 s against 0.32 s;
 * a bare node with the same flags: 39.0 MB). Trade-off: no WebAssembly in this process.
 */
const NODE_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=32', '--jitless'];

export interface StartOptions {
  runnerTemp: string;
  /** The runner's environment: only RUNNER_TRACKING_ID (and Windows' SystemRoot) pass. */
  env: NodeJS.ProcessEnv;
  script?: string;
}

export async function startKeepAlive(
  plan: Omit<KeepAlivePlan, 'dir'>,
  options: StartOptions,
): Promise<KeepAliveRecord> {
  const script = options.script ?? keepAliveScript();
  // What would make it die at once, found before it is started (main cannot wait for it:
  // see below).
  if (!existsSync(script)) throw new Error(`its bundle ${script} is missing`);
  const dir = mkdtempSync(join(options.runnerTemp, DIRECTORY_PREFIX));
  // The runner ends a job's leftover processes by the RUNNER_TRACKING_ID in their
  // environment (actions/runner JobExtension, "Cleaning up orphan processes"): keeping it
  // lets the runner collect ours too, should post never run.
  const env: NodeJS.ProcessEnv = {};
  for (const name of ['RUNNER_TRACKING_ID', 'SystemRoot', 'SYSTEMROOT']) {
    if (options.env[name]) env[name] = options.env[name];
  }
  // Loaded here, not at the top: most steps start no keep-alive, and node's child_process
  // module costs every step ~3-7 ms of start-up (CPU profiles of dist/main.js).
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [...NODE_FLAGS, script], {
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    env,
    cwd: dir,
    windowsHide: true,
  });
  // Main waits until the plan is in the pipe, not for the process to answer: node starting
  // up under load took ~550 ms of the step's time when main waited for a `ready` answer
  // (median of 7 runs on the shared 2-core machine: main 1609 ms against 1061 ms without
  // keep-alive); handing the plan over and leaving: 887 ms against 757 ms (same machine, a
  // later, lighter minute). The step's wall time is a target. The plan waits in the pipe for the process to read it; whatever goes wrong after
  // that, the process writes to its state file and post reports.
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => {
        child.send({ ...plan, dir } satisfies KeepAlivePlan, (error) => {
          if (error) reject(error);
          else resolve();
        });
      });
    });
  } catch (error) {
    if (child.pid !== undefined && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  } finally {
    child.removeAllListeners('error');
    if (child.connected) child.disconnect();
    child.unref();
  }
  return { pid: child.pid as number, dir };
}
