// Parses `git log -p -U0 --cc --format=%x01%H` output into fragments: for each commit and
// file, the lines that commit adds, with their line numbers in the new file. Removed lines
// and context are dropped: a scan of a pull request must report what the PR brings, not
// what it deletes. Merge commits come as combined diffs; of those only lines that are in
// none of the parents (a conflict resolution, an "evil merge") are new.
//
// Lines come in as byte strings (the log decoded as Latin-1: one character a byte), because
// git is run with `--text` and prints every file's real bytes whatever `.gitattributes` or a
// NUL byte say: a file's added text is turned into characters only once it is whole (or a
// piece of it is: a file adding more than a piece is read in pieces), after asking whether it
// is binary by content type (then it is named and skipped) or UTF-16.
import { ScanIncompleteError } from '../detect/detector.js';
import { binaryContentType, isUtf16 } from './content-type.js';
import type { Fragment, ScanNote } from '../types.js';

/** A Latin-1 byte string (as the log is read) → the text its bytes spell in UTF-8. */
export function fromBytes(bytes: string): string {
  return /[\x80-\xff]/.test(bytes) ? Buffer.from(bytes, 'latin1').toString('utf8') : bytes;
}

/** Marks a commit header line in the log output (`--format=%x01%H`). */
export const COMMIT_MARKER = '\x01';

export interface DiffParserOptions {
  /**
   * The most characters of a file's added text held at once: a file that adds more is given
   * as several fragments (pieces) of at most this much, each beginning with the end of the one
   * before (see `add`), never skipped.
   */
  maxChars: number;
  onFragment: (fragment: Fragment) => void;
  onNote: (note: ScanNote) => void;
  /**
   * Sees a file's added lines (byte strings) before they become a fragment and says which to
   * keep (null: all). A history scan uses it to read each added line once (history.ts).
   * `continued`: the lines are a later piece of the same file's added text.
   */
  select?: (
    path: string,
    lines: readonly string[],
    numbers: readonly number[],
    continued: boolean,
  ) => boolean[] | null;
}

/**
 * How much of a piece's end the next piece of the same file begins with (at most a quarter
 * of a piece), in whole lines: a match that crosses from one piece into the next (a key
 * block) is seen whole in the second. Twice the detector's widest window around a keyword
 * (its MAX_SPAN), so every match the detector could find in the whole text lies wholly in
 * one piece; what the overlap finds twice the scan reports once (scan.ts).
 */
export const PIECE_OVERLAP = 256 * 1024;

/**
 * The longest line the scan holds (a line is never cut: a finding's column counts from its
 * line's start). A longer one ends the scan as incomplete, naming the file (git.ts, tree.ts):
 * memory stays bounded, and the file is not passed.
 */
export const MAX_LINE_CHARS = 64 * 1024 * 1024;

/** The last lines of `lines` whose characters (and line feeds) add up to at most `budget`. */
function tailOf<T extends { length: number }>(lines: readonly T[], budget: number): number {
  let start = lines.length;
  let chars = 0;
  while (start > 0 && chars + lines[start - 1]!.length + 1 <= budget)
    chars += lines[--start]!.length + 1;
  return start;
}

interface FileState {
  path: string | null;
  lines: string[];
  numbers: number[];
  chars: number;
  skipped: boolean;
  /** Pieces of this file's added text read so far (see `add`). */
  pieces?: number;
  /** The end of the last piece given, which the next one begins with (PIECE_OVERLAP). */
  tail?: { lines: string[]; numbers: number[] };
}

interface HunkState {
  parents: number;
  newLine: number;
  remainingNew: number;
  remainingOld: number[];
}

export class DiffParser {
  private commit = '';
  private file: FileState | null = null;
  private hunk: HunkState | null = null;
  commits = 0;

  constructor(private readonly options: DiffParserOptions) {}

  line(line: string): void {
    if (this.hunk) {
      this.hunkLine(line, this.hunk);
      return;
    }
    if (line.startsWith(COMMIT_MARKER)) {
      this.flush();
      this.commit = line.slice(1).trim();
      this.commits++;
      return;
    }
    if (
      line.startsWith('diff --git ') ||
      line.startsWith('diff --cc ') ||
      line.startsWith('diff --combined ')
    ) {
      this.flush();
      const combined = /^diff --(?:cc|combined) (.*)$/.exec(line);
      this.file = {
        path: combined ? fromBytes(headerPath(combined[1]!)) : null,
        lines: [],
        numbers: [],
        chars: 0,
        skipped: false,
      };
      return;
    }
    if (!this.file) return;
    if (line.startsWith('+++ ')) {
      const target = fromBytes(headerPath(line.slice(4)));
      // A deleted file adds nothing.
      if (target === '/dev/null') this.file.skipped = true;
      else this.file.path = target.startsWith('b/') ? target.slice(2) : target;
      return;
    }
    if (line.startsWith('Binary files ')) {
      const m = /^Binary files (.*) and (.*) differ$/.exec(line);
      const target = m ? fromBytes(headerPath(m[2]!)) : '';
      if (target !== '/dev/null' && target !== '') {
        this.options.onNote({
          path: target.startsWith('b/') ? target.slice(2) : target,
          commit: this.commit,
          reason: 'binary',
        });
      }
      this.file.skipped = true;
      return;
    }
    if (line.startsWith('@@')) {
      const m = /^(@{2,}) (.*?) @{2,}/.exec(line);
      if (!m) return;
      const parents = m[1]!.length - 1;
      const ranges = m[2]!.split(' ');
      const count = (spec: string): number => {
        const comma = spec.indexOf(',');
        return comma === -1 ? 1 : Number(spec.slice(comma + 1));
      };
      const newSpec = ranges.find((r) => r.startsWith('+')) ?? '+0,0';
      const comma = newSpec.indexOf(',');
      this.hunk = {
        parents,
        newLine: Number(comma === -1 ? newSpec.slice(1) : newSpec.slice(1, comma)),
        remainingNew: count(newSpec),
        remainingOld: ranges.filter((r) => r.startsWith('-')).map(count),
      };
      if (this.hunkDone(this.hunk)) this.hunk = null;
    }
  }

  private hunkLine(line: string, hunk: HunkState): void {
    if (line.startsWith('\\')) return; // "\ No newline at end of file"
    const n = hunk.parents;
    const columns = line.slice(0, n);
    const content = line.slice(n);
    const inResult = !columns.includes('-');
    if (inResult) {
      // New to the result when no parent had it: '+' in every column.
      let added = true;
      for (let i = 0; i < n; i++) if (columns.charCodeAt(i) !== 0x2b) added = false;
      if (added) this.add(content, hunk.newLine);
      hunk.newLine++;
      hunk.remainingNew--;
    }
    for (let i = 0; i < n; i++) if (columns.charCodeAt(i) !== 0x2b) hunk.remainingOld[i]!--;
    if (this.hunkDone(hunk)) this.hunk = null;
  }

  private hunkDone(hunk: HunkState): boolean {
    return hunk.remainingNew <= 0 && hunk.remainingOld.every((r) => r <= 0);
  }

  private add(content: string, lineNumber: number): void {
    const file = this.file;
    if (!file || file.skipped) return;
    // A file that adds more than a piece (10 MiB by default) is read in pieces, not skipped:
    // a credential must not pass by being put in a large file (SPEC §2.1). The limit bounds
    // what is held at once, not what is read: the detector is linear, so time grows with
    // the file and memory does not. A piece ends at a line's end; a single line longer than
    // a piece is a piece of its own, up to MAX_LINE_CHARS: a longer one ends the scan.
    if (content.length > MAX_LINE_CHARS)
      throw new ScanIncompleteError({ ...this.place, reason: 'line', limit: MAX_LINE_CHARS });
    if (file.lines.length > 0 && file.chars + content.length + 1 > this.options.maxChars) {
      this.piece(file, true);
      if (file.skipped) return;
    }
    file.chars += content.length + 1;
    file.lines.push(content);
    file.numbers.push(lineNumber);
  }

  private flush(): void {
    const file = this.file;
    this.file = null;
    this.hunk = null;
    if (file) this.piece(file, false);
  }

  /**
   * Gives the lines gathered for a file as a fragment: all its added lines, or one piece of
   * them (`more`: others follow), begun with the end of the piece before.
   */
  private piece(file: FileState, more: boolean): void {
    let lines = file.lines;
    let numbers = file.numbers;
    file.lines = [];
    file.numbers = [];
    file.chars = 0;
    if (file.skipped || file.path === null || lines.length === 0) return;
    const continued = (file.pieces ?? 0) > 0;
    file.pieces = (file.pieces ?? 0) + 1;
    // Only text that starts at the file's first byte can show a format's signature; a
    // binary file changed further in is read as text (noise at worst, never a hiding place).
    // A file in pieces is judged by its first one (up to a piece of its start).
    if (!continued && numbers[0] === 1) {
      const binary = binaryContentType(Buffer.from(lines.join('\n'), 'latin1'));
      if (binary !== null) {
        file.skipped = true;
        this.options.onNote({
          path: file.path,
          commit: this.commit,
          reason: 'binary',
          detail: binary,
        });
        return;
      }
    }
    const keep = this.options.select?.(file.path, lines, numbers, continued) ?? null;
    if (keep !== null) {
      lines = lines.filter((_, i) => keep[i]);
      numbers = numbers.filter((_, i) => keep[i]);
      if (lines.length === 0) return;
    }
    // The tail was selected already (with the piece it ended): it is not offered again.
    if (file.tail) {
      lines = file.tail.lines.concat(lines);
      numbers = file.tail.numbers.concat(numbers);
    }
    this.options.onFragment({
      path: file.path,
      commit: this.commit || undefined,
      text: decodeLines(lines, numbers),
      lineNumbers: numbers,
    });
    if (more) {
      const from = tailOf(lines, Math.min(PIECE_OVERLAP, Math.floor(this.options.maxChars / 4)));
      file.tail = { lines: lines.slice(from), numbers: numbers.slice(from) };
    }
  }

  /** The file whose added lines are being read, for an error that names it (git.ts). */
  get place(): { path: string; commit?: string } {
    return { path: this.file?.path ?? '?', ...(this.commit ? { commit: this.commit } : {}) };
  }

  end(): void {
    this.flush();
  }
}

/**
 * Added lines (byte strings) → text, line for line. git splits UTF-16 at each 0x0A byte:
 * in little-endian text every line but the file's first starts with the NUL that ends the
 * line feed before it; in big-endian text every line ends with the NUL that starts its own.
 */
function decodeLines(lines: readonly string[], numbers: readonly number[]): string {
  const order = utf16Order(lines, numbers);
  if (order === null) return fromBytes(lines.join('\n'));
  return lines
    .map((line, i) => {
      let body = line;
      if (order === 'le' && numbers[i]! > 1 && body.startsWith('\0')) body = body.slice(1);
      if (order === 'be' && body.endsWith('\0')) body = body.slice(0, -1);
      let bytes = Buffer.from(body, 'latin1');
      bytes = bytes.subarray(0, bytes.length & ~1);
      if (order === 'be') bytes = Buffer.from(bytes).swap16();
      let text = bytes.toString('utf16le');
      if (numbers[i] === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      return text;
    })
    .join('\n');
}

function utf16Order(lines: readonly string[], numbers: readonly number[]): 'le' | 'be' | null {
  if (!lines.some((l) => l.includes('\0'))) return null;
  const le = lines.map((l, i) => (numbers[i]! > 1 && l.startsWith('\0') ? l.slice(1) : l));
  if (isUtf16(Buffer.from(le.join(''), 'latin1')) === 'le') return 'le';
  const be = lines.map((l) => (l.endsWith('\0') ? l.slice(0, -1) : l));
  if (isUtf16(Buffer.from(be.join(''), 'latin1')) === 'be') return 'be';
  return null;
}

/**
 * A path as git writes it in a diff's header (`+++ b/name`, `diff --cc name`) → its bytes.
 * A name with a character git must escape (a control character such as TAB or newline, `"`,
 * `\`, and bytes above 0x7f when core.quotePath is on) is C-quoted whole, prefix included;
 * any other name comes as its bytes. git ends the `---`/`+++` lines of a name holding a space
 * with a TAB (diff.c; a patch tool then knows where the name ends), after the closing quote
 * of a quoted one. Unquoted, a name can hold no TAB: one at the end is that terminator.
 */
function headerPath(text: string): string {
  if (text.startsWith('"')) {
    for (let i = 1; i < text.length; i++) {
      if (text[i] === '\\') i++;
      else if (text[i] === '"') return unquote(text.slice(0, i + 1));
    }
  }
  return text.endsWith('\t') ? text.slice(0, -1) : text;
}

/**
 * Undoes git's C-style quoting of unusual path names (`"b/tab\there"`), on a byte string:
 * returns a byte string (octal escapes are bytes of UTF-8).
 */
export function unquote(text: string): string {
  if (!(text.startsWith('"') && text.endsWith('"') && text.length >= 2)) return text;
  const bytes: number[] = [];
  const body = text.slice(1, -1);
  const simple: Record<string, number> = {
    a: 7,
    b: 8,
    t: 9,
    n: 10,
    v: 11,
    f: 12,
    r: 13,
    '"': 34,
    '\\': 92,
  };
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\') {
      bytes.push(ch.charCodeAt(0) & 0xff);
      continue;
    }
    const next = body[i + 1] ?? '';
    if (/[0-7]/.test(next)) {
      bytes.push(parseInt(body.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(simple[next] ?? next.charCodeAt(0));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('latin1');
}

export function formatSize(chars: number): string {
  if (chars >= 1024 * 1024)
    return `${(chars / (1024 * 1024)).toFixed(chars % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
  if (chars >= 1024) return `${Math.round(chars / 1024)} KiB`;
  return `${chars} bytes`;
}
