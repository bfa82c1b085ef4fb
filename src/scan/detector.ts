// The detector: runs a compiled config over one fragment of text and returns findings with
// gitleaks' semantics (secret group, entropy floor, allowlists, `gitleaks:allow`, rule
// paths, path-only rules), but not gitleaks' cost. gitleaks runs the regex of every rule
// whose keyword occurs anywhere in a fragment over the whole fragment; here a rule's regex
// only runs over windows around its keywords' occurrences, sized by the longest match the
// regex can produce (and cut at line ends when it cannot cross one). Any match that contains
// a keyword occurrence is therefore found, which is what keywords are for: a rule's keywords
// are words inside its matches. A rule without keywords runs over the whole fragment, as in
// gitleaks.
import { shannonEntropy } from './entropy.js';
import { KeywordMatcher } from './keywords.js';
import type { Allowlist, Finding, Fragment, Rule, ScanConfig } from './types.js';

const ALLOW_SIGNATURE = 'gitleaks:allow';
/** Window half-width for rules whose matches are unbounded and may span lines (private keys). */
const MAX_SPAN = 64 * 1024;

interface RawMatch {
  rule: number;
  start: number;
  end: number;
  secretStart: number;
  secret: string;
}

export interface DetectorOptions {
  /** Report findings on lines carrying `gitleaks:allow` too. */
  ignoreAllowComments?: boolean;
}

export class Detector {
  readonly config: ScanConfig;
  private readonly rules: readonly Rule[];
  private readonly matcher: KeywordMatcher;
  /** Keyword index → rules that list it. */
  private readonly rulesOfKeyword: number[][];
  /** Output slot of a DFA state (KeywordMatcher.slotOf) → rules whose keyword ends there. */
  private readonly rulesOfSlot: Int32Array[];
  /**
   * Per slot: the smallest reach of its rules when all of them stay within a line, else -1.
   * Once a keyword's windows reach the end of its line, a repeat on that line adds nothing.
   */
  private readonly slotLineReach: Int32Array;
  /** Per slot: 1 when `gitleaks:allow` ends there. */
  private readonly allowSlot: Uint8Array;
  /** Ends of `gitleaks:allow` in the current fragment. */
  private allowEnds: number[] = [];
  /** Rules without keywords: they run over every fragment. */
  private readonly unconditional: number[];
  private readonly pathOnly: number[];
  /** Per rule: half-width of the window around a keyword, and whether it stays on one line. */
  private readonly reach: Int32Array;
  /** Per rule: 0 spans lines, 1 stays within a line, 2 within a line and its line breaks. */
  private readonly lineBound: Uint8Array;
  private readonly ignoreAllowComments: boolean;

  // Per-fragment scratch, reused to keep small fragments cheap.
  private readonly winStart: Int32Array;
  private readonly winEnd: Int32Array;
  private readonly windows: number[][];
  private touched: number[] = [];

  constructor(config: ScanConfig, options: DetectorOptions = {}) {
    this.config = config;
    this.rules = config.rules;
    this.ignoreAllowComments = options.ignoreAllowComments ?? false;
    const keywordIds = new Map<string, number>();
    const keywordRules: number[][] = [];
    this.unconditional = [];
    this.pathOnly = [];
    const count = this.rules.length;
    this.reach = new Int32Array(count);
    this.lineBound = new Uint8Array(count);
    this.rules.forEach((rule, index) => {
      if (!rule.pattern) {
        this.pathOnly.push(index);
        return;
      }
      this.reach[index] = Math.min(rule.pattern.maxLength, MAX_SPAN);
      this.lineBound[index] = { inside: 0, never: 1, edges: 2 }[rule.pattern.newlines];
      if (rule.keywords.length === 0) {
        this.unconditional.push(index);
        return;
      }
      for (const keyword of rule.keywords) {
        let id = keywordIds.get(keyword);
        if (id === undefined) {
          id = keywordIds.size;
          keywordIds.set(keyword, id);
          keywordRules.push([]);
        }
        keywordRules[id]!.push(index);
      }
    });
    // `gitleaks:allow` rides along in the same pass: no rule, but its places are recorded.
    if (!keywordIds.has(ALLOW_SIGNATURE)) {
      keywordIds.set(ALLOW_SIGNATURE, keywordIds.size);
      keywordRules.push([]);
    }
    const allowKeyword = keywordIds.get(ALLOW_SIGNATURE)!;
    this.matcher = new KeywordMatcher(keywordIds.keys());
    // The matcher deduplicates and keeps insertion order, so its indexes are our ids.
    this.rulesOfKeyword = keywordRules;
    this.rulesOfSlot = Array.from({ length: this.matcher.outputSlots }, (_, slot) => {
      const set = new Set<number>();
      for (const keyword of this.matcher.keywordsOf(this.matcher.stateOfSlot(slot))) {
        for (const r of this.rulesOfKeyword[keyword]!) set.add(r);
      }
      return Int32Array.from(set);
    });
    this.allowSlot = Uint8Array.from(this.rulesOfSlot, (_, slot) =>
      this.matcher.keywordsOf(this.matcher.stateOfSlot(slot)).includes(allowKeyword) ? 1 : 0,
    );
    this.slotLineReach = Int32Array.from(this.rulesOfSlot, (rules) =>
      rules.every((r) => this.lineBound[r] !== 0)
        ? Math.min(...Array.from(rules, (r) => this.reach[r]!))
        : -1,
    );
    this.winStart = new Int32Array(count).fill(-1);
    this.winEnd = new Int32Array(count);
    this.windows = Array.from({ length: count }, () => []);
  }

  detect(fragment: Fragment): Finding[] {
    if (this.config.configFile !== undefined && fragment.path === this.config.configFile) return [];
    if (fragmentAllowed(this.config.allowlists, fragment)) return [];
    const findings: Finding[] = [];
    for (const index of this.pathOnly) {
      const rule = this.rules[index]!;
      if (rule.path!.test(fragment.path) && !fragmentAllowed(rule.allowlists, fragment)) {
        findings.push(pathFinding(rule, fragment));
      }
    }
    const text = fragment.text;
    if (text.length === 0) return findings;

    const matches = this.collectMatches(text, fragment.path, fragment.ascii);
    if (matches.length === 0) return findings;
    const lines = new LineIndex(text);
    const allowComments = this.ignoreAllowComments ? [] : this.allowEnds;
    const kept: { finding: Finding; match: RawMatch }[] = [];
    for (const match of matches) {
      const finding = this.toFinding(match, fragment, text, lines, allowComments);
      if (finding) kept.push({ finding, match });
    }
    const found = dropShadowedGeneric(kept, this.rules).sort(
      (x, y) => x.startLine - y.startLine || x.startColumn - y.startColumn,
    );
    return [...findings, ...found];
  }

  /** Keyword pass, then each triggered rule's regex over its merged windows. */
  private collectMatches(text: string, path: string, ascii: Uint8Array | undefined): RawMatch[] {
    const n = text.length;
    const hits =
      ascii !== undefined && ascii.length === n
        ? this.matcher.scanAscii(ascii)
        : this.matcher.scan(text);
    const touched = this.touched;
    touched.length = 0;
    this.allowEnds.length = 0;
    const { rulesOfSlot, reach, lineBound, winStart, winEnd, windows, matcher } = this;
    const { ends, states, count } = hits;
    let lineStart = 0;
    let lineEnd = -1;
    const slotLineReach = this.slotLineReach;
    let coveredSlot = -1;
    for (let h = 0; h < count; h++) {
      const end = ends[h]!;
      const slot = matcher.slotOf(states[h]!);
      if (end - 1 >= lineEnd || end - 1 < lineStart) {
        lineStart = text.lastIndexOf('\n', end - 1) + 1;
        const nl = text.indexOf('\n', end - 1);
        lineEnd = nl === -1 ? n : nl;
      } else if (slot === coveredSlot) {
        continue; // the same keyword again on a line its windows already cover to the end
      }
      if (
        this.allowSlot[slot] === 1 &&
        text.startsWith(ALLOW_SIGNATURE, end - ALLOW_SIGNATURE.length)
      ) {
        this.allowEnds.push(end);
      }
      const lineReach = slotLineReach[slot]!;
      coveredSlot = lineReach >= 0 && end + lineReach > lineEnd ? slot : -1;
      const rules = rulesOfSlot[slot]!;
      for (let k = 0; k < rules.length; k++) {
        const r = rules[k]!;
        const half = reach[r]!;
        let a = end - half;
        let b = end + half;
        const bound = lineBound[r];
        if (bound === 1) {
          if (a < lineStart) a = lineStart;
          if (b > lineEnd) b = lineEnd;
        } else if (bound === 2) {
          if (a < lineStart - 1) a = lineStart - 1;
          if (b > lineEnd + 1) b = lineEnd + 1;
        }
        if (a < 0) a = 0;
        if (b > n) b = n;
        const current = winStart[r]!;
        if (current === -1) {
          winStart[r] = a;
          winEnd[r] = b;
          touched.push(r);
        } else if (a <= winEnd[r]!) {
          if (b > winEnd[r]!) winEnd[r] = b;
        } else {
          windows[r]!.push(current, winEnd[r]!);
          winStart[r] = a;
          winEnd[r] = b;
        }
      }
    }
    const matches: RawMatch[] = [];
    for (const r of this.unconditional) this.runRule(r, text, path, [0, n], matches);
    for (const r of touched) {
      const windows = this.windows[r]!;
      windows.push(this.winStart[r]!, this.winEnd[r]!);
      this.winStart[r] = -1;
      this.runRule(r, text, path, windows, matches);
      windows.length = 0;
    }
    return matches;
  }

  private runRule(r: number, text: string, path: string, windows: number[], out: RawMatch[]): void {
    const rule = this.rules[r]!;
    if (rule.path && !rule.path.test(path)) return;
    const regex = rule.pattern!.regex;
    const textAnchored = rule.pattern!.anchorsText;
    const n = text.length;
    let lastEnd = -1;
    for (let w = 0; w < windows.length; w += 2) {
      const a = windows[w]!;
      const b = windows[w + 1]!;
      // One character of context on each side keeps \b and line assertions truthful.
      const from = a > 0 ? a - 1 : 0;
      const to = b < n ? b + 1 : n;
      const slice = from === 0 && to === n ? text : text.slice(from, to);
      regex.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = regex.exec(slice)) !== null) {
        const matched = m[0];
        if (matched.length === 0) {
          regex.lastIndex++;
          continue;
        }
        const start = from + m.index;
        if (start < a || start < lastEnd) continue;
        if (start >= b) break;
        // `$` (end of text) may hold at the end of a slice that is not the text's end.
        if (textAnchored && to < n && m.index + matched.length === slice.length) continue;
        // A match is trimmed of line breaks at its end, as gitleaks does.
        let trimmed = matched;
        while (trimmed.endsWith('\n')) trimmed = trimmed.slice(0, -1);
        const end = start + trimmed.length;
        if (trimmed.length === 0) continue;
        let secret = trimmed;
        let secretStart = start;
        if (m.length > 1) {
          let group: string | undefined;
          if (rule.secretGroup > 0) group = m[rule.secretGroup];
          else for (let g = 1; g < m.length && !group; g++) group = m[g] || undefined;
          if (group !== undefined) {
            if (group.length === 0) continue;
            const at = trimmed.indexOf(group);
            if (at === -1) continue; // the group lay in the trimmed line break
            secret = group;
            secretStart = start + at;
          } else if (rule.secretGroup > 0) {
            continue; // the secret group did not take part in the match
          }
        }
        lastEnd = end;
        out.push({ rule: r, start, end, secretStart, secret });
      }
    }
  }

  private toFinding(
    match: RawMatch,
    fragment: Fragment,
    text: string,
    lines: LineIndex,
    allowComments: readonly number[],
  ): Finding | null {
    const rule = this.rules[match.rule]!;
    const { secret } = match;
    const entropy = shannonEntropy(secret);
    if (rule.entropy > 0 && entropy <= rule.entropy) return null;
    const lineStart = match.start === 0 ? 0 : text.lastIndexOf('\n', match.start - 1) + 1;
    const nl = text.indexOf('\n', Math.max(match.start, match.end - 1));
    const lineEnd = nl === -1 ? text.length : nl;
    // `allowComments`: where `gitleaks:allow` ends in the fragment, found by the keyword pass.
    for (const end of allowComments) if (end > lineStart && end <= lineEnd) return null;
    const matchText = text.slice(match.start, match.end);
    const target: AllowTarget = { secret, match: matchText, line: text.slice(lineStart, lineEnd) };
    if (findingAllowed(this.config.allowlists, fragment, target)) return null;
    if (findingAllowed(rule.allowlists, fragment, target)) return null;

    const secretEnd = match.secretStart + secret.length;
    const firstLine = lines.lineOf(match.start);
    const secretLine = lines.lineOf(match.secretStart);
    const secretEndLine = lines.lineOf(Math.max(match.secretStart, secretEnd - 1));
    const fileLine = (index: number): number => fragment.lineNumbers?.[index] ?? index + 1;
    const matchLine = fileLine(firstLine);
    const globalFingerprint = `${fragment.path}:${rule.id}:${matchLine}`;
    return {
      ruleId: rule.id,
      description: rule.description,
      file: fragment.path,
      commit: fragment.commit,
      startLine: fileLine(secretLine),
      startColumn: match.secretStart - lines.startOf(secretLine) + 1,
      endLine: fileLine(secretEndLine),
      endColumn: secretEnd - lines.startOf(secretEndLine) + 1,
      matchLine,
      secret,
      match: matchText,
      entropy,
      tags: rule.tags,
      fingerprint: fragment.commit ? `${fragment.commit}:${globalFingerprint}` : globalFingerprint,
      globalFingerprint,
    };
  }
}

/** Line starts of a text, computed on first use: only for fragments with a finding. */
class LineIndex {
  private starts: number[] | null = null;
  constructor(private readonly text: string) {}

  private all(): number[] {
    if (this.starts === null) {
      const starts = [0];
      const text = this.text;
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
      this.starts = starts;
    }
    return this.starts;
  }

  lineOf(offset: number): number {
    const starts = this.all();
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  startOf(line: number): number {
    return this.all()[line]!;
  }
}

function pathFinding(rule: Rule, fragment: Fragment): Finding {
  const globalFingerprint = `${fragment.path}:${rule.id}:0`;
  return {
    ruleId: rule.id,
    description: rule.description,
    file: fragment.path,
    commit: fragment.commit,
    startLine: 1,
    startColumn: 1,
    endLine: 1,
    endColumn: 1,
    matchLine: 0,
    secret: '',
    match: `file detected: ${fragment.path}`,
    entropy: 0,
    tags: rule.tags,
    fingerprint: fragment.commit ? `${fragment.commit}:${globalFingerprint}` : globalFingerprint,
    globalFingerprint,
  };
}

function pathAllowed(a: Allowlist, path: string): boolean {
  return a.anyPath !== undefined && a.anyPath.test(path);
}

function commitAllowed(a: Allowlist, commit: string | undefined): boolean {
  return commit !== undefined && a.commits.has(commit.toLowerCase());
}

/** Fragment-level check: commits and paths (gitleaks' checkCommitOrPathAllowed). */
export function fragmentAllowed(allowlists: readonly Allowlist[], fragment: Fragment): boolean {
  for (const a of allowlists) {
    if (a.condition === 'AND') {
      // Regexes and stopwords need a finding: decided per finding.
      if (a.regexes.length > 0 || a.stopwords.length > 0) continue;
      const checks: boolean[] = [];
      if (a.commits.size > 0) checks.push(commitAllowed(a, fragment.commit));
      if (a.paths.length > 0) checks.push(pathAllowed(a, fragment.path));
      if (checks.length > 0 && checks.every(Boolean)) return true;
    } else if (commitAllowed(a, fragment.commit) || pathAllowed(a, fragment.path)) {
      return true;
    }
  }
  return false;
}

interface AllowTarget {
  secret: string;
  match: string;
  line: string;
}

/** Finding-level check (gitleaks' checkFindingAllowed). */
export function findingAllowed(
  allowlists: readonly Allowlist[],
  fragment: Fragment,
  target: AllowTarget,
): boolean {
  for (const a of allowlists) {
    const regexAllowed = a.anyRegex !== undefined && a.anyRegex.test(target[a.regexTarget]);
    const lower = a.stopwords.length > 0 ? target.secret.toLowerCase() : '';
    const stopword = a.stopwords.some((w) => lower.includes(w));
    if (a.condition === 'AND') {
      const checks: boolean[] = [];
      if (a.commits.size > 0) checks.push(commitAllowed(a, fragment.commit));
      if (a.paths.length > 0) checks.push(pathAllowed(a, fragment.path));
      if (a.regexes.length > 0) checks.push(regexAllowed);
      if (a.stopwords.length > 0) checks.push(stopword);
      if (checks.length > 0 && checks.every(Boolean)) return true;
    } else if (regexAllowed || stopword) {
      return true;
    }
  }
  return false;
}

/** A generic rule's finding that overlaps a specific rule's finding says nothing new. */
function dropShadowedGeneric(
  kept: { finding: Finding; match: RawMatch }[],
  rules: readonly Rule[],
): Finding[] {
  const isGeneric = (m: RawMatch): boolean => rules[m.rule]!.id.startsWith('generic');
  const specific = kept.filter((k) => !isGeneric(k.match));
  return kept
    .filter((k) => {
      if (!isGeneric(k.match)) return true;
      const s = k.match.secretStart;
      const e = s + k.match.secret.length;
      return !specific.some(
        (o) => o.match.secretStart < e && s < o.match.secretStart + o.match.secret.length,
      );
    })
    .map((k) => k.finding);
}
