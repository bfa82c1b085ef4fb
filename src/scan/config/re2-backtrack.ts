// The groups of a match whose span is known, by bounded backtracking (RE2's "BitState"):
// a depth-first walk of re2js' compiled program in priority order, which therefore meets
// the leftmost-first match first, and which visits each (instruction, offset) pair at most
// once — a pair already tried leads where it led before — so its work is bounded by the
// program's size times the span's length: linear in the span, whatever the pattern.
//
// re2js runs its own backtracker only for programs of at most 500 instructions, and gitleaks'
// generic rule compiles to more (counted repetitions are unrolled); on a span of a hundred
// characters its NFA then copies capture arrays for every thread at every character. Here the
// bound is on the bitmap's size instead: instructions times span.
import type { RE2JS } from 're2js';

/** re2js' `Inst` opcodes. */
const ALT = 1;
const ALT_MATCH = 2;
const CAPTURE = 3;
const EMPTY_WIDTH = 4;
const FAIL = 5;
const MATCH = 6;
const NOP = 7;
/** RUNE, RUNE1 (9) and RUNE_ANY take one character each; RUNE1 is RUNE with one rune. */
const RUNE = 8;
const RUNE_ANY = 10;
const RUNE_ANY_NOT_NL = 11;
/** re2js' `Utils.EMPTY_*` bits. */
const BEGIN_LINE = 1;
const END_LINE = 2;
const BEGIN_TEXT = 4;
const END_TEXT = 8;
const WORD_BOUNDARY = 16;
const NO_WORD_BOUNDARY = 32;

/** Largest bitmap (instructions × offsets) walked; longer spans go to re2js. */
const MAX_VISITED = 1 << 20;

interface Inst {
  readonly op: number;
  readonly out: number;
  readonly arg: number;
  matchRune(rune: number): boolean;
}

interface Prog {
  readonly start: number;
  numInst(): number;
  getInst(pc: number): Inst;
}

/** The program re2js compiled, or null when its build does not look as expected. */
export function programOf(compiled: RE2JS): Prog | null {
  const prog = (compiled.re2() as unknown as { prog?: Prog }).prog;
  if (!prog || typeof prog.getInst !== 'function' || typeof prog.numInst !== 'function')
    return null;
  for (let pc = 0; pc < prog.numInst(); pc++) {
    const op = prog.getInst(pc).op;
    if (op < ALT || op > RUNE_ANY_NOT_NL) return null; // lookbehind or an unknown opcode
  }
  return prog;
}

function isWord(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f
  );
}

/** The code point before `pos`, or -1 at the start. */
function before(text: string, pos: number): number {
  if (pos === 0) return -1;
  const low = text.charCodeAt(pos - 1);
  if (low >= 0xdc00 && low <= 0xdfff && pos >= 2) {
    const high = text.charCodeAt(pos - 2);
    if (high >= 0xd800 && high <= 0xdbff) return 0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00);
  }
  return low;
}

/** The code point at `pos`, or -1 at `end` (its width: 2 when above U+FFFF, else 1). */
function at(text: string, pos: number, end: number): number {
  if (pos >= end) return -1;
  const high = text.charCodeAt(pos);
  if (high >= 0xd800 && high <= 0xdbff && pos + 1 < end) {
    const low = text.charCodeAt(pos + 1);
    if (low >= 0xdc00 && low <= 0xdfff) return 0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00);
  }
  return high;
}

/** Which assertions hold at `pos` of text[0, end) (re2js' `Utils.emptyOpContext`). */
function context(text: string, pos: number, end: number): number {
  const r1 = before(text, pos);
  const r2 = at(text, pos, end);
  let op = 0;
  if (r1 < 0) op |= BEGIN_TEXT | BEGIN_LINE;
  else if (r1 === 0x0a) op |= BEGIN_LINE;
  if (r2 < 0) op |= END_TEXT | END_LINE;
  else if (r2 === 0x0a) op |= END_LINE;
  op |= isWord(r1) !== isWord(r2) ? WORD_BOUNDARY : NO_WORD_BOUNDARY;
  return op;
}

/** Job kinds on the stack. */
const EXPLORE = 0;
const SECOND_BRANCH = 1;
const RESTORE = 2;

/** The bitmap and the job stack, kept between calls (a scan makes tens of thousands). */
let visitedBuffer = new Uint32Array(1024);
/** Jobs of three ints: kind, instruction (or capture slot), offset (or earlier value). */
let jobs = new Int32Array(3 * 256);

/**
 * The leftmost-first match of `prog` anchored at `start` of text[0, end) (what lies before
 * `start` is context for `\b` and `^`), as `ncap` capture offsets (pairs: group 0 first, -1
 * where a group took no part); null when there is none. Undefined when the span is too long
 * for the bitmap (the caller asks re2js instead).
 */
export function backtrack(
  prog: Prog,
  text: string,
  start: number,
  end: number,
  ncap: number,
): number[] | null | undefined {
  const insts = prog.numInst();
  const width = end - start + 1;
  if (insts * width > MAX_VISITED) return undefined;
  const words = (insts * width + 31) >>> 5;
  if (visitedBuffer.length < words) visitedBuffer = new Uint32Array(words);
  else visitedBuffer.fill(0, 0, words);
  const visited = visitedBuffer;
  const cap = new Array<number>(ncap).fill(-1);
  cap[0] = start;
  let top = 0;
  const push = (kind: number, pc: number, pos: number): void => {
    if (top + 3 > jobs.length) {
      const grown = new Int32Array(jobs.length * 2);
      grown.set(jobs);
      jobs = grown;
    }
    jobs[top] = kind;
    jobs[top + 1] = pc;
    jobs[top + 2] = pos;
    top += 3;
  };
  push(EXPLORE, prog.start, start);
  while (top > 0) {
    top -= 3;
    const kind = jobs[top]!;
    let pc = jobs[top + 1]!;
    let pos = jobs[top + 2]!;
    if (kind === RESTORE) {
      cap[pc] = pos; // pc holds the capture slot, pos its earlier value
      continue;
    }
    if (kind === SECOND_BRANCH) pc = prog.getInst(pc).arg;
    for (;;) {
      const bit = pc * width + pos - start;
      const word = bit >>> 5;
      const mask = 1 << (bit & 31);
      if ((visited[word]! & mask) !== 0) break;
      visited[word] = visited[word]! | mask;
      const inst = prog.getInst(pc);
      const op = inst.op;
      if (op === ALT || op === ALT_MATCH) {
        // The first branch has priority; the second waits on the stack.
        push(SECOND_BRANCH, pc, pos);
        pc = inst.out;
        continue;
      }
      if (op >= RUNE) {
        const rune = at(text, pos, end);
        if (rune < 0) break;
        if (op === RUNE_ANY_NOT_NL ? rune === 0x0a : op !== RUNE_ANY && !inst.matchRune(rune))
          break;
        pos += rune > 0xffff ? 2 : 1;
        pc = inst.out;
        continue;
      }
      if (op === CAPTURE) {
        if (inst.arg < ncap) {
          push(RESTORE, inst.arg, cap[inst.arg]!);
          cap[inst.arg] = pos;
        }
        pc = inst.out;
        continue;
      }
      if (op === EMPTY_WIDTH) {
        if ((inst.arg & ~context(text, pos, end)) !== 0) break;
        pc = inst.out;
        continue;
      }
      if (op === NOP) {
        pc = inst.out;
        continue;
      }
      if (op === MATCH) {
        if (ncap > 1) cap[1] = pos;
        return cap;
      }
      if (op === FAIL) break;
      break;
    }
  }
  return null;
}
