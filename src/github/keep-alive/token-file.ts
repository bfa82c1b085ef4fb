// A token file kept fresh: it always holds an unexpired job OIDC token for its audience
// (AZURE_FEDERATED_TOKEN_FILE and its kind). A new token replaces the old one when half of
// the old one's lifetime is left, written to a 0600 file beside it and renamed over it, so
// that a reader sees the old token or the new one, never a part.
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { Granted, Renewable } from '../../core/renewal.js';
import type { TokenFile } from './plan.js';

/** Seconds (fractional) until the JWT expires, from its unverified `exp` (our own token), or 0. */
export function secondsLeft(jwt: string, now: number): number {
  const payload = jwt.trim().split('.')[1];
  if (!payload) return 0;
  try {
    const exp = (
      JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }
    ).exp;
    return typeof exp === 'number' ? Math.max(0, exp - now / 1000) : 0;
  } catch {
    return 0;
  }
}

export function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(temporary, text, { mode: 0o600, flag: 'wx' });
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

export function tokenFileRenewal(
  file: TokenFile,
  mint: (audience: string) => Promise<string>,
  now: () => number = Date.now,
): Renewable {
  let current: number;
  try {
    current = secondsLeft(readFileSync(file.path, 'utf8'), now());
  } catch {
    current = 0; // missing or unreadable: write one at once
  }
  return {
    kind: 'token-file',
    label: file.path,
    ttlSeconds: current,
    async renew(): Promise<Granted> {
      const token = await mint(file.audience);
      writeAtomically(file.path, token);
      return { ttlSeconds: secondsLeft(token, now()), atMaximum: false };
    },
  };
}
