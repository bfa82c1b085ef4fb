// Main's side: start the keep-alive process detached, hand it its plan over an IPC pipe
// (never argv, never the environment: /proc/PID/environ and `ps` show those), wait for its
// `ready`, and let go of it. If it cannot start, main warns and the step still succeeds.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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
  /** How long to wait for `ready`. */
  timeoutMs?: number;
}

export async function startKeepAlive(
  plan: Omit<KeepAlivePlan, 'dir'>,
  options: StartOptions,
): Promise<KeepAliveRecord> {
  const dir = mkdtempSync(join(options.runnerTemp, DIRECTORY_PREFIX));
  // The runner ends a job's leftover processes by the RUNNER_TRACKING_ID in their
  // environment (actions/runner JobExtension, "Cleaning up orphan processes"): keeping it
  // lets the runner collect ours too, should post never run.
  const env: NodeJS.ProcessEnv = {};
  for (const name of ['RUNNER_TRACKING_ID', 'SystemRoot', 'SYSTEMROOT']) {
    if (options.env[name]) env[name] = options.env[name];
  }
  const child = spawn(process.execPath, [...NODE_FLAGS, options.script ?? keepAliveScript()], {
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    env,
    cwd: dir,
    windowsHide: true,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`it did not answer within ${(options.timeoutMs ?? 10_000) / 1000} s`)),
        options.timeoutMs ?? 10_000,
      );
      const done = (error?: Error) => {
        clearTimeout(timer);
        child.removeAllListeners('message');
        if (error) reject(error);
        else resolve();
      };
      child.once('error', (error) => done(error));
      child.once('exit', (code) => done(new Error(`it exited at once (code ${code ?? 'none'})`)));
      child.on('message', (message: { ready?: boolean; error?: string }) => {
        if (message.ready) done();
        else done(new Error(message.error ?? 'it refused its plan'));
      });
      child.once('spawn', () => {
        child.send({ ...plan, dir } satisfies KeepAlivePlan, (error) => {
          if (error) done(error);
        });
      });
    });
  } catch (error) {
    if (child.pid !== undefined && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  } finally {
    child.removeAllListeners('exit');
    child.removeAllListeners('error');
    if (child.connected) child.disconnect();
    child.unref();
  }
  return { pid: child.pid as number, dir };
}
