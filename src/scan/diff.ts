// Parses `git log -p -U0 --cc --format=%x01%H` output into fragments: for each commit and
// file, the lines that commit adds, with their line numbers in the new file. Removed lines
// and context are dropped: a scan of a pull request must report what the PR brings, not
// what it deletes. Merge commits come as combined diffs; of those only lines that are in
// none of the parents (a conflict resolution, an "evil merge") are new.
import type { Fragment, ScanNote } from './types.js';

/** Marks a commit header line in the log output (`--format=%x01%H`). */
export const COMMIT_MARKER = '\x01';

export interface DiffParserOptions {
  /** A file whose added text exceeds this many characters is skipped with a note. */
  maxChars: number;
  onFragment: (fragment: Fragment) => void;
  onNote: (note: ScanNote) => void;
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
        path: combined ? unquote(combined[1]!) : null,
        lines: [],
        numbers: [],
        chars: 0,
        skipped: false,
      };
      return;
    }
    if (!this.file) return;
    if (line.startsWith('+++ ')) {
      const target = unquote(line.slice(4));
      // A deleted file adds nothing.
      if (target === '/dev/null') this.file.skipped = true;
      else this.file.path = target.startsWith('b/') ? target.slice(2) : target;
      return;
    }
    if (line.startsWith('Binary files ')) {
      const m = /^Binary files (.*) and (.*) differ$/.exec(line);
      const target = m ? unquote(m[2]!) : '';
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
    this.options.onFragment({
      path: file.path,
      commit: this.commit || undefined,
      text: file.lines.join('\n'),
      lineNumbers: file.numbers,
    });
  }

  end(): void {
    this.flush();
  }
}

/** Undoes git's C-style quoting of unusual path names (`"b/tab\there"`). */
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
      bytes.push(...Buffer.from(ch, 'utf8'));
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
  return Buffer.from(bytes).toString('utf8');
}

export function formatSize(chars: number): string {
  if (chars >= 1024 * 1024)
    return `${(chars / (1024 * 1024)).toFixed(chars % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
  if (chars >= 1024) return `${Math.round(chars / 1024)} KiB`;
  return `${chars} bytes`;
}
