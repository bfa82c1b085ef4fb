// The keyword prefilter: one pass over the text finds every occurrence of every rule's
// keywords (case-insensitively), so that a rule's regex only ever runs next to one of its
// keywords. It is an Aho-Corasick automaton (src/core/aho-corasick.ts, shared with the
// output masker) compiled into a dense DFA: one table load per character, no backtracking,
// no allocation per character. States are stored pre-multiplied by the alphabet width and
// numbered so that every state that ends a keyword comes after all those that don't: "did a
// keyword end here?" is a single comparison. Large ASCII
// inputs (files as read from disk) go through the same automaton compiled to WebAssembly
// with four interleaved walks (dfa-wasm.ts).
import { isAscii } from 'node:buffer';
import { buildAhoCorasick } from '../../core/aho-corasick.js';
import { WasmDfa } from './dfa-wasm.js';

/** Below this size the WebAssembly call and copy cost more than they save. */
const WASM_MIN_BYTES = 1024;

export interface KeywordHits {
  /** Offsets (in the text) just past the end of each occurrence, in text order. */
  ends: Int32Array;
  /** For each occurrence, the id of the DFA state it ended in (see `keywordsOf`). */
  states: Int32Array;
  count: number;
}

export class KeywordMatcher {
  readonly keywords: readonly string[];
  /** Character code (< 128, and the Latin-1 range) → alphabet class; 0 is "in no keyword". */
  private readonly classOf: Uint8Array;
  /** Non-Latin-1 characters used by keywords → alphabet class. */
  private readonly wideClassOf: Map<number, number>;
  private readonly width: number;
  /** delta[state + class] = next state (states are pre-multiplied by width). */
  private readonly delta: Int32Array;
  /** First (pre-multiplied) state that ends at least one keyword. */
  private readonly firstOutput: number;
  /** Pre-multiplied state → indexes into `keywords` that end there. */
  private readonly outputs: Map<number, number[]>;
  private ends = new Int32Array(256);
  private states = new Int32Array(256);
  /** Longest keyword - 1: how far a walk must start before its part of the input. */
  private readonly lead: number;
  private wasm: WasmDfa | null | undefined;

  constructor(keywords: Iterable<string>) {
    const list = [
      ...new Set([...keywords].map((k) => k.toLowerCase()).filter((k) => k.length > 0)),
    ];
    this.keywords = list;

    // Alphabet: the characters keywords use, folded to lower case.
    const chars = [...new Set(list.join(''))];
    this.classOf = new Uint8Array(256);
    this.wideClassOf = new Map();
    if (chars.length > 254) throw new Error('keyword alphabet too large');
    chars.forEach((ch, index) => {
      for (const variant of new Set([ch, ch.toUpperCase()])) {
        if (variant.length !== 1) continue;
        const code = variant.charCodeAt(0);
        if (code < 256) this.classOf[code] = index + 1;
        else this.wideClassOf.set(code, index + 1);
      }
    });
    const width = chars.length + 1;
    this.width = width;
    this.lead = Math.max(0, ...list.map((k) => k.length)) - 1;

    // The automaton (src/core/aho-corasick.ts); a state ends every keyword its failure
    // state ends, which comes first in breadth-first order.
    const automaton = buildAhoCorasick(
      list.map((keyword) => [...keyword].map((ch) => chars.indexOf(ch) + 1)),
      width,
    );
    const { delta: next, ends, fail, order: breadthFirst, stateCount: count } = automaton;
    const output: number[][] = Array.from({ length: count }, (_, state) =>
      ends[state]! >= 0 ? [ends[state]!] : [],
    );
    for (const state of breadthFirst) output[state] = [...output[state]!, ...output[fail[state]!]!];

    // Renumber: states without output first (the root stays 0), then states with output.
    const order = [...Array(count).keys()].sort((a, b) => {
      const oa = output[a]!.length > 0 ? 1 : 0;
      const ob = output[b]!.length > 0 ? 1 : 0;
      return oa - ob || a - b;
    });
    const renumber = new Int32Array(count);
    order.forEach((old, index) => (renumber[old] = index));
    const firstOutputIndex = order.findIndex((s) => output[s]!.length > 0);
    this.firstOutput = (firstOutputIndex === -1 ? count : firstOutputIndex) * width;
    this.delta = new Int32Array(count * width);
    this.outputs = new Map();
    for (let old = 0; old < count; old++) {
      const base = renumber[old]! * width;
      for (let cls = 0; cls < width; cls++)
        this.delta[base + cls] = renumber[next[old * width + cls]! / width]! * width;
      if (output[old]!.length > 0) this.outputs.set(base, output[old]!);
    }
  }

  /** Keyword indexes that end in a state reported by `scan`. */
  keywordsOf(state: number): readonly number[] {
    return this.outputs.get(state) ?? [];
  }

  /** Number of states that end a keyword; `slotOf` numbers them 0… densely. */
  get outputSlots(): number {
    return this.delta.length / this.width - this.firstOutput / this.width;
  }

  slotOf(state: number): number {
    return (state - this.firstOutput) / this.width;
  }

  stateOfSlot(slot: number): number {
    return this.firstOutput + slot * this.width;
  }

  /**
   * Finds all keyword occurrences. The returned arrays are reused by the next call: copy
   * what you keep.
   */
  scan(text: string): KeywordHits {
    const { delta, classOf, firstOutput } = this;
    const wide = this.wideClassOf.size > 0 ? this.wideClassOf : null;
    let count = 0;
    let state = 0;
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const code = text.charCodeAt(i);
      const cls = code < 256 ? classOf[code]! : wide === null ? 0 : (wide.get(foldWide(code)) ?? 0);
      state = delta[state + cls]!;
      if (state >= firstOutput) {
        if (count === this.ends.length) this.grow();
        this.ends[count] = i + 1;
        this.states[count] = state;
        count++;
      }
    }
    return { ends: this.ends, states: this.states, count };
  }

  /**
   * Like `scan`, over bytes that are the text when they are pure ASCII (byte offsets are then
   * string offsets); null when they are not. Large inputs take the WebAssembly walk, which
   * tells as it goes; small ones (and all, if it is unavailable) the JavaScript one.
   */
  scanBytes(bytes: Uint8Array): KeywordHits | null {
    if (bytes.length >= WASM_MIN_BYTES && this.keywords.length > 0) {
      if (this.wasm === undefined) {
        try {
          this.wasm = new WasmDfa(
            this.delta,
            this.classOf,
            this.width,
            this.firstOutput,
            this.lead,
          );
        } catch {
          this.wasm = null; // too large an automaton, or no ASCII byte outside every keyword
        }
      }
      const count = this.wasm?.scan(bytes);
      if (typeof count === 'number') {
        while (this.ends.length < count) this.grow();
        return this.wasm!.copyHits(this.ends, this.states)
          ? { ends: this.ends, states: this.states, count }
          : null;
      }
    }
    return isAscii(bytes) ? this.walkBytes(bytes) : null;
  }

  /** The JavaScript walk over bytes. */
  private walkBytes(bytes: Uint8Array): KeywordHits {
    const { delta, classOf, firstOutput } = this;
    let state = 0;
    let count = 0;
    const n = bytes.length;
    for (let i = 0; i < n; i++) {
      state = delta[state + classOf[bytes[i]!]!]!;
      if (state >= firstOutput) {
        if (count === this.ends.length) this.grow();
        this.ends[count] = i + 1;
        this.states[count] = state;
        count++;
      }
    }
    return { ends: this.ends, states: this.states, count };
  }

  private grow(): void {
    const ends = new Int32Array(this.ends.length * 2);
    ends.set(this.ends);
    const states = new Int32Array(this.states.length * 2);
    states.set(this.states);
    this.ends = ends;
    this.states = states;
  }
}

function foldWide(code: number): number {
  const lower = String.fromCharCode(code).toLowerCase();
  return lower.length === 1 ? lower.charCodeAt(0) : code;
}
