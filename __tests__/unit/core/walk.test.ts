// The directory walk builds its paths by concatenation (one join per walk): they must be the
// paths join() gives, whatever form the starting directory is written in.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, type Dirent } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { walkDirectory } from '../../../src/core/walk.js';

const root = mkdtempSync(join(tmpdir(), 'walk-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
for (const dir of ['a/b/c', 'a/d', 'e']) mkdirSync(join(root, dir), { recursive: true });
for (const file of ['a/b/c/1.txt', 'a/b/2.txt', 'a/d/3', 'e/4', '5'])
  writeFileSync(join(root, file), 'x');

/** The walk as it was written before: join() for every entry. */
function reference(dir: string, out: string[] = []): string[] {
  const entries: Dirent[] = readdirSync(dir, { withFileTypes: true }).sort((x, y) =>
    x.name < y.name ? -1 : x.name > y.name ? 1 : 0,
  );
  for (const entry of entries) {
    const child = join(dir, entry.name);
    if (entry.isDirectory()) reference(child, out);
    else if (entry.isFile()) out.push(child);
  }
  return out;
}

describe('walkDirectory', () => {
  const cwd = process.cwd();
  afterEach(() => process.chdir(cwd));

  it.each([
    ['an absolute directory', () => root],
    ['with a trailing separator', () => `${root}/`],
    ['with `..` and `.` in it', () => `${root}/a/../.`],
    ['the current directory', () => (process.chdir(root), '.')],
    ['a relative one', () => (process.chdir(root), relative(root, join(root, 'a')))],
    ['with doubled separators', () => `/${root}//a//..`],
  ])('gives the paths join() gives: %s', (_name, start) => {
    const dir = start();
    const walked: string[] = [];
    walkDirectory(dir, { sorted: true, onFile: (abs) => walked.push(abs) });
    expect(walked).toEqual(reference(dir));
    expect(walked.length).toBeGreaterThan(0);
  });
});
