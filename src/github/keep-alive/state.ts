// The keep-alive's state file (`state.json` in its directory): what it renewed and what
// failed, rewritten after every event so that post can report even if the process was
// killed. It holds labels and counts, never a token.
import type { RenewalCount } from '../../core/renewal.js';

export const STATE_FILE = 'state.json';
export const LOG_FILE = 'keep-alive.log';
/** Where main saves (sealed) the process id and directory for post. */
export const KEEP_ALIVE_STATE = 'keep_alive';
/** mkdtemp's prefix; post removes only a directory named so. */
export const DIRECTORY_PREFIX = 'oidc-secrets-keepalive-';
export const DIRECTORY_NAME = /^oidc-secrets-keepalive-[A-Za-z0-9]{6}$/;

/** Why the process ended, or `running`. */
export type KeepAliveStatus =
  | 'running'
  | 'stopped' // by post (SIGTERM)
  | 'parent-gone' // the runner's job process is gone
  | 'max-seconds' // keep-alive-max-seconds passed
  | 'nothing-left' // every item reached its maximum or failed for good
  | 'crashed';

export interface KeepAliveState {
  pid: number;
  status: KeepAliveStatus;
  startedAt: number;
  updatedAt: number;
  items: RenewalCount[];
  /** A failure of the process itself (not of a renewal). */
  error?: string;
}

/** What main saved for post. */
export interface KeepAliveRecord {
  pid: number;
  dir: string;
}
