// mayBeInGitRepository: the scan starts git for a tree only where git could find a repository.
// "No" must be certain (git, asked there, would refuse): every place git's discovery looks at
// turns the answer into "maybe".
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isGitRepository, mayBeInGitRepository } from '../../../src/scan/sources/git.js';
import { git } from './helpers.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** a/b/c under a fresh temporary directory, which (like the machine's tmpdir) is in no repository. */
function nested(): { top: string; leaf: string } {
  const top = mkdtempSync(join(tmpdir(), 'git-discovery-'));
  dirs.push(top);
  const leaf = join(top, 'a', 'b', 'c');
  mkdirSync(leaf, { recursive: true });
  return { top, leaf };
}

function withEnv(name: string, value: string, body: () => void): void {
  const before = process.env[name];
  process.env[name] = value;
  try {
    body();
  } finally {
    if (before === undefined) delete process.env[name];
    else process.env[name] = before;
  }
}

describe('mayBeInGitRepository', () => {
  it('is false where git finds no repository, and git agrees', async () => {
    const { leaf } = nested();
    expect(mayBeInGitRepository(leaf)).toBe(false);
    expect(await isGitRepository(leaf)).toBe(false);
  });

  it('is true in and below a work tree (git init above)', async () => {
    const { top, leaf } = nested();
    git(top, 'init', '-q');
    expect(mayBeInGitRepository(leaf)).toBe(true);
    expect(mayBeInGitRepository(top)).toBe(true);
    expect(await isGitRepository(leaf)).toBe(true);
  });

  it('is true for a .git file (a linked work tree, a submodule) and a .git link', () => {
    const file = nested();
    writeFileSync(join(file.top, 'a', '.git'), 'gitdir: /elsewhere/.git/worktrees/x\n');
    expect(mayBeInGitRepository(file.leaf)).toBe(true);
    const link = nested();
    symlinkSync('/nonexistent-git-dir', join(link.top, 'a', 'b', '.git'));
    expect(mayBeInGitRepository(link.leaf)).toBe(true);
  });

  it('is true inside what may be a git directory itself (a HEAD: a bare repository)', () => {
    const { top, leaf } = nested();
    writeFileSync(join(top, 'a', 'HEAD'), 'ref: refs/heads/main\n');
    expect(mayBeInGitRepository(leaf)).toBe(true);
  });

  it('is true whenever GIT_DIR or GIT_WORK_TREE tell git where to look', () => {
    const { leaf } = nested();
    withEnv('GIT_DIR', '/somewhere/.git', () => expect(mayBeInGitRepository(leaf)).toBe(true));
    withEnv('GIT_WORK_TREE', '/somewhere', () => expect(mayBeInGitRepository(leaf)).toBe(true));
  });
});
