// Where matches start and how far they can reach, on re2js' lazy DFA.
//
// re2js runs a search that must report capture groups on its NFA (a Pike VM): every
// character costs a pass over every live thread, about a microsecond a character for a
// gitleaks rule, and a rule such as gitleaks' generic-api-key searches most of a repository.
// Its DFA, a cached subset construction (one table lookup a character once warm), answers
// only "is there a match". RE2 itself finds a match's span with DFAs and runs the NFA only
// on that span; re2js does not, so this module drives re2js' DFA the way RE2 does:
// - the reversed pattern (re2.ts reversedRe2), run backwards over the whole text, unanchored,
//   is in a matching state exactly at the places where a match of the pattern starts: one
//   linear pass marks every start;
// - the pattern, run forwards anchored at a start, is in a matching state at each place a
//   match from there ends: the last one bounds the match.
// The leftmost-first match and its groups then come from re2js on just that span (see
// LinearRegex in re2.ts). Time stays linear: each DFA step is a cached lookup or builds one
// state, and when re2js' DFA runs out of its memory budget faster than it makes progress it
// gives up (null here) and the caller searches on the NFA as before.
//
// Why not V8's own linear engine: `--enable-experimental-regexp-engine` (the `l` flag) exists
// on Node 20 (V8 11.3) and Node 24 (V8 13.6) and `v8.setFlagsFromString` turns it on at run
// time, but both refuse what most gitleaks rules hold: a counted repetition over 16 (its
// replication limit: `[a-z0-9]{32}`), case folding (`i`, `(?i:`), `u` with `\p{…}`, lookahead,
// and on Node 20 lookbehind. `--enable-experimental-regexp-engine-on-excessive-backtracks`
// falls back only for patterns that engine accepts, so it would bound none of the others.
//
// This uses re2js' DFA class, which its type declarations do not describe: the shape below is
// what re2js 2.10's build has (the unit tests of re2 run it, so a release that changes it fails
// them rather than a scan).
import type { RE2JS } from 're2js';

/** re2js' `Utils.EMPTY_*` and `DFA.FLAG_*` bits. */
const EMPTY_BEGIN_LINE = 1;
const EMPTY_BEGIN_TEXT = 4;
const FLAG_LAST_WORD = 512;
/** re2js' `RE2Flags` anchors. */
const UNANCHORED = 0;
const ANCHOR_START = 1;
/** re2js' DFA steps over the end of the text as this rune. */
const END_TEXT = -1;

interface DfaState {
  readonly isMatch: boolean;
  readonly nfaStates: readonly number[];
  next: (DfaState | null)[] | null;
  nextAnchored: (DfaState | null)[] | null;
}

interface Dfa {
  readonly failed: boolean;
  readonly numClasses: number;
  readonly latin1Class: Int32Array;
  readonly prog: { readonly start: number };
  runeClass(rune: number): number;
  makeState(pcs: number[], flag: number, ids: number[]): DfaState | null;
  clearCache(): void;
  stepOrReset(
    state: DfaState,
    cls: number,
    rune: number,
    anchor: number,
    pos: number,
    search: { resetPos: number },
  ): DfaState | null;
}

function dfaOf(compiled: RE2JS): Dfa | null {
  const dfa = (compiled.re2() as unknown as { dfa?: Dfa }).dfa;
  if (
    !dfa ||
    typeof dfa.stepOrReset !== 'function' ||
    typeof dfa.makeState !== 'function' ||
    !(dfa.latin1Class instanceof Int32Array)
  )
    return null;
  return dfa.failed ? null : dfa;
}

function isWord(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f
  );
}

/**
 * The start state for a run whose previous character (in the run's direction) is `prev`, or
 * -1 at the text's edge: what re2js' own `DFA.start` computes from the input's context.
 */
function startState(dfa: Dfa, prev: number, cache: Map<number, DfaState>): DfaState | null {
  const flags =
    prev === -1
      ? EMPTY_BEGIN_TEXT | EMPTY_BEGIN_LINE
      : prev === 0x0a
        ? EMPTY_BEGIN_LINE
        : isWord(prev)
          ? FLAG_LAST_WORD
          : 0;
  let state = cache.get(flags);
  if (state === undefined) {
    let made = dfa.makeState([dfa.prog.start], flags, []);
    if (made === null) {
      dfa.clearCache();
      cache.clear();
      made = dfa.makeState([dfa.prog.start], flags, []);
      if (made === null) return null;
    }
    state = made;
    cache.set(flags, state);
  }
  return state;
}

/** DFA steps taken, for tests that show the work is linear. */
export interface DfaWork {
  steps: number;
}

/**
 * A DFA that keeps building states is slower than the NFA it replaces (each new state is an
 * epsilon closure over the pattern's instructions): a pattern such as `(?s:.){0,200}?` has
 * more states than any text visits twice. A warm-up of WARM_UP transitions is free; beyond
 * it, once more than one step in MAX_MISS_RATIO has had to build a transition, the pattern
 * leaves the DFA.
 */
const WARM_UP = 4096;
const MAX_MISS_RATIO = 16;

/** States a flat table holds before it starts over (each row is numClasses + 1 int32s). */
const MAX_FLAT_STATES = 1 << 14;

/**
 * re2js' DFA with its transitions copied into one Int32Array indexed by state number and
 * character class. The passes below read it inline (a step is two typed-array reads, about
 * half the time of following re2js' state objects) and call `miss` only for a transition
 * not seen yet; re2js still builds every state. A transition depends on the state and the
 * class alone: re2js caches it the same way (its classes split wherever `\b` or a line
 * break matters).
 */
class FlatDfa {
  private states: DfaState[] = [];
  private readonly ids = new Map<DfaState, number>();
  /** Row per state, column per class (the last: the end of the text); -1 not known yet. */
  table = new Int32Array(0);
  /** Per state: 1 when a match ended just before the step that led to it. */
  matching = new Uint8Array(0);
  /** Per state: 1 when no thread is left (an anchored run can stop). */
  dead = new Uint8Array(0);
  readonly width: number;
  misses = 0;

  constructor(
    readonly dfa: Dfa,
    private readonly anchor: number,
  ) {
    this.width = dfa.numClasses + 1;
  }

  id(state: DfaState): number {
    let id = this.ids.get(state);
    if (id !== undefined) return id;
    id = this.states.length;
    if ((id + 1) * this.width > this.table.length) {
      const rows = Math.max(64, id * 2);
      const table = new Int32Array(rows * this.width).fill(-1);
      table.set(this.table);
      this.table = table;
      const matching = new Uint8Array(rows);
      matching.set(this.matching);
      this.matching = matching;
      const dead = new Uint8Array(rows);
      dead.set(this.dead);
      this.dead = dead;
    }
    this.states.push(state);
    this.ids.set(state, id);
    this.matching[id] = state.isMatch ? 1 : 0;
    this.dead[id] = state.nfaStates.length === 0 ? 1 : 0;
    return id;
  }

  /**
   * The state after `rune` (of class `cls`) from state `id`, computed by re2js and recorded;
   * -1 when re2js' DFA gave up. May replace `table`, `matching` and `dead`: re-read them.
   */
  miss(id: number, cls: number, rune: number, pos: number, search: { resetPos: number }): number {
    this.misses++;
    const from = this.states[id]!;
    const next = this.dfa.stepOrReset(from, cls, rune, this.anchor, pos, search);
    if (next === null) return -1;
    if (this.states.length + 2 > MAX_FLAT_STATES) {
      this.states = [];
      this.ids.clear();
      this.table.fill(-1);
    }
    const row = this.id(from);
    const to = this.id(next);
    this.table[row * this.width + cls] = to;
    return to;
  }
}

export class DfaSearch {
  /** Steps taken, over both DFAs. */
  private steps = 0;
  private readonly forwardStarts = new Map<number, DfaState>();
  private readonly reverseStarts = new Map<number, DfaState>();
  private readonly forward: FlatDfa;
  private readonly reverse: FlatDfa;

  private constructor(
    forward: Dfa,
    reverse: Dfa,
    private readonly work: DfaWork,
  ) {
    this.forward = new FlatDfa(forward, ANCHOR_START);
    this.reverse = new FlatDfa(reverse, UNANCHORED);
  }

  /** Null when re2js' DFA cannot run one of the patterns (or its build has no DFA). */
  static of(forward: RE2JS, reverse: RE2JS, work: DfaWork): DfaSearch | null {
    const f = dfaOf(forward);
    const r = dfaOf(reverse);
    return f && r ? new DfaSearch(f, r, work) : null;
  }

  /** Whether the DFAs build states too often to pay (see MAX_MISS_RATIO). */
  get thrashing(): boolean {
    const misses = this.forward.misses + this.reverse.misses;
    return (misses - WARM_UP) * MAX_MISS_RATIO > this.steps;
  }

  /**
   * Marks (1) every offset of `text` where a match starts (offsets past the text's end are
   * left as they were); null when the DFA gave up. Offsets are UTF-16 units; a match never
   * starts inside a surrogate pair.
   */
  starts(text: string, reuse?: Uint8Array): Uint8Array | null {
    const flat = this.reverse;
    // The caller's buffer when it is long enough (a scan makes one call per window).
    const out =
      reuse !== undefined && reuse.length > text.length
        ? reuse.fill(0, 0, text.length + 1)
        : new Uint8Array(text.length + 1);
    // Backwards from the end: the reversed text begins where the text ends.
    const first = startState(flat.dfa, -1, this.reverseStarts);
    if (first === null) return null;
    let state = flat.id(first);
    const search = { resetPos: -1 };
    const latin1 = flat.dfa.latin1Class;
    const width = flat.width;
    let table = flat.table;
    let matching = flat.matching;
    let i = text.length;
    this.work.steps += i + 1;
    this.steps += i + 1;
    while (i > 0) {
      const rune = codePointBefore(text, i);
      const step = rune > 0xffff ? 2 : 1;
      const cls = rune <= 0xff ? latin1[rune]! : flat.dfa.runeClass(rune);
      let next = table[state * width + cls]!;
      if (next < 0) {
        next = flat.miss(state, cls, rune, text.length - i, search);
        if (next < 0) return null;
        table = flat.table;
        matching = flat.matching;
      }
      state = next;
      // Matching after stepping over text[i - 1] means the reversed match ended before it:
      // a match of the pattern starts at i.
      if (matching[state] === 1) out[i] = 1;
      i -= step;
    }
    let last = table[state * width + flat.dfa.numClasses]!;
    if (last < 0) last = flat.miss(state, flat.dfa.numClasses, END_TEXT, text.length, search);
    if (last < 0) return null;
    if (flat.matching[last] === 1) out[0] = 1;
    return out;
  }

  /**
   * Where the longest match starting at `from` ends (every match from there ends at or before
   * it), or -1 when none does; Infinity when a match may still go on at `limit`; null when the
   * DFA gave up.
   */
  longestEnd(text: string, from: number, limit: number): number | null {
    const flat = this.forward;
    const prev = from > 0 ? codePointBefore(text, from) : -1;
    const first = startState(flat.dfa, prev, this.forwardStarts);
    if (first === null) return null;
    let state = flat.id(first);
    const search = { resetPos: -1 };
    const latin1 = flat.dfa.latin1Class;
    const width = flat.width;
    let table = flat.table;
    let end = -1;
    let i = from;
    try {
      while (i < limit) {
        // A whole surrogate pair as one code point; a lone surrogate as itself (as re2js reads).
        const rune = text.codePointAt(i)!;
        const step = rune > 0xffff ? 2 : 1;
        const cls = rune <= 0xff ? latin1[rune]! : flat.dfa.runeClass(rune);
        let next = table[state * width + cls]!;
        if (next < 0) {
          next = flat.miss(state, cls, rune, i - from, search);
          if (next < 0) return null;
          table = flat.table;
        }
        state = next;
        if (flat.matching[state] === 1) end = i;
        if (flat.dead[state] === 1) return end;
        i += step;
      }
      if (i < text.length) return Infinity; // still alive at the limit: unknown
      let last = table[state * width + flat.dfa.numClasses]!;
      if (last < 0) last = flat.miss(state, flat.dfa.numClasses, END_TEXT, i - from, search);
      if (last < 0) return null;
      return flat.matching[last] === 1 ? i : end;
    } finally {
      this.work.steps += i - from + 1;
      this.steps += i - from + 1;
    }
  }
}

/** The code point that ends just before `i` (a surrogate pair as one; a lone half as itself). */
function codePointBefore(text: string, i: number): number {
  const low = text.charCodeAt(i - 1);
  if (low >= 0xdc00 && low <= 0xdfff && i >= 2) {
    const high = text.charCodeAt(i - 2);
    if (high >= 0xd800 && high <= 0xdbff) return 0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00);
  }
  return low;
}
