// The pre-check as the runner runs it: dist/scan.js in a fresh process with INPUT_*, the
// event payload, GITHUB_OUTPUT/GITHUB_STEP_SUMMARY and the workspace a checkout made by git.
import '@microsoft/jest-sarif';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, runStep, type StepResult } from '../../../test/support/runner.js';
import { git, pullRequestCheckout, Repo, tokens } from '../../unit/scan/helpers.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    interface Matchers<R> {
      toBeValidSarifLog(): R;
    }
  }
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

beforeAll(() => {
  if (!existsSync(join(REPO_ROOT, 'dist', 'scan.js')))
    throw new Error('dist/scan.js is missing: run npm run build first');
});

/** Nothing of any secret anywhere GitHub would show or keep: boolean checks, no values printed. */
function expectNoLeak(step: StepResult, secrets: string[]): void {
  const sarif =
    step.outputs['sarif-file'] && existsSync(step.outputs['sarif-file'])
      ? readFileSync(step.outputs['sarif-file'], 'utf8')
      : '';
  const shown = [
    step.log,
    step.summary,
    sarif,
    JSON.stringify(step.annotations),
    JSON.stringify(step.outputs),
  ];
  for (const secret of secrets) expect(shown.some((text) => text.includes(secret))).toBe(false);
}

/** An origin repository with a base commit and a PR branch; a checkout of the PR as actions/checkout makes it. */
function pullRequest(
  files: Record<string, string>[],
  baseFiles: Record<string, string> = { 'README.md': '# app\n' },
) {
  const origin = new Repo();
  dirs.push(origin.dir);
  const base = origin.commit('base', baseFiles);
  git(origin.dir, 'checkout', '-q', '-b', 'feature');
  for (const [i, f] of files.entries()) origin.commit(`change ${i}`, f);
  const pr = pullRequestCheckout(origin, base);
  dirs.push(pr.workspace);
  return { ...pr, base };
}

describe('on pull_request', () => {
  it('fails on what the PR adds: error annotations on the lines, summary, SARIF, outputs, no value shown', async () => {
    const key = tokens.awsKeyId();
    const pat = tokens.githubPat();
    const old = tokens.npm();
    const pr = pullRequest(
      [
        { 'src/app.ts': `const a = 1;\nconst key = "${key}";\n` },
        { 'deploy/.env': `X=1\nGH_TOKEN=${pat}\n` },
      ],
      { 'legacy.env': `NPM_TOKEN=${old}\n` },
    );
    const step = await runStep({
      entry: 'scan',
      workspace: pr.workspace,
      eventName: 'pull_request',
      eventPayload: pr.payload,
      keepTemp: true, // the SARIF file is in RUNNER_TEMP
    });

    expect(step.exitCode).toBe(1);
    const errors = step.annotations.filter((a) => a.level === 'error');
    expect(
      errors.map((a) => [
        a.properties.file,
        a.properties.line,
        a.properties.col,
        a.properties.title,
      ]),
    ).toEqual([
      ['src/app.ts', '2', '14', 'Leaked credential: aws-access-key-id'],
      ['deploy/.env', '2', '10', 'Leaked credential: github-pat'],
      [undefined, undefined, undefined, 'oidc-secrets scan'],
    ]);
    expect(errors[0]!.message).toContain('AKIA*****');
    expect(errors[2]!.message).toMatch(/^2 leaked credentials found/);
    expect(step.outputs.findings).toBe('2');
    const sarif = JSON.parse(readFileSync(step.outputs['sarif-file']!, 'utf8'));
    expect(sarif).toBeValidSarifLog();
    expect(sarif.runs[0].results).toHaveLength(2);
    expect(step.summary).toContain('2 leaked credentials');
    expect(step.summary).toContain('pull request #12');
    expect(step.log).toMatch(/shallow checkout: deepening/);
    // The old key on the base branch is not the PR's; found values are masked for later steps.
    expect(step.masks.includes(key) && step.masks.includes(pat)).toBe(true);
    expectNoLeak(step, [key, pat, old]);
  });

  it('fail-on-findings: false reports without failing; a clean PR passes', async () => {
    const pr = pullRequest([{ 'a.env': `T=${tokens.slackBot()}\n` }]);
    const soft = await runStep({
      entry: 'scan',
      workspace: pr.workspace,
      eventName: 'pull_request',
      eventPayload: pr.payload,
      inputs: { 'fail-on-findings': 'false' },
    });
    expect(soft.exitCode).toBe(0);
    expect(soft.outputs.findings).toBe('1');
    expect(soft.annotations.filter((a) => a.level === 'error')).toHaveLength(1);

    const clean = pullRequest([{ 'a.ts': 'export const x = 1;\n' }]);
    const ok = await runStep({
      entry: 'scan',
      workspace: clean.workspace,
      eventName: 'pull_request',
      eventPayload: clean.payload,
    });
    expect(ok.exitCode).toBe(0);
    expect(ok.outputs.findings).toBe('0');
    expect(ok.summary).toContain('no leaked credentials');
  });

  it('shows at most what the runner shows (10 errors) and says the rest is in the summary', async () => {
    const secrets = Array.from({ length: 12 }, () => tokens.githubPat());
    const pr = pullRequest([{ 'many.env': secrets.map((s, i) => `T${i}=${s}`).join('\n') + '\n' }]);
    const step = await runStep({
      entry: 'scan',
      workspace: pr.workspace,
      eventName: 'pull_request',
      eventPayload: pr.payload,
    });
    expect(step.exitCode).toBe(1);
    expect(step.annotations.filter((a) => a.level === 'error')).toHaveLength(10);
    expect(step.log).toMatch(/Annotations capped: .* 3 more findings are in the job summary/);
    expect(step.outputs.findings).toBe('12');
    expectNoLeak(step, secrets);
  });

  it("uses the base's .gitleaks.toml and .gitleaksignore, not the PR's: its edits take effect after merge", async () => {
    const pat = tokens.githubPat();
    const pr = pullRequest([
      { 'ok.env': `T=${pat}\n`, '.gitleaksignore': 'ok.env:github-pat:1\n' },
      {
        '.gitleaks.toml':
          "[extend]\nuseDefault = true\n[[rules]]\nid = \"acme\"\nregex = '''acme_[0-9]{8}'''\nkeywords = [\"acme_\"]\n",
        'b.txt': 'acme_40815162\n',
      },
    ]);
    const step = await runStep({
      entry: 'scan',
      workspace: pr.workspace,
      eventName: 'pull_request',
      eventPayload: pr.payload,
    });
    // The PR's own ignore entry silences nothing; its own rule is not used in its own scan.
    expect(step.outputs.findings).toBe('1');
    const errors = step.annotations.filter((a) => a.level === 'error');
    expect(errors[0]!.properties.title).toBe('Leaked credential: github-pat');
    const notices = step.annotations.filter((a) => a.level === 'notice');
    expect(notices.map((a) => a.properties.file).sort()).toEqual([
      '.gitleaks.toml',
      '.gitleaksignore',
    ]);
    expect(notices[0]!.message).toMatch(/takes effect after merge/);
    expect(step.summary).toMatch(/read from the base commit `[0-9a-f]{7}`/);
    expect(step.summary).toContain('the change takes effect after merge');
  });

  it("honours the base's .gitleaks.toml and hashed .gitleaksignore entries", async () => {
    const pat = tokens.githubPat();
    const hash = createHash('sha256').update(pat).digest('hex').slice(0, 12);
    const pr = pullRequest([{ 'ok.env': `T=${pat}\n`, 'b.txt': 'acme_40815162\n' }], {
      '.gitleaksignore': `ok.env:github-pat:1:${hash}\n`,
      '.gitleaks.toml':
        "[extend]\nuseDefault = true\n[[rules]]\nid = \"acme\"\nregex = '''acme_[0-9]{8}'''\nkeywords = [\"acme_\"]\n",
    });
    const step = await runStep({
      entry: 'scan',
      workspace: pr.workspace,
      eventName: 'pull_request',
      eventPayload: pr.payload,
    });
    expect(step.outputs.findings).toBe('1');
    const errors = step.annotations.filter((a) => a.level === 'error');
    expect(errors[0]!.properties.title).toBe('Leaked credential: acme');
    expect(step.summary).toContain('1 finding ignored by `.gitleaksignore`');
    expect(step.annotations.filter((a) => a.level === 'notice')).toEqual([]);
  });
});

/** The scan action on a push of `before`..`after` to main, from a one-commit-deep clone. */
function pushed(
  origin: Repo,
  before: string,
  after: string,
  commits: number,
  inputs: Record<string, string> = {},
): Promise<StepResult> {
  const workspace = mkdtempSync(join(tmpdir(), 'scan-ws-'));
  dirs.push(workspace);
  git(tmpdir(), 'clone', '-q', '--depth=1', `file://${origin.dir}`, workspace);
  return runStep({
    entry: 'scan',
    workspace,
    eventName: 'push',
    eventPayload: {
      ref: 'refs/heads/main',
      before,
      after,
      commits: Array.from({ length: commits }, () => ({})),
      repository: { default_branch: 'main' },
    },
    inputs,
  });
}

describe('the baseline input', () => {
  /**
   * A gitleaks JSON report written with `--redact` listing a github-pat on line 1 of each
   * file: matched by rule, file and line, and holding no secret for the scan to find.
   */
  const report = (...files: string[]) =>
    JSON.stringify(
      files.map((File) => ({ RuleID: 'github-pat', File, StartLine: 1, Secret: 'REDACTED' })),
    );

  it("a baseline the PR commits does not silence the PR's own finding: notice, used after merge", async () => {
    const pat = tokens.githubPat();
    const pr = pullRequest([
      { 'leak.env': `T=${pat}\n`, '.github/baseline.json': report('leak.env') },
    ]);
    const step = await runStep({
      entry: 'scan',
      workspace: pr.workspace,
      eventName: 'pull_request',
      eventPayload: pr.payload,
      inputs: { baseline: '.github/baseline.json' },
    });
    expect(step.exitCode).toBe(1);
    expect(step.outputs.findings).toBe('1');
    const notices = step.annotations.filter((a) => a.level === 'notice');
    expect(notices.map((a) => a.properties.file)).toEqual(['.github/baseline.json']);
    expect(notices[0]!.message).toMatch(/takes effect after merge/);
    expectNoLeak(step, [pat]);
  });

  it('on push, a baseline the pushed commits edit is a warning to review what it allows', async () => {
    const pat = tokens.githubPat();
    const origin = new Repo();
    dirs.push(origin.dir);
    const before = origin.commit('one', { 'README.md': '# app\n' });
    const after = origin.commit('two', {
      'leak.env': `T=${pat}\n`,
      'baseline.json': report('leak.env'),
    });
    const step = await pushed(origin, before, after, 1, { baseline: 'baseline.json' });
    // The pushed commits are in: their baseline applies, and the edit is pointed out.
    expect(step.exitCode).toBe(0);
    const warnings = step.annotations.filter((a) => a.level === 'warning');
    expect(warnings.map((a) => [a.properties.file, a.message])).toEqual([
      [
        'baseline.json',
        'This change edits baseline.json, which decides what the secret scan reports: review what it allows.',
      ],
    ]);
    expectNoLeak(step, [pat]);
  });

  it("reads the base commit's baseline; the PR's edit to it is a notice and takes effect after merge", async () => {
    const known = tokens.githubPat();
    const fresh = tokens.githubPat();
    const pr = pullRequest(
      [
        {
          'known.env': `T=${known}\n`,
          'fresh.env': `T=${fresh}\n`,
          'baseline.json': report('known.env', 'fresh.env'),
        },
      ],
      { 'README.md': '# app\n', 'baseline.json': report('known.env') },
    );
    const step = await runStep({
      entry: 'scan',
      workspace: pr.workspace,
      eventName: 'merge_group',
      eventPayload: {
        merge_group: { base_sha: pr.base, head_sha: pr.head, base_ref: 'refs/heads/main' },
      },
      inputs: { baseline: 'baseline.json' },
    });
    expect(step.exitCode).toBe(1);
    const errors = step.annotations.filter((a) => a.level === 'error' && a.properties.file);
    expect(errors.map((a) => a.properties.file)).toEqual(['fresh.env']);
    expect(step.summary).toContain('1 finding already in the baseline, not reported again.');
    expect(step.summary).toMatch(
      /Settings \(`\.gitleaks\.toml`, what it extends, `\.gitleaksignore`, a baseline in the repository\) read from the base commit/,
    );
    const notices = step.annotations.filter((a) => a.level === 'notice');
    expect(notices.map((a) => a.properties.file)).toEqual(['baseline.json']);
    expect(notices[0]!.message).toMatch(/base commit [0-9a-f]{7}.*takes effect after merge/);
    expectNoLeak(step, [known, fresh]);
  });
});

describe('other events and inputs', () => {
  it('push: every pushed commit', async () => {
    const origin = new Repo();
    dirs.push(origin.dir);
    const before = origin.commit('one', { 'a.txt': '1\n' });
    origin.commit('two', { 'b.env': `K=${tokens.stripeLive()}\n` });
    const after = origin.commit('three', { 'c.txt': '3\n' });
    const step = await pushed(origin, before, after, 2);
    expect(step.exitCode).toBe(1);
    expect(step.annotations[0]!.properties).toMatchObject({ file: 'b.env', line: '1' });
    expect(step.log).toContain('push to refs/heads/main');
  });

  it('workflow_dispatch: the tree, and the workflow lint as warnings with the OIDC fix', async () => {
    const r = new Repo();
    dirs.push(r.dir);
    const key = tokens.awsKeyId();
    r.commit('tree', {
      'src/keys.py': `AWS_ACCESS_KEY_ID = "${key}"\n`,
      '.github/workflows/deploy.yml': [
        'on: push',
        'jobs:',
        '  deploy:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - uses: aws-actions/configure-aws-credentials@v4',
        '        with:',
        '          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}',
        '          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}',
        '',
      ].join('\n'),
    });
    const step = await runStep({
      entry: 'scan',
      workspace: r.dir,
      eventName: 'workflow_dispatch',
      eventPayload: {},
    });
    expect(step.exitCode).toBe(1);
    const errors = step.annotations.filter((a) => a.level === 'error');
    expect(errors[0]!.properties).toMatchObject({ file: 'src/keys.py', line: '1' });
    const warnings = step.annotations.filter((a) => a.level === 'warning');
    expect(warnings.map((w) => `${w.properties.file}:${w.properties.line}`)).toEqual([
      '.github/workflows/deploy.yml:8',
      '.github/workflows/deploy.yml:9',
    ]);
    expect(warnings[0]!.message).toMatch(/role-to-assume/);
    expect(step.summary).toContain('Workflow policy: 2 warnings');
    expectNoLeak(step, [key]);
  });

  it('lint-workflows: false skips the lint; mode: tree with path limits the tree', async () => {
    const r = new Repo();
    dirs.push(r.dir);
    r.commit('tree', {
      'a/leak.env': `T=${tokens.githubPat()}\n`,
      'b/clean.txt': 'nothing\n',
      '.github/workflows/x.yml':
        'on: push\njobs:\n  j:\n    runs-on: x\n    env:\n      VAULT_TOKEN: ${{ secrets.VAULT_TOKEN }}\n    steps: []\n',
    });
    const step = await runStep({
      entry: 'scan',
      workspace: r.dir,
      eventName: 'workflow_dispatch',
      eventPayload: {},
      inputs: { mode: 'tree', path: 'b', 'lint-workflows': 'false' },
    });
    expect(step.exitCode).toBe(0);
    expect(step.annotations).toEqual([]);
  });

  it('bad input fails the step with an error that names it', async () => {
    const r = new Repo();
    dirs.push(r.dir);
    r.commit('x', { '.gitleaks.toml': "[[rules]]\nid = \"broken\"\nregex = '''a(?=b)'''\n" });
    const step = await runStep({
      entry: 'scan',
      workspace: r.dir,
      eventName: 'workflow_dispatch',
      eventPayload: {},
    });
    expect(step.exitCode).toBe(1);
    expect(step.annotations.map((a) => a.message)).toEqual([
      expect.stringMatching(/^rule "broken" regex: .*lookaround/),
    ]);

    const diff = await runStep({
      entry: 'scan',
      workspace: r.dir,
      eventName: 'workflow_dispatch',
      eventPayload: {},
      inputs: { mode: 'diff', config: 'none.toml' },
    });
    expect(diff.exitCode).toBe(1);
    expect(diff.annotations[0]!.message).toMatch(/config: .*none\.toml does not exist/);
  });
});
