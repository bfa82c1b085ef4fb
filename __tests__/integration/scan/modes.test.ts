// `oidc-secrets scan` beyond a tree or a range: --history (every ref, each added line once),
// --baseline (our SARIF, gitleaks' JSON report), .gitignore in tree mode (--no-ignore), and `-`
// (standard input). In process through runScanCommand, but `-`, which reads this process's
// standard input, runs the built CLI.
import { jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScanCommand } from '../../../src/cli/scan-command.js';
import { findLeaks, formatFindings } from '../../../test/support/leaks.js';
import { CLI, runCli } from '../cli/cli-process.js';
import { git, Repo, tokens } from '../../unit/scan/helpers.js';

const cwd = process.cwd();
const dirs: string[] = [];
afterEach(() => process.chdir(cwd));
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function run(
  args: string[],
  dir: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err.push(String(chunk));
    return true;
  });
  try {
    process.chdir(dir);
    const code = await runScanCommand(args);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

function repo(): Repo {
  const r = new Repo();
  dirs.push(r.dir);
  return r;
}

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'scan-modes-'));
  dirs.push(d);
  return d;
}

function expectNoLeak(text: string, secrets: string[]): void {
  const leaks = findLeaks(text, secrets);
  if (leaks.length > 0) throw new Error(`leaked:\n${formatFindings(leaks)}`);
}

/** `file:line: rule` of each finding line of the text report. */
function found(stdout: string): string[] {
  return [...stdout.matchAll(/^(.+?):(\d+):\d+: ([a-z0-9-]+): /gm)].map(
    (m) => `${m[1]}:${m[2]}: ${m[3]}`,
  );
}

describe('--history', () => {
  it('scans every commit reachable from any ref: other branches, tags, unmerged work', async () => {
    const r = repo();
    const onMain = tokens.githubPat();
    const onBranch = tokens.npm();
    const onTag = tokens.gitlab();
    r.commit('base', { 'README.md': '# app\n' });
    r.commit('main leak', { 'a.env': `GH=${onMain}\n` });
    r.commit('main fix', { 'a.env': 'GH=${GH}\n' });
    r.git('checkout', '-q', '-b', 'side');
    r.commit('side leak', { 'b.env': `NPM=${onBranch}\n` });
    r.git('checkout', '-q', '--detach', 'main');
    r.commit('tagged leak', { 'c.env': `GL=${onTag}\n` });
    r.git('tag', 'v0');
    r.git('checkout', '-q', 'main');
    const result = await run(['--history'], r.dir);
    expect(result.code).toBe(1);
    expect(found(result.stdout).sort()).toEqual([
      'a.env:1: github-pat',
      'b.env:1: npm-access-token',
      'c.env:1: gitlab-pat',
    ]);
    expect(result.stdout).toMatch(/3 leaked credentials; scanned 5 commits/);
    expectNoLeak(result.stdout + result.stderr, [onMain, onBranch, onTag]);
    // The tree today is clean: the history is what holds them.
    expect((await run([], r.dir)).code).toBe(0);
  });

  it('each added line once: a cherry-picked or re-added line is reported where it was first added', async () => {
    const r = repo();
    const pat = tokens.githubPat();
    r.commit('base', { 'README.md': '# app\n' });
    r.git('checkout', '-q', '-b', 'one');
    const first = r.commit('leak', { 'cfg.env': `X=1\nGH=${pat}\n` });
    r.git('checkout', '-q', 'main');
    r.git('checkout', '-q', '-b', 'two');
    r.git('cherry-pick', first);
    const picked = r.head();
    // Removed and added again on a third branch.
    r.git('checkout', '-q', '-b', 'three');
    r.commit('remove', { 'cfg.env': 'X=1\n' });
    // Re-added beside a new line: kept as that line's context, but not reported again.
    r.commit('re-add', { 'cfg.env': `X=1\nGH=${pat}\nY=2\n` });
    const result = await run(['--history'], r.dir);
    expect(result.code).toBe(1);
    expect(found(result.stdout)).toEqual(['cfg.env:2: github-pat']);
    // The original and its cherry-pick are on unrelated branches: either may come first.
    // The remove and re-add descend from both and come later (--topo-order).
    const commit = /commit ([0-9a-f]{7})/.exec(result.stdout)?.[1];
    expect([first.slice(0, 7), picked.slice(0, 7)]).toContain(commit);
    // Copied into another file, it is a new place to clean up.
    r.commit('copy', { 'other.env': `GH=${pat}\n` });
    expect(found((await run(['--history'], r.dir)).stdout).sort()).toEqual([
      'cfg.env:2: github-pat',
      'other.env:1: github-pat',
    ]);
  });

  it('a re-created key file keeps its BEGIN/END lines, seen before, as context: both keys are found', async () => {
    const r = repo();
    const first = tokens.privateKey();
    const second = tokens.privateKey();
    r.commit('key 1', { 'deploy/key.pem': first });
    r.git('rm', '-q', 'deploy/key.pem');
    r.commit('no key');
    r.commit('key 2', { 'deploy/key.pem': second });
    const result = await run(['--history'], r.dir);
    expect(result.code).toBe(1);
    expect(found(result.stdout)).toEqual([
      'deploy/key.pem:1: private-key',
      'deploy/key.pem:1: private-key',
    ]);
    expectNoLeak(result.stdout, [first, second]);
  });
});

describe('--baseline', () => {
  it('our SARIF: known findings are not reported again, a changed secret on the same line is new, a moved one is not', async () => {
    const dir = tempDir();
    const pat = tokens.githubPat();
    const npm = tokens.npm();
    writeFileSync(join(dir, 'a.env'), `GH=${pat}\nNPM=${npm}\n`);
    const sarif = join(dir, 'base.sarif');
    expect((await run(['--sarif', sarif, 'a.env'], dir)).code).toBe(1);
    expect(readFileSync(sarif, 'utf8').includes(pat)).toBe(false);

    // Same findings, moved down two lines: still known.
    writeFileSync(join(dir, 'a.env'), `# header\n\nGH=${pat}\nNPM=${npm}\n`);
    const same = await run(['--baseline', sarif, 'a.env'], dir);
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/no leaked credentials \(2 already in the baseline\)/);

    // The npm token replaced by another one on the same line: that one is new.
    const rotated = tokens.npm();
    writeFileSync(join(dir, 'a.env'), `# header\n\nGH=${pat}\nNPM=${rotated}\n`);
    const changed = await run(['--baseline', sarif, 'a.env'], dir);
    expect(changed.code).toBe(1);
    expect(found(changed.stdout)).toEqual(['a.env:4: npm-access-token']);
    expectNoLeak(changed.stdout + changed.stderr, [pat, npm, rotated]);
  });

  it("gitleaks' JSON report: matched by file and secret hash whatever gitleaks named the rule; the secret is never printed", async () => {
    const dir = tempDir();
    const key = tokens.awsKeyId();
    const slack = tokens.slackBot();
    const fresh = tokens.githubPat();
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'cfg.ts'), `const id = "${key}";\nconst s = "${slack}";\n`);
    writeFileSync(join(dir, 'new.env'), `GH=${fresh}\n`);
    // Fields as gitleaks' report.Finding writes them (report/finding.go).
    const report = [
      {
        RuleID: 'aws-access-token', // gitleaks' id for what our rules call aws-access-key-id
        Description: 'AWS',
        StartLine: 1,
        EndLine: 1,
        StartColumn: 13,
        EndColumn: 32,
        Match: key,
        Secret: key,
        File: 'src/cfg.ts',
        SymlinkFile: '',
        Commit: '',
        Entropy: 3.5,
        Author: '',
        Email: '',
        Date: '',
        Message: '',
        Tags: [],
        Fingerprint: 'src/cfg.ts:aws-access-token:1',
      },
      {
        RuleID: 'slack-bot-token',
        StartLine: 2,
        Secret: 'REDACTED', // gitleaks --redact: only the location is left to compare
        Match: 'REDACTED',
        File: 'src/cfg.ts',
        Fingerprint: 'src/cfg.ts:slack-bot-token:2',
      },
    ];
    const baseline = join(dir, 'gitleaks.json');
    writeFileSync(baseline, JSON.stringify(report));
    const result = await run(['--baseline', baseline, 'src', 'new.env'], dir);
    expect(result.code).toBe(1);
    expect(found(result.stdout)).toEqual(['new.env:1: github-pat']);
    expect(result.stdout).toMatch(/2 already in the baseline/);
    expectNoLeak(result.stdout + result.stderr, [key, slack, fresh]);

    // A broken baseline is an error naming the option, never quoting the file.
    writeFileSync(baseline, `[{"RuleID": "x", "Secret": "${key}"`);
    const bad = await run(['--baseline', baseline, 'src'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`--baseline ${baseline}: not JSON`);
    expectNoLeak(bad.stderr, [key]);
    writeFileSync(baseline, '[{"File": "a"}]');
    expect((await run(['--baseline', baseline, 'src'], dir)).stderr).toContain(
      'finding 1 of the gitleaks report lacks RuleID, File or StartLine',
    );
  });
});

function leakyRepo() {
  const r = repo();
  const secrets = {
    tracked: tokens.githubPat(),
    untracked: tokens.npm(),
    ignoredDir: tokens.gitlab(),
    ignoredFile: tokens.stripeLive(),
    forced: tokens.slackBot(),
  };
  r.commit('base', {
    '.gitignore': 'build/\n*.log\n',
    'src/app.env': `GH=${secrets.tracked}\n`,
  });
  // A tracked file that matches an ignore pattern is still tracked: scanned.
  r.write('kept.log', `SLACK=${secrets.forced}\n`);
  git(r.dir, 'add', '-f', 'kept.log');
  r.write('notes.env', `NPM=${secrets.untracked}\n`);
  r.write('build/pkg/index.env', `GL=${secrets.ignoredDir}\n`);
  r.write('debug.log', `stripe = "${secrets.ignoredFile}"\n`);
  return { r, secrets };
}

describe('tree mode and .gitignore', () => {
  it('in a git work tree: tracked and untracked unignored files; --no-ignore reads everything', async () => {
    const { r, secrets } = leakyRepo();
    const result = await run([], r.dir);
    expect(result.code).toBe(1);
    expect(found(result.stdout).sort()).toEqual([
      'kept.log:1: slack-bot-token',
      'notes.env:1: npm-access-token',
      'src/app.env:1: github-pat',
    ]);
    const all = await run(['--no-ignore'], r.dir);
    expect(
      found(all.stdout)
        .map((f) => f.split(':')[0])
        .sort(),
    ).toEqual(['build/pkg/index.env', 'debug.log', 'kept.log', 'notes.env', 'src/app.env']);
    expectNoLeak(result.stdout + all.stdout, Object.values(secrets));
  });

  it('a file named as an operand is read even when ignored; a missing operand is an error', async () => {
    const { r } = leakyRepo();
    const named = await run(['debug.log', 'src'], r.dir);
    expect(found(named.stdout).sort()).toEqual([
      'debug.log:1: stripe-secret-key',
      'src/app.env:1: github-pat',
    ]);
    const missing = await run(['nope'], r.dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('path nope does not exist');
  });

  it('from a sub-directory, paths are relative to it', async () => {
    const { r } = leakyRepo();
    const result = await run([], join(r.dir, 'src'));
    expect(found(result.stdout)).toEqual(['app.env:1: github-pat']);
  });
});

describe('tree mode without git', () => {
  it('reads every file when git cannot be run (not installed)', async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
    const { r, secrets } = leakyRepo();
    const noGit = tempDir(); // an empty PATH: no git to find
    const result = await runCli(['scan'], { cwd: r.dir, env: { PATH: noGit } });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/5 leaked credentials/);
    expectNoLeak(result.stdout + result.stderr, Object.values(secrets));
  });
});

describe('tree mode outside a repository', () => {
  it('starts no git process where git can find no repository, and one in a work tree', async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
    // A git that writes down each of its runs, then runs the real one.
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    const bin = tempDir();
    const log = join(bin, 'runs.log');
    writeFileSync(
      join(bin, 'git'),
      `#!/bin/sh\necho "$1 $2 $3" >> '${log}'\nexec '${realGit}' "$@"\n`,
      {
        mode: 0o755,
      },
    );
    const runs = (): string[] =>
      existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
    const env = { PATH: `${bin}:${process.env.PATH ?? ''}` };

    const pat = tokens.githubPat();
    const outside = tempDir();
    writeFileSync(join(outside, '.gitignore'), 'ignored.env\n');
    writeFileSync(join(outside, 'ignored.env'), `GH_TOKEN=${pat}\n`);
    const result = await runCli(['scan'], { cwd: outside, env });
    expect(result.code).toBe(1);
    // Every file is read (a .gitignore means nothing outside a repository), git never started.
    expect(result.stdout).toMatch(/^ignored\.env:1:\d+: github-pat/m);
    expect(runs()).toEqual([]);

    git(outside, 'init', '-q');
    const inside = await runCli(['scan'], { cwd: outside, env });
    expect(inside.code).toBe(0);
    expect(runs().filter((r) => !r.startsWith('init'))).toEqual([
      '-c core.quotePath=false ls-files',
    ]);
    expectNoLeak(result.stdout + result.stderr + inside.stdout + inside.stderr, [pat]);
  });
});

describe('scan - (standard input)', () => {
  it('scans what is piped in, named <stdin>', async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
    const pat = tokens.githubPat();
    const r = await runCli(['scan', '-'], { cwd: tempDir(), input: `line one\nGH_TOKEN=${pat}\n` });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^<stdin>:2:10: github-pat: ghp_\*\*\*\*\*/m);
    expectNoLeak(r.stdout + r.stderr, [pat]);
    const clean = await runCli(['scan', '-'], { cwd: tempDir(), input: 'nothing here\n' });
    expect(clean.code).toBe(0);
    const mixed = await runCli(['scan', '-', '--staged'], { cwd: tempDir() });
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('--staged and - choose different things to scan');
  });
});
