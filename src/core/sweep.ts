// `sweep: true`: after the job, find workspace files that contain a fetched value (or its
// base64) and report their paths — never the value, never where in the file.
//
// Post never sees the values. Main leaves fingerprints in the action state: each value's
// byte length, a 32-bit rolling hash to find candidate windows fast (Rabin–Karp), and an
// HMAC under a per-run random key to confirm a candidate. The state file is private to the
// runner, and this reveals no more than the saved Vault token already could.
import { createHmac, randomBytes } from 'node:crypto';
import { closeSync, lstatSync, openSync } from 'node:fs';
import { relative } from 'node:path';
import { readFully, walkDirectory } from './walk.js';

/** The state variable main leaves the fingerprints in. */
export const SWEEP_STATE = 'sweep';

/** Shorter values match too much ordinary text to be worth reporting. */
export const SWEEP_MIN_LENGTH = 8;
const MAX_FILE_BYTES = 32 * 1024 * 1024;
const MAX_TOTAL_BYTES = 512 * 1024 * 1024;
const SKIP_DIRECTORIES = new Set(['.git']);
const BASE = 16777619;

export interface SweepFingerprints {
  key: string;
  prints: Array<{ length: number; rolling: number; mac: string }>;
}

export function fingerprintValues(values: Iterable<string>): SweepFingerprints {
  const key = randomBytes(32);
  const seen = new Set<string>();
  const prints: SweepFingerprints['prints'] = [];
  const add = (bytes: Buffer) => {
    if (bytes.length < SWEEP_MIN_LENGTH) return;
    const mac = hmac(key, bytes);
    if (seen.has(mac)) return;
    seen.add(mac);
    prints.push({ length: bytes.length, rolling: rollingHash(bytes, 0, bytes.length), mac });
  };
  for (const value of values) {
    const bytes = Buffer.from(value, 'utf8');
    add(bytes);
    add(Buffer.from(bytes.toString('base64')));
    for (const line of value.split(/\r?\n/))
      if (line !== value) add(Buffer.from(line.trim(), 'utf8'));
  }
  return { key: key.toString('base64'), prints };
}

export interface SweepReport {
  /** Workspace-relative paths of files holding at least one fetched value. */
  files: string[];
  scannedFiles: number;
  scannedBytes: number;
  /** Files passed over: too large, or past the total budget. */
  skipped: number;
}

export function sweepWorkspace(root: string, fingerprints: SweepFingerprints): SweepReport {
  const key = Buffer.from(fingerprints.key, 'base64');
  const byLength = new Map<number, Map<number, string[]>>();
  for (const print of fingerprints.prints) {
    const table = byLength.get(print.length) ?? new Map<number, string[]>();
    table.set(print.rolling, [...(table.get(print.rolling) ?? []), print.mac]);
    byLength.set(print.length, table);
  }
  const report: SweepReport = { files: [], scannedFiles: 0, scannedBytes: 0, skipped: 0 };
  if (byLength.size === 0) return report;

  walkDirectory(root, {
    skipDirectories: SKIP_DIRECTORIES,
    onFile: (path) => {
      let stat;
      try {
        stat = lstatSync(path);
      } catch {
        return;
      }
      if (stat.size > MAX_FILE_BYTES || report.scannedBytes + stat.size > MAX_TOTAL_BYTES) {
        report.skipped++;
        return;
      }
      const content = readWhole(path, stat.size);
      report.scannedFiles++;
      report.scannedBytes += content.length;
      if (containsFingerprint(content, byLength, key)) report.files.push(relative(root, path));
    },
  });
  report.files.sort();
  return report;
}

function containsFingerprint(
  content: Buffer,
  byLength: Map<number, Map<number, string[]>>,
  key: Buffer,
): boolean {
  for (const [length, table] of byLength) {
    if (content.length < length) continue;
    // BASE^(length-1) mod 2^32, to take the leaving byte out of the window's hash.
    let top = 1;
    for (let i = 1; i < length; i++) top = Math.imul(top, BASE) >>> 0;
    let hash = rollingHash(content, 0, length);
    for (let start = 0; ; start++) {
      const macs = table.get(hash);
      if (macs && macs.includes(hmac(key, content.subarray(start, start + length)))) return true;
      if (start + length >= content.length) break;
      hash =
        (Math.imul((hash - Math.imul(content[start] as number, top)) >>> 0, BASE) +
          (content[start + length] as number)) >>>
        0;
    }
  }
  return false;
}

function rollingHash(bytes: Buffer, start: number, length: number): number {
  let hash = 0;
  for (let i = start; i < start + length; i++)
    hash = (Math.imul(hash, BASE) + (bytes[i] as number)) >>> 0;
  return hash;
}

function hmac(key: Buffer, bytes: Buffer): string {
  return createHmac('sha256', key).update(bytes).digest('base64');
}

function readWhole(path: string, size: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    return readFully(fd, Buffer.alloc(size), size);
  } finally {
    closeSync(fd);
  }
}
