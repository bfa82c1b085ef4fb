// The detector: runs a compiled config over one fragment of text and returns findings with
// gitleaks' semantics (secret group, entropy floor, allowlists, `gitleaks:allow`, rule
// paths, path-only rules), but not gitleaks' cost. gitleaks runs the regex of every rule
// whose keyword occurs anywhere in a fragment over the whole fragment. Here one keyword pass
// says where each keyword occurs, and then:
// - a rule whose every match starts with one of its keywords (most: `ghp_…`, `AKIA…`, the
//   generic `key|secret|token…` assignment) is tried once, anchored, at each place one of its
//   keywords starts (rules with the same keywords share one list of places, and where there
//   are several, one regex for all of them first turns away the places none of them match);
// - any other rule runs over windows around its keywords' places, as wide as its longest
//   possible match and cut at the line's ends when a match cannot span lines.
// Either way every match that contains a keyword occurrence is found, which is what keywords
// are for: a rule's keywords are words inside its matches. A rule without keywords runs over
// the whole fragment, as in gitleaks.
//
// Time is linear in the fragment: windows of one rule are merged (each character is searched
// once per rule), anchored attempts are bounded by their rule's longest match, line ranges
// come from one index of line starts, and each engine call is charged to its rule against a
// budget proportional to the fragment's size. A rule over budget ends the scan with a
// ScanIncompleteError naming the file and the rule: never a hang, never a fragment passed
// unscanned. A native regex that overflows V8's backtracking stack (a run of megabytes) is
// run again, for that call, on the linear engine: the same pattern, the same matches.
import { OidcSecretsError } from '../../core/errors.js';
import { shannonEntropy } from './entropy.js';
import { KeywordMatcher, type KeywordHits } from './keywords.js';
import { compileLinear, type LinearRegex, type PatternRegex } from '../config/re2.js';
import { partsSatisfied, type Spot } from './composite.js';
import { DecodedText, type DecodedRun } from './decode.js';
import { dropShadowedGeneric } from './dedup.js';
import { decodeCandidates } from './runs-wasm.js';
import type {
  Allowlist,
  ContentPattern,
  Finding,
  Fragment,
  Rule,
  ScanConfig,
  ScanIncomplete,
} from '../types.js';

const ALLOW_SIGNATURE = 'gitleaks:allow';
/** Window half-width for rules whose matches are unbounded and may span lines (private keys). */
const MAX_SPAN = 64 * 1024;
/** Window half-width that covers any fragment (a JavaScript string is shorter than 2^30). */
const WHOLE_FRAGMENT = 2 ** 30;

/** Anchored rules with the same keywords: tried at the same places. */
interface AnchorGroup {
  rules: number[];
  /** Sticky regex that matches where any of the rules does (see `unionGate`); null for one rule. */
  gate: RegExp | null;
}

interface RawMatch {
  rule: number;
  start: number;
  end: number;
  secretStart: number;
  secret: string;
  /** The text from start to end. */
  match: string;
}

/**
 * Work a rule may do on one fragment: `perChar` units for each character plus `base`. A unit
 * is one engine call or one character an engine call moved over (a search's start to its
 * match's end, or to its window's end when nothing matched). Linear scanning uses about 3 per
 * character (windows, anchored attempts, their matches); the margin is for dense fragments.
 */
export interface WorkBudget {
  perChar: number;
  base: number;
}

export const DEFAULT_BUDGET: WorkBudget = { perChar: 16, base: 1 << 20 };

export interface DetectorOptions {
  /** Report findings on lines carrying `gitleaks:allow` too. */
  ignoreAllowComments?: boolean;
  /** Per rule and fragment (tests lower it to show what happens when it runs out). */
  budget?: WorkBudget;
  /** Passes of decoding encoded runs (decode.ts); 0, the default here, scans text as it is. */
  maxDecodeDepth?: number;
}

/** The scan stopped: a rule could not finish a fragment within its budget. */
export class ScanIncompleteError extends OidcSecretsError {
  override readonly name = 'ScanIncompleteError';
  declare readonly code: 'SCAN_INCOMPLETE';
  constructor(readonly incomplete: ScanIncomplete) {
    const where = incomplete.commit
      ? `${incomplete.path} (commit ${incomplete.commit.slice(0, 12)})`
      : incomplete.path;
    super(
      'SCAN_INCOMPLETE',
      incomplete.reason === 'budget'
        ? `scan incomplete: rule "${incomplete.ruleId}" needed more work than its budget ` +
            `(a multiple of the file size) allows on ${where}; ` +
            'the file was not fully scanned (simplify the rule in the scan config, or split the file)'
        : `scan incomplete: ${where} has a line longer than ${incomplete.limit / (1024 * 1024)} MiB, ` +
            'the longest the scan holds at once; the file was not scanned (split that line: a ' +
            'generated file such as a minified bundle or a data dump is better built than ' +
            'committed; or, if it holds no credential, list its path in an allowlist of the ' +
            'scan config, .gitleaks.toml)',
      { file: incomplete.path },
    );
  }
}

/** Whether every match of the rule starts with one of its keywords (see re2.ts leadingLiterals). */
function anchoredOnKeywords(rule: Rule): boolean {
  const literals = rule.pattern?.leadingLiterals;
  // The linear engine tries a place with its forward DFA (re2.ts LinearRegex.execAt), which
  // reads no further than the longest match: a pattern without one keeps its windows.
  return (
    (rule.pattern?.engine === 'native' || rule.pattern?.maxLength !== Infinity) &&
    !!literals &&
    rule.keywords.length > 0 &&
    literals.every((l) => rule.keywords.some((k) => l.startsWith(k)))
  );
}

export class Detector {
  readonly config: ScanConfig;
  private readonly rules: readonly Rule[];
  private readonly matcher: KeywordMatcher;
  /** Output slot of a DFA state (KeywordMatcher.slotOf) → windowed rules whose keyword ends there. */
  private readonly rulesOfSlot: Int32Array[];
  /** Output slot → anchor groups with a keyword ending there, as (group, keyword length) pairs. */
  private readonly anchorsOfSlot: Int32Array[];
  private readonly anchorGroups: AnchorGroup[];
  /** Pre-multiplied DFA state → output slot (KeywordMatcher.slotOf without a division). */
  private readonly slotOfState: Int32Array;
  /**
   * Per slot: the smallest reach of its windowed rules when all of them stay within a line,
   * else -1. Once a keyword's windows reach the end of its line, a repeat there adds nothing.
   */
  private readonly slotLineReach: Int32Array;
  /** Per slot: 1 when `gitleaks:allow` ends there. */
  private readonly allowSlot: Uint8Array;
  /** Rules without keywords: they run over every fragment. */
  private readonly unconditional: number[];
  private readonly pathOnly: number[];
  /** Per rule: half-width of the window around a keyword. */
  private readonly reach: Int32Array;
  /** Per rule: 0 spans lines, 1 stays within a line, 2 within a line and its line breaks. */
  private readonly lineBound: Uint8Array;
  /** Per rule: the sticky regex of an anchored rule. */
  private readonly sticky: (RegExp | PatternRegex | null)[];
  private readonly ignoreAllowComments: boolean;
  private readonly budget: WorkBudget;
  private readonly maxDecodeDepth: number;
  /** Per rule: work charged in the current fragment (see WorkBudget). */
  private readonly work: Float64Array;
  /** Rules charged in the current fragment, to reset `work` cheaply. */
  private readonly charged: number[] = [];
  /** Per rule: its pattern on the linear engine, compiled when V8's stack first overflows. */
  private readonly fallback: (LinearRegex | undefined)[] = [];
  /** Per fragment: the most any rule may be charged. */
  private limit = 0;
  /** The fragment being scanned, for the error that names it. */
  private current: { path: string; commit?: string } = { path: '' };
  /** Rule index by id, for composite rules' required parts. */
  private readonly ruleIndex: ReadonlyMap<string, number>;
  /** Whether any rule is composite or skips its report: only then is the composite pass run. */
  private readonly composite: boolean;

  // Per-fragment scratch, reused to keep small fragments cheap.
  private readonly winStart: Int32Array;
  private readonly winEnd: Int32Array;
  /** Per rule: merged windows (pairs) of a windowed rule. */
  private readonly spots: number[][];
  /** Per anchor group: where its keywords start in the fragment. */
  private readonly groupSpots: number[][];
  /** What the fragment's keywords call for, in first-hit order: a windowed rule r, or ~group. */
  private touched: number[] = [];
  /** Ends of `gitleaks:allow` in the current fragment. */
  private allowEnds: number[] = [];

  constructor(config: ScanConfig, options: DetectorOptions = {}) {
    this.config = config;
    this.rules = config.rules;
    this.ruleIndex = new Map(this.rules.map((rule, index) => [rule.id, index]));
    this.composite = this.rules.some((rule) => rule.skipReport || rule.required.length > 0);
    this.ignoreAllowComments = options.ignoreAllowComments ?? false;
    this.budget = options.budget ?? DEFAULT_BUDGET;
    this.maxDecodeDepth = options.maxDecodeDepth ?? 0;
    const keywordIds = new Map<string, number>();
    const keywordRules: number[][] = [];
    this.unconditional = [];
    this.pathOnly = [];
    const count = this.rules.length;
    this.reach = new Int32Array(count);
    this.lineBound = new Uint8Array(count);
    this.sticky = this.rules.map(() => null);
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
      if (!rule.pattern.keywordsInside) {
        // A match need not hold the keyword: one window over the whole fragment, opened by
        // the keyword's first occurrence (gitleaks runs such a rule over the fragment too).
        this.reach[index] = WHOLE_FRAGMENT;
        this.lineBound[index] = 0;
      }
      if (anchoredOnKeywords(rule)) {
        const regex = rule.pattern.regex;
        this.sticky[index] =
          regex instanceof RegExp
            ? new RegExp(regex.source, regex.flags.replace('g', '') + 'y')
            : (regex as LinearRegex).sticky();
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
    const groupOfRule = new Int32Array(count).fill(-1);
    const groupByKeywords = new Map<string, number>();
    this.anchorGroups = [];
    this.rules.forEach((rule, r) => {
      if (!this.sticky[r]) return;
      const key = [...rule.keywords].sort().join('\0');
      let g = groupByKeywords.get(key);
      if (g === undefined) {
        g = this.anchorGroups.length;
        groupByKeywords.set(key, g);
        this.anchorGroups.push({ rules: [], gate: null });
      }
      this.anchorGroups[g]!.rules.push(r);
      groupOfRule[r] = g;
    });
    for (const group of this.anchorGroups) {
      // One native union regex: never with a configured pattern, which must stay linear.
      if (group.rules.length > 1 && group.rules.every((r) => this.sticky[r] instanceof RegExp))
        group.gate = unionGate(group.rules.map((r) => this.rules[r]!.pattern!));
    }
    // The matcher keeps the keywords' order (all already lower case and distinct): its
    // keyword indexes are our ids.
    this.matcher = new KeywordMatcher(keywordIds.keys());
    const keywordsOfSlot = (slot: number): readonly number[] =>
      this.matcher.keywordsOf(this.matcher.stateOfSlot(slot));
    const slots = this.matcher.outputSlots;
    this.rulesOfSlot = Array.from({ length: slots }, (_, slot) => {
      const set = new Set<number>();
      for (const k of keywordsOfSlot(slot))
        for (const r of keywordRules[k]!) if (!this.sticky[r]) set.add(r);
      return Int32Array.from(set);
    });
    this.anchorsOfSlot = Array.from({ length: slots }, (_, slot) => {
      const pairs: number[] = [];
      for (const k of keywordsOfSlot(slot)) {
        const groups = new Set(keywordRules[k]!.map((r) => groupOfRule[r]!).filter((g) => g >= 0));
        for (const g of groups) pairs.push(g, this.matcher.keywords[k]!.length);
      }
      return Int32Array.from(pairs);
    });
    this.slotOfState = new Int32Array(this.matcher.stateOfSlot(slots));
    for (let slot = 0; slot < slots; slot++)
      this.slotOfState[this.matcher.stateOfSlot(slot)] = slot;
    this.allowSlot = Uint8Array.from({ length: slots }, (_, slot) =>
      keywordsOfSlot(slot).includes(allowKeyword) ? 1 : 0,
    );
    this.slotLineReach = Int32Array.from(this.rulesOfSlot, (rules) =>
      Array.from(rules).every((r) => this.lineBound[r] !== 0)
        ? Math.min(MAX_SPAN, ...Array.from(rules, (r) => this.reach[r]!))
        : -1,
    );
    this.work = new Float64Array(count);
    this.winStart = new Int32Array(count).fill(-1);
    this.winEnd = new Int32Array(count);
    this.spots = Array.from({ length: count }, () => []);
    this.groupSpots = this.anchorGroups.map(() => []);
  }

  /** Text already decoded (a diff's added lines): the keyword pass walks the string. */
  detect(fragment: Fragment): Finding[] {
    const found = this.detectText(fragment);
    // gitleaks deduplicates once, over the plain and the decoded passes' findings (dedup.ts).
    return dropShadowedGeneric(this.maxDecodeDepth > 0 ? this.withDecoded(fragment, found) : found);
  }

  private detectText(fragment: Fragment): Finding[] {
    const findings = this.pathFindings(fragment);
    if (findings === null) return [];
    if (fragment.text.length === 0) return this.composedPathFindings(findings, fragment);
    return this.contentFindings(fragment, this.matcher.scan(fragment.text), findings);
  }

  /**
   * A file's bytes as read, decoded here: as Latin-1 when the keyword pass finds them pure
   * ASCII (the WebAssembly walk tells as it goes: no separate check), else as UTF-8.
   */
  detectFile(path: string, bytes: Buffer): Finding[] {
    const scanned = this.detectBytes(path, bytes);
    if (scanned === null) return [];
    if (this.maxDecodeDepth === 0) return dropShadowedGeneric(scanned.found);
    // The text the findings were found in, decoded once: Latin-1 only for pure ASCII, where
    // it is the UTF-8 reading too, so positions agree (and the bytes' offsets are the text's:
    // runs-wasm.ts finds where the decode pass need look in the bytes).
    const stretches = scanned.ascii ? decodeCandidates(bytes) : null;
    return dropShadowedGeneric(
      this.withDecoded({ path, text: scanned.text }, scanned.found, stretches),
    );
  }

  /**
   * Findings in a file's bytes and the text they were found in; null when the path or
   * commit is not scanned at all.
   */
  private detectBytes(
    path: string,
    bytes: Buffer,
  ): { found: Finding[]; text: string; ascii?: boolean } | null {
    const findings = this.pathFindings({ path, text: '' });
    if (findings === null) return null;
    if (bytes.length === 0)
      return { found: this.composedPathFindings(findings, { path, text: '' }), text: '' };
    const hits = this.matcher.scanBytes(bytes);
    if (hits !== null) {
      const text = bytes.toString('latin1');
      return { found: this.contentFindings({ path, text }, hits, findings), text, ascii: true };
    }
    const text = bytes.toString('utf8');
    return { found: this.contentFindings({ path, text }, this.matcher.scan(text), findings), text };
  }

  /**
   * The config's own global allowlist that passes over a whole file (by its path or commit),
   * or null: the scan names such a file (scan.ts), as it names every file it does not read.
   */
  allowlistOf(file: { path: string; commit?: string }): Allowlist | null {
    const fragment = { ...file, text: '' };
    return this.config.allowlists.find((a) => fragmentAllowed([a], fragment)) ?? null;
  }

  /** Null when the fragment is not scanned at all (by path or commit); else path-only findings. */
  private pathFindings(fragment: Fragment): Finding[] | null {
    if (this.config.configFile !== undefined && fragment.path === this.config.configFile)
      return null;
    if (fragmentAllowed(this.config.allowlists, fragment)) return null;
    const findings: Finding[] = [];
    for (const index of this.pathOnly) {
      const rule = this.rules[index]!;
      if (rule.path!.test(fragment.path) && !fragmentAllowed(rule.allowlists, fragment)) {
        findings.push(pathFinding(rule, fragment));
      }
    }
    return findings;
  }

  /** The findings in a fragment's text, given its keyword hits, after `findings`. */
  private contentFindings(fragment: Fragment, hits: KeywordHits, findings: Finding[]): Finding[] {
    const text = fragment.text;
    this.current = { path: fragment.path, commit: fragment.commit };
    for (const r of this.charged) this.work[r] = 0;
    this.charged.length = 0;
    this.limit = this.budget.perChar * text.length + this.budget.base;
    const matches = this.collectMatches(text, fragment.path, hits);
    if (matches.length === 0) return this.composedPathFindings(findings, fragment);
    const lines = new LineIndex(text);
    const allowComments = this.ignoreAllowComments ? [] : this.allowEnds;
    const lineVerdicts = new Map<Allowlist, Map<number, boolean>>();
    const kept: { finding: Finding; match: RawMatch }[] = [];
    for (const match of matches) {
      const finding = this.toFinding(match, fragment, text, lines, allowComments, lineVerdicts);
      if (finding) kept.push({ finding, match });
    }
    const reported = this.composite
      ? this.composed(kept, fragment, lines, allowComments, lineVerdicts)
      : kept;
    findings = this.composedPathFindings(findings, fragment, lines, allowComments, lineVerdicts);
    if (reported.length === 0) return findings;
    const found = reported
      .map((k) => k.finding)
      .sort((x, y) => x.startLine - y.startLine || x.startColumn - y.startColumn);
    return findings.length === 0 ? found : [...findings, ...found];
  }

  /**
   * Findings in the fragment's encoded runs (decode.ts): each pass decodes the runs of the
   * text before it and scans the result; a finding counts when its match overlaps a run that
   * pass decoded, and is placed at that run in the original (widened to where the match
   * starts or ends outside it), its secret decoded, its encodings named.
   */
  private withDecoded(
    fragment: Fragment,
    found: Finding[],
    stretches: ArrayLike<number> | null = null,
  ): Finding[] {
    let text = DecodedText.original(fragment.text, stretches);
    const original = new LineIndex(fragment.text);
    const out = [...found];
    for (let depth = 1; depth <= this.maxDecodeDepth; depth++) {
      const next = text.next();
      if (next === null) break;
      text = next;
      const lines = new LineIndex(next.text);
      // Only the lines around what this pass decoded are scanned again: the rest is the text
      // the previous pass scanned already.
      for (const [first, last] of lineGroups(next.runs, lines, next.text.length)) {
        const from = lines.startOfLine(first);
        const to =
          last + 1 < lines.lineOf(next.text.length) + 1
            ? lines.startOfLine(last + 1) - 1
            : next.text.length;
        const lineNumbers = Array.from({ length: last - first + 1 }, (_, k) => first + k + 1);
        const piece = {
          path: fragment.path,
          commit: fragment.commit,
          text: next.text.slice(from, to),
          lineNumbers,
        };
        for (const f of this.detectText(piece)) {
          if (f.matchLine === 0) continue; // path-only: found in the plain pass already
          const start = lines.startOfLine(f.matchLine - 1) + f.matchColumn - 1;
          const runs = next.runsOverlapping(start, start + f.match.length);
          if (runs.length === 0) continue; // the text was already there in an earlier pass
          const at = next.originalStart(start);
          const end = next.originalEnd(start + f.match.length);
          out.push(placeDecoded(f, fragment, original, at, end, runs[0]!));
        }
      }
    }
    return out;
  }

  /**
   * Composite rules (composite.ts): drops findings of `skipReport` rules, and primary findings
   * whose required parts have no finding close enough. As in gitleaks, a required rule runs
   * over the whole fragment whether or not its keywords occur in it, with its allowlists,
   * entropy floor and `gitleaks:allow`; this happens only for fragments where a primary rule
   * found something.
   */
  private composed(
    kept: { finding: Finding; match: RawMatch }[],
    fragment: Fragment,
    lines: LineIndex,
    allowComments: readonly number[],
    lineVerdicts: Map<Allowlist, Map<number, boolean>>,
  ): { finding: Finding; match: RawMatch }[] {
    const spotsOf = this.requiredSpots(fragment, lines, allowComments, lineVerdicts);
    return kept.filter(({ finding, match }) => {
      const rule = this.rules[match.rule]!;
      if (rule.skipReport) return false;
      if (rule.required.length === 0) return true;
      const at = { line: finding.matchLine, column: finding.matchColumn };
      return partsSatisfied(at, rule.required, spotsOf);
    });
  }

  /** Path-only findings under the composite rules: the same test, at line 0 and column 0. */
  private composedPathFindings(
    findings: Finding[],
    fragment: Fragment,
    lines = new LineIndex(fragment.text),
    allowComments: readonly number[] = this.ignoreAllowComments ? [] : this.allowEnds,
    lineVerdicts = new Map<Allowlist, Map<number, boolean>>(),
  ): Finding[] {
    if (!this.composite || findings.length === 0) return findings;
    const spotsOf = this.requiredSpots(fragment, lines, allowComments, lineVerdicts);
    return findings.filter((finding) => {
      const rule = this.rules[this.ruleIndex.get(finding.ruleId)!]!;
      if (rule.skipReport) return false;
      return partsSatisfied({ line: 0, column: 0 }, rule.required, spotsOf);
    });
  }

  /** Where each rule (by id) finds something in the fragment, computed once per rule. */
  private requiredSpots(
    fragment: Fragment,
    lines: LineIndex,
    allowComments: readonly number[],
    lineVerdicts: Map<Allowlist, Map<number, boolean>>,
  ): (id: string) => readonly Spot[] {
    const cache = new Map<string, Spot[]>();
    return (id) => {
      let spots = cache.get(id);
      if (spots) return spots;
      spots = [];
      const r = this.ruleIndex.get(id)!;
      const rule = this.rules[r]!;
      if (!rule.pattern) {
        if (rule.path?.test(fragment.path) && !fragmentAllowed(rule.allowlists, fragment))
          spots.push({ line: 0, column: 0 });
      } else if (fragment.text.length > 0) {
        const raw: RawMatch[] = [];
        this.runWindows(r, fragment.text, fragment.path, [0, fragment.text.length], raw);
        for (const m of raw) {
          const f = this.toFinding(m, fragment, fragment.text, lines, allowComments, lineVerdicts);
          if (f) spots.push({ line: f.matchLine, column: f.matchColumn });
        }
      }
      cache.set(id, spots);
      return spots;
    };
  }

  /** From the keyword hits, each triggered rule: anchored at its keywords, or over its windows. */
  private collectMatches(text: string, path: string, hits: KeywordHits): RawMatch[] {
    const n = text.length;
    const touched = this.touched;
    touched.length = 0;
    this.allowEnds.length = 0;
    const {
      rulesOfSlot,
      anchorsOfSlot,
      reach,
      lineBound,
      winStart,
      winEnd,
      spots,
      groupSpots,
      slotOfState,
      slotLineReach,
    } = this;
    const { ends, states, count } = hits;
    let lineStart = 0;
    let lineEnd = -1;
    let coveredSlot = -1;
    for (let h = 0; h < count; h++) {
      const end = ends[h]!;
      const slot = slotOfState[states[h]!]!;

      const anchors = anchorsOfSlot[slot]!;
      for (let k = 0; k < anchors.length; k += 2) {
        const g = anchors[k]!;
        const list = groupSpots[g]!;
        if (list.length === 0) touched.push(~g);
        list.push(end - anchors[k + 1]!);
      }
      const rules = rulesOfSlot[slot]!;
      if (rules.length === 0 && this.allowSlot[slot] === 0) continue;

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
          spots[r]!.push(current, winEnd[r]!);
          winStart[r] = a;
          winEnd[r] = b;
        }
      }
    }
    const matches: RawMatch[] = [];
    for (const r of this.unconditional) this.runWindows(r, text, path, [0, n], matches);
    for (const unit of touched) {
      if (unit < 0) {
        const g = ~unit;
        this.runAnchorGroup(g, text, path, groupSpots[g]!, matches);
        groupSpots[g]!.length = 0;
        continue;
      }
      const list = spots[unit]!;
      list.push(winStart[unit]!, winEnd[unit]!);
      winStart[unit] = -1;
      this.runWindows(unit, text, path, list, matches);
      list.length = 0;
    }
    return matches;
  }

  /** Charges work to a rule; over its budget the scan stops (see WorkBudget). */
  private charge(r: number, units: number): void {
    const before = this.work[r]!;
    if (before === 0) this.charged.push(r);
    this.work[r] = before + units;
    if (before + units > this.limit) throw this.incomplete(r, 'budget');
  }

  private incomplete(r: number, reason: 'budget'): ScanIncompleteError {
    return new ScanIncompleteError({ ...this.current, ruleId: this.rules[r]!.id, reason });
  }

  /**
   * A native regex call. Where V8 runs out of backtracking stack ("Maximum call stack size
   * exceeded"), the call is made again on the linear engine, with the same protocol: a
   * sticky regex matches only at `lastIndex` (RE2's leftmost match starts there when any
   * does, and is the one a backtracker finds), a global one searches from it.
   */
  private execNative(r: number, regex: RegExp, text: string): RegExpExecArray | null {
    const from = regex.lastIndex;
    try {
      return regex.exec(text);
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
    }
    const linear = (this.fallback[r] ??= compileLinear(
      this.rules[r]!.pattern!.re2Source,
      `rule "${this.rules[r]!.id}" regex`,
    ));
    linear.lastIndex = from;
    const m = linear.exec(text);
    this.charge(r, (m === null ? text.length : m.index + m[0].length) - from);
    if (m === null || (regex.sticky && m.index !== from)) {
      regex.lastIndex = 0;
      return null;
    }
    regex.lastIndex = linear.lastIndex;
    return m;
  }

  /** An anchor group's places, in order and once each, for each of its rules. */
  private runAnchorGroup(
    g: number,
    text: string,
    path: string,
    starts: number[],
    out: RawMatch[],
  ): void {
    // Keywords of different lengths may list their starts out of order.
    for (let i = 1; i < starts.length; i++) {
      if (starts[i]! < starts[i - 1]!) {
        starts.sort((x, y) => x - y);
        break;
      }
    }
    let kept = 0;
    for (let i = 0; i < starts.length; i++) {
      if (kept === 0 || starts[kept - 1] !== starts[i]) starts[kept++] = starts[i]!;
    }
    starts.length = kept;
    const { rules, gate } = this.anchorGroups[g]!;
    if (gate !== null) {
      // Where the gate fails, every rule's own attempt would: dropping the place changes nothing.
      kept = 0;
      this.charge(rules[0]!, starts.length);
      for (let i = 0; i < starts.length; i++) {
        gate.lastIndex = starts[i]!;
        if (passesGate(gate, text)) starts[kept++] = starts[i]!;
      }
      starts.length = kept;
      if (kept === 0) return;
    }
    for (const r of rules) this.runAnchored(r, text, path, starts, out);
  }

  /** An anchored rule: one sticky attempt at each place (ascending, distinct) given. */
  private runAnchored(
    r: number,
    text: string,
    path: string,
    starts: readonly number[],
    out: RawMatch[],
  ): void {
    const rule = this.rules[r]!;
    if (rule.path && !rule.path.test(path)) return;
    const regex = this.sticky[r]!;
    this.charge(r, starts.length);
    let lastEnd = -1;
    for (const start of starts) {
      if (start < lastEnd) continue;
      regex.lastIndex = start;
      const m = regex instanceof RegExp ? this.execNative(r, regex, text) : regex.exec(text);
      if (m === null) continue;
      this.charge(r, m[0].length);
      const end = this.record(rule, r, m, start, out);
      if (end !== -1) lastEnd = end;
    }
  }

  /** A windowed rule: its regex over each merged window. */
  private runWindows(
    r: number,
    text: string,
    path: string,
    windows: number[],
    out: RawMatch[],
  ): void {
    const rule = this.rules[r]!;
    if (rule.path && !rule.path.test(path)) return;
    const regex = rule.pattern!.regex;
    const native = regex instanceof RegExp ? regex : null;
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
      for (;;) {
        const at = regex.lastIndex;
        m = native ? this.execNative(r, native, slice) : regex.exec(slice);
        // One unit for the call and one for each character it moved over.
        this.charge(r, 1 + (m === null ? slice.length : m.index + m[0].length) - at);
        if (m === null) break;
        if (m[0].length === 0) {
          regex.lastIndex++;
          continue;
        }
        const start = from + m.index;
        if (start < a || start < lastEnd) continue;
        if (start >= b) break;
        // `$` (end of text) may hold at the end of a slice that is not the text's end.
        if (textAnchored && to < n && m.index + m[0].length === slice.length) continue;
        const end = this.record(rule, r, m, start, out);
        if (end !== -1) lastEnd = end;
      }
    }
  }

  /**
   * Turns a regex match at `start` into a raw match (secret group, trailing line breaks
   * trimmed as gitleaks does); returns its end, or -1 when it holds no secret.
   */
  private record(
    rule: Rule,
    r: number,
    m: RegExpExecArray,
    start: number,
    out: RawMatch[],
  ): number {
    let trimmed = m[0];
    while (trimmed.endsWith('\n')) trimmed = trimmed.slice(0, -1);
    if (trimmed.length === 0) return -1;
    const end = start + trimmed.length;
    let secret = trimmed;
    let secretStart = start;
    if (m.length > 1) {
      let group: string | undefined;
      if (rule.secretGroup > 0) group = m[rule.secretGroup];
      else for (let g = 1; g < m.length && !group; g++) group = m[g] || undefined;
      if (group !== undefined) {
        if (group.length === 0) return -1;
        const at = trimmed.indexOf(group);
        if (at === -1) return -1; // the group lay in the trimmed line break
        secret = group;
        secretStart = start + at;
      } else if (rule.secretGroup > 0) {
        return -1; // the secret group did not take part in the match
      }
    }
    out.push({ rule: r, start, end, secretStart, secret, match: trimmed });
    return end;
  }

  private toFinding(
    match: RawMatch,
    fragment: Fragment,
    text: string,
    lines: LineIndex,
    allowComments: readonly number[],
    lineVerdicts: Map<Allowlist, Map<number, boolean>>,
  ): Finding | null {
    const rule = this.rules[match.rule]!;
    const { secret } = match;
    // No text of n characters scores above log2(n): a short candidate need not be counted.
    if (rule.entropy > 0 && Math.log2(secret.length) <= rule.entropy) return null;
    const entropy = shannonEntropy(secret);
    if (rule.entropy > 0 && entropy <= rule.entropy) return null;
    if (allowComments.length > 0) {
      // Where `gitleaks:allow` ends in the fragment, found by the keyword pass.
      const [lineStart, lineEnd] = lines.around(match.start, match.end);
      for (const end of allowComments) if (end > lineStart && end <= lineEnd) return null;
    }
    const matchText = match.match;
    const target = new AllowTarget(secret, matchText, text, match.start, match.end, lines);
    target.verdicts = lineVerdicts;
    // The rule's own allowlists first: they turn away most of a generic rule's candidates.
    if (findingAllowed(rule.allowlists, fragment, target)) return null;
    if (findingAllowed(this.config.allowlists, fragment, target)) return null;

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
      // A match that starts on an earlier line than its secret is reported where it starts,
      // as gitleaks reports it (its StartLine is the match's): the same line as the
      // fingerprint, so findings from a gitleaks report line up with ours.
      startLine: fileLine(secretLine === firstLine ? secretLine : firstLine),
      startColumn:
        secretLine === firstLine
          ? match.secretStart - lines.startOf(secretLine) + 1
          : match.start - lines.startOf(firstLine) + 1,
      endLine: fileLine(secretEndLine),
      endColumn: secretEnd - lines.startOf(secretEndLine) + 1,
      matchLine,
      matchColumn: match.start - lines.startOf(firstLine) + 1,
      secret,
      match: matchText,
      entropy,
      tags: rule.tags,
      fingerprint: fragment.commit ? `${fragment.commit}:${globalFingerprint}` : globalFingerprint,
      globalFingerprint,
    };
  }
}

/**
 * One sticky regex that matches at a place exactly when at least one of the patterns does:
 * their common leading parts once, then the alternation of what follows. For the two generic
 * rules that is one attempt instead of two at each of the most frequent keywords' places, and
 * the shared name-and-operator prefix is matched once. Null when the flags differ (one regex
 * cannot hold both) or the union does not compile.
 */
export function unionGate(patterns: readonly ContentPattern[]): RegExp | null {
  const flagsOf = (p: ContentPattern): string => p.regex.flags.replace(/[gy]/g, '');
  const flags = flagsOf(patterns[0]!);
  if (patterns.some((p) => flagsOf(p) !== flags)) return null;
  const first = patterns[0]!.parts;
  let common = 0;
  while (common < first.length && patterns.every((p) => p.parts[common] === first[common]))
    common++;
  const rest = patterns.map((p) => p.parts.slice(common).join(''));
  try {
    return new RegExp(`${first.slice(0, common).join('')}(?:${rest.join('|')})`, `${flags}y`);
  } catch {
    return null;
  }
}

/** The gate at its `lastIndex`; where V8's stack overflows the place is kept (the rules decide). */
function passesGate(gate: RegExp, text: string): boolean {
  try {
    return gate.test(text);
  } catch (err) {
    if (err instanceof RangeError) return true;
    throw err;
  }
}

/**
 * Line starts of a text, found as far as asked for: only fragments with a finding need them,
 * and only up to their last finding.
 */
class LineIndex {
  private readonly starts: number[] = [0];
  /** Every line break before this offset is in `starts`. */
  private searched = 0;
  constructor(private readonly text: string) {}

  /** Line starts up to `offset` (and perhaps one beyond). */
  private upTo(offset: number): number[] {
    const { text, starts } = this;
    while (this.searched < offset) {
      const nl = text.indexOf('\n', this.searched);
      if (nl === -1) {
        this.searched = text.length;
        break;
      }
      starts.push(nl + 1);
      this.searched = nl + 1;
    }
    return starts;
  }

  /** Start and end (at its line break) of the line or lines that [start, end) lies on. */
  around(start: number, end: number): [number, number] {
    const first = this.lineOf(start);
    const lastAt = Math.max(start, end - 1);
    const last = this.lineOf(lastAt);
    // One more line start than `lineOf` needs: where the last line ends.
    const starts = this.upTo(lastAt + 1);
    const next = starts[last + 1];
    return [starts[first]!, next === undefined ? this.text.length : next - 1];
  }

  lineOf(offset: number): number {
    const starts = this.upTo(offset);
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Start of a line that `lineOf` returned. */
  startOf(line: number): number {
    return this.starts[line]!;
  }

  /** Start of line `line` (0-based), searching as far as needed. */
  startOfLine(line: number): number {
    while (this.starts.length <= line && this.searched < this.text.length)
      this.upTo(this.searched + 1);
    return this.starts[Math.min(line, this.starts.length - 1)]!;
  }
}

/** Lines of context around a decoded run that a match may need (`password:` above a value). */
const DECODED_CONTEXT_LINES = 2;

/** The line ranges (0-based, inclusive) around decoded runs, merged where they meet. */
function lineGroups(
  runs: readonly DecodedRun[],
  lines: LineIndex,
  length: number,
): Array<[number, number]> {
  const lastLine = lines.lineOf(length);
  const groups: Array<[number, number]> = [];
  for (const run of runs) {
    const first = Math.max(0, lines.lineOf(run.start) - DECODED_CONTEXT_LINES);
    const last = Math.min(
      lastLine,
      lines.lineOf(Math.max(run.start, run.end - 1)) + DECODED_CONTEXT_LINES,
    );
    const previous = groups[groups.length - 1];
    if (previous && first <= previous[1] + 1) previous[1] = Math.max(previous[1], last);
    else groups.push([first, last]);
  }
  return groups;
}

/** A finding from decoded text, moved to [from, to) of the fragment's own text. */
function placeDecoded(
  f: Finding,
  fragment: Fragment,
  lines: LineIndex,
  from: number,
  to: number,
  run: DecodedRun,
): Finding {
  const fileLine = (index: number): number => fragment.lineNumbers?.[index] ?? index + 1;
  const first = lines.lineOf(from);
  const last = lines.lineOf(Math.max(from, to - 1));
  const startLine = fileLine(first);
  const startColumn = from - lines.startOf(first) + 1;
  const globalFingerprint = `${fragment.path}:${f.ruleId}:${startLine}`;
  return {
    ...f,
    startLine,
    startColumn,
    endLine: fileLine(last),
    endColumn: to - lines.startOf(last) + 1,
    matchLine: startLine,
    matchColumn: startColumn,
    // gitleaks' tags for a decoded finding.
    tags: [...f.tags, `decoded:${run.encodings}`, `decode-depth:${run.depth}`],
    decoded: run.encodings,
    fingerprint: fragment.commit ? `${fragment.commit}:${globalFingerprint}` : globalFingerprint,
    globalFingerprint,
  };
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
    matchColumn: 0,
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

/** What allowlist regexes test: the secret, the match, or (found only when asked for) the line. */
export class AllowTarget {
  private lineText: string | undefined;
  private lineStart = -1;
  private lowerText: string | undefined;
  /**
   * Verdicts of `line` allowlists by line start, shared by a fragment's candidates: a long
   * line with many candidates is tested once per allowlist, not once per candidate.
   */
  verdicts: Map<Allowlist, Map<number, boolean>> | undefined;
  constructor(
    readonly secret: string,
    readonly match: string,
    private readonly text: string,
    private readonly matchStart: number,
    private readonly matchEnd: number,
    private readonly lines: LineIndex = new LineIndex(text),
  ) {}

  get(target: 'secret' | 'match' | 'line'): string {
    if (target === 'secret') return this.secret;
    if (target === 'match') return this.match;
    if (this.lineText === undefined) {
      const [start, end] = this.lines.around(this.matchStart, this.matchEnd);
      this.lineStart = start;
      this.lineText = this.text.slice(start, end);
    }
    return this.lineText;
  }

  /** A `line` allowlist's verdict on this candidate's line, computed once per line. */
  lineVerdict(a: Allowlist, compute: (line: string) => boolean): boolean {
    const line = this.get('line');
    if (this.verdicts === undefined) return compute(line);
    let byLine = this.verdicts.get(a);
    if (byLine === undefined) this.verdicts.set(a, (byLine = new Map()));
    let verdict = byLine.get(this.lineStart);
    if (verdict === undefined) byLine.set(this.lineStart, (verdict = compute(line)));
    return verdict;
  }

  /** The secret in lower case, as stopwords are compared. */
  lowerSecret(): string {
    return (this.lowerText ??= this.secret.toLowerCase());
  }
}

/** Finding-level check (gitleaks' checkFindingAllowed). */
export function findingAllowed(
  allowlists: readonly Allowlist[],
  fragment: Fragment,
  target: AllowTarget,
): boolean {
  // Each check runs only when it can still change the answer: this runs for every candidate.
  for (const a of allowlists) {
    if (a.condition === 'AND') {
      const hasChecks =
        a.commits.size > 0 || a.paths.length > 0 || a.regexes.length > 0 || a.stopwords.length > 0;
      if (
        hasChecks &&
        (a.commits.size === 0 || commitAllowed(a, fragment.commit)) &&
        (a.paths.length === 0 || pathAllowed(a, fragment.path)) &&
        (a.regexes.length === 0 || regexAllowed(a, target)) &&
        (a.stopwords.length === 0 || stopwordAllowed(a, target))
      ) {
        return true;
      }
    } else if (regexAllowed(a, target) || stopwordAllowed(a, target)) {
      return true;
    }
  }
  return false;
}

function regexAllowed(a: Allowlist, target: AllowTarget): boolean {
  const test = a.anyRegex;
  if (test === undefined) return false;
  if (a.regexTarget === 'line') return target.lineVerdict(a, (line) => test.test(line));
  return test.test(target.get(a.regexTarget));
}

function stopwordAllowed(a: Allowlist, target: AllowTarget): boolean {
  return a.anyStopword !== undefined && a.anyStopword.test(target.lowerSecret());
}
