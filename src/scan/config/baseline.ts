// A baseline (`--baseline FILE`, the `baseline` input): the findings of an earlier report,
// which are not reported again, so that a team can adopt the scan on an old repository and
// see only what is new. Two formats, recognised from the content:
// - our SARIF (report/sarif.ts): each result's rule id, file (its artifact URI) and the
//   short SHA-256 of its secret (`properties.secretHash`);
// - gitleaks' JSON report (`--report-format json`): an array of findings whose fields are
//   gitleaks' `report.Finding` struct, `RuleID`, `File`, `StartLine`, `Secret`, `Match`,
//   `Fingerprint`, `Commit`… (gitleaks report/finding.go). The secret is hashed as it is
//   read and the text dropped: nothing from the file but hashes is kept, and nothing of it
//   is ever printed.
//
// A finding is in the baseline when the file and the hash of its secret match an entry (for
// our SARIF the rule too): a line number is not part of the key, so edits above a known
// finding do not make it new, while a different secret on the same line is new.
// gitleaks' rule ids are not ours for the same format (`aws-access-token` against
// `aws-access-key-id`), so a gitleaks entry matches whichever rule finds the same secret in
// the same file. An entry without a usable secret (a report written with gitleaks
// `--redact`, or a SARIF of ours older than `secretHash`) can only match by its location:
// rule, file and line, as its fingerprint says; `describe()` counts such entries so that a
// front end can say the comparison was weaker.
import { OidcSecretsError, type ErrorAbout } from '../../core/errors.js';
import { secretHash } from '../detect/fingerprint.js';
import type { Finding } from '../types.js';

/** A baseline file that cannot be read as one: the message names the setting, never a value. */
export class BaselineError extends OidcSecretsError {
  override readonly name = 'BaselineError';
  declare readonly code: 'SCAN_SETTINGS';
  constructor(message: string, about?: ErrorAbout) {
    super('SCAN_SETTINGS', message, about);
  }
}

export type BaselineFormat = 'sarif' | 'gitleaks';

const LINE_KEY = (rule: string, file: string, line: number) => `${rule}\0${file}\0${line}`;

export class Baseline {
  /** `rule \0 file \0 hash` (our SARIF) */
  private readonly ruleFileHash = new Set<string>();
  /** `file \0 hash` (gitleaks) */
  private readonly fileHash = new Set<string>();
  /** `rule \0 file \0 line`: entries without a secret to compare. */
  private readonly located = new Set<string>();

  constructor(
    readonly format: BaselineFormat,
    /** Entries read. */
    readonly size: number,
  ) {}

  /** Entries that could only be matched by their location (no secret to hash). */
  get locationOnly(): number {
    return this.located.size;
  }

  holds(finding: Finding): boolean {
    const file = normalise(finding.file);
    const hash = secretHash(finding);
    if (this.ruleFileHash.has(`${finding.ruleId}\0${file}\0${hash}`)) return true;
    if (this.fileHash.has(`${file}\0${hash}`)) return true;
    return (
      this.located.size > 0 &&
      (this.located.has(LINE_KEY(finding.ruleId, file, finding.matchLine)) ||
        this.located.has(LINE_KEY(finding.ruleId, file, finding.startLine)))
    );
  }

  /**
   * Parses a baseline's text. `shown` names the file or setting in messages (`--baseline`,
   * `baseline: path`).
   */
  static parse(text: string, shown: string): Baseline {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      // JSON.parse quotes the text it chokes on, and this text may hold secrets.
      throw new BaselineError(
        `${shown}: not JSON: expected a SARIF report of oidc-secrets scan or a gitleaks JSON report`,
      );
    }
    if (Array.isArray(data)) return fromGitleaks(data, shown);
    if (isObject(data) && Array.isArray(data.runs)) return fromSarif(data.runs, shown);
    throw new BaselineError(
      `${shown}: expected a SARIF report (an object with "runs") or a gitleaks JSON report (an array of findings)`,
    );
  }

  addRuleFileHash(rule: string, file: string, hash: string): void {
    this.ruleFileHash.add(`${rule}\0${normalise(file)}\0${hash}`);
  }
  addFileHash(file: string, hash: string): void {
    this.fileHash.add(`${normalise(file)}\0${hash}`);
  }
  addLocation(rule: string, file: string, line: number): void {
    this.located.add(LINE_KEY(rule, normalise(file), line));
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** gitleaks writes Windows paths with backslashes; a SARIF URI may be percent-encoded. */
function normalise(path: string): string {
  return path.replace(/\\/g, '/').replace(/^\.\//, '');
}

/** gitleaks' `--redact` replaces the secret with this. */
const REDACTED = 'REDACTED';

function fromGitleaks(entries: unknown[], shown: string): Baseline {
  const baseline = new Baseline('gitleaks', entries.length);
  entries.forEach((entry, index) => {
    if (
      !isObject(entry) ||
      typeof entry.RuleID !== 'string' ||
      typeof entry.File !== 'string' ||
      typeof entry.StartLine !== 'number'
    ) {
      throw new BaselineError(
        `${shown}: finding ${index + 1} of the gitleaks report lacks RuleID, File or StartLine`,
      );
    }
    const secret = typeof entry.Secret === 'string' ? entry.Secret : '';
    if (secret !== '' && !secret.includes(REDACTED)) {
      baseline.addFileHash(entry.File, secretHash({ secret }));
    } else {
      baseline.addLocation(entry.RuleID, entry.File, entry.StartLine);
    }
  });
  return baseline;
}

function fromSarif(runs: unknown[], shown: string): Baseline {
  const results = runs.flatMap((run) =>
    isObject(run) && Array.isArray(run.results) ? (run.results as unknown[]) : [],
  );
  const baseline = new Baseline('sarif', results.length);
  results.forEach((result, index) => {
    if (!isObject(result) || typeof result.ruleId !== 'string')
      throw new BaselineError(`${shown}: SARIF result ${index + 1} has no ruleId`);
    const location = Array.isArray(result.locations) ? (result.locations[0] as unknown) : null;
    const physical = isObject(location) ? location.physicalLocation : null;
    const artifact = isObject(physical) ? physical.artifactLocation : null;
    const region = isObject(physical) ? physical.region : null;
    const uri = isObject(artifact) && typeof artifact.uri === 'string' ? artifact.uri : null;
    if (uri === null)
      throw new BaselineError(`${shown}: SARIF result ${index + 1} has no artifact location`);
    let file: string;
    try {
      file = decodeURIComponent(uri);
    } catch {
      throw new BaselineError(`${shown}: SARIF result ${index + 1} has a malformed artifact URI`);
    }
    const properties = isObject(result.properties) ? result.properties : {};
    const hash = properties.secretHash;
    if (typeof hash === 'string' && /^[0-9a-f]{12}$/.test(hash)) {
      baseline.addRuleFileHash(result.ruleId, file, hash);
    } else if (isObject(region) && typeof region.startLine === 'number') {
      baseline.addLocation(result.ruleId, file, region.startLine);
    }
  });
  return baseline;
}
