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
// The walk skips: a run of the 16 characters base64 needs that starts at or after `i` covers
// `i + 15`, so when that character is not one of them nothing from `i` to it can start a
// run, and a whole-file walk looks at about one character in several (percent escapes,
// whose `%` would be skipped too, are found natively with indexOf).

/** Per ASCII code: 1 base64 character (`[\w/+-]`), 2 also a hex digit. */
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[0-9A-Fa-f]/.test(ch)) CLASS[c] = 2;
  else if (/[\w/+-]/.test(ch)) CLASS[c] = 1;
}
const PERCENT_RUN = /(?:%[0-9A-Fa-f]{2})+/y;

const isBase64Char = (c: number): boolean => c < 128 && CLASS[c] !== 0;

interface EncodedRun {
  start: number;
  text: string;
  encoding: Encoding;
}

/**
 * The encoded runs of a text, leftmost first, as gitleaks' pattern finds them; only those
 * that can decode to printable text (the rest would be dropped by `decodeRun` anyway, and
 * are not sliced out of the text).
 */
function encodedRuns(text: string): EncodedRun[] {
  const out: EncodedRun[] = [];
  const n = text.length;
  let percent = text.indexOf('%');
  for (let i = 0; i < n;) {
    if (percent !== -1 && percent < i) percent = text.indexOf('%', i);
    if (i === percent) {
      PERCENT_RUN.lastIndex = i;
      const m = PERCENT_RUN.exec(text);
      if (m !== null) {
        out.push({ start: i, text: m[0], encoding: 'percent' });
        i += m[0].length;
      } else i++;
      continue;
    }
    // Base64 runs end before a `%`: from `i` to it, too short for one.
    const limit = percent === -1 ? n : percent;
    if (limit - i < 16) {
      if (percent === -1) break;
      i = percent;
      continue;
    }
    const probe = i + 15;
    if (!isBase64Char(text.charCodeAt(probe))) {
      i = probe + 1;
      continue;
    }
    // The run holding the probe: `i` starts one whenever its character is a base64 one.
    let from = probe;
    while (from > i && isBase64Char(text.charCodeAt(from - 1))) from--;
    let end = probe + 1;
    while (end < n && isBase64Char(text.charCodeAt(end))) end++;
    let stop = end;
    while (stop < n && stop - end < 3 && text.charCodeAt(stop) === 0x3d /* = */) stop++;
    let start = from;
    if (end - from >= 32) {
      let hex = from; // end of the leading hex digits
      while (hex < end && CLASS[text.charCodeAt(hex)] === 2) hex++;
      if (hex - from >= 32) {
        // Sliced (and decoded) only when its first byte could be printable: most hex runs
        // are hashes and ids.
        if (printableHexPair(text, from))
          out.push({ start: from, text: text.slice(from, hex), encoding: 'hex' });
        start = hex;
      }
    }
    if (end - start >= 16 && mayBePrintableBase64At(text, start, stop))
      out.push({ start, text: text.slice(start, stop), encoding: 'base64' });
    i = stop;
  }
  return out;
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

/** Text after some decoding passes, with the way back to the original's offsets. */
export class DecodedText {
  private constructor(
    readonly text: string,
    private readonly pieces: readonly Piece[],
    /** The runs the latest pass decoded, in order. */
    readonly runs: readonly DecodedRun[],
  ) {}

  static original(text: string): DecodedText {
    return new DecodedText(
      text,
      [{ start: 0, end: text.length, origStart: 0, origEnd: text.length, exact: true }],
      [],
    );
  }

  /** The next pass, or null when no run decodes to printable text. */
  next(): DecodedText | null {
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
    for (const run of encodedRuns(text)) {
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
    return new DecodedText(out.join(''), pieces, runs);
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
