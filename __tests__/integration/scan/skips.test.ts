// What the scan may pass over (SPEC §2.1): only files that are binary by content type, each
// named. A change cannot hide a credential in a text file by making it large (more than the
// 10 MiB the scan holds at once), nor by giving it a name (an image's or an archive's
// extension, a lock file's name, a path under node_modules/). Through the CLI (`--base` and
// tree mode, the commands a hook or a laptop runs) and the scan action on a pull request
// (dist/scan.js). Secrets are generated at test time and never printed.
import { jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runScanCommand } from '../../../src/cli/scan-command.js';
import { REPO_ROOT, runStep } from '../../../test/support/runner.js';
import { git, pullRequestCheckout, Repo, tokens } from '../../unit/scan/helpers.js';

const cwd = process.cwd();
const dirs: string[] = [];
afterEach(() => process.chdir(cwd));
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const repo = (): Repo => {
  const r = new Repo();
  dirs.push(r.dir);
  return r;
};

beforeAll(() => {
  if (!existsSync(join(REPO_ROOT, 'dist', 'scan.js')))
    throw new Error('dist/scan.js is missing: run npm run build first');
});

async function cli(args: string[], dir: string): Promise<{ code: number; stdout: string }> {
  const out: string[] = [];
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    process.chdir(dir);
    return { code: await runScanCommand(args), stdout: out.join('') };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

/** The finding lines of the CLI's report: `file:line:column: rule`, secrets left out. */
const reported = (stdout: string): string[] =>
  [...stdout.matchAll(/^(.+?):(\d+):\d+: ([\w-]+):/gm)]
    .map((m) => `${m[1]}:${m[2]}:${m[3]}`)
    .sort();

function writeBytes(dir: string, path: string, content: string | Buffer): void {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), content);
}

/** About 10.5 MB of ordinary 90-byte lines, then a line holding a GitHub token. */
function largeText(secret: string): { text: string; line: number } {
  const lines = Math.ceil((10.5 * 1000 * 1000) / 90);
  const filler = 'x'.repeat(80);
  let text = '';
  for (let i = 0; i < lines; i++) text += `${String(i).padStart(8, '0')} ${filler}\n`;
  return { text: text + `t=${secret}\n`, line: lines + 1 };
}

/** An origin with a base commit and a PR branch, and the scan action on its depth-1 checkout. */
function pullRequest(change: (origin: Repo) => void) {
  const origin = repo();
  const base = origin.commit('base', { 'README.md': '# app\n' });
  git(origin.dir, 'checkout', '-q', '-b', 'feature');
  change(origin);
  const pr = pullRequestCheckout(origin, base, 3);
  dirs.push(pr.workspace);
  return runStep({
    entry: 'scan',
    workspace: pr.workspace,
    eventName: 'pull_request',
    eventPayload: pr.payload,
  });
}

describe('a text file over 10 MiB is scanned, not passed', () => {
  it('the CLI: --base and tree mode find the token at its end', async () => {
    const r = repo();
    const base = r.commit('base', { 'README.md': '# app\n' });
    const { text, line } = largeText(tokens.githubPat());
    r.commit('big', { 'big.txt': text });
    const diff = await cli(['--base', base], r.dir);
    expect(diff.code).toBe(1);
    expect(reported(diff.stdout)).toEqual([`big.txt:${line}:github-pat`]);
    const tree = await cli([], r.dir);
    expect(tree.code).toBe(1);
    expect(reported(tree.stdout)).toEqual([`big.txt:${line}:github-pat`]);
    expect(tree.stdout).not.toMatch(/too large/);
  }, 60_000);

  it('the action on a pull request fails with the finding', async () => {
    const { text, line } = largeText(tokens.githubPat());
    const step = await pullRequest((o) => o.commit('big', { 'big.txt': text }));
    expect(step.outputs.findings).toBe('1');
    expect(step.exitCode).toBe(1);
    expect(
      step.annotations.some(
        (a) =>
          a.level === 'error' &&
          a.properties.file === 'big.txt' &&
          a.properties.line === String(line),
      ),
    ).toBe(true);
  }, 60_000);
});

describe('no text file is skipped by its name', () => {
  const plant = () => ({
    svg: tokens.awsKeyId(),
    pdf: tokens.awsKeyId(),
    vendored: tokens.githubPat(),
    lock: tokens.githubPat(),
  });
  const files = (s: ReturnType<typeof plant>): Record<string, string> => ({
    'assets/creds.svg': `<svg xmlns="http://www.w3.org/2000/svg"><!-- k=${s.svg} --></svg>\n`,
    'docs/notes.pdf': `notes\nk=${s.pdf}\n`,
    'node_modules/x/index.js': `module.exports = { t: "${s.vendored}" };\n`,
    'package-lock.json': `{\n  "name": "app",\n  "token": "${s.lock}"\n}\n`,
  });
  const expected = [
    'assets/creds.svg:1:aws-access-key-id',
    'docs/notes.pdf:2:aws-access-key-id',
    'node_modules/x/index.js:1:github-pat',
    'package-lock.json:3:github-pat',
  ];
  /** A real image: skipped as binary by its content, and named. */
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    randomBytes(2048),
  ]);

  /** A real PDF: compressed streams after its header. */
  const pdf = Buffer.concat([
    Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'),
    randomBytes(2048),
  ]);

  it('the CLI: --base and tree mode (--no-ignore) report each one; real binaries are named', async () => {
    const r = repo();
    const base = r.commit('base', { 'README.md': '# app\n' });
    for (const [path, content] of Object.entries(files(plant()))) writeBytes(r.dir, path, content);
    writeBytes(r.dir, 'assets/logo.png', png);
    writeBytes(r.dir, 'docs/manual.pdf', pdf);
    git(r.dir, 'add', '-f', '-A');
    git(r.dir, 'commit', '-q', '-m', 'add');
    const skippedBinaries =
      /skipped 2 binary files: assets\/logo\.png \(PNG image\), docs\/manual\.pdf \(PDF document\)/;
    const diff = await cli(['--base', base], r.dir);
    expect(diff.code).toBe(1);
    expect(reported(diff.stdout)).toEqual(expected);
    expect(diff.stdout).toMatch(skippedBinaries);
    const tree = await cli(['--no-ignore'], r.dir);
    expect(reported(tree.stdout)).toEqual(expected);
    expect(tree.stdout).toMatch(skippedBinaries);
  });

  it('the action on a pull request reports each one', async () => {
    const step = await pullRequest((o) => {
      for (const [path, content] of Object.entries(files(plant())))
        writeBytes(o.dir, path, content);
      git(o.dir, 'add', '-f', '-A');
      git(o.dir, 'commit', '-q', '-m', 'add');
    });
    expect(step.outputs.findings).toBe('4');
    expect(
      step.annotations
        .filter((a) => a.level === 'error' && a.properties.file)
        .map((a) => a.properties.file)
        .sort(),
    ).toEqual(expected.map((e) => e.split(':')[0]));
  });

  it("a path the repository's own .gitleaks.toml allowlists is skipped, and named", async () => {
    const r = repo();
    r.commit('config', {
      '.gitleaks.toml':
        "[extend]\nuseDefault = true\n[[allowlists]]\ndescription = 'fixtures'\npaths = ['''^fixtures/''']\n",
    });
    const base = r.head();
    r.commit('fixture', { 'fixtures/sample.env': `T=${tokens.githubPat()}\n` });
    const diff = await cli(['--base', base], r.dir);
    expect(diff.code).toBe(0);
    expect(diff.stdout).toMatch(/skipped 1 allowlisted file: fixtures\/sample\.env \(fixtures\)/);
  });
});
