// A text file larger than what the scan holds at once (10 MiB by default; lowered here) is
// never passed unscanned (SPEC §2.1: only files binary by content are skipped): it is read in
// overlapping pieces, in every mode (a tree, a commit range, the index, pushed commits,
// history). A secret anywhere in it is found once, on its own line; a key block across a
// piece boundary is found whole; a binary file of that size is still skipped, and named. Only
// a single line longer than the scan holds (64 MiB) stops it: "scan incomplete", not a pass.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScanConfig } from '../../../src/scan/config/config.js';
import { ScanIncompleteError } from '../../../src/scan/detect/detector.js';
import { runScan, type ScanTarget } from '../../../src/scan/scan.js';
import { Repo, tokens } from './helpers.js';

/** The piece size these tests scan with: files of a few pieces stay small. */
const PIECE = 4096;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const repo = (): Repo => {
  const r = new Repo();
  dirs.push(r.dir);
  return r;
};

/** `count` lines of ordinary text, 89 characters and a line feed each. */
function filler(count: number, from = 0): string {
  let out = '';
  for (let i = from; i < from + count; i++)
    out +=
      `line ${String(i).padStart(6, '0')} of a large log file, nothing secret in it`.padEnd(
        89,
        '.',
      ) + '\n';
  return out;
}

const where = (findings: { file: string; startLine: number; ruleId: string }[]) =>
  findings.map((f) => `${f.file}:${f.startLine}:${f.ruleId}`).sort();
const notes = (result: { notes: { reason: string; path: string }[] }) =>
  result.notes.map((n) => `${n.reason}:${n.path}`);

async function scan(root: string, target: ScanTarget) {
  return runScan({
    root,
    target,
    config: loadScanConfig({ root }),
    ensure: false,
    maxFileBytes: PIECE,
  });
}

describe('a text file larger than a piece is scanned, not skipped', () => {
  // 200 lines of 90 bytes: 18 000 bytes, more than four pieces.
  const LINES = 200;
  const big = (secretLine: string, at = LINES): string =>
    filler(at - 1) + secretLine + '\n' + filler(LINES - at, at);

  it('tree mode: a secret at the end, in the middle and in the first piece', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'large-tree-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'end.txt'), big(`t=${tokens.githubPat()}`));
    writeFileSync(join(dir, 'middle.txt'), big(`t=${tokens.githubPat()}`, 91));
    writeFileSync(join(dir, 'first.txt'), big(`t=${tokens.githubPat()}`, 3));
    const result = await scan(dir, { kind: 'tree', paths: ['.'] });
    expect(where(result.findings)).toEqual([
      'end.txt:200:github-pat',
      'first.txt:3:github-pat',
      'middle.txt:91:github-pat',
    ]);
    expect(notes(result)).toEqual([]);
  });

  it('diff mode: the lines a commit adds to a large file', async () => {
    const r = repo();
    const base = r.commit('base', { 'README.md': '# app\n' });
    r.commit('big', { 'big.txt': big(`t=${tokens.githubPat()}`) });
    const result = await scan(r.dir, { kind: 'range', base, head: r.head(), description: 'test' });
    expect(where(result.findings)).toEqual(['big.txt:200:github-pat']);
    expect(result.findings[0]!.commit).toBe(r.head());
    expect(notes(result)).toEqual([]);
  });

  it('staged, pushed and history scans read it too', async () => {
    const r = repo();
    r.commit('base', { 'README.md': '# app\n' });
    const base = r.head();
    r.commit('big', { 'big.txt': big(`t=${tokens.githubPat()}`) });
    const head = r.head();
    r.write('staged.txt', big(`t=${tokens.githubPat()}`, 150));
    r.git('add', 'staged.txt');
    const staged = await scan(r.dir, { kind: 'staged' });
    expect(where(staged.findings)).toEqual(['staged.txt:150:github-pat']);
    const pushed = await scan(r.dir, {
      kind: 'push',
      refs: [
        {
          localRef: 'refs/heads/main',
          localSha: head,
          remoteRef: 'refs/heads/main',
          remoteSha: base,
        },
      ],
    });
    expect(where(pushed.findings)).toEqual(['big.txt:200:github-pat']);
    const history = await scan(r.dir, { kind: 'history' });
    expect(where(history.findings)).toEqual(['big.txt:200:github-pat']);
    for (const result of [staged, pushed, history]) expect(notes(result)).toEqual([]);
  });

  it('a private key across a piece boundary is found whole, once; a secret in the overlap once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'large-key-'));
    dirs.push(dir);
    const key = tokens.privateKey().trimEnd();
    // The key block starts 2 lines before the first piece's end (45 lines of 90 bytes).
    const keyLines = key.split('\n').length;
    writeFileSync(join(dir, 'key.txt'), filler(43) + key + '\n' + filler(100, 43 + keyLines));
    // A token a few lines before the first piece's end: in the overlap of two pieces.
    writeFileSync(join(dir, 'overlap.txt'), big(`t=${tokens.githubPat()}`, 44));
    const result = await scan(dir, { kind: 'tree', paths: ['.'] });
    expect(where(result.findings)).toEqual(['key.txt:44:private-key', 'overlap.txt:44:github-pat']);
    const r = repo();
    const base = r.commit('base', { 'README.md': '# app\n' });
    r.commit('key', {
      'key.txt': filler(43) + key + '\n' + filler(100, 43 + keyLines),
      'overlap.txt': big(`t=${tokens.githubPat()}`, 44),
    });
    const range = await scan(r.dir, { kind: 'range', base, head: r.head(), description: 'test' });
    expect(where(range.findings)).toEqual(['key.txt:44:private-key', 'overlap.txt:44:github-pat']);
  });

  it('a single line longer than a piece is read whole', async () => {
    const r = repo();
    const base = r.commit('base', { 'README.md': '# app\n' });
    const line = `var bundle="${'a1b2c3d4e5 '.repeat(1000)}";var t="${tokens.githubPat()}";`;
    r.commit('min', { 'dist/app.min.js': `/* v1 */\n${line}\n` });
    const range = await scan(r.dir, { kind: 'range', base, head: r.head(), description: 'test' });
    expect(where(range.findings)).toEqual(['dist/app.min.js:2:github-pat']);
    const tree = await scan(r.dir, { kind: 'tree', paths: ['.'] });
    expect(where(tree.findings)).toEqual(['dist/app.min.js:2:github-pat']);
  });

  it('a line longer than the scan holds (64 MiB) ends it as incomplete, naming the file', async () => {
    const r = repo();
    const base = r.commit('base', { 'README.md': '# app\n' });
    r.commit('huge', { 'data/huge.json': `{"t":"${'x'.repeat(65 * 1024 * 1024)}"}\n` });
    const range = scan(r.dir, { kind: 'range', base, head: r.head(), description: 'test' });
    await expect(range).rejects.toThrow(ScanIncompleteError);
    await expect(range).rejects.toThrow(
      /^scan incomplete: data\/huge\.json \(commit [0-9a-f]{12}\) has a line longer than 64 MiB/,
    );
    const tree = scan(r.dir, { kind: 'tree', paths: ['data'] });
    await expect(tree).rejects.toThrow(/^scan incomplete: data\/huge\.json has a line longer/);
  }, 60_000);

  it('a binary file larger than a piece is still skipped by its content, and named', async () => {
    const r = repo();
    const base = r.commit('base', { 'README.md': '# app\n' });
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      randomBytes(PIECE * 3),
    ]);
    writeFileSync(join(r.dir, 'logo.png'), png);
    r.commit('logo');
    const range = await scan(r.dir, { kind: 'range', base, head: r.head(), description: 'test' });
    expect(range.findings).toEqual([]);
    expect(notes(range)).toEqual(['binary:logo.png']);
    const tree = await scan(r.dir, { kind: 'tree', paths: ['logo.png'] });
    expect(notes(tree)).toEqual(['binary:logo.png']);
  });
});
