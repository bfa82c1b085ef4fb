// Post's side: stop the keep-alive main started, read what it did, and remove its
// directory. Post acts only on what main sealed (src/core/ledger.ts): the pid and a
// directory that must be a direct child of RUNNER_TEMP named as main names it; on Linux the
// pid must also still run our bundle, so a reused pid is never signalled.
import { lstatSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { openState, savedKey, type SavedState } from '../../core/ledger.js';
import { processAlive } from './process.js';
import {
  DIRECTORY_NAME,
  KEEP_ALIVE_STATE,
  STATE_FILE,
  type KeepAliveRecord,
  type KeepAliveState,
} from './state.js';

export interface StopResult {
  /** Absent when the state file could not be read. */
  state?: KeepAliveState | undefined;
  /** It was running when post came, and was stopped. */
  stoppedByPost: boolean;
  problem?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The record main sealed, or undefined (none, or not main's). */
export function keepAliveRecord(state: SavedState): KeepAliveRecord | undefined {
  const key = savedKey(state);
  const text = key ? openState(key, KEEP_ALIVE_STATE, state.get(KEEP_ALIVE_STATE)) : undefined;
  if (text === undefined) return undefined;
  try {
    const record = JSON.parse(text) as Partial<KeepAliveRecord>;
    if (typeof record.pid === 'number' && typeof record.dir === 'string')
      return { pid: record.pid, dir: record.dir };
  } catch {
    // not ours
  }
  return undefined;
}

function isOurs(pid: number): boolean {
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    // No /proc (macOS, Windows): the sealed pid is all there is to go on.
    return process.platform !== 'linux';
  }
  return cmdline.includes('keep-alive');
}

function readState(dir: string): KeepAliveState | undefined {
  try {
    const path = join(dir, STATE_FILE);
    const stat = lstatSync(path);
    if (!stat.isFile() || stat.size > 1024 * 1024) return undefined;
    const state = JSON.parse(readFileSync(path, 'utf8')) as KeepAliveState;
    return Array.isArray(state.items) ? state : undefined;
  } catch {
    return undefined;
  }
}

export async function stopKeepAlive(
  record: KeepAliveRecord,
  runnerTemp: string | undefined,
): Promise<StopResult> {
  const { pid, dir } = record;
  if (
    !runnerTemp ||
    resolve(dirname(dir)) !== resolve(runnerTemp) ||
    !DIRECTORY_NAME.test(basename(dir))
  ) {
    return { stoppedByPost: false, problem: 'its directory is not one main makes; left alone' };
  }
  let stoppedByPost = false;
  if (processAlive(pid, undefined) && isOurs(pid)) {
    stoppedByPost = true;
    process.kill(pid, 'SIGTERM');
    // It writes its final state and exits; a process that does not, within 5 s, is killed.
    for (let waited = 0; waited < 5000 && processAlive(pid, undefined); waited += 25)
      await sleep(25);
    if (processAlive(pid, undefined)) process.kill(pid, 'SIGKILL');
  }
  let state: KeepAliveState | undefined;
  try {
    const stat = lstatSync(dir);
    const uid = process.getuid?.();
    if (stat.isDirectory() && !stat.isSymbolicLink() && (uid === undefined || stat.uid === uid)) {
      state = readState(dir);
      rmSync(dir, { recursive: true, force: true });
    }
  } catch {
    state = undefined;
  }
  return { state, stoppedByPost, ...(state ? {} : { problem: 'it left no state file' }) };
}
