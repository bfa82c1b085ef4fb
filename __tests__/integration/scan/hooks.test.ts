// The hooks as git runs them: `oidc-secrets scan install-hook` writes them, then real `git
// commit` and `git push` (to a local bare repository) run the built CLI (dist/cli.cjs) through
// them. A secret blocks, a clean change passes, and nothing of a secret is printed.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CLI, runCli } from '../cli/cli-process.js';
import { REPO_ROOT } from '../../../test/support/runner.js';
import { findLeaks, formatFindings } from '../../../test/support/leaks.js';
import { tokens } from '../../unit/scan/helpers.js';

const dirs: string[] = [];
beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const ENV = {
  ...Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('GIT_') && !k.startsWith('SECRET_')),
  ),
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_COMMITTER_NAME: 'Test Author',
  GIT_COMMITTER_EMAIL: 'author@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
};

interface GitRun {
  code: number;
  output: string;
}

/** Runs git as a user would; the hook's output is in `output` (stdout and stderr). */
function git(cwd: string, ...args: string[]): GitRun {
  const r = spawnSync(
    'git',
    ['-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main', ...args],
    {
      cwd,
      env: ENV,
      encoding: 'utf8',
    },
  );
  return { code: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

function gitOk(cwd: string, ...args: string[]): string {
  return execFileSync(
    'git',
    ['-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main', ...args],
    {
      cwd,
      env: ENV,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  ).trim();
}

function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/** A fresh repository (no commit yet) with our hook installed. */
async function repoWithHook(kind: 'pre-commit' | 'pre-push' = 'pre-commit'): Promise<string> {
  const dir = tempDir('hook-repo-');
  gitOk(dir, 'init', '-q');
  const r = await runCli(['scan', 'install-hook', kind], { cwd: dir });
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(`hooks/${kind}: installed`);
  return dir;
}

function head(dir: string): string | null {
  const r = git(dir, 'rev-parse', '--verify', '--quiet', 'HEAD');
  return r.code === 0 ? r.output.trim() : null;
}

function expectNoLeak(text: string, secrets: string[]): void {
  const leaks = findLeaks(text, secrets);
  if (leaks.length > 0) throw new Error(`leaked:\n${formatFindings(leaks)}`);
  // Nor in base64 (what a careless report might print instead).
  expect(secrets.some((s) => text.includes(Buffer.from(s).toString('base64')))).toBe(false);
}

describe('pre-commit: git commit with the hook installed', () => {
  it('a first commit (no HEAD) with a secret is stopped, redacted; a clean one passes', async () => {
    const dir = await repoWithHook();
    const pat = tokens.githubPat();
    writeFileSync(join(dir, 'deploy.env'), `A=1\nGH_TOKEN=${pat}\n`);
    gitOk(dir, 'add', '-A');
    const blocked = git(dir, 'commit', '-q', '-m', 'first');
    expect(blocked.code).not.toBe(0);
    expect(head(dir)).toBeNull();
    expect(blocked.output).toMatch(/deploy\.env:2:10: github-pat: ghp_\*\*\*\*\*/);
    expect(blocked.output).toContain('commit stopped');
    expectNoLeak(blocked.output, [pat]);

    writeFileSync(join(dir, 'deploy.env'), 'A=1\nGH_TOKEN=${GH_TOKEN}\n');
    gitOk(dir, 'add', '-A');
    const clean = git(dir, 'commit', '-q', '-m', 'first');
    expect(clean.code).toBe(0);
    expect(head(dir)).not.toBeNull();
  });

  it('partial staging: the staged blob is scanned, not the work tree', async () => {
    const dir = await repoWithHook();
    writeFileSync(join(dir, 'app.env'), 'A=1\n');
    gitOk(dir, 'add', '-A');
    expect(git(dir, 'commit', '-q', '-m', 'base').code).toBe(0);

    // Staged: clean. Work tree: a secret not staged (as after `git add -p` leaving it out).
    const npm = tokens.npm();
    writeFileSync(join(dir, 'app.env'), 'A=1\nB=2\n');
    gitOk(dir, 'add', 'app.env');
    writeFileSync(join(dir, 'app.env'), `A=1\nB=2\nNPM_TOKEN=${npm}\n`);
    const passes = git(dir, 'commit', '-q', '-m', 'clean part');
    expect(passes.code).toBe(0);
    expectNoLeak(passes.output, [npm]);

    // Staged: the secret. Work tree: cleaned up afterwards but not staged.
    gitOk(dir, 'add', 'app.env');
    writeFileSync(join(dir, 'app.env'), 'A=1\nB=2\n');
    const before = head(dir);
    const blocked = git(dir, 'commit', '-q', '-m', 'secret part');
    expect(blocked.code).not.toBe(0);
    expect(head(dir)).toBe(before);
    expect(blocked.output).toMatch(/app\.env:3:11: npm-access-token: npm_\*\*\*\*\*/);
    expectNoLeak(blocked.output, [npm]);
  });

  it('renames and deletions add nothing; binary files by content are skipped; NUL bytes hide nothing', async () => {
    const dir = await repoWithHook();
    const old = tokens.slackBot();
    writeFileSync(join(dir, 'old.env'), `SLACK=${old}\n`);
    writeFileSync(join(dir, 'gone.env'), `SLACK2=${tokens.slackBot()}\n`);
    gitOk(dir, 'add', '-A');
    // An old secret, committed before the hook could see it.
    expect(git(dir, 'commit', '-q', '--no-verify', '-m', 'legacy').code).toBe(0);

    gitOk(dir, 'mv', 'old.env', 'renamed.env');
    gitOk(dir, 'rm', '-q', 'gone.env');
    // A PNG (binary by content: its signature, then compressed-looking data) that happens
    // to hold a token's bytes. Its name does not matter: a text file named .png is read.
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.from(`\0\0\0\rIHDR ${tokens.githubPat()}\n`),
      randomBytes(1024),
    ]);
    writeFileSync(join(dir, 'logo.png'), png);
    gitOk(dir, 'add', '-A');
    const passes = git(dir, 'commit', '-q', '-m', 'move, delete, image');
    expect(passes.code).toBe(0);
    expectNoLeak(passes.output, [old]);

    // A text file with a NUL byte in it (git calls it binary) still has its lines read.
    const pat = tokens.githubPat();
    writeFileSync(join(dir, 'data.txt'), `header\0\nGH=${pat}\n`);
    gitOk(dir, 'add', '-A');
    const blocked = git(dir, 'commit', '-q', '-m', 'nul');
    expect(blocked.code).not.toBe(0);
    expect(blocked.output).toMatch(/data\.txt:2:\d+: github-pat/);
    expectNoLeak(blocked.output, [pat]);
  });

  it('`git commit PATH` (a temporary index) is scanned as committed', async () => {
    const dir = await repoWithHook();
    writeFileSync(join(dir, 'a.txt'), 'a\n');
    gitOk(dir, 'add', '-A');
    expect(git(dir, 'commit', '-q', '-m', 'base').code).toBe(0);
    const key = tokens.stripeLive();
    writeFileSync(join(dir, 'a.txt'), `a\nstripe_key = "${key}"\n`);
    const blocked = git(dir, 'commit', '-q', '-m', 'only a', 'a.txt');
    expect(blocked.code).not.toBe(0);
    expect(blocked.output).toMatch(/a\.txt:2:\d+: stripe/);
    expectNoLeak(blocked.output, [key]);
  });
});

describe('install-hook', () => {
  it('refuses to overwrite a foreign hook, naming it; is idempotent for its own', async () => {
    const dir = tempDir('hook-foreign-');
    gitOk(dir, 'init', '-q');
    const path = join(dir, '.git', 'hooks', 'pre-commit');
    writeFileSync(path, '#!/bin/sh\nexec lint-staged\n');
    chmodSync(path, 0o755);
    const refused = await runCli(['scan', 'install-hook', 'pre-commit'], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${path} already exists and is not an oidc-secrets hook`);
    expect(readFileSync(path, 'utf8')).toBe('#!/bin/sh\nexec lint-staged\n');

    const again1 = await runCli(['scan', 'install-hook', 'pre-push'], { cwd: dir });
    expect(again1.stdout).toContain('pre-push: installed');
    const again2 = await runCli(['scan', 'install-hook', 'pre-push'], { cwd: dir });
    expect(again2.code).toBe(0);
    expect(again2.stdout).toContain('pre-push: already installed');

    const bad = await runCli(['scan', 'install-hook', 'post-merge'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"post-merge" is not a hook this command installs');
  });

  it('honours core.hooksPath, and the hook it writes there runs', async () => {
    const dir = tempDir('hook-path-');
    gitOk(dir, 'init', '-q');
    gitOk(dir, 'config', 'core.hooksPath', 'tools/hooks');
    const r = await runCli(['scan', 'install-hook'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'tools', 'hooks', 'pre-commit'))).toBe(true);
    expect(existsSync(join(dir, '.git', 'hooks', 'pre-commit'))).toBe(false);
    const pat = tokens.githubPat();
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'x.ts'), `const t = "${pat}";\n`);
    gitOk(dir, 'add', 'src');
    const blocked = git(dir, 'commit', '-q', '-m', 'x');
    expect(blocked.code).not.toBe(0);
    expectNoLeak(blocked.output, [pat]);
  });
});

describe('pre-push: git push to a bare repository with the hook installed', () => {
  async function setup() {
    const dir = await repoWithHook('pre-push');
    const remote = tempDir('hook-remote-');
    gitOk(remote, 'init', '-q', '--bare');
    gitOk(dir, 'remote', 'add', 'origin', remote);
    writeFileSync(join(dir, 'README.md'), '# app\n');
    gitOk(dir, 'add', '-A');
    gitOk(dir, 'commit', '-q', '-m', 'base');
    return { dir, remote };
  }

  it('a new branch: its own commits are scanned (a secret blocks), not what the remote has', async () => {
    const { dir, remote } = await setup();
    // First push of main: nothing on any remote yet, every commit is new; clean.
    expect(git(dir, 'push', '-q', 'origin', 'main').code).toBe(0);

    gitOk(dir, 'checkout', '-q', '-b', 'feature');
    const key = tokens.awsKeyId();
    writeFileSync(join(dir, 'cfg.ts'), `export const id = "${key}";\n`);
    gitOk(dir, 'add', '-A');
    gitOk(dir, 'commit', '-q', '-m', 'add key');
    writeFileSync(join(dir, 'more.ts'), 'export const x = 1;\n');
    gitOk(dir, 'add', '-A');
    gitOk(dir, 'commit', '-q', '-m', 'more');
    const blocked = git(dir, 'push', '-q', 'origin', 'feature');
    expect(blocked.code).not.toBe(0);
    expect(blocked.output).toMatch(
      /cfg\.ts:1:\d+: aws-access-key-id: AKIA\*\*\*\*\* commit [0-9a-f]{7}/,
    );
    expect(blocked.output).toContain('push stopped');
    expect(blocked.output).toMatch(/scanned 2 commits/);
    expectNoLeak(blocked.output, [key]);
    expect(git(remote, 'rev-parse', '--verify', '--quiet', 'refs/heads/feature').code).not.toBe(0);

    // Fixed by rewriting the branch: the push passes.
    gitOk(dir, 'reset', '-q', '--hard', 'main');
    writeFileSync(join(dir, 'cfg.ts'), 'export const id = process.env.KEY_ID;\n');
    gitOk(dir, 'add', '-A');
    gitOk(dir, 'commit', '-q', '-m', 'read the key from the environment');
    const passes = git(dir, 'push', '-q', 'origin', 'feature');
    expect(passes.code).toBe(0);
    expect(passes.output).toMatch(/scanned 1 commit,/);
  });

  it('a force push scans what it sends; a deletion sends nothing; shared commits are not rescanned', async () => {
    const { dir } = await setup();
    expect(git(dir, 'push', '-q', 'origin', 'main').code).toBe(0);
    gitOk(dir, 'checkout', '-q', '-b', 'topic');
    writeFileSync(join(dir, 'a.txt'), 'one\n');
    gitOk(dir, 'add', '-A');
    gitOk(dir, 'commit', '-q', '-m', 'one');
    expect(git(dir, 'push', '-q', 'origin', 'topic').code).toBe(0);

    // Rewrite: the amended commit adds a secret; the force push is stopped.
    const token = tokens.gitlab();
    writeFileSync(join(dir, 'a.txt'), `one\nGITLAB=${token}\n`);
    gitOk(dir, 'add', '-A');
    gitOk(dir, 'commit', '-q', '--amend', '-m', 'one, amended');
    const forced = git(dir, 'push', '-q', '--force', 'origin', 'topic');
    expect(forced.code).not.toBe(0);
    expect(forced.output).toMatch(/a\.txt:2:\d+: gitlab-pat/);
    expectNoLeak(forced.output, [token]);

    // Pushed anyway (--no-verify): a new branch at the same commit has nothing new to scan.
    expect(git(dir, 'push', '-q', '--no-verify', '--force', 'origin', 'topic').code).toBe(0);
    gitOk(dir, 'branch', 'copy');
    const copy = git(dir, 'push', '-q', 'origin', 'copy');
    expect(copy.code).toBe(0);
    expect(copy.output).toMatch(/no leaked credentials; scanned 0 commits/);

    // Deleting a remote branch sends no commit.
    const deletion = git(dir, 'push', '-q', 'origin', ':copy');
    expect(deletion.code).toBe(0);
    expectNoLeak(deletion.output, [token]);
  });

  it("reads git's pre-push lines; a malformed line is an error naming it", async () => {
    const { dir } = await setup();
    const sha = gitOk(dir, 'rev-parse', 'HEAD');
    const zero = '0'.repeat(40);
    const ok = await runCli(['scan', '--pre-push', 'origin', 'https://user:pw@example.com/r.git'], {
      cwd: dir,
      input: `refs/heads/main ${sha} refs/heads/main ${zero}\n`,
    });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/scanned 1 commit/);
    expect(`${ok.stdout}${ok.stderr}`).not.toContain('pw@');
    const bad = await runCli(['scan', '--pre-push'], {
      cwd: dir,
      input: `refs/heads/main ${sha}\n`,
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--pre-push: line 1 of standard input is not');
  });

  it('a remote sha this clone lacks is passed over; a local one it lacks is an error', async () => {
    const { dir } = await setup();
    const sha = gitOk(dir, 'rev-parse', 'HEAD');
    const unknown = 'ab'.repeat(20);
    const remoteUnknown = await runCli(['scan', '--pre-push'], {
      cwd: dir,
      input: `refs/heads/main ${sha} refs/heads/main ${unknown}\n`,
    });
    expect([remoteUnknown.code, remoteUnknown.stderr]).toEqual([0, '']);
    expect(remoteUnknown.stdout).toMatch(/scanned 1 commit/);
    const localUnknown = await runCli(['scan', '--pre-push'], {
      cwd: dir,
      input: `refs/heads/main ${unknown} refs/heads/main ${sha}\n`,
    });
    expect(localUnknown.code).toBe(2);
    expect(localUnknown.stderr).toContain(
      `--pre-push: refs/heads/main names commit ${unknown}, which this repository does not have`,
    );
  });
});

describe('.pre-commit-hooks.yaml (the pre-commit framework)', () => {
  it('declares a pre-commit and a pre-push hook that run this package’s bin', () => {
    const hooks = parseYaml(readFileSync(join(REPO_ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as {
      id: string;
      entry: string;
      language: string;
      pass_filenames: boolean;
      stages: string[];
    }[];
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    expect(hooks.map((h) => [h.id, h.entry, h.language, h.pass_filenames, h.stages])).toEqual([
      ['oidc-secrets-scan', 'oidc-secrets scan --staged', 'node', false, ['pre-commit']],
      ['oidc-secrets-scan-push', 'oidc-secrets scan --pre-push', 'node', false, ['pre-push']],
    ]);
    for (const h of hooks) expect(Object.keys(pkg.bin)).toContain(h.entry.split(' ')[0]);
  });

  it('the push hook takes its range from PRE_COMMIT_FROM_REF/PRE_COMMIT_TO_REF when stdin is empty', async () => {
    const dir = tempDir('hook-framework-');
    gitOk(dir, 'init', '-q');
    writeFileSync(join(dir, 'a.txt'), 'a\n');
    gitOk(dir, 'add', '-A');
    gitOk(dir, 'commit', '-q', '-m', 'base');
    const from = gitOk(dir, 'rev-parse', 'HEAD');
    const pat = tokens.githubPat();
    writeFileSync(join(dir, 'b.txt'), `t=${pat}\n`);
    gitOk(dir, 'add', '-A');
    gitOk(dir, 'commit', '-q', '-m', 'leak');
    const to = gitOk(dir, 'rev-parse', 'HEAD');
    const r = await runCli(['scan', '--pre-push'], {
      cwd: dir,
      env: { PRE_COMMIT_FROM_REF: from, PRE_COMMIT_TO_REF: to },
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/b\.txt:1:3: github-pat/);
    expect(r.stdout).toMatch(/scanned 1 commit,/);
    expectNoLeak(r.stdout + r.stderr, [pat]);
  });
});
