// Where later-step credentials live: one directory under RUNNER_TEMP made by mkdtemp (0700,
// only the runner's user can list or read it), each file 0600 and created new (`wx`: never
// through a link someone placed first). The directory is named as export: files names its
// own, so post's checks (src/core/revoke.ts) remove it from the ledger the same way.
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ActionError } from '../../core/errors.js';
import type { LedgerEntry } from '../../core/ledger.js';

export function makePrivateDir(
  runnerTemp: string | undefined,
  record: (entry: LedgerEntry) => void,
): string {
  if (!runnerTemp)
    throw new ActionError(
      'EXPORT_FAILED',
      'credentials: RUNNER_TEMP is not set; later-step credentials are written only under the runner temp directory',
    );
  const dir = mkdtempSync(join(runnerTemp, 'oidc-secrets-'));
  record({ provider: 'files', kind: 'dir', label: dir, data: { path: dir } });
  return dir;
}

export function writePrivateFile(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600, flag: 'wx' });
}

/**
 * Replaces a file atomically (a reader sees the old or the new content, never half), 0600:
 * written beside it under a random name, then renamed over it.
 */
export function replacePrivateFile(path: string, content: string): void {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temporary, content, { mode: 0o600, flag: 'wx' });
  renameSync(temporary, path);
}
