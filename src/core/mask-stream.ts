// Masking of a child process's output stream, for `oidc-secrets run`: every occurrence of
// every mask becomes `***`, as the runner does to a job log, including an occurrence split
// across two chunks.
//
// - Bytes, not strings: masks are UTF-8 encoded once and matched on the raw stream, so a
//   chunk boundary inside a multi-byte character needs no care (UTF-8 is self-synchronising:
//   an encoded string can only match at character boundaries), and output that is not
//   UTF-8 passes through untouched.
// - One pass for all masks: an Aho-Corasick automaton (aho-corasick.ts) compiled to a dense
//   transition table over byte classes (bytes that occur in no mask share one class), so
//   each input byte costs one table lookup whatever the number of masks.
// - Overlapping or touching occurrences merge into one `***`, as the runner's masker merges
//   its replacements; the result does not depend on how the stream is chunked.
// - Hold-back is minimal: only the bytes that may still begin an occurrence (the
//   automaton's current depth, < the longest mask) wait for the next chunk. Nothing is
//   released on a timer: a child writing a secret slowly must not get it past the masker.
import { Transform, type TransformCallback } from 'node:stream';
import { buildAhoCorasick } from './aho-corasick.js';

export const MASK_REPLACEMENT = '***';
const REPLACEMENT = Buffer.from(MASK_REPLACEMENT);
const MATCH_FLAG = 0x80000000 | 0;
const OFFSET_BITS = 0x7fffffff;

/** The compiled automaton; immutable and shareable between streams. */
export class MaskAutomaton {
  /** byte → class; class 0 is every byte that occurs in no mask. */
  readonly classes: Uint8Array;
  readonly classCount: number;
  /** (state offset + class) → next state offset, sign bit set when that state ends a mask. */
  readonly delta: Int32Array;
  /** per state: length of the longest mask ending here (0: none). */
  readonly matchLength: Int32Array;
  /** per state: its depth in the trie, i.e. how many trailing bytes may still start a mask. */
  readonly depth: Int32Array;
  readonly maskCount: number;
  readonly longestMask: number;

  constructor(masks: Iterable<string>) {
    const patterns = [...new Set([...masks].filter((m) => m.length > 0))].map((m) =>
      Buffer.from(m, 'utf8'),
    );
    this.maskCount = patterns.length;
    this.longestMask = patterns.reduce((max, p) => Math.max(max, p.length), 0);

    const classes = new Uint8Array(256);
    let classCount = 1;
    for (const pattern of patterns) {
      for (const byte of pattern) if (classes[byte] === 0) classes[byte] = classCount++;
    }
    this.classes = classes;
    this.classCount = classCount;

    // Entries are premultiplied state offsets (aho-corasick.ts), with the sign bit set when
    // the target state ends a mask. A state also ends every mask its failure state ends, so
    // it inherits the longer match length (failure states come first in `order`).
    const { delta, depth, ends, fail, order, stateCount } = buildAhoCorasick(patterns, classCount, {
      classOf: classes,
      outputFlag: MATCH_FLAG,
    });
    const matchLength = new Int32Array(stateCount);
    for (const state of order) {
      const own = ends[state]! >= 0 ? depth[state]! : 0;
      const inherited = matchLength[fail[state]!]!;
      matchLength[state] = own > inherited ? own : inherited;
    }
    this.delta = delta;
    this.matchLength = matchLength;
    this.depth = depth;
  }
}

/**
 * The streaming masker: feed chunks in order, take the masked bytes out. `push` returns
 * what can be released now; `end` releases the rest.
 */
export class StreamMasker {
  private state = 0; // state offset in the automaton's table
  private scanned = 0; // stream offset of the next input byte
  private released = 0; // stream offset up to which output has been decided
  private held: Buffer = Buffer.alloc(0); // input bytes [released, scanned)
  // Pending occurrences, merged, as flat [start, end] pairs (end inclusive), ordered.
  private spans: number[] = [];
  // The first pending span already wrote its `***` (it started before `released`).
  private headWritten = false;

  constructor(readonly automaton: MaskAutomaton) {}

  push(chunk: Buffer): Buffer[] {
    if (chunk.length === 0) return [];
    const { delta, classes, classCount, matchLength } = this.automaton;
    let state = this.state;
    const base = this.scanned;
    for (let i = 0; i < chunk.length; i++) {
      const next = delta[state + classes[chunk[i]!]!]!;
      if (next < 0) {
        state = next & OFFSET_BITS;
        const end = base + i;
        this.addSpan(end - matchLength[state / classCount]! + 1, end);
      } else {
        state = next;
      }
    }
    this.state = state;
    this.scanned += chunk.length;
    const work = this.held.length === 0 ? chunk : Buffer.concat([this.held, chunk]);
    const frontier = this.scanned - this.automaton.depth[state / classCount]!;
    return this.release(work, frontier, false);
  }

  end(): Buffer[] {
    const out = this.release(this.held, this.scanned, true);
    this.state = 0;
    return out;
  }

  private addSpan(start: number, end: number): void {
    // Occurrences arrive in order of their end, but a longer one may start before a
    // shorter one already recorded: swallow every span it overlaps or touches.
    const spans = this.spans;
    let from = start;
    while (spans.length > 0 && spans[spans.length - 1]! >= from - 1) {
      from = Math.min(from, spans[spans.length - 2]!);
      spans.length -= 2;
    }
    spans.push(from, end);
  }

  /**
   * Releases input up to `frontier` (no future occurrence can start before it). `work`
   * holds input bytes from `released` on. A span reaching up to the frontier may still
   * grow: its `***` is written once, now, and the rest of it is swallowed as it comes.
   */
  private release(work: Buffer, frontier: number, final: boolean): Buffer[] {
    const out: Buffer[] = [];
    const origin = this.released;
    let cursor = origin;
    const spans = this.spans;
    let consumed = 0;
    while (consumed < spans.length && spans[consumed]! < frontier) {
      const start = spans[consumed]!;
      const end = spans[consumed + 1]!;
      if (start > cursor) out.push(work.subarray(cursor - origin, start - origin));
      if (!this.headWritten) out.push(REPLACEMENT);
      if (final || end + 1 < frontier) {
        cursor = end + 1;
        this.headWritten = false;
        consumed += 2;
      } else {
        cursor = frontier;
        this.headWritten = true;
        break;
      }
    }
    if (consumed > 0) spans.splice(0, consumed);
    if (cursor < frontier) {
      out.push(work.subarray(cursor - origin, frontier - origin));
      cursor = frontier;
    }
    // Copy the short held tail so the big chunk it came from can be collected.
    this.held = Buffer.from(work.subarray(cursor - origin));
    this.released = cursor;
    return out;
  }
}

/** A Transform that masks every occurrence of `masks` in the bytes piped through it. */
export function createMaskingStream(masks: Iterable<string> | MaskAutomaton): Transform {
  const automaton = masks instanceof MaskAutomaton ? masks : new MaskAutomaton(masks);
  if (automaton.maskCount === 0) {
    return new Transform({
      transform(chunk: Buffer, _encoding, callback: TransformCallback) {
        callback(null, chunk);
      },
    });
  }
  const masker = new StreamMasker(automaton);
  const emit = (stream: Transform, pieces: Buffer[]): void => {
    if (pieces.length === 1) stream.push(pieces[0]);
    else if (pieces.length > 1) stream.push(Buffer.concat(pieces));
  };
  return new Transform({
    transform(chunk: Buffer | string, _encoding, callback: TransformCallback) {
      emit(this, masker.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
      callback();
    },
    flush(callback: TransformCallback) {
      emit(this, masker.end());
      callback();
    },
  });
}

/** Masks a whole string at once (same rules as the stream). */
export function maskText(text: string, masks: Iterable<string> | MaskAutomaton): string {
  const automaton = masks instanceof MaskAutomaton ? masks : new MaskAutomaton(masks);
  const masker = new StreamMasker(automaton);
  return Buffer.concat([...masker.push(Buffer.from(text)), ...masker.end()]).toString('utf8');
}
