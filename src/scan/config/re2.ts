// gitleaks rules are Go RE2 regular expressions. JavaScript reads several of their
// constructs differently or not at all (inline `(?i)` flag groups are a SyntaxError on
// Node 20, `\z` is an escaped `z`, `[[:alpha:]]` is a class of `[:alph`, `$` …), so a
// pattern is parsed with RE2's grammar and written back out as an equivalent JS regex.
// What cannot be expressed is refused with an error naming the rule, never guessed.
//
// The translation is exact for what rules use: flags i/m/s/U per group, Perl and POSIX
// classes with RE2's ASCII meaning, `.` without `s` excluding only `\n`, `^`/`$` as
// start/end of text unless `m`. Besides the source, the parse yields two facts the matcher
// needs: whether a match can cross a line break, and the longest possible match.
//
// A translated pattern runs on V8's backtracking engine, which can take exponential time
// (`(a|aa)+$`). Only the built-in rules, whose patterns are audited and tested for linear
// time, run that way; a pattern from a user's config runs on `LinearRegex` below (re2js, a
// port of RE2: time linear in the text searched, Go's own syntax and semantics).
import { OidcSecretsError, type ErrorAbout } from '../../core/errors.js';
import { RE2JS, type Matcher } from 're2js';
import { DfaSearch, type DfaWork } from './re2-dfa.js';
import { backtrack, programOf } from './re2-backtrack.js';

/** A config regex with no equivalent here (config.ts reports it as a config error). */
export class RegexTranslationError extends OidcSecretsError {
  override readonly name = 'RegexTranslationError';
  declare readonly code: 'SCAN_REGEX';
  constructor(message: string, about?: ErrorAbout) {
    super('SCAN_REGEX', message, about);
  }
}

export interface TranslatedRegex {
  /** JS regex source. */
  source: string;
  /** JS flags needed besides the caller's own (`i` when the whole pattern folds case, `u` for Unicode classes). */
  flags: string;
  /**
   * Where a match may hold a `\n`: `never`; only as its first or last character (`edges`,
   * e.g. a `(?:[^\w]|$)` terminator), so it still lies within one line and the line breaks
   * around it; or `inside`, spanning lines.
   */
  newlines: 'never' | 'edges' | 'inside';
  /** Longest possible match in UTF-16 units, or Infinity. */
  maxLength: number;
  /** Whether the pattern asserts the start or end of the whole text (`^`/`$` without `m`, `\A`, `\z`). */
  anchorsText: boolean;
  /** Number of capture groups. */
  groups: number;
  /**
   * The source cut between the items of the pattern's top-level concatenation:
   * `parts.join('')` is `source`. Patterns with the same flags whose first parts are equal
   * share that prefix (the detector tries such rules together first).
   */
  parts: string[];
  /**
   * Lower-case literals one of which every match starts with (after zero-width assertions),
   * or null when there is no such short list.
   */
  leadingLiterals: string[] | null;
  /**
   * Lists of lower-case literals, every match holding one member of each (the required
   * factors RE2's prefilter and code search's trigram indexes use), each at least MIN_FACTOR
   * long; null when the pattern has none. Computed when asked for (only the linear engine asks).
   */
  requiredLiterals(): string[][] | null;
  /**
   * Whether every match provably holds one of these (lower-case) words: the detector may
   * then look for matches only around the words' places. False when unsure.
   */
  alwaysContains(words: readonly string[]): boolean;
}

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  U: boolean;
}

type Range = [number, number];

type Node =
  | { t: 'alt'; alts: Node[] }
  | { t: 'cat'; items: Node[] }
  | { t: 'group'; capture: boolean; body: Node }
  | { t: 'rep'; body: Node; min: number; max: number; greedy: boolean }
  | { t: 'char'; cp: number; fold: boolean }
  | { t: 'class'; ranges: Range[]; props: string[]; negated: boolean; fold: boolean }
  | { t: 'any'; dotAll: boolean }
  | { t: 'assert'; kind: 'bol' | 'eol' | 'bot' | 'eot' | 'wb' | 'nwb' };

const MAX_CP = 0x10ffff;
const PERL: Record<string, Range[]> = {
  d: [[0x30, 0x39]],
  s: [
    [0x09, 0x0a],
    [0x0c, 0x0d],
    [0x20, 0x20],
  ],
  w: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x5f, 0x5f],
    [0x61, 0x7a],
  ],
};
const POSIX: Record<string, Range[]> = {
  alnum: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  alpha: [
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  ascii: [[0x00, 0x7f]],
  blank: [
    [0x09, 0x09],
    [0x20, 0x20],
  ],
  cntrl: [
    [0x00, 0x1f],
    [0x7f, 0x7f],
  ],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [
    [0x21, 0x2f],
    [0x3a, 0x40],
    [0x5b, 0x60],
    [0x7b, 0x7e],
  ],
  space: [
    [0x09, 0x0d],
    [0x20, 0x20],
  ],
  upper: [[0x41, 0x5a]],
  word: PERL.w!,
  xdigit: [
    [0x30, 0x39],
    [0x41, 0x46],
    [0x61, 0x66],
  ],
};
/** Unicode general categories JS accepts bare in `\p{…}`; other names are scripts. */
const GENERAL_CATEGORIES = new Set(
  'C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs'.split(
    ' ',
  ),
);

class Parser {
  private pos = 0;
  private groupCount = 0;
  readonly cps: number[];
  usesUnicode = false;

  constructor(
    pattern: string,
    private readonly what: string,
  ) {
    this.cps = Array.from(pattern, (ch) => ch.codePointAt(0)!);
  }

  get groups(): number {
    return this.groupCount;
  }

  fail(reason: string): never {
    // The pattern itself is not quoted: an allowlist regex may hold a literal secret.
    throw new RegexTranslationError(
      `${this.what}: ${reason} (at offset ${this.pos} of the pattern)`,
    );
  }

  private peek(offset = 0): number | undefined {
    return this.cps[this.pos + offset];
  }

  private eat(ch: string): boolean {
    if (this.cps[this.pos] === ch.codePointAt(0)) {
      this.pos++;
      return true;
    }
    return false;
  }

  parse(): Node {
    const node = this.parseAlt({ i: false, m: false, s: false, U: false });
    if (this.pos < this.cps.length) this.fail('unmatched `)`');
    return node;
  }

  /** Alternation up to `)` or the end. Flags set by `(?i)` last until the enclosing `)`. */
  private parseAlt(outer: Flags): Node {
    const flags = { ...outer };
    const alts: Node[] = [this.parseCat(flags)];
    while (this.eat('|')) alts.push(this.parseCat(flags));
    return alts.length === 1 ? alts[0]! : { t: 'alt', alts };
  }

  private parseCat(flags: Flags): Node {
    const items: Node[] = [];
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === 0x7c /* | */ || c === 0x29 /* ) */) break;
      const atom = this.parseAtom(flags);
      if (atom === null) continue; // a flag group or an empty \Q\E
      if (Array.isArray(atom)) {
        items.push(...atom);
        continue;
      }
      items.push(this.parseRepeats(atom, flags));
    }
    return items.length === 1 ? items[0]! : { t: 'cat', items };
  }

  private parseRepeats(atom: Node, flags: Flags): Node {
    let node = atom;
    for (;;) {
      const c = this.peek();
      let min: number;
      let max: number;
      if (c === 0x2a /* * */) {
        min = 0;
        max = Infinity;
        this.pos++;
      } else if (c === 0x2b /* + */) {
        min = 1;
        max = Infinity;
        this.pos++;
      } else if (c === 0x3f /* ? */) {
        min = 0;
        max = 1;
        this.pos++;
      } else if (c === 0x7b /* { */) {
        const counted = this.tryCounted();
        if (!counted) return node; // a literal `{`, parsed as the next atom
        [min, max] = counted;
      } else {
        return node;
      }
      if (node.t === 'rep') this.fail('invalid nested repetition operator');
      if (node.t === 'assert') this.fail('missing argument to repetition operator');
      if (max !== Infinity && max > 1000) this.fail('repetition count over 1000');
      let greedy = !this.eat('?');
      if (flags.U) greedy = !greedy;
      node = { t: 'rep', body: node, min, max, greedy };
    }
  }

  /** `{n}`, `{n,}`, `{n,m}`; anything else leaves `{` a literal, as RE2 does. */
  private tryCounted(): [number, number] | null {
    const text = String.fromCodePoint(...this.cps.slice(this.pos, this.pos + 24));
    const m = /^\{(\d+)(,(\d*))?\}/.exec(text);
    if (!m) return null;
    this.pos += m[0].length;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    if (max < min) this.fail('invalid repeat count');
    return [min, max];
  }

  private parseAtom(flags: Flags): Node | Node[] | null {
    const c = this.cps[this.pos++]!;
    switch (c) {
      case 0x28 /* ( */:
        return this.parseGroup(flags);
      case 0x5b /* [ */:
        return this.parseClass(flags);
      case 0x2e /* . */:
        return { t: 'any', dotAll: flags.s };
      case 0x5e /* ^ */:
        return { t: 'assert', kind: flags.m ? 'bol' : 'bot' };
      case 0x24 /* $ */:
        return { t: 'assert', kind: flags.m ? 'eol' : 'eot' };
      case 0x5c /* \ */:
        return this.parseEscape(flags);
      case 0x2a:
      case 0x2b:
      case 0x3f:
        this.pos--;
        return this.fail('missing argument to repetition operator');
      default:
        return { t: 'char', cp: c, fold: flags.i };
    }
  }

  private parseGroup(flags: Flags): Node | null {
    if (!this.eat('?')) {
      this.groupCount++;
      const body = this.parseAlt(flags);
      if (!this.eat(')')) this.fail('missing closing `)`');
      return { t: 'group', capture: true, body };
    }
    // Named capture: (?P<name>re) or (?<name>re).
    if (this.peek() === 0x50 /* P */ || this.peek() === 0x3c /* < */) {
      if (this.peek() === 0x50) this.pos++;
      if (!this.eat('<')) this.fail('invalid named capture');
      while (this.peek() !== undefined && this.peek() !== 0x3e /* > */) {
        const ch = this.peek()!;
        const word =
          (ch >= 0x30 && ch <= 0x39) ||
          (ch >= 0x41 && ch <= 0x5a) ||
          (ch >= 0x61 && ch <= 0x7a) ||
          ch === 0x5f;
        if (!word) this.fail('invalid named capture');
        this.pos++;
      }
      if (!this.eat('>')) this.fail('invalid named capture');
      this.groupCount++;
      const body = this.parseAlt(flags);
      if (!this.eat(')')) this.fail('missing closing `)`');
      // The name is dropped: JS and RE2 differ on allowed names, and numbering is unchanged.
      return { t: 'group', capture: true, body };
    }
    // Flags: (?flags) or (?flags:re), with `-` clearing the flags after it.
    const next: Flags = { ...flags };
    let clearing = false;
    let sawFlag = false;
    for (;;) {
      const ch = this.cps[this.pos++];
      if (ch === undefined) this.fail('missing closing `)`');
      const name = String.fromCodePoint(ch);
      if (name === 'i' || name === 'm' || name === 's' || name === 'U') {
        next[name] = !clearing;
        sawFlag = true;
      } else if (name === '-') {
        if (clearing) this.fail('invalid flag group');
        clearing = true;
        sawFlag = false;
      } else if (name === ')') {
        if (clearing && !sawFlag) this.fail('invalid flag group');
        // Applies to the rest of the enclosing group: mutate the caller's flags.
        Object.assign(flags, next);
        return null;
      } else if (name === ':') {
        if (clearing && !sawFlag) this.fail('invalid flag group');
        const body = this.parseAlt(next);
        if (!this.eat(')')) this.fail('missing closing `)`');
        return { t: 'group', capture: false, body };
      } else {
        this.pos--;
        this.fail(
          `unsupported group syntax \`(?${name}\` (lookaround and backreferences are not RE2)`,
        );
      }
    }
  }

  private parseEscape(flags: Flags): Node | Node[] | null {
    const c = this.cps[this.pos];
    if (c === undefined) this.fail('trailing backslash');
    const ch = String.fromCodePoint(c);
    switch (ch) {
      case 'A':
        this.pos++;
        return { t: 'assert', kind: 'bot' };
      case 'z':
        this.pos++;
        return { t: 'assert', kind: 'eot' };
      case 'b':
        this.pos++;
        return { t: 'assert', kind: 'wb' };
      case 'B':
        this.pos++;
        return { t: 'assert', kind: 'nwb' };
      case 'Q': {
        this.pos++;
        const items: Node[] = [];
        while (this.pos < this.cps.length) {
          if (this.cps[this.pos] === 0x5c && this.cps[this.pos + 1] === 0x45 /* E */) {
            this.pos += 2;
            break;
          }
          items.push({ t: 'char', cp: this.cps[this.pos++]!, fold: flags.i });
        }
        if (items.length === 0) return null;
        // Only the last literal of \Q…\E takes a following repetition, as in RE2.
        const last = items.pop()!;
        return [...items, this.parseRepeats(last, flags)];
      }
      case 'C':
        return this.fail('`\\C` (any byte) has no JavaScript equivalent');
      case 'Z':
        return this.fail('`\\Z` is not RE2 syntax');
      default: {
        const cls = this.parseClassEscape();
        if (cls)
          return {
            t: 'class',
            ranges: cls.ranges,
            props: cls.props,
            negated: false,
            fold: flags.i,
          };
        return { t: 'char', cp: this.parseCharEscape(), fold: flags.i };
      }
    }
  }

  /** `\d \s \w \D \S \W \pX \p{Name} \PX \P{Name}` → a set (pos is on the letter). */
  private parseClassEscape(): { ranges: Range[]; props: string[] } | null {
    const ch = String.fromCodePoint(this.cps[this.pos]!);
    const lower = ch.toLowerCase();
    if (lower === 'd' || lower === 's' || lower === 'w') {
      this.pos++;
      const ranges = PERL[lower]!;
      return { ranges: ch === lower ? ranges : complement(ranges), props: [] };
    }
    if (ch === 'p' || ch === 'P') {
      this.pos++;
      let name: string;
      if (this.eat('{')) {
        const start = this.pos;
        while (this.peek() !== undefined && this.peek() !== 0x7d) this.pos++;
        if (!this.eat('}')) this.fail('missing `}` in `\\p{…}`');
        name = String.fromCodePoint(...this.cps.slice(start, this.pos - 1));
      } else {
        const c = this.cps[this.pos++];
        if (c === undefined) this.fail('invalid Unicode class');
        name = String.fromCodePoint(c);
      }
      let negated = ch === 'P';
      if (name.startsWith('^')) {
        negated = !negated;
        name = name.slice(1);
      }
      if (name === 'Any') return { ranges: negated ? [] : [[0, MAX_CP]], props: [] };
      if (!/^[A-Za-z_]+$/.test(name)) this.fail('invalid Unicode class name');
      const body = GENERAL_CATEGORIES.has(name) ? name : `Script=${name}`;
      const prop = `\\${negated ? 'P' : 'p'}{${body}}`;
      try {
        new RegExp(prop, 'u');
      } catch {
        this.fail(`Unicode class \`${name}\` is not known to JavaScript`);
      }
      this.usesUnicode = true;
      return { ranges: [], props: [prop] };
    }
    return null;
  }

  /** A single-character escape (pos is after the backslash) → its code point. */
  private parseCharEscape(): number {
    const c = this.cps[this.pos++]!;
    const ch = String.fromCodePoint(c);
    const simple: Record<string, number> = { a: 7, f: 12, t: 9, n: 10, r: 13, v: 11 };
    if (ch in simple) return simple[ch]!;
    if (ch >= '0' && ch <= '7') {
      // Octal: RE2 takes \0 and up to three octal digits; a lone \1-\7 would be a backreference.
      let digits = ch;
      while (
        digits.length < 3 &&
        this.peek() !== undefined &&
        this.peek()! >= 0x30 &&
        this.peek()! <= 0x37
      ) {
        digits += String.fromCodePoint(this.cps[this.pos++]!);
      }
      if (digits.length === 1 && ch !== '0') {
        this.pos--;
        this.fail('backreferences are not supported');
      }
      return parseInt(digits, 8);
    }
    if (ch === 'x') {
      if (this.eat('{')) {
        const start = this.pos;
        while (this.peek() !== undefined && this.peek() !== 0x7d) this.pos++;
        const hex = String.fromCodePoint(...this.cps.slice(start, this.pos));
        if (!this.eat('}') || !/^[0-9A-Fa-f]{1,6}$/.test(hex) || parseInt(hex, 16) > MAX_CP) {
          this.fail('invalid `\\x{…}` escape');
        }
        return parseInt(hex, 16);
      }
      const hex = String.fromCodePoint(...this.cps.slice(this.pos, this.pos + 2));
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) this.fail('invalid `\\x` escape');
      this.pos += 2;
      return parseInt(hex, 16);
    }
    // Any escaped punctuation is that character; escaped letters and digits are errors.
    if (c < 0x80 && !/[0-9A-Za-z]/.test(ch)) return c;
    this.pos--;
    return this.fail(`invalid escape \`\\${ch}\``);
  }

  /** `[...]` (pos is after `[`). */
  private parseClass(flags: Flags): Node {
    const negated = this.eat('^');
    const ranges: Range[] = [];
    const props: string[] = [];
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) this.fail('missing closing `]`');
      if (c === 0x5d /* ] */ && !first) {
        this.pos++;
        break;
      }
      first = false;
      // POSIX class [:name:] / [:^name:]
      if (c === 0x5b /* [ */ && this.peek(1) === 0x3a /* : */) {
        const text = String.fromCodePoint(...this.cps.slice(this.pos, this.pos + 12));
        const m = /^\[:(\^?)([a-z]+):\]/.exec(text);
        if (m) {
          const set = POSIX[m[2]!];
          if (!set) this.fail(`unknown POSIX class \`[:${m[2]}:]\``);
          this.pos += m[0].length;
          ranges.push(...(m[1] ? complement(set) : set));
          continue;
        }
      }
      let lo: number;
      if (c === 0x5c /* \ */) {
        this.pos++;
        if (this.peek() === undefined) this.fail('trailing backslash');
        const cls = this.parseClassEscape();
        if (cls) {
          ranges.push(...cls.ranges);
          props.push(...cls.props);
          continue;
        }
        lo = this.parseCharEscape();
      } else {
        lo = c;
        this.pos++;
      }
      // A range lo-hi, unless `-` is last in the class.
      if (this.peek() === 0x2d /* - */ && this.peek(1) !== undefined && this.peek(1) !== 0x5d) {
        this.pos++;
        let hi: number;
        if (this.peek() === 0x5c) {
          this.pos++;
          hi = this.parseCharEscape();
        } else {
          hi = this.cps[this.pos++]!;
        }
        if (hi < lo) this.fail('invalid character class range');
        ranges.push([lo, hi]);
      } else {
        ranges.push([lo, lo]);
      }
    }
    return { t: 'class', ranges: normalize(ranges), props, negated, fold: flags.i };
  }
}

function normalize(ranges: Range[]): Range[] {
  const sorted = ranges.map((r): Range => [r[0], r[1]]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push(r);
  }
  return out;
}

function complement(ranges: Range[]): Range[] {
  const out: Range[] = [];
  let next = 0;
  for (const [lo, hi] of normalize(ranges)) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CP) out.push([next, MAX_CP]);
  return out;
}

/** Adds the other-case forms of every letter in the set (simple case folding). */
function foldRanges(ranges: Range[]): Range[] {
  const out: Range[] = [...ranges];
  for (const [lo, hi] of ranges) {
    // ASCII letters exactly, whatever the range's size.
    const ulo = Math.max(lo, 0x41);
    const uhi = Math.min(hi, 0x5a);
    if (ulo <= uhi) out.push([ulo + 32, uhi + 32]);
    const llo = Math.max(lo, 0x61);
    const lhi = Math.min(hi, 0x7a);
    if (llo <= lhi) out.push([llo - 32, lhi - 32]);
    // Other letters one by one when the range is small (a huge range already holds most of them).
    const from = Math.max(lo, 0x80);
    if (from <= hi && hi - from < 0x3000) {
      for (let cp = from; cp <= hi; cp++) {
        for (const variant of caseVariants(cp)) if (variant !== cp) out.push([variant, variant]);
      }
    }
  }
  return normalize(out);
}

function caseVariants(cp: number): number[] {
  const ch = String.fromCodePoint(cp);
  const variants = new Set<number>([cp]);
  for (const other of [ch.toLowerCase(), ch.toUpperCase()]) {
    const chars = Array.from(other);
    if (chars.length === 1) variants.add(chars[0]!.codePointAt(0)!);
  }
  return [...variants];
}

// --- analysis -------------------------------------------------------------------------

function hasLetters(ranges: Range[]): boolean {
  return ranges.some(([lo, hi]) => {
    if ((lo <= 0x5a && hi >= 0x41) || (lo <= 0x7a && hi >= 0x61)) return true;
    if (hi < 0x80) return false;
    const from = Math.max(lo, 0x80);
    if (hi - from >= 0x3000) return true;
    for (let cp = from; cp <= hi; cp++) if (caseVariants(cp).length > 1) return true;
    return false;
  });
}

interface FoldUse {
  folded: number;
  exact: number;
}

function foldUse(node: Node, use: FoldUse): void {
  switch (node.t) {
    case 'alt':
      node.alts.forEach((n) => foldUse(n, use));
      return;
    case 'cat':
      node.items.forEach((n) => foldUse(n, use));
      return;
    case 'group':
    case 'rep':
      foldUse(node.body, use);
      return;
    case 'char':
      if (caseVariants(node.cp).length > 1) use[node.fold ? 'folded' : 'exact']++;
      return;
    case 'class':
      if (hasLetters(node.ranges) || node.props.length > 0) use[node.fold ? 'folded' : 'exact']++;
      return;
    default:
      return;
  }
}

function canMatchNewline(node: Node): boolean {
  switch (node.t) {
    case 'alt':
      return node.alts.some(canMatchNewline);
    case 'cat':
      return node.items.some(canMatchNewline);
    case 'group':
      return canMatchNewline(node.body);
    case 'rep':
      return node.max > 0 && canMatchNewline(node.body);
    case 'char':
      return node.cp === 10;
    case 'class': {
      const has = node.ranges.some(([lo, hi]) => lo <= 10 && hi >= 10);
      // A property class (\p{…}) never holds \n; a negated one may.
      const inSet = has || node.props.some((p) => p.startsWith('\\P'));
      return node.negated ? !has : inSet;
    }
    case 'any':
      return node.dotAll;
    default:
      return false;
  }
}

function isZeroWidth(node: Node): boolean {
  if (node.t === 'assert') return true;
  if (node.t === 'group') return isZeroWidth(node.body);
  return false;
}

/** A literal prefix and whether it is the whole of what the node matches. */
type Prefix = [text: string, whole: boolean];
const MAX_PREFIXES = 64;

/** The literal prefixes of a node's matches (lower case), or null if unknown. */
function prefixes(node: Node): Prefix[] | null {
  switch (node.t) {
    case 'assert':
      return [['', true]];
    case 'char':
      return [[String.fromCodePoint(node.cp).toLowerCase(), true]];
    case 'class': {
      if (node.negated || node.props.length > 0) return null;
      const chars = new Set<string>();
      for (const [lo, hi] of node.ranges) {
        if (hi - lo > 8) return null;
        for (let cp = lo; cp <= hi; cp++) chars.add(String.fromCodePoint(cp).toLowerCase());
      }
      return chars.size <= 8 ? [...chars].map((c): Prefix => [c, true]) : null;
    }
    case 'group':
      return prefixes(node.body);
    case 'alt': {
      const out: Prefix[] = [];
      for (const alt of node.alts) {
        const p = prefixes(alt);
        if (p === null) return null;
        out.push(...p);
      }
      return out.length <= MAX_PREFIXES ? out : null;
    }
    case 'rep': {
      if (node.min === 0) return [['', false]];
      const p = prefixes(node.body);
      return p === null
        ? null
        : p.map(([text, whole]): Prefix => [text, whole && node.min === 1 && node.max === 1]);
    }
    case 'cat': {
      let out: Prefix[] = [['', true]];
      for (const item of node.items) {
        if (out.every(([, whole]) => !whole)) break;
        const p = prefixes(item);
        if (p === null) return out.map(([text]): Prefix => [text, false]);
        const next: Prefix[] = [];
        for (const [text, whole] of out) {
          if (!whole) next.push([text, false]);
          else for (const [more, moreWhole] of p) next.push([text + more, moreWhole]);
        }
        if (next.length > MAX_PREFIXES) return out.map(([text]): Prefix => [text, false]);
        out = next;
      }
      return out;
    }
    case 'any':
      return null;
  }
}

function leadingLiterals(ast: Node): string[] | null {
  const p = prefixes(ast);
  if (p === null || p.some(([text]) => text === '')) return null;
  return [...new Set(p.map(([text]) => text))];
}

const MAX_EXACT = 64;

/** Every string a node matches (lower case), when they are few; else null. */
/** exactStrings' answers: requiredFactors asks again for the same nodes. */
const exactCache = new WeakMap<Node, string[] | null>();

function exactStrings(node: Node): string[] | null {
  let known = exactCache.get(node);
  if (known === undefined) exactCache.set(node, (known = exactStringsOf(node)));
  return known;
}

function exactStringsOf(node: Node): string[] | null {
  switch (node.t) {
    case 'assert':
      return [''];
    case 'group':
      return exactStrings(node.body);
    case 'alt':
    case 'cat': {
      const lists = (node.t === 'alt' ? node.alts : node.items).map(exactStrings);
      if (lists.some((l) => l === null)) return null;
      return node.t === 'alt'
        ? bounded([...new Set(lists.flat() as string[])])
        : crossProduct(lists as string[][]);
    }
    case 'rep': {
      const body = exactStrings(node.body);
      if (body === null || node.max > 4) return null;
      const out = new Set<string>();
      for (let n = node.min; n <= node.max; n++) {
        const copies = crossProduct(Array<string[]>(n).fill(body));
        if (copies === null) return null;
        for (const c of copies) out.add(c);
      }
      return bounded([...out]);
    }
    default: {
      const p = prefixes(node);
      return p === null || p.some(([, whole]) => !whole) ? null : p.map(([text]) => text);
    }
  }
}

function bounded(list: string[]): string[] | null {
  return list.length <= MAX_EXACT ? list : null;
}

function crossProduct(lists: readonly string[][]): string[] | null {
  let out: string[] = [''];
  for (const list of lists) {
    const next: string[] = [];
    for (const a of out) for (const b of list) next.push(a + b);
    const kept = bounded([...new Set(next)]);
    if (kept === null) return null;
    out = kept;
  }
  return out;
}

/**
 * Whether every string `node` matches contains one of `words` (lower case): a run of items of
 * a concatenation that match few exact strings (`secret[_.-]?access` is eight), each holding a
 * word; a group by its body; an alternation when each branch does; a repetition that runs at
 * least once. False when unsure.
 */
function containsOneOf(node: Node, words: readonly string[]): boolean {
  const held = (strings: readonly string[]): boolean =>
    strings.every((text) => words.some((w) => text.includes(w)));
  switch (node.t) {
    case 'group':
      return containsOneOf(node.body, words);
    case 'alt':
      return node.alts.every((alt) => containsOneOf(alt, words));
    case 'rep':
      return node.min > 0 && containsOneOf(node.body, words);
    case 'cat':
      for (let i = 0; i < node.items.length; i++) {
        if (containsOneOf(node.items[i]!, words)) return true;
        let run: string[] | null = [''];
        for (let j = i; j < node.items.length && run !== null; j++) {
          const item = exactStrings(node.items[j]!);
          if (item === null) {
            // What the next item starts with still lies in every match (`xox[pe]-…`).
            const start = prefixes(node.items[j]!);
            const more = start && crossProduct([run, start.map(([text]) => text)]);
            if (more && held(more)) return true;
            break;
          }
          run = crossProduct([run, item]);
          if (run !== null && held(run)) return true;
        }
      }
      return false;
    default: {
      const strings = exactStrings(node);
      return strings !== null && held(strings);
    }
  }
}

/** Required literals shorter than this select too little to be worth a search. */
const MIN_FACTOR = 3;

/** How many required lists a pattern keeps (each costs a search of the text). */
const MAX_CLAUSES = 4;

function requiredLiterals(ast: Node): string[][] | null {
  const clauses = requiredClauses(ast);
  return clauses.length > 0 ? clauses : null;
}

/** The shortest member's length: how selective a list is. */
function selectivity(list: readonly string[]): number {
  return Math.min(...list.map((t) => t.length));
}

/**
 * The most selective usable lists, at most MAX_CLAUSES, leaving out one that a kept list
 * implies (every member of the kept one contains a member of it: `kind` after `kind:`).
 */
function keepClauses(clauses: readonly string[][]): string[][] {
  const usable = clauses
    .filter((c) => c.length > 0 && c.length <= MAX_EXACT && selectivity(c) >= MIN_FACTOR)
    .sort((a, b) => selectivity(b) - selectivity(a) || a.length - b.length);
  const kept: string[][] = [];
  for (const c of usable) {
    const implied = kept.some((k) => k.every((text) => c.some((part) => text.includes(part))));
    if (!implied) kept.push(c);
    if (kept.length === MAX_CLAUSES) break;
  }
  return kept;
}

/**
 * Lists of lower-case strings such that every string `node` matches contains a member of
 * each list (RE2's prefilter, as a conjunction of alternatives): for a concatenation its
 * items' lists and the exact strings of its runs of items (`db_passw(?:or)?d`); for an
 * alternation each list of one branch joined with the list of every other branch that keeps
 * it most selective; a repetition's when it runs at least once.
 */
function requiredClauses(node: Node): string[][] {
  switch (node.t) {
    case 'group':
      return requiredClauses(node.body);
    case 'rep':
      return node.min > 0 ? requiredClauses(node.body) : [];
    case 'alt': {
      let joined: string[][] | null = null;
      for (const alt of node.alts) {
        const mine = requiredClauses(alt);
        if (mine.length === 0) return [];
        if (joined === null) {
          joined = mine;
          continue;
        }
        const next: string[][] = [];
        for (const c of joined) {
          let best: string[] | null = null;
          for (const d of mine) {
            const union = [...new Set([...c, ...d])];
            if (
              best === null ||
              selectivity(union) > selectivity(best) ||
              (selectivity(union) === selectivity(best) && union.length < best.length)
            )
              best = union;
          }
          next.push(best!);
        }
        joined = keepClauses(next);
        if (joined.length === 0) return [];
      }
      return joined ?? [];
    }
    case 'cat': {
      const all: string[][] = [];
      for (let i = 0; i < node.items.length; i++) {
        all.push(...requiredClauses(node.items[i]!));
        let run: string[] | null = [''];
        for (let j = i; j < node.items.length && run !== null; j++) {
          const item = exactStrings(node.items[j]!);
          if (item === null) break;
          run = crossProduct([run, item]);
          if (run !== null && !run.includes('')) all.push(run);
        }
      }
      return keepClauses(all);
    }
    default: {
      const list = exactStrings(node);
      return list !== null && !list.includes('') ? keepClauses([list]) : [];
    }
  }
}

function newlinePlacement(ast: Node): TranslatedRegex['newlines'] {
  if (!canMatchNewline(ast)) return 'never';
  const items = ast.t === 'cat' ? ast.items : [ast];
  let first = 0;
  let last = items.length - 1;
  while (first <= last && isZeroWidth(items[first]!)) first++;
  while (last >= first && isZeroWidth(items[last]!)) last--;
  if (last <= first) return 'inside';
  for (let k = first + 1; k < last; k++) if (canMatchNewline(items[k]!)) return 'inside';
  // An edge item that may be a line break must be at most one character long.
  const edge = (n: Node): boolean => !canMatchNewline(n) || maxLength(n, false) <= 1;
  return edge(items[first]!) && edge(items[last]!) ? 'edges' : 'inside';
}

/** Longest match in UTF-16 units (with the u flag a class or `.` may take an astral character: 2). */
function maxLength(node: Node, unicode: boolean): number {
  switch (node.t) {
    case 'alt':
      return Math.max(...node.alts.map((n) => maxLength(n, unicode)));
    case 'cat':
      return node.items.reduce((sum, n) => sum + maxLength(n, unicode), 0);
    case 'group':
      return maxLength(node.body, unicode);
    case 'rep': {
      const body = maxLength(node.body, unicode);
      if (node.max === 0 || body === 0) return 0;
      return node.max === Infinity ? Infinity : node.max * body;
    }
    case 'char':
      return node.cp > 0xffff ? 2 : 1;
    case 'class':
    case 'any':
      return unicode ? 2 : 1;
    default:
      return 0;
  }
}

function anchorsText(node: Node): boolean {
  switch (node.t) {
    case 'alt':
      return node.alts.some(anchorsText);
    case 'cat':
      return node.items.some(anchorsText);
    case 'group':
    case 'rep':
      return anchorsText(node.body);
    case 'assert':
      return node.kind === 'bot' || node.kind === 'eot';
    default:
      return false;
  }
}

// --- emission -------------------------------------------------------------------------

class Emitter {
  constructor(
    /** Fold case by hand (the pattern mixes folded and exact parts). */
    private readonly manualFold: boolean,
    private readonly unicode: boolean,
  ) {}

  /** The source of each item of a top-level concatenation (the whole source otherwise). */
  parts(node: Node): string[] {
    return node.t === 'cat' ? node.items.map((n) => this.emitInCat(n)) : [this.emit(node)];
  }

  emit(node: Node): string {
    switch (node.t) {
      case 'alt':
        return node.alts.map((n) => this.emit(n)).join('|');
      case 'cat':
        return node.items.map((n) => this.emitInCat(n)).join('');
      case 'group':
        return node.capture ? `(${this.emit(node.body)})` : `(?:${this.emit(node.body)})`;
      case 'rep': {
        const body = this.emitAtom(node.body);
        const q =
          node.min === 0 && node.max === Infinity
            ? '*'
            : node.min === 1 && node.max === Infinity
              ? '+'
              : node.min === 0 && node.max === 1
                ? '?'
                : node.max === Infinity
                  ? `{${node.min},}`
                  : node.min === node.max
                    ? `{${node.min}}`
                    : `{${node.min},${node.max}}`;
        return body + q + (node.greedy ? '' : '?');
      }
      case 'char': {
        if (this.manualFold && node.fold) {
          const variants = caseVariants(node.cp);
          if (variants.length > 1)
            return this.emitClass(normalize(variants.map((v): Range => [v, v])), [], false);
        }
        return this.literal(node.cp, false);
      }
      case 'class': {
        const ranges = this.manualFold && node.fold ? foldRanges(node.ranges) : node.ranges;
        return this.emitClass(ranges, node.props, node.negated);
      }
      case 'any':
        return node.dotAll ? '[\\s\\S]' : '[^\\n]';
      case 'assert':
        switch (node.kind) {
          case 'bot':
            return '^';
          case 'eot':
            return '$';
          case 'bol':
            return '(?<![^\\n])';
          case 'eol':
            return '(?![^\\n])';
          case 'wb':
            return '\\b';
          case 'nwb':
            return '\\B';
        }
    }
  }

  /** An alternation inside a concatenation needs a group. */
  private emitInCat(node: Node): string {
    return node.t === 'alt' ? `(?:${this.emit(node)})` : this.emit(node);
  }

  /** A repeated body must be a single atom. */
  private emitAtom(node: Node): string {
    if (node.t === 'group' || node.t === 'class' || node.t === 'any') return this.emit(node);
    if (node.t === 'char') {
      const out = this.emit(node);
      // An astral literal without the u flag is two code units: group them.
      return !this.unicode && node.cp > 0xffff ? `(?:${out})` : out;
    }
    return `(?:${this.emit(node)})`;
  }

  private emitClass(ranges: Range[], props: string[], negated: boolean): string {
    const limit = this.unicode ? MAX_CP : 0xffff;
    const parts: string[] = [];
    for (const [lo, hi0] of ranges) {
      if (lo > limit) continue;
      const hi = Math.min(hi0, limit);
      if (lo === hi) parts.push(this.literal(lo, true));
      else if (hi === lo + 1) parts.push(this.literal(lo, true) + this.literal(hi, true));
      else parts.push(`${this.literal(lo, true)}-${this.literal(hi, true)}`);
    }
    parts.push(...props);
    if (parts.length === 0) return negated ? '[\\s\\S]' : '[^\\s\\S]';
    return `[${negated ? '^' : ''}${parts.join('')}]`;
  }

  /** A code point as regex text, valid with and without the `u` flag. */
  private literal(cp: number, inClass: boolean): string {
    if (cp >= 0x20 && cp < 0x7f) {
      const ch = String.fromCharCode(cp);
      const special = inClass ? '\\]^-[' : '\\^$.|?*+()[]{}/';
      return special.includes(ch) ? `\\${ch}` : ch;
    }
    if (cp === 9) return '\\t';
    if (cp === 10) return '\\n';
    if (cp === 13) return '\\r';
    if (cp <= 0xff) return `\\x${cp.toString(16).padStart(2, '0')}`;
    if (cp <= 0xffff) return `\\u${cp.toString(16).padStart(4, '0')}`;
    if (this.unicode) return `\\u{${cp.toString(16)}}`;
    const v = cp - 0x10000;
    const high = 0xd800 + (v >> 10);
    const low = 0xdc00 + (v & 0x3ff);
    return `\\u${high.toString(16)}\\u${low.toString(16)}`;
  }
}

function hasAstral(node: Node): boolean {
  switch (node.t) {
    case 'alt':
      return node.alts.some(hasAstral);
    case 'cat':
      return node.items.some(hasAstral);
    case 'group':
    case 'rep':
      return hasAstral(node.body);
    case 'class':
      // A class reaching past the BMP only because it was complemented is cut at U+FFFF;
      // one that names astral characters itself needs the u flag to mean them.
      return node.ranges.some(([lo]) => lo > 0xffff);
    default:
      return false;
  }
}

/**
 * Translates a Go RE2 pattern. `what` names its owner for errors (`rule "aws-key" regex`).
 */
export function translateRe2(pattern: string, what: string): TranslatedRegex {
  const parser = new Parser(pattern, what);
  const ast = parser.parse();
  const use: FoldUse = { folded: 0, exact: 0 };
  foldUse(ast, use);
  const wholeFold = use.folded > 0 && use.exact === 0;
  const unicode = parser.usesUnicode || hasAstral(ast);
  const parts = new Emitter(!wholeFold && use.folded > 0, unicode).parts(ast);
  const source = parts.join('');
  const flags = (wholeFold ? 'i' : '') + (unicode ? 'u' : '');
  try {
    new RegExp(source, flags);
  } catch (err) {
    throw new RegexTranslationError(
      `${what}: the pattern has no JavaScript equivalent (${(err as Error).message.split(': ').pop()})`,
    );
  }
  return {
    source,
    flags,
    newlines: newlinePlacement(ast),
    leadingLiterals: leadingLiterals(ast),
    requiredLiterals: () => requiredLiterals(ast),
    maxLength: maxLength(ast, unicode),
    anchorsText: anchorsText(ast),
    groups: parser.groups,
    parts,
    alwaysContains: (words) => words.length > 0 && containsOneOf(ast, words),
  };
}

/** Translates and compiles; `extraFlags` such as `g` are added to the needed ones. */
export function compileRe2(pattern: string, what: string, extraFlags = ''): RegExp {
  const t = translateRe2(pattern, what);
  return new RegExp(t.source, [...new Set(t.flags + extraFlags)].join(''));
}

// --- the linear-time engine -----------------------------------------------------------

/**
 * What the detector needs of a compiled pattern: RegExp's global-search protocol (`exec`
 * from `lastIndex`, a match array with `index` and unmatched groups `undefined`).
 * Both `RegExp` and `LinearRegex` are one.
 */
export interface PatternRegex {
  readonly source: string;
  readonly flags: string;
  lastIndex: number;
  exec(text: string): RegExpExecArray | null;
}

/**
 * A Go RE2 pattern on re2js, behind RegExp's global `exec`/`lastIndex`/`test` protocol, so
 * the detector runs it as it runs a native regex. Offsets are UTF-16 code units, as in JS.
 * `flags` is `g` (searches continue from `lastIndex`); case folding and the like are the
 * pattern's own inline flags, as in gitleaks.
 *
 * A search is RE2's, in three steps (re2-dfa.ts): one backward pass of the reversed pattern's
 * DFA over the text marks every place a match starts; the first mark at or after `lastIndex`
 * is where the leftmost match starts (the leftmost-first match starts at the leftmost place
 * any match does); re2js then finds that match and its groups on the span from there to the
 * end of the longest match from there, which the forward DFA bounds. re2js' NFA, which takes
 * about a microsecond a character, so runs only over matches, not over the text between them.
 */
/** re2js' `RE2Flags.UNANCHORED` (not exported by name). */
const UNANCHORED = 0;
const ANCHOR_START = 1;
/**
 * How far the forward DFA looks for the end of a match of a pattern with no longest match,
 * before the span is left open (re2js then searches to the text's end, as without the DFA).
 */
const SPAN_LOOKAHEAD = 1024;

/** The marks of a text with no match. */
const NO_STARTS = new Uint8Array(0);

export interface LinearOptions {
  /** Search with re2js alone, without the DFA passes (tests compare the two). */
  nfaOnly?: boolean;
}

export class LinearRegex implements PatternRegex {
  readonly flags = 'g';
  lastIndex = 0;
  /** DFA steps taken so far (tests count them to show the work is linear). */
  readonly work: DfaWork = { steps: 0 };
  private compiledOnce: RE2JS | undefined;
  private readonly groupCount: number;
  private readonly maxLength: number;
  private matcher: Matcher | null = null;
  private input: string | null = null;
  /** Per offset of `input`: 1 where a match starts (null: not computed, or the DFA gave up). */
  private starts: Uint8Array | null = null;
  /** The buffer `starts` last used, kept for the next text. */
  private marks: Uint8Array | undefined;
  /** undefined: not built yet; null: re2js' DFA cannot run this pattern. */
  private dfa: DfaSearch | null | undefined;
  /**
   * The pattern after one character of context (`(?s:.)` first), for a span too long for the
   * backtracker: re2js runs an anchored search only at a text's first offset, and a match's
   * first assertion (`\b`, `^`) needs the character before it.
   */
  private afterOne: RE2JS | undefined;
  /** The program of `compiled`, for the span's backtracker (re2-backtrack.ts). */
  private prog: ReturnType<typeof programOf> | undefined;

  private literalsOnce: RegExp[] | undefined;

  /**
   * The pattern is validated here by translateRe2 (RE2's grammar, the same refusals) and
   * compiled by re2js on first use: a config of two hundred rules loads without compiling
   * the ones whose keywords a scan never meets.
   */
  constructor(
    readonly source: string,
    private readonly what: string,
    private readonly options: LinearOptions = {},
    private readonly translated: TranslatedRegex = translateRe2(source, what),
  ) {
    this.groupCount = translated.groups;
    this.maxLength = translated.maxLength;
    if (options.nfaOnly) this.dfa = null;
  }

  private get compiled(): RE2JS {
    return (this.compiledOnce ??= compileRe2js(this.source, this.what));
  }

  /**
   * Case-insensitive searches for the pattern's required literals, one per list: a text
   * without a member of each holds no match. Only ASCII lists, searched with Unicode simple
   * case folding (`iu`), which folds as RE2's `(?i)` does (the Kelvin sign is a `k`).
   */
  private get literals(): RegExp[] {
    if (this.literalsOnce === undefined) {
      const required = this.options.nfaOnly ? null : this.translated.requiredLiterals();
      this.literalsOnce = (required ?? [])
        .filter((list) => list.every((l) => /^[\x20-\x7e]+$/.test(l)))
        .map((list) => new RegExp(list.map(escapeAscii).join('|'), 'iu'));
    }
    return this.literalsOnce;
  }

  exec(text: string): RegExpExecArray | null {
    if (this.input !== text) {
      this.input = text;
      this.matcher = null;
      // The required literals first: they turn most texts away without the backward pass
      // (a window around a keyword usually holds no match).
      this.starts = !this.literals.every((literal) => literal.test(text))
        ? NO_STARTS
        : (this.search()?.starts(text, this.marks) ?? null);
      if (this.starts !== null && this.starts !== NO_STARTS) this.marks = this.starts;
    }
    const from = this.lastIndex;
    if (from > text.length) return this.none();
    const starts = this.starts;
    if (starts === NO_STARTS) return this.none();
    if (starts === null) return this.execNfa(text, from);
    // The buffer may hold stale marks past this text's end: those count as none.
    const at = starts.indexOf(1, from);
    if (at === -1 || at > text.length) return this.none();
    const groups = this.spanMatch(text, at);
    if (groups === null || groups[0] !== at) return this.execNfa(text, from);
    return this.result(text, groups);
  }

  /**
   * The leftmost-first match starting exactly at `at`, or null (RegExp's sticky `y`): the
   * forward DFA says first whether any match starts there, in a few steps where none does.
   */
  execAt(text: string, at: number): RegExpExecArray | null {
    let groups: number[] | null;
    const dfa = this.search();
    if (at > text.length) return null;
    if (dfa === null) {
      // Without the DFA: re2js' own anchored search (it follows threads only while they live).
      groups = this.re2jsAnchoredAt(text, at, text.length);
    } else {
      const limit = Math.min(text.length, at + Math.min(this.maxLength, SPAN_LOOKAHEAD));
      const end = dfa.longestEnd(text, at, limit);
      if (end === -1) return null;
      groups =
        end === null || end === Infinity
          ? this.anchoredAt(text, at, text.length)
          : this.spanMatch(text, at, end);
    }
    if (groups === null || groups[0] !== at) return null;
    return this.result(text, groups);
  }

  /** A view of this pattern with RegExp's sticky protocol (see execAt). */
  sticky(): PatternRegex {
    const execAt = (text: string, at: number): RegExpExecArray | null => this.execAt(text, at);
    return {
      source: this.source,
      flags: 'y',
      lastIndex: 0,
      exec(text: string): RegExpExecArray | null {
        const m = execAt(text, this.lastIndex);
        this.lastIndex = m === null ? 0 : this.lastIndex + m[0]!.length;
        return m;
      },
    };
  }

  private none(): null {
    this.lastIndex = 0;
    return null;
  }

  /** The DFA passes, built on first use (allowlist regexes only ever `test`). */
  private search(): DfaSearch | null {
    if (this.dfa?.thrashing) this.dfa = null;
    if (this.dfa === undefined) {
      this.dfa = DfaSearch.of(
        this.compiled,
        compileRe2js(reversedRe2(this.source, this.what), this.what),
        this.work,
      );
    }
    return this.dfa;
  }

  /**
   * The leftmost-first match starting at `at` (a marked start) as group offsets, found by
   * re2js on the shortest text that decides it: from the character before `at` (context for
   * `\b` and `^`) to one past where the longest match from `at` may end.
   */
  private spanMatch(text: string, at: number, known?: number): number[] | null {
    let end: number | null;
    if (known !== undefined) end = known;
    else if (this.maxLength !== Infinity) end = Math.min(text.length, at + this.maxLength);
    else {
      const limit = Math.min(text.length, at + SPAN_LOOKAHEAD);
      end = this.dfa!.longestEnd(text, at, limit);
      if (end === -1) return null; // the marks and the forward DFA disagree: search as before
      if (end === null || end === Infinity) return this.groupsFrom(text, at, text.length, 0);
    }
    const cut = Math.min(text.length, end + 1);
    const groups = this.anchoredAt(text, at, cut);
    // A match that ends where the text was cut may owe itself to the cut (`$`, `\b` there
    // hold only at a text's end): decide on the whole text instead.
    if (groups !== null && groups[1] === cut && cut < text.length)
      return this.anchoredAt(text, at, text.length);
    return groups;
  }

  /** re2js' match starting at `at` on text[at - 1, cut) (its groups' offsets in the whole text). */
  private anchoredAt(text: string, at: number, cut: number): number[] | null {
    const base = at > 0 ? at - 1 : 0;
    const piece = text.slice(base, cut);
    const ncap = 2 * (this.groupCount + 1);
    this.prog ??= programOf(this.compiled);
    const groups =
      this.prog === null ? undefined : backtrack(this.prog, piece, at - base, piece.length, ncap);
    if (groups === undefined) return this.re2jsAnchoredAt(text, at, cut);
    return groups === null ? null : groups.map((g) => (g < 0 ? g : g + base));
  }

  /** re2js' anchored match at `at` on text[at - 1, cut) (the context-led pattern). */
  private re2jsAnchoredAt(text: string, at: number, cut: number): number[] | null {
    const base = at > 0 ? at - 1 : 0;
    const piece = text.slice(base, cut);
    const compiled =
      base === at
        ? this.compiled
        : (this.afterOne ??= compileRe2js(`(?s:.)(?:${this.source})`, this.what));
    const [found, groups] = compiled
      .re2()
      .matchWithGroup(piece, 0, piece.length, ANCHOR_START, this.groupCount + 1) as [
      boolean,
      number[] | null,
    ];
    if (!found || groups === null) return null;
    // Group 0 of the context-led pattern starts at the context character.
    groups[0] = at - base;
    return groups.map((g) => (g < 0 ? g : g + base));
  }

  /** re2js' search from `at` on text[base, end), offsets returned in the whole text. */
  private groupsFrom(text: string, at: number, end: number, base: number): number[] | null {
    const piece = base === 0 && end === text.length ? text : text.slice(base, end);
    const [found, groups] = this.compiled
      .re2()
      .matchWithGroup(piece, at - base, piece.length, UNANCHORED, this.groupCount + 1) as [
      boolean,
      number[] | null,
    ];
    if (!found || groups === null) return null;
    return base === 0 ? groups : groups.map((g) => (g < 0 ? g : g + base));
  }

  private result(text: string, groups: readonly number[]): RegExpExecArray {
    const out: (string | undefined)[] = [];
    for (let g = 0; g <= this.groupCount; g++) {
      const s = groups[2 * g]!;
      const e = groups[2 * g + 1]!;
      out.push(s < 0 || e < 0 ? undefined : text.slice(s, e));
    }
    const result = out as unknown as RegExpExecArray;
    result.index = groups[0]!;
    result.input = text;
    this.lastIndex = groups[1]!;
    return result;
  }

  /** The search on re2js alone: its NFA from `from`, after its DFA says a match lies ahead. */
  private execNfa(text: string, from: number): RegExpExecArray | null {
    this.matcher ??= this.compiled.matcher(text);
    // re2js' `test` runs its DFA (no groups tracked; `find` runs the NFA that tracks them).
    if (!this.anyFrom(text, from) || !this.matcher.find(from)) return this.none();
    const m = this.matcher;
    const out: string[] = [];
    for (let g = 0; g <= this.groupCount; g++) out.push(m.group(g) ?? (undefined as never));
    const result = out as unknown as RegExpExecArray;
    result.index = m.start();
    result.input = text;
    this.lastIndex = m.end();
    return result;
  }

  /** Whether a match starts at or after `from` (with the text before it as context). */
  private anyFrom(text: string, from: number): boolean {
    if (from === 0) return this.compiled.test(text);
    const [found] = this.compiled.re2().matchWithGroup(text, from, text.length, UNANCHORED, 0);
    return found === true;
  }

  /** Whether the pattern matches anywhere in the text (re2js' DFA: no groups tracked). */
  test(text: string): boolean {
    return this.compiled.test(text);
  }
}

/** An ASCII literal as JS regex source (valid with `u`): punctuation as `\xHH`. */
function escapeAscii(literal: string): string {
  return literal.replace(
    /[^0-9A-Za-z ]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

function compileRe2js(source: string, what: string): RE2JS {
  try {
    return RE2JS.compile(source);
  } catch (err) {
    // re2js's message quotes the pattern; ours does not (an allowlist may hold a secret).
    const reason = (err as { error?: unknown }).error;
    throw new RegexTranslationError(
      `${what}: not a valid RE2 pattern${typeof reason === 'string' ? ` (${reason})` : ''}`,
    );
  }
}

/**
 * Compiles a Go RE2 pattern for a text that is untrusted and a pattern that is not audited:
 * validated with RE2's grammar as `translateRe2` reads it (the same refusals and errors), run
 * on the linear engine.
 */
export function compileLinear(
  pattern: string,
  what: string,
  options: LinearOptions = {},
  translated: TranslatedRegex = translateRe2(pattern, what),
): LinearRegex {
  return new LinearRegex(pattern, what, options, translated);
}

// --- the reversed pattern ----------------------------------------------------------------

/**
 * The RE2 source of a pattern that matches the reverse of every string the pattern matches,
 * with the same assertions seen from the other side (`^` and `$`, `\A` and `\z` trade places;
 * `\b` is symmetric). Run backwards over a text on RE2's DFA it marks every place where a
 * match of the pattern can start, in one linear pass (see re2-dfa.ts). Captures become plain
 * groups: the reversed pattern only says where, never what.
 */
export function reversedRe2(pattern: string, what: string): string {
  return emitReversed(new Parser(pattern, what).parse());
}

function emitReversed(node: Node): string {
  switch (node.t) {
    case 'alt':
      return node.alts.map((n) => `(?:${emitReversed(n)})`).join('|');
    case 'cat':
      return node.items
        .slice()
        .reverse()
        .map((n) => `(?:${emitReversed(n)})`)
        .join('');
    case 'group':
      return `(?:${emitReversed(node.body)})`;
    case 'rep': {
      const max = node.max === Infinity ? '' : String(node.max);
      const count = node.max === node.min ? `{${node.min}}` : `{${node.min},${max}}`;
      return `(?:${emitReversed(node.body)})${count}${node.greedy ? '' : '?'}`;
    }
    case 'char':
      return node.fold ? `(?i:${re2Literal(node.cp)})` : re2Literal(node.cp);
    case 'class': {
      const body =
        node.ranges
          .map(([lo, hi]) => (lo === hi ? re2Literal(lo) : `${re2Literal(lo)}-${re2Literal(hi)}`))
          .join('') + node.props.map((p) => p.replace('Script=', '')).join('');
      // A class that holds nothing: RE2 has no empty `[]`, and `[^\x{0}-\x{10FFFF}]` is one.
      const cls =
        body === ''
          ? node.negated
            ? '(?s:.)'
            : `[^${re2Literal(0)}-${re2Literal(MAX_CP)}]`
          : `[${node.negated ? '^' : ''}${body}]`;
      return node.fold ? `(?i:${cls})` : cls;
    }
    case 'any':
      return node.dotAll ? '(?s:.)' : '(?-s:.)';
    case 'assert':
      return { bol: '(?m:$)', eol: '(?m:^)', bot: '\\z', eot: '\\A', wb: '\\b', nwb: '\\B' }[
        node.kind
      ];
  }
}

/** A code point as an RE2 escape, valid inside and outside a class. */
function re2Literal(cp: number): string {
  return `\\x{${cp.toString(16)}}`;
}
