// Encoded runs decoded in place, pass after pass (gitleaks' `--max-decode-depth`): a base64
// value in a Kubernetes Secret, a hex-encoded key, a percent-encoded password in a URL. Each
// pass replaces every run that decodes to printable text with its decoded text; the detector
// scans the new text and keeps what overlaps a run decoded in that pass, reported at the
// run's place in the original text (widened to where the match starts or ends outside it).
//
// The encodings and their patterns are gitleaks' (detect/codec/encodings.go), tried in its
// order at each place: percent `(?:%[0-9A-Fa-f]{2})+`, hex `[0-9A-Fa-f]{32,}`, base64
// `[\w/+-]{16,}={0,3}`. A run whose decoded bytes are not all printable ASCII (tab and line
// breaks allowed) is left as it is: identifiers, hashes and compressed data stay quiet.

export type Encoding = 'percent' | 'hex' | 'base64';

// gitleaks' leftmost matches, found by one walk over the characters (a regex tried at every
// place costs several times more, and this walk runs over every file): a run of base64
// characters is matched from its start, and there hex wins when the run starts with 32 hex
// digits, as gitleaks' alternation order says; what follows a hex prefix is a run of its own.

/** Per ASCII code: 1 base64 character (`[\w/+-]`), 2 also a hex digit. */
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[0-9A-Fa-f]/.test(ch)) CLASS[c] = 2;
  else if (/[\w/+-]/.test(ch)) CLASS[c] = 1;
}
const PERCENT_RUN = /(?:%[0-9A-Fa-f]{2})+/y;

/**
 * The encoded runs of a text, leftmost first, as gitleaks' pattern finds them; only within
 * the (start, end) pairs of `stretches` when given, each starting after a neutral character
 * (see `stretchesAround`) and ending at one or at the end: the walk starts afresh after each
 * neutral character, so the runs found there are those a walk over the whole text finds there.
 */
function* encodedRuns(
  text: string,
  stretches: ArrayLike<number> | null = null,
): Generator<{ start: number; text: string; encoding: Encoding }> {
  const n = text.length;
  // One generator for all stretches: a generator per stretch cost more than the walk saved.
  const count = stretches === null ? 1 : stretches.length / 2;
  for (let s = 0; s < count; s++) {
    const from = stretches === null ? 0 : stretches[2 * s]!;
    const to = stretches === null ? n : stretches[2 * s + 1]!;
    for (let i = from; i < to;) {
      const c = text.charCodeAt(i);
      if (c === 0x25 /* % */) {
        PERCENT_RUN.lastIndex = i;
        const m = PERCENT_RUN.exec(text);
        if (m !== null) {
          yield { start: i, text: m[0], encoding: 'percent' };
          i += m[0].length;
        } else i++;
        continue;
      }
      if (c >= 128 || CLASS[c] === 0) {
        i++;
        continue;
      }
      let end = i;
      let hex = -1; // end of the leading hex digits
      while (end < n) {
        const d = text.charCodeAt(end);
        if (d >= 128 || CLASS[d] === 0) break;
        if (hex === -1 && CLASS[d] !== 2) hex = end;
        end++;
      }
      if (hex === -1) hex = end;
      let start = i;
      if (hex - i >= 32) {
        // Sliced (and decoded) only when its first byte could be printable: most hex runs are
        // hashes and ids, and a run that cannot decode costs nothing but this look.
        if (printableHexPair(text, i))
          yield { start: i, text: text.slice(i, hex), encoding: 'hex' };
        start = hex;
      }
      let stop = end;
      while (stop < n && stop - end < 3 && text.charCodeAt(stop) === 0x3d /* = */) stop++;
      if (end - start >= 16 && mayBePrintableBase64At(text, start, stop))
        yield { start, text: text.slice(start, stop), encoding: 'base64' };
      i = stop;
    }
  }
}

/**
 * Whether base64 text can decode to printable ASCII: each group of four characters starts
 * with the top six bits of a byte, which for 0x20-0x7e (and tab, line breaks: 0x09-0x0d are
 * below 0x20, so a text holding them is let through by a wider first range) lie in 2-31.
 * Most identifiers and hashes fail this at once, before any decoding.
 */
function mayBePrintableBase64At(text: string, from: number, to: number): boolean {
  for (let i = from; i + 1 < to; i += 4) {
    const c = text.charCodeAt(i);
    // Alphabet indexes 2-31: 'C'-'Z' (2-25) and 'a'-'f' (26-31).
    if (!((c >= 0x43 && c <= 0x5a) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

/** Whether the two hex digits at `at` make a byte `printable` accepts. */
function printableHexPair(text: string, at: number): boolean {
  const byte = parseInt(text.slice(at, at + 2), 16);
  return byte >= 0x20 ? byte <= 0x7e : byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

/** Printable ASCII, tab and line breaks: what a decoded run must be to be scanned. */
function printable(bytes: Buffer): boolean {
  if (bytes.length === 0) return false;
  for (const b of bytes) {
    if (b >= 0x20 ? b > 0x7e : b !== 0x09 && b !== 0x0a && b !== 0x0d) return false;
  }
  return true;
}

function decodeRun(text: string, encoding: Encoding): string | null {
  let bytes: Buffer;
  if (encoding === 'percent') {
    bytes = Buffer.from(text.replace(/%/g, ''), 'hex');
  } else if (encoding === 'hex') {
    bytes = Buffer.from(text.slice(0, text.length & ~1), 'hex');
  } else {
    if (!mayBePrintableBase64At(text, 0, text.length)) return null;
    // Node's decoder takes both alphabets (`+/` and `-_`) and stops at padding.
    const body = text.replace(/=+$/, '');
    if (body.length % 4 === 1) return null; // not the length of any base64 text
    bytes = Buffer.from(body, 'base64');
  }
  return printable(bytes) ? bytes.toString('latin1') : null;
}

/**
 * A stretch of the current text and where it came from in the original: `exact` stretches
 * are the original shifted; a decoded run maps as a whole to its encoded run's span.
 */
interface Piece {
  start: number;
  end: number;
  origStart: number;
  origEnd: number;
  exact: boolean;
}

/** A run decoded in the latest pass: its span in the new text and what it went through. */
export interface DecodedRun {
  start: number;
  end: number;
  /** Encodings from the outermost in, e.g. `base64`, or `base64>hex` at depth 2. */
  encodings: string;
  depth: number;
}

/** Not a base64 character, `%` nor `=`: where decode.ts's walk always starts afresh. */
function neutral(c: number): boolean {
  return c >= 128 || (CLASS[c] === 0 && c !== 0x25 && c !== 0x3d);
}

/**
 * Where the next pass can find a run that decodes: around what the latest pass decoded,
 * from the neutral character before each run to the one after it, merged. Elsewhere the
 * text and the neutral characters around it are what the latest pass walked over already,
 * and no run there decoded then (or it would have been replaced).
 */
function stretchesAround(text: string, runs: readonly DecodedRun[]): number[] {
  const out: number[] = [];
  for (const run of runs) {
    let a = run.start;
    while (a > 0 && !neutral(text.charCodeAt(a - 1))) a--;
    let b = run.end;
    while (b < text.length && !neutral(text.charCodeAt(b))) b++;
    if (out.length > 0 && a <= out[out.length - 1]!)
      out[out.length - 1] = Math.max(b, out[out.length - 1]!);
    else out.push(a, b);
  }
  return out;
}

/** Text after some decoding passes, with the way back to the original's offsets. */
export class DecodedText {
  private constructor(
    readonly text: string,
    private readonly pieces: readonly Piece[],
    /** The runs the latest pass decoded, in order. */
    readonly runs: readonly DecodedRun[],
    /** (start, end) pairs: where the next pass looks for runs; null: everywhere. */
    private readonly stretches: ArrayLike<number> | null,
  ) {}

  /**
   * A text before any pass; `stretches`, when known (runs-wasm.ts), are where the first
   * pass can find a run, as (start, end) pairs in order.
   */
  static original(text: string, stretches: ArrayLike<number> | null = null): DecodedText {
    return new DecodedText(
      text,
      [{ start: 0, end: text.length, origStart: 0, origEnd: text.length, exact: true }],
      [],
      stretches,
    );
  }

  /**
   * The next pass, or null when no run decodes to printable text. `everywhere` walks the
   * whole text, not only where a run can decode (the tests' reference).
   */
  next(everywhere = false): DecodedText | null {
    const { text } = this;
    const out: string[] = [];
    const pieces: Piece[] = [];
    const runs: DecodedRun[] = [];
    let last = 0; // end of what was copied from `text`
    let at = 0; // length of the new text so far
    const copy = (from: number, to: number): void => {
      if (to <= from) return;
      out.push(text.slice(from, to));
      for (const p of this.mapRange(from, to)) {
        pieces.push({ ...p, start: at + p.start - from, end: at + p.end - from });
      }
      at += to - from;
    };
    for (const run of encodedRuns(text, everywhere ? null : this.stretches)) {
      const { encoding } = run;
      const decoded = decodeRun(run.text, encoding);
      if (decoded === null) continue;
      const from = run.start;
      const to = from + run.text.length;
      copy(last, from);
      const inner = this.runAt(from, to);
      out.push(decoded);
      pieces.push({
        start: at,
        end: at + decoded.length,
        origStart: this.originalStart(from),
        origEnd: this.originalEnd(to),
        exact: false,
      });
      runs.push({
        start: at,
        end: at + decoded.length,
        encodings: inner ? `${inner.encodings}>${encoding}` : encoding,
        depth: inner ? inner.depth + 1 : 1,
      });
      at += decoded.length;
      last = to;
    }
    if (runs.length === 0) return null;
    copy(last, text.length);
    const decoded = out.join('');
    return new DecodedText(decoded, pieces, runs, stretchesAround(decoded, runs));
  }

  /** The original offset where something starting at `offset` starts. */
  originalStart(offset: number): number {
    const p = this.pieceAt(offset);
    return p.exact ? p.origStart + offset - p.start : p.origStart;
  }

  /** The original offset where something ending at `offset` (exclusive) ends. */
  originalEnd(offset: number): number {
    const p = this.pieceAt(Math.max(0, offset - 1));
    return p.exact ? p.origStart + offset - p.start : p.origEnd;
  }

  /** The runs of the latest pass that [start, end) overlaps. */
  runsOverlapping(start: number, end: number): DecodedRun[] {
    return this.runs.filter((r) => r.start < end && start < r.end);
  }

  /** A run of an earlier pass that [from, to) lies in (for the encodings chain), if any. */
  private runAt(from: number, to: number): DecodedRun | undefined {
    return this.runs.find((r) => r.start <= from && to <= r.end);
  }

  private pieceAt(offset: number): Piece {
    let lo = 0;
    let hi = this.pieces.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.pieces[mid]!.start <= offset) lo = mid;
      else hi = mid - 1;
    }
    return this.pieces[lo]!;
  }

  /** The pieces covering [from, to), cut to it, with their original spans. */
  private mapRange(from: number, to: number): Piece[] {
    const result: Piece[] = [];
    for (let offset = from; offset < to;) {
      const p = this.pieceAt(offset);
      const end = Math.min(p.end, to);
      result.push(
        p.exact
          ? {
              start: offset,
              end,
              origStart: p.origStart + offset - p.start,
              origEnd: p.origStart + end - p.start,
              exact: true,
            }
          : { start: offset, end, origStart: p.origStart, origEnd: p.origEnd, exact: false },
      );
      offset = end;
    }
    return result;
  }
}
