// `.gitleaksignore`: one fingerprint a line, `#` comments. Accepted forms:
// - `commit:file:rule:line` (gitleaks' own, for a finding in git history): that commit only;
// - `file:rule:line:HASH` and `commit:file:rule:line:HASH`: HASH is the first 8 or more hex
//   digits of the SHA-256 of the matched secret (the summary prints the entry for each
//   finding). The commit-less form survives a squash merge (new commit, same file, rule,
//   line and secret) and silences only that secret: a different key later written on the
//   same line is reported;
// - `file:rule:line` without a hash (gitleaks writes it for a scan of files) would silence
//   ANY secret ever written on that line, so it is not honoured: a finding it names is
//   reported with a notice giving the hashed entry to use instead.
import type { createHash as CreateHash } from 'node:crypto';
import { nodeRequire } from '../../core/node-require.js';
import { readFileNoFollow, type SettingsReader } from '../config/settings.js';
import type { Finding } from '../types.js';

/** Hex digits of a secret's hash printed in an ignore entry (at least 8 are required). */
export const HASH_DIGITS = 12;
const MIN_HASH_DIGITS = 8;

const COMMIT = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;
const HASH = new RegExp(`^[0-9a-f]{${MIN_HASH_DIGITS},64}$`);
const LINE = /^\d+$/;

/**
 * node:crypto, loaded with the first hash: a scan that finds nothing (what a pre-commit hook
 * sees on almost every commit) never loads it, ~8 ms of its start-up.
 */
let createHash: typeof CreateHash | undefined;
function sha256Hex(text: string): string {
  createHash ??= (nodeRequire('node:crypto') as { createHash: typeof CreateHash }).createHash;
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The short hash of a finding's secret (its match for a path-only finding). */
export function secretHash(finding: Pick<Finding, 'secret'>): string {
  return sha256Hex(finding.secret).slice(0, HASH_DIGITS);
}

/** The entry that silences exactly this finding and survives a squash: `file:rule:line:HASH`. */
export function ignoreEntry(finding: Finding): string {
  return `${finding.globalFingerprint}:${secretHash(finding)}`;
}

interface HashedEntry {
  /** `file:rule:line`, with the commit in front when the entry has one. */
  key: string;
  hash: string;
}

export class IgnoreList {
  /** `commit:file:rule:line` entries. */
  private readonly commitEntries = new Set<string>();
  private readonly hashed: HashedEntry[] = [];
  private readonly hashedKeys = new Set<string>();
  /** `file:rule:line` entries without a hash → their line in the file. */
  private readonly bare = new Map<string, number>();
  /** Lines that are not a fingerprint, for a warning (line numbers only). */
  readonly invalidLines: number[] = [];
  /** Findings a hash-less commit-less entry named, reported anyway (see the header). */
  readonly unhashedMatches: { finding: Finding; line: number }[] = [];

  constructor(text = '') {
    text.split(/\r?\n/).forEach((raw, index) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      if (!this.add(line.split(':'), index + 1)) this.invalidLines.push(index + 1);
    });
  }

  private add(parts: string[], lineOfFile: number): boolean {
    const n = parts.length;
    const last = parts[n - 1]!.toLowerCase();
    // commit:file:rule:line — a commit in front and a line number at the end.
    if (n === 4 && COMMIT.test(parts[0]!.toLowerCase()) && LINE.test(last)) {
      this.commitEntries.add(
        [parts[0]!.toLowerCase(), normalisePath(parts[1]!), parts[2], parts[3]].join(':'),
      );
      return true;
    }
    // [commit:]file:rule:line:HASH
    if ((n === 4 || n === 5) && LINE.test(parts[n - 2]!) && HASH.test(last)) {
      if (n === 5 && !COMMIT.test(parts[0]!.toLowerCase())) return false;
      const [file, rule, lineNo] = parts.slice(n - 4, n - 1);
      const key = [
        ...(n === 5 ? [parts[0]!.toLowerCase()] : []),
        normalisePath(file!),
        rule,
        lineNo,
      ].join(':');
      this.hashed.push({ key, hash: last });
      this.hashedKeys.add(key);
      return true;
    }
    // file:rule:line
    if (n === 3 && LINE.test(last)) {
      this.bare.set([normalisePath(parts[0]!), parts[1], parts[2]].join(':'), lineOfFile);
      return true;
    }
    return false;
  }

  /** `.gitleaksignore` at the root of what `reader` reads (a commit or the work tree). */
  static read(reader: SettingsReader): IgnoreList {
    return new IgnoreList(reader.read('.gitleaksignore') ?? '');
  }

  /** A `.gitleaksignore` file on disk, never read through a link. */
  static load(path: string): IgnoreList {
    return new IgnoreList(readFileNoFollow(path, path) ?? '');
  }

  /** Number of entries. */
  get size(): number {
    return this.commitEntries.size + this.hashed.length + this.bare.size;
  }

  /** Entries without a hash or a commit: honoured by nothing, named in a notice when used. */
  get unhashedEntries(): number {
    return this.bare.size;
  }

  ignores(finding: Finding): boolean {
    const global = finding.globalFingerprint;
    const commit = finding.commit?.toLowerCase();
    if (commit !== undefined && this.commitEntries.has(`${commit}:${global}`)) return true;
    const keys = commit !== undefined ? [global, `${commit}:${global}`] : [global];
    if (keys.some((k) => this.hashedKeys.has(k))) {
      const hash = sha256Hex(finding.secret);
      for (const entry of this.hashed)
        if (keys.includes(entry.key) && hash.startsWith(entry.hash)) return true;
    }
    const bareLine = this.bare.get(global);
    if (bareLine !== undefined) this.unhashedMatches.push({ finding, line: bareLine });
    return false;
  }
}

/** Windows paths are normalised as gitleaks does. */
function normalisePath(path: string): string {
  return path.replace(/\\/g, '/');
}
