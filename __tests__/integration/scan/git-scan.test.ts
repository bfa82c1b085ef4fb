// The scan over real git history made here with git commands: a pull request's range, what
// its commits add (and only that), allowlists, fingerprints, .gitleaks.toml with useDefault,
// merges, many commits, shallow clones deepened as far as the range needs.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScanConfig } from '../../../src/scan/config/config.js';
import { readEvent, targetFromEvent } from '../../../src/scan/sources/event.js';
import { IgnoreList } from '../../../src/scan/detect/fingerprint.js';
import { GitError } from '../../../src/scan/sources/git.js';
import { runScan, type ScanTarget } from '../../../src/scan/scan.js';
import { git, Repo, sha, tokens } from '../../unit/scan/helpers.js';

const repos: Repo[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const r of repos) r.remove();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const repo = (dir?: string): Repo => {
  const r = new Repo(dir);
  repos.push(r);
  return r;
};

async function scanRange(
  r: Repo,
  base: string | undefined,
  head: string,
  options: { ensure?: false } = {},
) {
  const target: ScanTarget = { kind: 'range', base, head, description: 'test' };
  return runScan({
    root: r.dir,
    target,
    config: loadScanConfig({ root: r.dir }),
    ignore: IgnoreList.load(join(r.dir, '.gitleaksignore')),
    ...(options.ensure === false ? { ensure: false } : {}),
  });
}

const hash12 = (secret: string): string =>
  createHash('sha256').update(secret).digest('hex').slice(0, 12);

const where = (findings: { file: string; startLine: number; ruleId: string }[]) =>
  findings.map((f) => `${f.file}:${f.startLine}:${f.ruleId}`).sort();

describe('a pull request range', () => {
  it('reports what its commits add, on their lines and commits, and nothing that was there before', async () => {
    const r = repo();
    const old = tokens.githubPat();
    const base = r.commit('base', {
      'src/app.ts': `const a = 1;\nconst legacy = "${old}";\nconst b = 2;\n`,
      'README.md': '# app\n',
    });
    const added = tokens.awsKeyId();
    const first = r.commit('first', {
      'src/app.ts': `const a = 1;\nconst legacy = "${old}";\nconst key = "${added}";\nconst b = 2;\n`,
    });
    const slack = tokens.slackBot();
    const second = r.commit('second', { 'config/.env': `A=1\nSLACK_TOKEN=${slack}\n` });
    // Removed again in the PR: still in its history, still reported.
    r.commit('third', { 'config/.env': 'A=1\n' });
    const allowed = tokens.stripeLive();
    r.commit('fourth', { 'src/test.ts': `const k = "${allowed}"; // gitleaks:allow\n` });

    const result = await scanRange(r, base, r.head());
    expect(result.commits).toBe(4);
    expect(where(result.findings)).toEqual([
      'config/.env:2:slack-bot-token',
      'src/app.ts:3:aws-access-key-id',
    ]);
    const byRule = Object.fromEntries(result.findings.map((f) => [f.ruleId, f]));
    expect(byRule['aws-access-key-id']!.commit).toBe(first);
    expect(byRule['slack-bot-token']!.commit).toBe(second);
    expect(sha(byRule['aws-access-key-id']!.secret)).toBe(sha(added));
    expect(byRule['aws-access-key-id']!.fingerprint).toBe(
      `${first}:src/app.ts:aws-access-key-id:3`,
    );
    expect(byRule['aws-access-key-id']!.startColumn).toBe(14);
  });

  it('honours .gitleaksignore fingerprints, commit-less (hashed) ones surviving a squash', async () => {
    const r = repo();
    const base = r.commit('base', { 'a.txt': 'x\n' });
    const pat = tokens.githubPat();
    const npm = tokens.npm();
    const c1 = r.commit('c1', {
      'one.env': `T=${pat}\n`,
      'two.env': `T=${npm}\n`,
    });
    const ignoreFile = `one.env:github-pat:1:${hash12(pat)}\n${c1}:two.env:npm-access-token:1\n`;
    r.commit('ignore', { '.gitleaksignore': ignoreFile });
    const result = await scanRange(r, base, r.head());
    expect(result.findings).toEqual([]);
    expect(result.ignored).toBe(2);
    expect(result.changedSettings).toEqual(['.gitleaksignore']);

    // The same change squashed into one new commit: only the commit-less entry still applies.
    const squashed = repo();
    const b2 = squashed.commit('base', { 'a.txt': 'x\n' });
    squashed.commit('squash', {
      'one.env': `T=${pat}\n`,
      'two.env': `T=${npm}\n`,
      '.gitleaksignore': ignoreFile,
    });
    const after = await scanRange(squashed, b2, squashed.head());
    expect(where(after.findings)).toEqual(['two.env:1:npm-access-token']);
  });

  it('reads .gitleaks.toml with [extend] useDefault: its rules, its allowlists and the built-in rules', async () => {
    const r = repo();
    r.commit('config', {
      '.gitleaks.toml': `
[extend]
useDefault = true

[[rules]]
id = "acme-service-token"
description = "ACME internal token"
regex = '''\\b(acme_[a-z0-9]{24})\\b'''
keywords = ["acme_"]

[[allowlists]]
description = "fixtures"
paths = ['''(^|/)fixtures/''']
`,
    });
    const base = r.head();
    const acme = 'acme_' + tokens.githubPat().slice(4, 28).toLowerCase();
    r.commit('leaks', {
      'src/acme.ts': `export const t = "${acme}";\n`,
      'src/gh.ts': `export const g = "${tokens.githubPat()}";\n`,
      'fixtures/sample.ts': `export const g = "${tokens.githubPat()}";\n`,
    });
    const result = await scanRange(r, base, r.head());
    expect(where(result.findings)).toEqual([
      'src/acme.ts:1:acme-service-token',
      'src/gh.ts:1:github-pat',
    ]);
    expect(result.configSource).toBe('.gitleaks.toml (extending the built-in rules)');
  });

  it('a merge: lines merged in from the base branch are not the PR’s, a conflict resolution is', async () => {
    const r = repo();
    r.commit('root', { 'app.ts': 'line 1\nline 2\nline 3\n' });
    git(r.dir, 'checkout', '-q', '-b', 'feature');
    r.commit('feature edit', { 'app.ts': 'line 1\nfeature 2\nline 3\n' });
    git(r.dir, 'checkout', '-q', 'main');
    r.commit('main edit', {
      'app.ts': 'line 1\nmain 2\nline 3\n',
      'main.env': `M=${tokens.npm()}\n`,
    });
    const mainTip = r.head();
    git(r.dir, 'checkout', '-q', 'feature');
    try {
      git(r.dir, 'merge', '-q', 'main', '-m', 'merge main');
    } catch {
      // conflict, resolved by hand with a secret in the resolution
    }
    const resolved = tokens.githubPat();
    r.commit('merge main', { 'app.ts': `line 1\nboth = "${resolved}"\nline 3\n` });
    expect(git(r.dir, 'rev-list', '--parents', '-n', '1', 'HEAD').split(' ')).toHaveLength(3);
    const result = await scanRange(r, mainTip, r.head());
    expect(where(result.findings)).toEqual(['app.ts:2:github-pat']);
  });

  it('scans every commit of a long PR (no paging limit)', async () => {
    const r = repo();
    const base = r.commit('base', { 'a.txt': 'x\n' });
    for (let i = 0; i < 45; i++)
      r.commit(`c${i}`, { [`f${i}.env`]: i === 44 ? `T=${tokens.githubPat()}\n` : `N=${i}\n` });
    const result = await scanRange(r, base, r.head());
    expect(result.commits).toBe(45);
    expect(where(result.findings)).toEqual(['f44.env:1:github-pat']);
  });

  it('reads text after NUL bytes (git would say "Binary files differ")', async () => {
    const r = repo();
    const base = r.commit('base', { 'a.txt': 'x\n' });
    r.commit('bin', { 'blob.bin': `\u0000\u0001binary ${tokens.githubPat()}` });
    const result = await scanRange(r, base, r.head());
    expect(where(result.findings)).toEqual(['blob.bin:1:github-pat']);
    expect(result.notes).toEqual([]);
  });
});

describe('a shallow checkout', () => {
  /** An origin with a long history and a feature branch; returns the shas of interest. */
  function origin(commitsOnMain: number, commitsOnFeature: number) {
    const o = repo();
    for (let i = 0; i < commitsOnMain; i++) o.commit(`main ${i}`, { 'main.txt': `${i}\n` });
    const base = o.head();
    git(o.dir, 'checkout', '-q', '-b', 'feature');
    for (let i = 0; i < commitsOnFeature; i++) {
      o.commit(`feature ${i}`, {
        [`f${i}.env`]: i === 0 ? `T=${tokens.githubPat()}\n` : `N=${i}\n`,
      });
    }
    const head = o.head();
    git(o.dir, 'checkout', '-q', 'main');
    return { o, base, head };
  }

  function shallowClone(o: Repo, branch: string): Repo {
    const dir = mkdtempSync(join(tmpdir(), 'scan-shallow-'));
    dirs.push(dir);
    git(tmpdir(), 'clone', '-q', '--depth=1', '--branch', branch, `file://${o.dir}`, dir);
    return new Repo(dir);
  }

  it('is deepened as far as the range needs, fetching the base by sha', async () => {
    const { o, base, head } = origin(5, 40);
    const clone = shallowClone(o, 'feature');
    expect(clone.git('rev-parse', '--is-shallow-repository')).toBe('true');
    const result = await scanRange(clone, base, head);
    expect(result.commits).toBe(40);
    expect(where(result.findings)).toEqual(['f0.env:1:github-pat']);
  });

  it('fetches a head that is not checked out', async () => {
    const { o, base, head } = origin(3, 2);
    const clone = shallowClone(o, 'main');
    const result = await scanRange(clone, base, head);
    expect(result.commits).toBe(2);
  });

  it('says which fetch-depth to set when bounded deepening is not enough', async () => {
    const { o, base, head } = origin(3, 30);
    const clone = shallowClone(o, 'feature');
    let error: unknown;
    try {
      await runScan({
        root: clone.dir,
        target: { kind: 'range', base, head, description: 't', expectedCommits: 30 },
        config: loadScanConfig({ root: clone.dir }),
        ensure: { depths: [3, 6] },
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(GitError);
    expect((error as Error).message).toMatch(/fetch-depth: 0/);
    expect((error as Error).message).toMatch(/at least 31/);
  });

  it('without fetching (the CLI), a shallow clone is reported, not half-scanned', async () => {
    const { o, base, head } = origin(3, 5);
    const clone = shallowClone(o, 'feature');
    await expect(
      runScan({
        root: clone.dir,
        target: { kind: 'range', base, head, description: 't' },
        config: loadScanConfig({ root: clone.dir }),
        ensure: { offline: true },
      }),
    ).rejects.toThrow(/git fetch --unshallow/);
  });
});

describe('events', () => {
  const event = (name: string, payload: object) => {
    const dir = mkdtempSync(join(tmpdir(), 'scan-event-'));
    dirs.push(dir);
    const path = join(dir, 'event.json');
    writeFileSync(path, JSON.stringify(payload));
    return readEvent({ GITHUB_EVENT_NAME: name, GITHUB_EVENT_PATH: path });
  };

  it('pull_request: the base and head shas and the commit count', async () => {
    const r = repo();
    const base = r.commit('b', { a: '1' });
    const head = r.commit('h', { a: '2' });
    const target = await targetFromEvent(
      event('pull_request', {
        number: 7,
        pull_request: { number: 7, commits: 1, base: { sha: base }, head: { sha: head } },
      }),
      { mode: 'auto', paths: ['.'] },
      r.dir,
    );
    expect(target).toEqual({
      kind: 'range',
      base,
      head,
      expectedCommits: 1,
      description: 'pull request #7',
    });
  });

  it('push of a new branch: the commits it adds to the default branch', async () => {
    const o = repo();
    o.commit('m1', { a: '1' });
    const mainTip = o.commit('m2', { a: '2' });
    git(o.dir, 'checkout', '-q', '-b', 'topic');
    o.commit('t1', { t: `T=${tokens.githubPat()}\n` });
    const after = o.commit('t2', { u: '1\n' });
    const dir = mkdtempSync(join(tmpdir(), 'scan-push-'));
    dirs.push(dir);
    git(tmpdir(), 'clone', '-q', '--depth=1', '--branch', 'topic', `file://${o.dir}`, dir);
    const target = await targetFromEvent(
      event('push', {
        ref: 'refs/heads/topic',
        before: '0'.repeat(40),
        after,
        commits: [{ id: 'x' }, { id: 'y' }],
        repository: { default_branch: 'main' },
      }),
      { mode: 'auto', paths: ['.'] },
      dir,
    );
    expect(target).toMatchObject({ kind: 'range', base: mainTip, head: after });
    const result = await runScan({ root: dir, target, config: loadScanConfig({ root: dir }) });
    expect(result.commits).toBe(2);
    expect(result.findings.map((f) => f.ruleId)).toEqual(['github-pat']);
  });

  it('a deleted branch has nothing to scan; other events scan the tree', async () => {
    const r = repo();
    r.commit('x', { a: '1' });
    expect(
      await targetFromEvent(
        event('push', { before: 'a'.repeat(40), after: '0'.repeat(40), deleted: true }),
        { mode: 'auto', paths: ['.'] },
        r.dir,
      ),
    ).toEqual({ kind: 'none', reason: 'the push deleted the branch' });
    expect(
      await targetFromEvent(
        event('workflow_dispatch', {}),
        { mode: 'auto', paths: ['src'] },
        r.dir,
      ),
    ).toEqual({
      kind: 'tree',
      paths: ['src'],
      // Tree mode leaves out what git ignores unless the `gitignore` input says false.
      gitignore: true,
    });
    await expect(
      targetFromEvent(event('schedule', {}), { mode: 'diff', paths: ['.'] }, r.dir),
    ).rejects.toThrow(/mode: diff needs a base/);
  });
});

describe('path names git quotes, or ends with a TAB on the `+++` line', () => {
  // Every kind of name git writes differently from its bytes: a space (the `+++` line then
  // ends with a TAB), a TAB, a quote, a backslash, a newline (C-quoted), non-ASCII (raw with
  // core.quotePath off, octal with it on), a trailing space, and names that start with "b/".
  const NAMES = [
    'my file.txt',
    'we ird\ttab.txt',
    'q"uo te.txt',
    '"quoted start',
    'back\\slash.txt',
    'back\\slash and space.txt',
    'héllo wörld.txt',
    'héllo.txt',
    'trailing space ',
    'b/my x',
    'b/plain',
    'nl\nname',
  ];
  const ids = (findings: { globalFingerprint: string }[]) =>
    findings.map((f) => sha(f.globalFingerprint)).sort();
  const files = (findings: { file: string }[]) => findings.map((f) => f.file).sort();

  it('range, staged, pushed and history scans name each file exactly as tree mode does', async () => {
    const r = repo();
    const base = r.commit('base', { 'README.md': '# x\n' });
    for (const name of NAMES) r.write(name, `t=${tokens.githubPat()}\n`);
    r.git('add', '-A');
    const run = (target: ScanTarget) =>
      runScan({ root: r.dir, target, config: loadScanConfig({ root: r.dir }), ensure: false });

    const staged = await run({ kind: 'staged' });
    r.git('commit', '-q', '-m', 'odd names');
    const head = r.head();
    const tree = await run({ kind: 'tree', paths: ['.'], gitignore: true });
    const range = await scanRange(r, base, head);
    const push = await run({
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
    const history = await run({ kind: 'history' });

    // Compared as hashes: a failing assertion never shows a name or fingerprint wrongly
    // (nothing secret in them, but a TAB or newline makes a diff unreadable).
    expect(files(tree.findings).map(sha)).toEqual([...NAMES].sort().map(sha));
    for (const scan of [range, staged, push, history]) {
      expect(files(scan.findings).map(sha)).toEqual(files(tree.findings).map(sha));
      expect(ids(scan.findings)).toEqual(ids(tree.findings));
    }
  });

  it('a commit-less .gitleaksignore entry that works in tree mode works on a range', async () => {
    const r = repo();
    const base = r.commit('base', { 'README.md': '# x\n' });
    const pat = tokens.githubPat();
    const quoted = tokens.githubPat();
    r.commit('leaks', { 'my file.txt': `t=${pat}\n`, 'q"uo te.txt': `t=${quoted}\n` });
    r.write(
      '.gitleaksignore',
      `my file.txt:github-pat:1:${hash12(pat)}\nq"uo te.txt:github-pat:1:${hash12(quoted)}\n`,
    );
    const tree = await runScan({
      root: r.dir,
      target: { kind: 'tree', paths: ['.'], gitignore: true },
      config: loadScanConfig({ root: r.dir }),
      ignore: IgnoreList.load(join(r.dir, '.gitleaksignore')),
    });
    // Names only (hashed), never a finding whole: it holds the secret.
    expect(files(tree.findings).map(sha)).toEqual([]);
    expect(tree.ignored).toBe(2);
    const range = await scanRange(r, base, r.head());
    expect(files(range.findings).map(sha)).toEqual([]);
    expect(range.ignored).toBe(2);
  });
});
