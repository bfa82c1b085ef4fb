// The keyword DFA as a small WebAssembly function that walks four parts of the input at
// once. A DFA is bound by memory latency: each step's table load waits for the previous
// step's state. Four independent walks in one loop keep four loads in flight, which runs the
// same automaton about 2.8 times faster than one walk in JavaScript (measured: ~1.35 GB/s
// against ~0.45 GB/s on the bench corpus). The module is assembled here from opcodes — a
// few hundred bytes, no toolchain, no binary blob in the repository.
//
// Why it stays (issue 12: each performance trick must show a target needs it). The target:
// the scanner's engine at >= 10x secretlint's throughput (`npm run bench:scan`). Measured on
// the 56 MB corpus, 3 runs, on a machine shared with four other builds (so compare the
// ratios, which set both tools side by side in one run, not the MB/s across runs): with this
// walk the engine ran at 6.2x secretlint (124.6 against 20.3 MB/s); with the JavaScript walk
// only (keywords.ts WASM_MIN_BYTES = Infinity) at 4.3x (41.8 against 9.7 MB/s). The target
// is missed either way since the linear-time regex work (re2js) landed, and this walk is
// ~45 % of what the engine keeps toward it. The cost: this file (~380 lines, an assembler
// and the walk's opcodes), and a second implementation of the walk, which keywords.test.ts
// checks against a naive search.
//
// A step is `state = table[state + class[byte]]`, one add and one load: states are byte
// offsets of table rows and classes byte offsets within a row. A state that ends a keyword
// is stored with a flag bit added (its row copied to that address), so the loop does four
// steps of every walk without a branch and tests the OR of their states once; only a round
// in which a keyword ended (a few in a hundred) is replayed step by step to record where.
// That took the pass from ~46 to ~41 ms on the bench corpus.
//
// Memory layout (one instance per keyword matcher):
//   [0, 16)            hit counts of the four walks, written on return
//   [16, 32)           each walk's state at the start of the current round
//   [64, 320)          byte → alphabet class (times 4 when that fits a byte); >= 0x80: the
//                      class of non-ASCII bytes
//   [TABLE, …)         transition table: i32 entries, 2 × flag bytes
//   [input, …)         `lead` pad bytes, the input, pad bytes up to a whole round
//   [hits, …)          four regions of (end offset, state) i32 pairs
//
// Walk j covers input offsets [j*q - lead, (j+1)*q): it starts `lead` bytes early (from the
// root state) so that a keyword crossing into its part is seen whole, and reports only from
// its own first offset on. The leading pad gives walk 0 the same shape. Pad bytes are a
// byte in no keyword: no keyword occurrence can include one.

const ROUND_STATES = 16;
const CLASS_BASE = 64;
const TABLE_BASE = 1024;

// --- a tiny assembler -----------------------------------------------------------------------

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
export const section = (id: number, body: number[]): number[] => [
  id,
  ...uleb(body.length),
  ...body,
];
export const name = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s, 'utf8')];

/**
 * A module of one exported function, `exported(i32 × params) → i32` with body `code`
 * (locals and instructions), and its memory (`pages` of 64 KiB) exported as `memory`.
 */
export function oneFunctionModule(
  exported: string,
  params: number,
  pages: number,
  code: number[],
): Uint8Array {
  const i32 = 0x7f;
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(
      1,
      vec([[0x60, ...vec(Array.from({ length: params }, () => [i32])), ...vec([[i32]])]]),
    ),
    ...section(3, vec([[0]])),
    ...section(5, vec([[0x00, ...uleb(pages)]])),
    ...section(
      7,
      vec([
        [...name(exported), 0x00, 0],
        [...name('memory'), 0x02, 0],
      ]),
    ),
    ...section(10, vec([[...uleb(code.length), ...code]])),
  ]);
}

export const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, depth],
  brIf: (depth: number) => [0x0d, depth],
  return: [0x0f],
  get: (local: number) => [0x20, local],
  set: (local: number) => [0x21, local],
  tee: (local: number) => [0x22, local],
  const: (n: number) => [0x41, ...sleb(n)],
  add: [0x6a],
  sub: [0x6b],
  mul: [0x6c],
  shl: [0x74],
  shrU: [0x76],
  and: [0x71],
  or: [0x72],
  geU: [0x4f],
  load8: (offset: number) => [0x2d, 0, ...uleb(offset)],
  load16: (offset: number) => [0x2f, 1, ...uleb(offset)],
  load32: (offset: number) => [0x28, 2, ...uleb(offset)],
  store32: (offset: number) => [0x36, 2, ...uleb(offset)],
};

/**
 * `scan4(q, lead, flag, input, hits, cap) → 0 | -1`: four walks of q + lead steps;
 * -1 when a walk's hit region (cap bytes) filled up.
 */
function assemble(classScaled: boolean): Uint8Array {
  const [Q, LEAD, FLAG, INPUT, HITS, CAP] = [0, 1, 2, 3, 4, 5];
  const K = 6;
  const P = (j: number) => 7 + j; // walk start pointer
  const S = (j: number) => 7 + WALKS + j; // walk state
  const H = (j: number) => 7 + 2 * WALKS + j; // next hit slot
  const LIM = (j: number) => 7 + 3 * WALKS + j; // end of hit region
  const LEN = 7 + 4 * WALKS;
  const ACC = 8 + 4 * WALKS; // OR of the states of this round
  const locals = 3 + 4 * WALKS;
  const savedState = (j: number) => ROUND_STATES + 4 * j;

  // state = table[state + class[input[p_j + k + step]]]: states are byte offsets of rows,
  // classes byte offsets within a row, so the step is one add and one load.
  const stepOf = (j: number, step: number): number[] => [
    ...op.get(S(j)),
    ...op.get(P(j)),
    ...op.get(K),
    ...op.add,
    ...op.load8(step),
    ...op.load8(CLASS_BASE),
    ...(classScaled ? [] : [...op.const(2), ...op.shl]),
    ...op.add,
    ...op.load32(TABLE_BASE),
  ];

  const code: number[] = [...vec([[locals, 0x7f]])];
  for (let j = 0; j < WALKS; j++) {
    code.push(
      ...op.get(INPUT),
      ...op.get(Q),
      ...op.const(j),
      ...op.mul,
      ...op.add,
      ...op.set(P(j)),
    );
    code.push(
      ...op.get(HITS),
      ...op.get(CAP),
      ...op.const(j),
      ...op.mul,
      ...op.add,
      ...op.tee(H(j)),
    );
    code.push(...op.get(CAP), ...op.add, ...op.set(LIM(j)));
  }
  code.push(...op.get(Q), ...op.get(LEAD), ...op.add, ...op.set(LEN));
  code.push(...op.block, ...op.loop);
  code.push(...op.get(K), ...op.get(LEN), ...op.geU, ...op.brIf(1));
  // Saved to memory, not locals: more live locals than registers spill anyway.
  for (let j = 0; j < WALKS; j++)
    code.push(...op.const(savedState(j)), ...op.get(S(j)), ...op.store32(0));
  // The round: UNROLL steps of each walk, no branch; one test of the OR of the states.
  for (let step = 0; step < UNROLL; step++) {
    for (let j = 0; j < WALKS; j++) {
      code.push(...stepOf(j, step), ...op.tee(S(j)));
      if (step > 0 || j > 0) code.push(...op.get(ACC), ...op.or);
      code.push(...op.set(ACC));
    }
  }
  code.push(...op.get(ACC), ...op.get(FLAG), ...op.and, ...op.if);
  // A keyword ended in this round: replay it step by step, recording each walk's hits.
  for (let j = 0; j < WALKS; j++) {
    code.push(...op.const(savedState(j)), ...op.load32(0), ...op.set(S(j)));
    for (let step = 0; step < UNROLL; step++) {
      code.push(...stepOf(j, step), ...op.tee(S(j)), ...op.get(FLAG), ...op.and, ...op.if);
      // Only from the walk's own part on: k + step >= lead.
      code.push(...op.get(K), ...op.const(step), ...op.add, ...op.get(LEAD), ...op.geU, ...op.if);
      // hit: end offset in the input = j*q + k + step + 1 - lead
      code.push(...op.get(H(j)), ...op.get(Q), ...op.const(j), ...op.mul, ...op.get(K), ...op.add);
      code.push(...op.const(step + 1), ...op.add, ...op.get(LEAD), ...op.sub, ...op.store32(0));
      code.push(...op.get(H(j)), ...op.get(S(j)), ...op.store32(4));
      code.push(
        ...op.get(H(j)),
        ...op.const(8),
        ...op.add,
        ...op.tee(H(j)),
        ...op.get(LIM(j)),
        ...op.geU,
        ...op.if,
      );
      code.push(...op.const(-1), ...op.return, ...op.end);
      code.push(...op.end, ...op.end);
    }
  }
  code.push(...op.end);
  code.push(
    ...op.get(K),
    ...op.const(UNROLL),
    ...op.add,
    ...op.set(K),
    ...op.br(0),
    ...op.end,
    ...op.end,
  );
  for (let j = 0; j < WALKS; j++) {
    // counts[j] = (h_j - (hits + j*cap)) / 8
    code.push(
      ...op.const(4 * j),
      ...op.get(H(j)),
      ...op.get(HITS),
      ...op.get(CAP),
      ...op.const(j),
      ...op.mul,
    );
    code.push(...op.add, ...op.sub, ...op.const(3), ...op.shrU, ...op.store32(0));
  }
  code.push(...op.const(0), ...op.end);

  return oneFunctionModule('scan4', 6, 32, code);
}

// The compiler's lib (ES2023, Node 20 types) does not declare WebAssembly: the little we use.
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
}
export const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const modules = new Map<boolean, object>();

/** Hit regions hold this many hits per walk; more (a pathological input) means "use JS". */
const HITS_PER_WALK = 1 << 16;
/** Independent walks per loop: measured, 3, 6 or 8 are slower than 4 (8: more spills). */
const WALKS = 4;
/** Steps of each walk per round; q and lead are kept multiples of it (measured: 2 and 8 slower). */
const UNROLL = 4;

export class WasmDfa {
  private readonly memory: WasmMemory;
  private readonly scan4: (
    q: number,
    lead: number,
    flag: number,
    input: number,
    hits: number,
    cap: number,
  ) => number;
  private readonly inputBase: number;
  /** Added to a state that ends a keyword: a power of two above every state's offset. */
  private readonly flag: number;
  private bytes: Uint8Array;
  private words: Int32Array;
  /** Where the last scan's hit regions start. */
  private hitsAt = 0;
  /** An ASCII byte in no keyword (class 0). */
  private readonly padByte: number;
  private readonly width: number;
  /** Row of the state a byte >= 0x80 leads to. */
  private readonly nonAscii: number;

  /**
   * @param table transitions, states pre-multiplied by `width` (the alphabet's size);
   * @param classOf byte → class; @param firstOutput first state that ends a keyword (all
   * later ones do too); @param lead longest keyword length - 1.
   */
  constructor(
    table: Int32Array,
    classOf: Uint8Array,
    width: number,
    firstOutput: number,
    private readonly lead: number,
  ) {
    this.width = width;
    this.padByte = classOf.subarray(0, 0x80).indexOf(0);
    if (this.padByte === -1) throw new Error('every ASCII character is in a keyword');
    // One more class, for bytes >= 0x80, leads every state to one more state (flagged, so it
    // is reported like a keyword's end, and otherwise the root): how a walk says that its
    // input is not ASCII after all.
    const wide = width + 1;
    const rows = table.length / width;
    this.nonAscii = rows;
    // Here states are byte offsets (4 × the table index of their row); a state that ends a
    // keyword is stored with the flag added, and its row kept at that flagged offset.
    let flag = 4;
    while (flag < (rows + 1) * wide * 4) flag *= 2;
    this.flag = flag;
    const classScaled = wide * 4 <= 256;
    let module = modules.get(classScaled);
    if (!module) {
      module = new Wasm.Module(assemble(classScaled));
      modules.set(classScaled, module);
    }
    const instance = new Wasm.Instance(module, {});
    this.memory = instance.exports.memory as WasmMemory;
    this.scan4 = instance.exports.scan4 as WasmDfa['scan4'];
    this.inputBase = align(TABLE_BASE + 2 * flag + 64);
    this.bytes = new Uint8Array(this.memory.buffer);
    this.words = new Int32Array(this.memory.buffer);
    this.grow(this.inputBase);
    for (let byte = 0; byte < 256; byte++) {
      const cls = byte < 0x80 ? classOf[byte]! : width;
      this.bytes[CLASS_BASE + byte] = classScaled ? cls * 4 : cls;
    }
    const view = new Int32Array(this.memory.buffer, TABLE_BASE, (2 * flag) / 4);
    const stored = (row: number): number =>
      row * wide * 4 + (row * width >= firstOutput || row === rows ? flag : 0);
    for (let row = 0; row <= rows; row++) {
      const at = stored(row) / 4;
      // The non-ASCII state goes on as the root does.
      const from = row === rows ? 0 : row * width;
      for (let cls = 0; cls < width; cls++) view[at + cls] = stored(table[from + cls]! / width);
      view[at + width] = stored(rows);
    }
  }

  private grow(size: number): void {
    const have = this.memory.buffer.byteLength;
    if (size > have) {
      this.memory.grow(Math.ceil((size - have) / 65536));
      this.bytes = new Uint8Array(this.memory.buffer);
      this.words = new Int32Array(this.memory.buffer);
    }
  }

  /**
   * Walks all of `input`. Returns the number of hits (a byte >= 0x80 counts as one), to be
   * taken with `copyHits`, or null when the hit regions overflowed.
   */
  scan(input: Uint8Array): number | null {
    const n = input.length;
    const round = WALKS * UNROLL;
    const padded = Math.ceil(n / round) * round;
    const lead = Math.ceil(this.lead / UNROLL) * UNROLL;
    const hits = align(this.inputBase + lead + padded);
    const cap = HITS_PER_WALK * 8;
    this.grow(hits + WALKS * cap);
    const { bytes, inputBase, padByte } = this;
    bytes.fill(padByte, inputBase, inputBase + lead);
    bytes.set(input, inputBase + lead);
    bytes.fill(padByte, inputBase + lead + n, inputBase + lead + padded);
    if (this.scan4(padded / WALKS, lead, this.flag, inputBase, hits, cap) !== 0) return null;
    this.hitsAt = hits;
    let count = 0;
    for (let j = 0; j < WALKS; j++) count += this.words[j]!;
    return count;
  }

  /**
   * The last scan's hits in input order, into `ends` and `states` (room for all of them):
   * false, and hits left half copied, when the input held a byte >= 0x80.
   */
  copyHits(ends: Int32Array, states: Int32Array): boolean {
    const { words, flag, width, nonAscii } = this;
    const rowBytes = (width + 1) * 4;
    const cap = HITS_PER_WALK * 8;
    let out = 0;
    for (let j = 0; j < WALKS; j++) {
      const count = words[j]!;
      let at = (this.hitsAt + j * cap) >> 2;
      for (let h = 0; h < count; h++, at += 2, out++) {
        const row = (words[at + 1]! - flag) / rowBytes;
        if (row === nonAscii) return false;
        ends[out] = words[at]!;
        states[out] = row * width;
      }
    }
    return true;
  }
}

function align(n: number): number {
  return (n + 63) & ~63;
}
