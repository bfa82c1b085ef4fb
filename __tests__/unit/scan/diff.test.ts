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

  it('notes binary files; a file that adds more than a piece comes in overlapping pieces', () => {
    const line = (c: string) => '+' + c.repeat(11);
    const { fragments, notes } = parse(
      [
        `\x01${C1}`,
        'diff --git a/logo.png b/logo.png',
        'new file mode 100644',
        'Binary files /dev/null and b/logo.png differ',
        'diff --git a/big.log b/big.log',
        '--- /dev/null',
        '+++ b/big.log',
        '@@ -0,0 +1,6 @@',
        ...['a', 'b', 'c', 'd', 'e', 'f'].map(line),
      ].join('\n'),
      // Pieces of 50 characters: four lines of 12; each begins with the last line (at most a
      // quarter of a piece) of the one before.
      50,
    );
    expect(notes).toEqual([{ path: 'logo.png', commit: C1, reason: 'binary' }]);
    expect(fragments.map((f) => [f.path, f.text.replace(/(.)\1+/g, '$1'), f.lineNumbers])).toEqual([
      ['big.log', 'a\nb\nc\nd', [1, 2, 3, 4]],
      ['big.log', 'd\ne\nf', [4, 5, 6]],
    ]);
  });

  it('reads quoted path names', () => {
    expect(unquote('"b/tab\\there"')).toBe('b/tab\there');
    expect(fromBytes(unquote('"b/caf\\303\\251.txt"'))).toBe('b/café.txt');
    expect(unquote('b/plain name')).toBe('b/plain name');
  });

  it('reads every `+++` path as git writes it: a TAB after a name with a space, C quotes', () => {
    // git ends the line with a TAB when the name holds a space (so a name ending in spaces
    // can be told apart), after the closing quote of a quoted one; octal escapes are UTF-8
    // bytes (core.quotePath on); with it off, those bytes come raw.
    const names: [header: string, path: string][] = [
      ['b/my file.txt\t', 'my file.txt'],
      ['b/trailing space \t', 'trailing space '],
      ['"b/we ird\\ttab.txt"\t', 'we ird\ttab.txt'],
      ['"b/q\\"uo te.txt"\t', 'q"uo te.txt'],
      ['"b/back\\\\slash.txt"', 'back\\slash.txt'],
      ['"b/nl\\nname"', 'nl\nname'],
      ['"b/h\\303\\251llo w\\303\\266rld.txt"\t', 'héllo wörld.txt'],
      ['b/héllo wörld.txt\t', 'héllo wörld.txt'],
      ['"b/caf\\303\\251.txt"', 'café.txt'],
      ['b/b/my x\t', 'b/my x'],
      ['b/b/plain', 'b/plain'],
      ['"b/\\"start"', '"start'],
    ];
    const lines = [`\x01${C1}`];
    for (const [header] of names)
      lines.push('diff --git a/x b/x', '--- /dev/null', `+++ ${header}`, '@@ -0,0 +1 @@', '+x');
    const { fragments } = parse(lines.join('\n'));
    expect(fragments.map((f) => f.path)).toEqual(names.map(([, path]) => path));
  });

  it('reads quoted names in a combined diff (no TAB there)', () => {
    const { fragments } = parse(
      [
        `\x01${C1}`,
        'diff --cc "c\\tq file"',
        'index 587be6b,0000000..b77b4eb',
        '--- "a/c\\tq file"',
        '+++ "b/c\\tq file"',
        '@@@ -1,1 -1,0 +1,2 @@@',
        ' +x',
        '++y',
        'diff --cc my file.txt',
        'index 5c73f9f,76e0bab..f7f2710',
        '--- a/my file.txt',
        '+++ b/my file.txt',
        '@@@ -2,1 -2,1 +2,1 @@@',
        '- main',
        ' -side',
        '++resolved',
      ].join('\n'),
    );
    expect(fragments.map((f) => f.path)).toEqual(['c\tq file', 'my file.txt']);
  });
});
