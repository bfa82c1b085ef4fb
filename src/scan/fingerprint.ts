// `.gitleaksignore`: one fingerprint a line, `#` comments. gitleaks writes
// `commit:file:rule:line` for findings in git history and `file:rule:line` for files; both
// are accepted for every finding, so an entry written for a PR's commit still applies after
// the PR is squash-merged (new commit, same file, rule and line).
import { existsSync, readFileSync } from 'node:fs';
import type { Finding } from './types.js';

export class IgnoreList {
  private readonly entries = new Set<string>();
  /** Lines that are not a fingerprint, for a warning (line numbers only). */
  readonly invalidLines: number[] = [];

  constructor(text = '') {
    text.split(/\r?\n/).forEach((raw, index) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const parts = line.split(':');
      // Windows paths are normalised as gitleaks does.
      if (parts.length === 3) parts[0] = parts[0]!.replace(/\\/g, '/');
      else if (parts.length === 4) parts[1] = parts[1]!.replace(/\\/g, '/');
      else {
        this.invalidLines.push(index + 1);
        return;
      }
      if (!/^\d+$/.test(parts[parts.length - 1]!)) {
        this.invalidLines.push(index + 1);
        return;
      }
      if (parts.length === 4) parts[0] = parts[0]!.toLowerCase();
      this.entries.add(parts.join(':'));
    });
  }

  static load(path: string): IgnoreList {
    return existsSync(path) ? new IgnoreList(readFileSync(path, 'utf8')) : new IgnoreList();
  }

  get size(): number {
    return this.entries.size;
  }

  ignores(finding: Finding): boolean {
    if (this.entries.has(finding.globalFingerprint)) return true;
    return (
      finding.commit !== undefined &&
      this.entries.has(`${finding.commit.toLowerCase()}:${finding.globalFingerprint}`)
    );
  }
}
