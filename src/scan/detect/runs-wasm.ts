// Where in a file's bytes the decode pass (decode.ts) can find anything: the stretches
// between two "neutral" bytes (neither a base64 character, nor `%`, nor `=`) that hold a run
// of at least 16 base64 characters or a `%`. Outside them the pass's walk finds no encoded
// run, and every neutral byte is a place where that walk starts afresh, so walking only
// these stretches finds exactly what walking the whole text finds. One WebAssembly loop over
// the bytes (the module assembled with dfa-wasm.ts's opcodes) finds them; the JavaScript
// walk then looks at about a fifth of the bench tree's text instead of all of it. A narrower
// test (only runs whose first character can begin a decodable run: a tenth of the text) was
// measured too: the loop's extra work cost what the shorter walk saved.
//
// Why it stays (issue 15: `oidc-secrets scan` at >= 100 MiB/s end to end; the numbers are in
// the commit that added it): the walk over every character was the largest single item of
// the scan's profile after the detector's own regexes (~150 ms of ~1.1 s for 20 MiB). The
// cost: this file and a second statement of which bytes the walk treats alike, which
// decode.test.ts checks against the walk over the whole text.
import { op, oneFunctionModule, vec, Wasm, type WasmMemory } from './dfa-wasm.js';

/** Run length from which base64 is decoded (decode.ts: gitleaks' `[\w/+-]{16,}`). */
const MIN_RUN = 16;
/** The byte → kind table: 0 neutral, 1 base64 character, 2 `%`, 3 `=`. */
const KIND_BASE = 0;
const INPUT_BASE = 256;

const more = { eqz: [0x45], eq: [0x46], select: [0x1b] };

/** `segments(input, n, out, limit) → pairs | -1`: (start, end) pairs of stretches at `out`. */
function assemble(): Uint8Array {
  const [INPUT, N, OUT, LIMIT, I, KIND, START, RUN, HOT, O] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const emit = (end: number[]): number[] => [
    // out[o] = start, out[o + 4] = end; o += 8; a full table means "walk it all" (-1).
    ...op.get(O),
    ...op.get(START),
    ...op.store32(0),
    ...op.get(O),
    ...end,
    ...op.store32(4),
    ...op.get(O),
    ...op.const(8),
    ...op.add,
    ...op.tee(O),
    ...op.get(LIMIT),
    ...op.geU,
    ...op.if,
    ...op.const(-1),
    ...op.return,
    ...op.end,
  ];
  // The loop has one branch, taken only where a kept stretch ends; the rest is selects.
  const code: number[] = [
    ...vec([[6, 0x7f]]),
    ...op.get(OUT),
    ...op.set(O),
    ...op.block,
    ...op.loop,
    ...op.get(I),
    ...op.get(N),
    ...op.geU,
    ...op.brIf(1),
    // kind = table[input[i]]
    ...op.get(INPUT),
    ...op.get(I),
    ...op.add,
    ...op.load8(0),
    ...op.load8(KIND_BASE),
    ...op.set(KIND),
    // A neutral byte ends a stretch: kept when something in it may decode.
    ...op.get(HOT),
    ...op.get(KIND),
    ...more.eqz,
    ...op.and,
    ...op.if,
    ...emit(op.get(I)),
    ...op.const(0),
    ...op.set(HOT),
    ...op.end,
    // start = neutral ? i + 1 : start
    ...op.get(I),
    ...op.const(1),
    ...op.add,
    ...op.get(START),
    ...op.get(KIND),
    ...more.eqz,
    ...more.select,
    ...op.set(START),
    // run = kind == 1 ? run + 1 : 0 (a `%`, `=` or neutral byte ends a run)
    ...op.get(RUN),
    ...op.const(1),
    ...op.add,
    ...op.const(0),
    ...op.get(KIND),
    ...op.const(1),
    ...more.eq,
    ...more.select,
    ...op.tee(RUN),
    // hot |= run >= 16 | kind == 2 (a `%` may start a percent-encoded run)
    ...op.const(MIN_RUN),
    ...op.geU,
    ...op.get(KIND),
    ...op.const(2),
    ...more.eq,
    ...op.or,
    ...op.get(HOT),
    ...op.or,
    ...op.set(HOT),
    ...op.get(I),
    ...op.const(1),
    ...op.add,
    ...op.set(I),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.get(HOT),
    ...op.if,
    ...emit(op.get(N)),
    ...op.end,
    // pairs = (o - out) / 8
    ...op.get(O),
    ...op.get(OUT),
    ...op.sub,
    ...op.const(3),
    ...op.shrU,
    ...op.end,
  ];
  return oneFunctionModule('segments', 4, 1, code);
}

/** Stretches per call at most; a text with more is walked whole (no table grows without end). */
const MAX_PAIRS = 1 << 16;

let instance:
  | {
      memory: WasmMemory;
      segments: (input: number, n: number, out: number, limit: number) => number;
    }
  | undefined;

/** The kind of each ASCII byte, as decode.ts's walk tells them apart. */
function kindOf(byte: number): number {
  if (byte === 0x25) return 2;
  if (byte === 0x3d) return 3;
  return byte < 0x80 && /[\w/+-]/.test(String.fromCharCode(byte)) ? 1 : 0;
}

/**
 * The stretches of pure-ASCII `bytes` where decode.ts's walk can find an encoded run, as
 * (start, end) pairs in order; null when there are too many to list (walk it all then).
 */
export function decodeCandidates(bytes: Uint8Array): Int32Array | null {
  if (instance === undefined) {
    const made = new Wasm.Instance(new Wasm.Module(assemble()), {});
    instance = {
      memory: made.exports.memory as WasmMemory,
      segments: made.exports.segments as NonNullable<typeof instance>['segments'],
    };
    const table = new Uint8Array(instance.memory.buffer);
    for (let byte = 0; byte < 256; byte++) table[KIND_BASE + byte] = kindOf(byte);
  }
  const { memory, segments } = instance;
  const n = bytes.length;
  const out = (INPUT_BASE + n + 7) & ~7;
  const need = out + MAX_PAIRS * 8;
  if (need > memory.buffer.byteLength)
    memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
  new Uint8Array(memory.buffer).set(bytes, INPUT_BASE);
  const pairs = segments(INPUT_BASE, n, out, out + MAX_PAIRS * 8);
  if (pairs < 0) return null;
  return new Int32Array(memory.buffer, out, pairs * 2).slice();
}
