// `git log -p -U0 --cc` output → the lines each commit adds, with their new line numbers.
import { DiffParser, fromBytes, unquote } from '../../../src/scan/sources/diff.js';
import type { Fragment, ScanNote } from '../../../src/scan/types.js';

function parse(
  text: string,
  maxChars = 1 << 20,
): { fragments: Fragment[]; notes: ScanNote[]; commits: number } {
  const fragments: Fragment[] = [];
  const notes: ScanNote[] = [];
  const parser = new DiffParser({
    maxChars,
    onFragment: (f) => fragments.push(f),
    onNote: (n) => notes.push(n),
  });
  // The log is read as bytes (one Latin-1 character a byte), as git.ts reads it.
  for (const line of text.split('\n')) parser.line(Buffer.from(line, 'utf8').toString('latin1'));
  parser.end();
  return { fragments, notes, commits: parser.commits };
}

const C1 = 'a'.repeat(40);
const C2 = 'b'.repeat(40);

describe('DiffParser', () => {
  it('keeps added lines with their numbers, drops removed ones, per commit and file', () => {
    const { fragments, commits } = parse(
      [
        `\x01${C1}`,
        '',
        'diff --git a/src/app.ts b/src/app.ts',
        'index 1111111..2222222 100644',
        '--- a/src/app.ts',
        '+++ b/src/app.ts',
        '@@ -3,2 +3,3 @@ function x() {',
        '-old line',
        '-+++ removed line that looks like a header',
        '+new line 3',
        '+++ an added line starting with ++',
        '+new line 5',
        '@@ -20 +21,0 @@',
        '-deleted only',
        '@@ -40,0 +41 @@',
        '+line 41',
        '\\ No newline at end of file',
        'diff --git a/gone.txt b/gone.txt',
        'deleted file mode 100644',
        '--- a/gone.txt',
        '+++ /dev/null',
        '@@ -1 +0,0 @@',
        '-bye',
        `\x01${C2}`,
        '',
        'diff --git a/new.env b/new.env',
        'new file mode 100644',
        '--- /dev/null',
        '+++ b/new.env',
        '@@ -0,0 +1,2 @@',
        '+A=1',
        '+B=2',
      ].join('\n'),
    );
    expect(commits).toBe(2);
    expect(fragments).toEqual([
      {
        path: 'src/app.ts',
        commit: C1,
        text: 'new line 3\n++ an added line starting with ++\nnew line 5\nline 41',
        lineNumbers: [3, 4, 5, 41],
      },
      { path: 'new.env', commit: C2, text: 'A=1\nB=2', lineNumbers: [1, 2] },
    ]);
  });

  it('in a merge, only lines in no parent are new (conflict resolutions)', () => {
    const { fragments } = parse(
      [
        `\x01${C1}`,
        'diff --cc src/merged.ts',
        'index 1111111,2222222..3333333',
        '--- a/src/merged.ts',
        '+++ b/src/merged.ts',
        '@@@ -10,2 -10,2 +10,3 @@@',
        '- from main only',
        ' -from branch only',
        '++resolved by hand',
        '+ taken from branch',
        ' +taken from main',
      ].join('\n'),
    );
    expect(fragments).toEqual([
      { path: 'src/merged.ts', commit: C1, text: 'resolved by hand', lineNumbers: [10] },
    ]);
  });

  it('notes binary files and files that add too much, and scans neither', () => {
    const { fragments, notes } = parse(
      [
        `\x01${C1}`,
        'diff --git a/logo.png b/logo.png',
        'new file mode 100644',
        'Binary files /dev/null and b/logo.png differ',
        'diff --git a/big.log b/big.log',
        '--- /dev/null',
        '+++ b/big.log',
        '@@ -0,0 +1,3 @@',
        '+0123456789',
        '+0123456789',
        '+0123456789',
      ].join('\n'),
      25,
    );
    expect(fragments).toEqual([]);
    expect(notes).toEqual([
      { path: 'logo.png', commit: C1, reason: 'binary' },
      { path: 'big.log', commit: C1, reason: 'too-large', detail: 'adds more than 25 bytes' },
    ]);
  });

  it('reads quoted path names', () => {
    expect(unquote('"b/tab\\there"')).toBe('b/tab\there');
    expect(fromBytes(unquote('"b/caf\\303\\251.txt"'))).toBe('b/café.txt');
    expect(unquote('b/plain name')).toBe('b/plain name');
  });
});
