// The scan's domain: gitleaks-shaped configuration (raw, as written in `.gitleaks.toml`,
// and compiled), the text fragments a scan reads, and what it finds.
import type { PatternRegex } from './config/re2.js';

/** An allowlist as written: `[[rules.allowlists]]`, `[rules.allowlist]`, `[[allowlists]]`, `[allowlist]`. */
export interface RawAllowlist {
  description?: string;
  /** `OR` (default): any check allows. `AND`: every check that is set must allow. */
  condition?: string;
  commits?: string[];
  paths?: string[];
  /** What `regexes` are tested against: `secret` (default), `match` or `line`. */
  regexTarget?: string;
  regexes?: string[];
  stopwords?: string[];
  /** Global allowlists only: apply to these rules instead of all. */
  targetRules?: string[];
}

export interface RawRule {
  id: string;
  description?: string;
  regex?: string;
  secretGroup?: number;
  entropy?: number;
  keywords?: string[];
  path?: string;
  tags?: string[];
  allowlist?: RawAllowlist;
  allowlists?: RawAllowlist[];
  /** `[[rules.required]]`: a composite rule reports only where these rules also match. */
  required?: RawRequired[];
  /** Never reported on its own: the rule only serves composite rules as a `required` part. */
  skipReport?: boolean;
}

/** One `[[rules.required]]` table (gitleaks v8.28). */
export interface RawRequired {
  id: string;
  withinLines?: number;
  withinColumns?: number;
}

export interface RawConfig {
  title?: string;
  description?: string;
  extend?: { useDefault?: boolean; path?: string; disabledRules?: string[] };
  rules?: RawRule[];
  allowlist?: RawAllowlist;
  allowlists?: RawAllowlist[];
}

export type RegexTarget = 'secret' | 'match' | 'line';

export interface Allowlist {
  description: string;
  condition: 'OR' | 'AND';
  commits: ReadonlySet<string>;
  paths: readonly TextTest[];
  regexTarget: RegexTarget;
  regexes: readonly TextTest[];
  stopwords: readonly string[];
  /** `paths` and `regexes` joined into one test each (one regex run instead of many), if any. */
  anyPath?: TextTest;
  anyRegex?: TextTest;
  /** Whether a lower-cased secret contains one of `stopwords`: one regex run, if any. */
  anyStopword?: TextTest;
}

export interface TextTest {
  test(text: string): boolean;
}

/** A rule's content pattern, translated from RE2, with what the matcher needs to know about it. */
export interface ContentPattern {
  /**
   * Global (`g`) search. A built-in rule's is a native RegExp (its pattern is audited and
   * tested for linear time); a configured rule's runs on the linear-time engine.
   */
  regex: PatternRegex;
  /** Which engine runs `regex`: only `native` patterns may be tried anchored at keywords. */
  engine: 'native' | 'linear';
  /** The pattern as written (RE2 syntax): what the linear engine runs if V8's stack overflows. */
  re2Source: string;
  /** Where a match may hold a line break (see `TranslatedRegex.newlines`). */
  newlines: 'never' | 'edges' | 'inside';
  /** Longest possible match (Infinity when unbounded). */
  maxLength: number;
  /** Uses start/end-of-text assertions: must see the text's real ends. */
  anchorsText: boolean;
  /** Lower-case literals every match starts with, or null (see re2.ts). */
  leadingLiterals: readonly string[] | null;
  /** The regex source cut at its top-level concatenation (see re2.ts). */
  parts: readonly string[];
  /**
   * Whether every match provably holds one of the rule's keywords. When not (gitleaks'
   * Airtable, Facebook and Sourcegraph rules name the service but match only the token), the
   * rule runs over the whole fragment wherever a keyword occurs in it, as gitleaks runs it.
   */
  keywordsInside: boolean;
}

export interface Rule {
  id: string;
  description: string;
  pattern?: ContentPattern;
  path?: TextTest;
  secretGroup: number;
  entropy: number;
  /** Lower case. A rule without keywords runs on every fragment. */
  keywords: readonly string[];
  tags: readonly string[];
  allowlists: readonly Allowlist[];
  /** Parts a finding of this rule needs nearby (empty: an ordinary rule). */
  required: readonly RequiredPart[];
  skipReport: boolean;
}

/**
 * A required part of a composite rule: a finding of rule `id` within `withinLines` lines and
 * `withinColumns` columns of the primary finding's start; without either bound, anywhere in
 * the same fragment.
 */
export interface RequiredPart {
  id: string;
  withinLines?: number;
  withinColumns?: number;
}

export interface ScanConfig {
  /** Where the rules came from, for the log: `built-in` or a file path (and what it extends). */
  source: string;
  rules: readonly Rule[];
  allowlists: readonly Allowlist[];
  /** Path of the config file (relative to the scan root), skipped by the scan as gitleaks does. */
  configFile?: string;
  /** Repository files the config extends (`[extend] path`), relative to the scan root. */
  extendFiles?: readonly string[];
  /** What the config holds that the scan does not use (unknown keys), said as warnings. */
  warnings?: readonly string[];
}

/** A piece of text to scan: a whole file, or the lines one commit adds to one file. */
export interface Fragment {
  /** Path relative to the scan root, `/`-separated. */
  path: string;
  text: string;
  commit?: string;
  /**
   * File line number of each line of `text` (index 0 is the text's first line) when the text
   * is not the whole file, e.g. the added lines of a diff. Absent: line k is file line k+1.
   */
  lineNumbers?: readonly number[];
}

export interface Finding {
  ruleId: string;
  description: string;
  file: string;
  commit?: string;
  /** 1-based line and UTF-16 column span of the secret (what annotations point at). */
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
  /** File line where the rule's match starts: the line of gitleaks' fingerprint. */
  matchLine: number;
  /** 1-based column where the match starts on `matchLine` (0 for a path-only finding). */
  matchColumn: number;
  /** Raw values: kept in memory for allowlists and masking, never printed. Use `redact()`. */
  secret: string;
  match: string;
  entropy: number;
  tags: readonly string[];
  /**
   * Set when the finding lies in decoded text (`base64`, `hex`, `percent`, or a chain such as
   * `base64>hex` from the outermost in): its place is the encoded run's, its secret decoded.
   */
  decoded?: string;
  /** gitleaks fingerprint: `commit:file:rule:line`, or `file:rule:line` without a commit. */
  fingerprint: string;
  /** The commit-less form, which survives a squash merge. */
  globalFingerprint: string;
}

/** Something the scan skipped or could not read, said in the log and summary. */
export interface ScanNote {
  path: string;
  commit?: string;
  /** `allowlisted`: a global allowlist of the repository's own config passes over it. */
  reason: 'binary' | 'unreadable' | 'symlink' | 'allowlisted';
  detail?: string;
}

/**
 * A rule that needed more work on a fragment than its budget allows (a multiple of the
 * fragment's size), or a line longer than the scan holds at once: the scan stops rather than
 * run on or pass the file unscanned.
 */
export type ScanIncomplete = {
  path: string;
  commit?: string;
} & (
  | {
      ruleId: string;
      /** What ran out: the rule's work budget. */
      reason: 'budget';
    }
  | {
      /** A line longer than `limit` characters (MAX_LINE_CHARS). */
      reason: 'line';
      limit: number;
    }
);
