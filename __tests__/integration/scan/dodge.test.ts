// Attacks on the scan by the change it scans (SPEC §2.1, issue 11): hiding added text behind
// `.gitattributes` or NUL bytes, choosing its own config or ignore list, reusing an ignore
// entry for a new secret, symbolic links, and repository text that tries to become a
// workflow command, summary markup or a terminal escape sequence. Every fixture is a real
// git repository made here; secrets are generated at test time and never printed.
import { jest } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runScanCommand } from '../../../src/cli/scan-command.js';
import { loadScanConfig } from '../../../src/scan/config/config.js';
import { IgnoreList } from '../../../src/scan/detect/fingerprint.js';
import { runScan, type ScanResult, type ScanTarget } from '../../../src/scan/scan.js';
import { lintWorkflows } from '../../../src/scan/lint/workflow-lint.js';
import { REPO_ROOT, runStep, type StepResult } from '../../../test/support/runner.js';
import { git, pullRequestCheckout, Repo, tokens } from '../../unit/scan/helpers.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tempDir = (prefix: string): string => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
};
const repo = (): Repo => {
  const r = new Repo();
  dirs.push(r.dir);
  return r;
};

beforeAll(() => {
  if (!existsSync(join(REPO_ROOT, 'dist', 'scan.js')))
    throw new Error('dist/scan.js is missing: run npm run build first');
});

const hash12 = (secret: string): string =>
  createHash('sha256').update(secret).digest('hex').slice(0, 12);

const where = (findings: { file: string; startLine: number; ruleId: string }[]) =>
  findings.map((f) => `${f.file}:${f.startLine}:${f.ruleId}`).sort();

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A PNG as an image editor writes one: signature, header chunk, compressed-looking data. */
function png(): Buffer {
  return Buffer.concat([
    PNG_SIGNATURE,
    Buffer.from('0000000d49484452000000100000001008060000001ff3ff61', 'hex'),
    Buffer.from('00001000', 'hex'),
    Buffer.from('IDAT'),
    randomBytes(4096),
    Buffer.from('0000000049454e44ae426082', 'hex'),
  ]);
}

/** Text as UTF-16: little-endian with a BOM, or without one; big-endian with one. */
function utf16(text: string, order: 'le' | 'le-no-bom' | 'be'): Buffer {
  const le = Buffer.from(text, 'utf16le');
  if (order === 'le-no-bom') return le;
  if (order === 'le') return Buffer.concat([Buffer.from([0xff, 0xfe]), le]);
  return Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(le).swap16()]);
}

function writeBytes(r: Repo, path: string, content: string | Buffer): void {
  mkdirSync(dirname(join(r.dir, path)), { recursive: true });
  writeFileSync(join(r.dir, path), content);
}

/** Commits files given as text or bytes. */
function commitBytes(r: Repo, message: string, files: Record<string, string | Buffer>): string {
  for (const [path, content] of Object.entries(files)) writeBytes(r, path, content);
  git(r.dir, 'add', '-A');
  git(r.dir, 'commit', '-q', '-m', message);
  return r.head();
}

async function scanRange(r: Repo, base: string): Promise<ScanResult> {
  const target: ScanTarget = { kind: 'range', base, head: r.head(), description: 'test' };
  return runScan({
    root: r.dir,
    target,
    config: loadScanConfig({ root: r.dir }),
    ignore: IgnoreList.load(join(r.dir, '.gitleaksignore')),
    ensure: false,
  });
}

async function scanTree(dir: string, paths = ['.']): Promise<ScanResult> {
  return runScan({
    root: dir,
    target: { kind: 'tree', paths },
    config: loadScanConfig({ root: dir }),
  });
}

describe('diff mode: .gitattributes and NUL bytes hide no added text', () => {
  const cases: [string, string, (secret: string) => string | Buffer, number][] = [
    ['-diff in .gitattributes', '*.env -diff\n', (s) => `A=1\nTOKEN=${s}\n`, 2],
    ['binary in .gitattributes', '*.env binary\n', (s) => `TOKEN=${s}\n`, 1],
    ['text=false / -text', '*.env -text text=false\n', (s) => `TOKEN=${s}\n`, 1],
    ['a NUL byte before the secret', '', (s) => `\u0000header\nTOKEN=${s}\n`, 2],
    ['UTF-16LE with a BOM', '', (s) => utf16(`A=1\r\nTOKEN=${s}\r\n`, 'le'), 2],
    ['UTF-16LE without a BOM', '', (s) => utf16(`A=1\nB=2\nTOKEN=${s}\n`, 'le-no-bom'), 3],
    ['UTF-16BE with a BOM', '', (s) => utf16(`A=1\nTOKEN=${s}\n`, 'be'), 2],
    [
      'a fake PNG signature on a text file',
      '',
      (s) => Buffer.concat([PNG_SIGNATURE, Buffer.from(`TOKEN=${s}\n`)]),
      3,
    ],
  ];
  it.each(cases)('%s', async (_name, attributes, content, line) => {
    const r = repo();
    const base = r.commit('base', {
      'README.md': '# app\n',
      ...(attributes ? { '.gitattributes': attributes } : {}),
    });
    const secret = tokens.githubPat();
    commitBytes(r, 'add', { 'deploy/prod.env': content(secret) });
    const result = await scanRange(r, base);
    expect(where(result.findings)).toEqual([`deploy/prod.env:${line}:github-pat`]);
    expect(result.notes).toEqual([]);
  });

  it('a custom diff driver (binary, textconv, external command) in the attributes of the PR itself', async () => {
    const r = repo();
    const base = r.commit('base', { 'README.md': '# app\n' });
    // The clone's own config defines the driver: the attributes only name it.
    git(r.dir, 'config', 'diff.hide.binary', 'true');
    git(r.dir, 'config', 'diff.hide.textconv', 'true');
    git(r.dir, 'config', 'diff.hide.command', 'true');
    const secret = tokens.awsKeyId();
    r.commit('add', { '.gitattributes': '*.cfg diff=hide\n', 'app.cfg': `key = ${secret}\n` });
    const result = await scanRange(r, base);
    expect(where(result.findings)).toEqual(['app.cfg:1:aws-access-key-id']);
  });

  it('skips a real image, naming it; a modified binary further in is read, not hidden', async () => {
    const r = repo();
    const base = r.commit('base', { 'README.md': '# app\n' });
    commitBytes(r, 'logo', { 'assets/logo.png': png() });
    const result = await scanRange(r, base);
    expect(result.findings).toEqual([]);
    expect(result.notes.map((n) => [n.reason, n.path, n.detail])).toEqual([
      ['binary', 'assets/logo.png', 'PNG image'],
    ]);
  });
});

describe('tree mode: NUL bytes and UTF-16 hide nothing; only binaries by content are skipped', () => {
  it('reads text after a NUL byte and UTF-16 text; skips and names a real PNG and zip', async () => {
    const dir = tempDir('scan-tree-');
    const nul = tokens.githubPat();
    const wide = tokens.githubPat();
    const fake = tokens.githubPat();
    writeFileSync(join(dir, 'nul.env'), `\u0000\nTOKEN=${nul}\n`);
    writeFileSync(join(dir, 'wide.env'), utf16(`A=1\nTOKEN=${wide}\n`, 'le'));
    writeFileSync(
      join(dir, 'fake.env'),
      Buffer.concat([PNG_SIGNATURE, Buffer.from(`T=${fake}\n`)]),
    );
    writeFileSync(join(dir, 'logo.png'), png());
    writeFileSync(
      join(dir, 'bundle.zip'),
      Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), randomBytes(2048)]),
    );
    const result = await scanTree(dir);
    expect(where(result.findings)).toEqual([
      'fake.env:3:github-pat',
      'nul.env:2:github-pat',
      'wide.env:2:github-pat',
    ]);
    expect(result.notes.map((n) => `${n.reason}:${n.path}:${n.detail}`).sort()).toEqual([
      'binary:bundle.zip:zip archive',
      'binary:logo.png:PNG image',
    ]);
  });
});

describe('a commit-less .gitleaksignore entry silences only the same secret', () => {
  it('a new key written on a line that a hash-less entry names is reported', async () => {
    const r = repo();
    const placeholder = tokens.githubPat(); // a false positive someone once ignored
    const base = r.commit('base', {
      'config.env': `TOKEN=${placeholder}\n`,
      '.gitleaksignore': 'config.env:github-pat:1\n',
    });
    const real = tokens.githubPat();
    r.commit('rotate', { 'config.env': `TOKEN=${real}\n` });
    const result = await scanRange(r, base);
    expect(where(result.findings)).toEqual(['config.env:1:github-pat']);
  });

  it('a hashed entry silences its own secret on that line and no other', async () => {
    const r = repo();
    const base = r.commit('base', { 'README.md': '# app\n' });
    const first = tokens.githubPat();
    r.commit('one', {
      'config.env': `TOKEN=${first}\n`,
      '.gitleaksignore': `config.env:github-pat:1:${hash12(first)}\n`,
    });
    expect((await scanRange(r, base)).findings).toEqual([]);
    r.commit('two', { 'config.env': `TOKEN=${tokens.githubPat()}\n` });
    expect(where((await scanRange(r, base)).findings)).toEqual(['config.env:1:github-pat']);
  });
});

// --- the action on review events -------------------------------------------------------

interface Pr {
  workspace: string;
  payload: Record<string, unknown>;
  base: string;
  head: string;
}

/** An origin with a base commit, a PR branch changed by `change`, and a depth-1 checkout of it. */
function pullRequest(
  baseFiles: Record<string, string>,
  change: (origin: Repo) => void,
  event: 'pull_request' | 'merge_group' = 'pull_request',
): Pr {
  const origin = repo();
  const base = origin.commit('base', { 'README.md': '# app\n', ...baseFiles });
  git(origin.dir, 'checkout', '-q', '-b', 'feature');
  change(origin);
  const pr = pullRequestCheckout(origin, base, 3);
  dirs.push(pr.workspace);
  const payload =
    event === 'merge_group'
      ? {
          merge_group: {
            base_sha: base,
            head_sha: pr.head,
            head_ref: 'refs/heads/gh-readonly-queue/main/pr-1',
          },
        }
      : pr.payload;
  return { workspace: pr.workspace, payload, base, head: pr.head };
}

async function scanPr(pr: Pr, event = 'pull_request', inputs: Record<string, string> = {}) {
  return runStep({
    entry: 'scan',
    workspace: pr.workspace,
    eventName: event,
    eventPayload: pr.payload,
    inputs,
  });
}

const noticeFiles = (step: StepResult): string[] =>
  step.annotations
    .filter((a) => a.level === 'notice' && /takes effect after merge/.test(a.message))
    .map((a) => a.properties.file ?? '')
    .sort();

const ALLOW_ALL = "[extend]\nuseDefault = true\n[[allowlists]]\npaths = ['''.*''']\n";

describe('on pull_request and merge_group the settings come from the base commit', () => {
  it('a PR that adds a .gitleaksignore entry for its own key: reported, with a notice', async () => {
    const secret = tokens.githubPat();
    const pr = pullRequest({}, (o) => {
      o.commit('leak', {
        'app.env': `T=${secret}\n`,
        '.gitleaksignore': `app.env:github-pat:1:${hash12(secret)}\napp.env:github-pat:1\n`,
      });
    });
    const step = await scanPr(pr);
    expect(step.outputs.findings).toBe('1');
    expect(noticeFiles(step)).toEqual(['.gitleaksignore']);
  });

  it('a PR that edits .gitleaks.toml to allow every path: reported (merge queue too)', async () => {
    for (const event of ['pull_request', 'merge_group'] as const) {
      const pr = pullRequest(
        { '.gitleaks.toml': '[extend]\nuseDefault = true\n' },
        (o) => {
          o.commit('leak', { '.gitleaks.toml': ALLOW_ALL, 'app.env': `T=${tokens.githubPat()}\n` });
        },
        event,
      );
      const step = await scanPr(pr, event);
      expect(step.outputs.findings).toBe('1');
      expect(noticeFiles(step)).toEqual(['.gitleaks.toml']);
    }
  });

  it('a PR that renames a file into place as .gitleaks.toml (no added line): not used, noticed', async () => {
    const pr = pullRequest({ 'docs/example.toml': ALLOW_ALL }, (o) => {
      o.git('mv', 'docs/example.toml', '.gitleaks.toml');
      o.commit('leak', { 'app.env': `T=${tokens.githubPat()}\n` });
    });
    const step = await scanPr(pr);
    expect(step.outputs.findings).toBe('1');
    expect(noticeFiles(step)).toEqual(['.gitleaks.toml']);
  });

  it("a PR that deletes the base's config: the base's own rule still applies", async () => {
    const pr = pullRequest(
      {
        '.gitleaks.toml':
          "[[rules]]\nid = \"acme\"\nregex = '''acme_[0-9]{8}'''\nkeywords = [\"acme_\"]\n",
      },
      (o) => {
        o.git('rm', '-q', '.gitleaks.toml');
        o.commit('leak', { 'b.txt': 'acme_40815162\n' });
      },
    );
    const step = await scanPr(pr);
    expect(step.outputs.findings).toBe('1');
    expect(step.annotations.find((a) => a.level === 'error')!.properties.title).toBe(
      'Leaked credential: acme',
    );
    expect(noticeFiles(step)).toEqual(['.gitleaks.toml']);
  });

  it('a PR that edits the file the config extends, or the config input file, or .gitattributes', async () => {
    const pr = pullRequest(
      {
        'ci/scan.toml': "[extend]\npath = 'rules/base.toml'\n",
        'ci/rules/base.toml': '[extend]\nuseDefault = true\n',
      },
      (o) => {
        o.commit('leak', {
          'ci/rules/base.toml': ALLOW_ALL,
          '.gitattributes': '*.env -diff\n',
          'app.env': `T=${tokens.githubPat()}\n`,
        });
      },
    );
    const step = await scanPr(pr, 'pull_request', { config: 'ci/scan.toml' });
    expect(step.outputs.findings).toBe('1');
    expect(noticeFiles(step)).toEqual(['.gitattributes', 'ci/rules/base.toml']);

    const edited = pullRequest({ 'ci/scan.toml': '[extend]\nuseDefault = true\n' }, (o) => {
      o.commit('leak', { 'ci/scan.toml': ALLOW_ALL, 'app.env': `T=${tokens.githubPat()}\n` });
    });
    const second = await scanPr(edited, 'pull_request', { config: 'ci/scan.toml' });
    expect(second.outputs.findings).toBe('1');
    expect(noticeFiles(second)).toEqual(['ci/scan.toml']);
  });
});

describe('symbolic links are not followed', () => {
  it('a .gitleaks.toml or .gitleaksignore that is a link: the scan fails naming it, nothing outside is read', async () => {
    const outside = tempDir('scan-outside-');
    writeFileSync(join(outside, 'allow.toml'), ALLOW_ALL);
    for (const name of ['.gitleaks.toml', '.gitleaksignore']) {
      const dir = tempDir('scan-link-');
      symlinkSync(join(outside, 'allow.toml'), join(dir, name));
      expect(() => {
        loadScanConfig({ root: dir });
        IgnoreList.load(join(dir, '.gitleaksignore'));
      }).toThrow(new RegExp(`${name.replace('.', '\\.')} is a symbolic link`));
    }
  });

  it('a workflow, or .github/workflows itself, that is a link is not linted', () => {
    const outside = tempDir('scan-outside-');
    const wf =
      'on: push\njobs:\n  a:\n    runs-on: x\n    env:\n      AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}\n    steps: [{run: x}]\n';
    writeFileSync(join(outside, 'ci.yml'), wf);
    const dir = tempDir('scan-link-');
    mkdirSync(join(dir, '.github', 'workflows'), { recursive: true });
    symlinkSync(join(outside, 'ci.yml'), join(dir, '.github', 'workflows', 'ci.yml'));
    const linked = lintWorkflows(dir);
    expect(linked.files).toBe(0);
    expect(linked.findings).toEqual([]);

    const dir2 = tempDir('scan-link-');
    mkdirSync(join(dir2, '.github'));
    symlinkSync(outside, join(dir2, '.github', 'workflows'));
    expect(lintWorkflows(dir2).files).toBe(0);
  });

  it('a path operand through a linked directory is not followed', async () => {
    const outside = tempDir('scan-outside-');
    mkdirSync(join(outside, 'sub'));
    writeFileSync(join(outside, 'sub', 'x.env'), `T=${tokens.githubPat()}\n`);
    const dir = tempDir('scan-link-');
    symlinkSync(outside, join(dir, 'linked'));
    const result = await scanTree(dir, ['linked/sub']);
    expect(result.findings).toEqual([]);
    expect(result.notes.map((n) => n.reason)).toEqual(['symlink']);
  });

  it('the SARIF file is never written through a link planted in the workspace', async () => {
    const outside = tempDir('scan-outside-');
    writeFileSync(join(outside, 'victim'), 'untouched\n');
    const r = repo();
    r.commit('base', { 'README.md': '# app\n' });
    symlinkSync(join(outside, 'victim'), join(r.dir, 'results.sarif'));
    symlinkSync(outside, join(r.dir, 'reports'));
    const first = await runStep({
      entry: 'scan',
      workspace: r.dir,
      eventName: 'workflow_dispatch',
      eventPayload: {},
      inputs: { 'sarif-file': 'results.sarif' },
    });
    expect(readFileSync(join(outside, 'victim'), 'utf8')).toBe('untouched\n');
    expect(first.exitCode).toBe(1);
    expect(first.annotations.at(-1)!.message).toMatch(
      /sarif-file: \S*results\.sarif is a symbolic link/,
    );
    const second = await runStep({
      entry: 'scan',
      workspace: r.dir,
      eventName: 'workflow_dispatch',
      eventPayload: {},
      inputs: { 'sarif-file': 'reports/victim' },
    });
    expect(readFileSync(join(outside, 'victim'), 'utf8')).toBe('untouched\n');
    expect(second.exitCode).toBe(1);
    expect(second.annotations.at(-1)!.message).toMatch(/sarif-file: reports is a symbolic link/);
  });
});

describe('repository text is data', () => {
  it('file names cannot make workflow commands in the log nor markup in the summary', async () => {
    const r = repo();
    const names = [
      'a\n::error title=injected::pwned.png',
      'b\r##[error]legacy-injected.png',
      'c\u2028::warning::u2028.png',
    ];
    for (const name of names) writeBytes(r, name, png());
    const secret = tokens.githubPat();
    writeBytes(r, 'x|<img src=q onerror=alert(1)>&`y`.env', `T=${secret}\n`);
    r.commit('files');
    const step = await runStep({
      entry: 'scan',
      workspace: r.dir,
      eventName: 'workflow_dispatch',
      eventPayload: {},
    });
    expect(step.exitCode).toBe(1);
    const messages = step.annotations.map((a) => `${a.properties.title ?? ''} ${a.message}`);
    expect(messages.some((m) => /injected|pwned|u2028/.test(m) && !/Leaked/.test(m))).toBe(false);
    expect(step.annotations.filter((a) => a.level === 'warning')).toEqual([]);
    expect(step.log).toMatch(/skipped 3 binary files/);
    // Outside code spans (whose content GitHub shows literally) no raw HTML is left.
    const outsideCode = step.summary.replace(/(?<!\\)`[^`]*`/g, '');
    expect(outsideCode.includes('<img')).toBe(false);
    expect(step.summary).toContain('&lt;img');
    // The table row has its six cells: the `|` in the name did not add one.
    const row = step.summary.split('\n').find((l) => l.includes('&lt;img'))!;
    expect(row.split(/(?<!\\)\|/).length).toBe(8);
  });

  it('the CLI prints no escape sequence from a file name', async () => {
    const dir = tempDir('scan-cli-');
    writeFileSync(join(dir, 'evil\u001b]0;owned\u0007\u001b[2J.env'), `T=${tokens.githubPat()}\n`);
    writeFileSync(join(dir, 'img\u009b31m.png'), png());
    const out: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    const cwd = process.cwd();
    try {
      process.chdir(dir);
      expect(await runScanCommand(['.'])).toBe(1);
    } finally {
      process.chdir(cwd);
      spy.mockRestore();
    }
    const text = out.join('');
    // eslint-disable-next-line no-control-regex
    expect(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(text)).toBe(false);
    expect(text).toContain('evil\\u{1b}]0;owned');
  });
});
