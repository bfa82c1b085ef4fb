// `oidc-secrets scan` through runScanCommand (the CLI dispatches to it): exit codes 0/1/2,
// a path tree or the lines added since --base, --config, --sarif, output redacted.
import '@microsoft/jest-sarif';
import { jest } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScanCommand } from '../../../src/cli/scan-command.js';
import { Repo, tokens } from '../../unit/scan/helpers.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    interface Matchers<R> {
      toBeValidSarifLog(): R;
    }
  }
}

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

const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'scan-cli-'));
  dirs.push(d);
  return d;
};

describe('oidc-secrets scan', () => {
  it('--help', async () => {
    const r = await run(['--help'], tempDir());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^Usage: oidc-secrets scan \[--base REV\] \[--config FILE\] \[--sarif FILE\] \[PATH…\]/,
    );
    expect(r.stdout).toMatch(
      /Exit codes: 0 nothing found, 1 leaked credentials found, 2 the scan could not run/,
    );
  });

  it('a tree: 0 when clean, 1 with findings listed redacted with fingerprints; PATH operands', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'clean.ts'), 'export const x = 1;\n');
    expect((await run([], dir)).code).toBe(0);
    const pat = tokens.githubPat();
    writeFileSync(join(dir, 'leak.env'), `A=1\nGH=${pat}\n`);
    const r = await run(['.'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^leak\.env:2:4: github-pat: ghp_\*\*\*\*\* \[leak\.env:github-pat:2:[0-9a-f]{12}\]$/m,
    );
    expect(r.stdout).toMatch(/1 leaked credential; scanned 2 files/);
    expect(r.stdout.includes(pat)).toBe(false);
    expect((await run(['clean.ts'], dir)).code).toBe(0);
  });

  it('--base: only the lines added since REV, per commit; --sarif writes a valid SARIF file', async () => {
    const repo = new Repo();
    dirs.push(repo.dir);
    const old = tokens.githubPat();
    repo.commit('old', { 'old.env': `T=${old}\n` });
    const base = repo.head();
    const added = tokens.slackBot();
    repo.commit('new', { 'new.env': `S=${added}\n` });
    const sarif = join(tempDir(), 'out', 'scan.sarif');
    const r = await run(['--base', base, '--sarif', sarif], repo.dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^new\.env:1:3: slack-bot-token: xoxb\*\*\*\*\* commit [0-9a-f]{7} \[new\.env:slack-bot-token:1:[0-9a-f]{12}\]$/m,
    );
    expect(r.stdout).not.toMatch(/old\.env/);
    const log = JSON.parse(readFileSync(sarif, 'utf8'));
    expect(log).toBeValidSarifLog();
    expect(log.runs[0].results).toHaveLength(1);
    expect(
      [r.stdout, readFileSync(sarif, 'utf8')].some((t) => t.includes(added) || t.includes(old)),
    ).toBe(false);
    expect((await run(['--base', 'HEAD'], repo.dir)).code).toBe(0);
  });

  it('--config FILE replaces the rules', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.txt'), `acme_40815162\nGH=${tokens.githubPat()}\n`);
    const config = join(dir, 'rules.toml');
    writeFileSync(
      config,
      "[[rules]]\nid = \"acme\"\nregex = '''acme_[0-9]{8}'''\nkeywords = [\"acme_\"]\n",
    );
    const r = await run(['--config', config, 'a.txt'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/a\.txt:1:1: acme: /);
    expect(r.stdout).not.toMatch(/github-pat/);
  });

  it('2 when the scan cannot run, with a message on stderr', async () => {
    const dir = tempDir();
    const notRepo = await run(['--base', 'HEAD~1'], dir);
    expect(notRepo.code).toBe(2);
    expect(notRepo.stderr).toMatch(/--base needs a git repository/);
    expect((await run(['--nope'], dir)).code).toBe(2);
    expect((await run(['missing-dir'], dir)).stderr).toMatch(/path missing-dir does not exist/);
    writeFileSync(join(dir, 'bad.toml'), "[[rules]]\nid = \"x\"\nregex = '''(a'''\n");
    const bad = await run(['--config', join(dir, 'bad.toml')], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/rule "x" regex: missing closing/);
    const repo = new Repo();
    dirs.push(repo.dir);
    repo.commit('one', { a: '1' });
    expect((await run(['--base', 'no-such-rev'], repo.dir)).stderr).toMatch(
      /--base: "no-such-rev" is not a commit/,
    );
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});
