// Parses `git log -p -U0 --cc --format=%x01%H` output into fragments: for each commit and
// file, the lines that commit adds, with their line numbers in the new file. Removed lines
// and context are dropped: a scan of a pull request must report what the PR brings, not
// what it deletes. Merge commits come as combined diffs; of those only lines that are in
// none of the parents (a conflict resolution, an "evil merge") are new.
//
// Lines come in as byte strings (the log decoded as Latin-1: one character a byte), because
// git is run with `--text` and prints every file's real bytes whatever `.gitattributes` or a
// NUL byte say: a file's added text is turned into characters only once it is whole, after
// asking whether it is binary by content type (then it is named and skipped) or UTF-16.
import { binaryContentType, isUtf16 } from './content-type.js';
import type { Fragment, ScanNote } from '../types.js';

/** A Latin-1 byte string (as the log is read) → the text its bytes spell in UTF-8. */
export function fromBytes(bytes: string): string {
  return /[\x80-\xff]/.test(bytes) ? Buffer.from(bytes, 'latin1').toString('utf8') : bytes;
}

/** Marks a commit header line in the log output (`--format=%x01%H`). */
export const COMMIT_MARKER = '\x01';

export interface DiffParserOptions {
  /** A file whose added text exceeds this many characters is skipped with a note. */
  maxChars: number;
  onFragment: (fragment: Fragment) => void;
  onNote: (note: ScanNote) => void;
  /**
   * Sees a file's added lines (byte strings) before they become a fragment and says which to
   * keep (null: all). A history scan uses it to read each added line once (history.ts).
   */
  select?: (path: string, lines: readonly string[], numbers: readonly number[]) => boolean[] | null;
}

interface FileState {
  path: string | null;
  lines: string[];
  numbers: number[];
  chars: number;
  skipped: boolean;
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
        path: combined ? fromBytes(unquote(combined[1]!)) : null,
        lines: [],
        numbers: [],
        chars: 0,
        skipped: false,
      };
      return;
    }
    if (!this.file) return;
    if (line.startsWith('+++ ')) {
      const target = fromBytes(unquote(line.slice(4)));
      // A deleted file adds nothing.
      if (target === '/dev/null') this.file.skipped = true;
      else this.file.path = target.startsWith('b/') ? target.slice(2) : target;
      return;
    }
    if (line.startsWith('Binary files ')) {
      const m = /^Binary files (.*) and (.*) differ$/.exec(line);
      const target = m ? fromBytes(unquote(m[2]!)) : '';
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
    file.chars += content.length + 1;
    if (file.chars > this.options.maxChars) {
      file.skipped = true;
      file.lines = [];
      file.numbers = [];
      this.options.onNote({
        path: file.path ?? '?',
        commit: this.commit,
        reason: 'too-large',
        detail: `adds more than ${formatSize(this.options.maxChars)}`,
      });
      return;
    }
    file.lines.push(content);
    file.numbers.push(lineNumber);
  }

  private flush(): void {
    const file = this.file;
    this.file = null;
    this.hunk = null;
    if (!file || file.skipped || file.path === null || file.lines.length === 0) return;
    // Only text that starts at the file's first byte can show a format's signature; a
    // binary file changed further in is read as text (noise at worst, never a hiding place).
    if (file.numbers[0] === 1) {
      const binary = binaryContentType(Buffer.from(file.lines.join('\n'), 'latin1'));
      if (binary !== null) {
        this.options.onNote({
          path: file.path,
          commit: this.commit,
          reason: 'binary',
          detail: binary,
        });
        return;
      }
    }
    const keep = this.options.select?.(file.path, file.lines, file.numbers) ?? null;
    if (keep !== null) {
      file.lines = file.lines.filter((_, i) => keep[i]);
      file.numbers = file.numbers.filter((_, i) => keep[i]);
      if (file.lines.length === 0) return;
    }
    this.options.onFragment({
      path: file.path,
      commit: this.commit || undefined,
      text: decodeLines(file.lines, file.numbers),
      lineNumbers: file.numbers,
    });
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
