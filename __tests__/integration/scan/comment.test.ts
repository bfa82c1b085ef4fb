// The scan action's pull-request comment (`comment: true`) against a local GitHub API
// (test/emulators/github-api.ts, pinned by Octokit in github-official.test.ts): one comment
// per pull request, found again and updated on each push, redacted, with fingerprints and
// what to do; a fork's read-only token gets a notice, not a failure. Also the action's
// `baseline` and `mode: history` inputs, which share the pull-request set-up.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGitHubApi, type GitHubApi } from '../../../test/emulators/github-api.js';
import { findLeaks, formatFindings } from '../../../test/support/leaks.js';
import {
  FAKE_GITHUB_TOKEN,
  REPO_ROOT,
  runStep,
  type StepResult,
} from '../../../test/support/runner.js';
import { git, Repo, tokens } from '../../unit/scan/helpers.js';

const REPOSITORY = 'octo-org/octo-repo';
const KEY = `${REPOSITORY}#12`;
const MARKER = '<!-- oidc-secrets-scan:pr-comment -->';

const dirs: string[] = [];
let api: GitHubApi;
beforeAll(async () => {
  if (!existsSync(join(REPO_ROOT, 'dist', 'scan.js')))
    throw new Error('dist/scan.js is missing: run npm run build first');
  api = await startGitHubApi({
    [FAKE_GITHUB_TOKEN]: { login: 'github-actions[bot]', type: 'Bot', access: 'write' },
    'fork-token': { login: 'github-actions[bot]', type: 'Bot', access: 'read' },
  });
});
afterAll(async () => {
  await api.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function expectNoLeak(texts: string[], secrets: string[]): void {
  const leaks = texts.flatMap((t) => findLeaks(t, secrets));
  if (leaks.length > 0) throw new Error(`leaked:\n${formatFindings(leaks)}`);
}

function shown(step: StepResult): string[] {
  return [step.log, step.summary, JSON.stringify(step.annotations), JSON.stringify(step.outputs)];
}

/** An origin with a base commit and a `feature` branch; each `push` clones its tip as checkout does. */
function origin(number = 12) {
  const repo = new Repo();
  dirs.push(repo.dir);
  const base = repo.commit('base', { 'README.md': '# app\n' });
  git(repo.dir, 'checkout', '-q', '-b', 'feature');
  const checkout = (commits: number) => {
    const workspace = mkdtempSync(join(tmpdir(), 'scan-comment-ws-'));
    dirs.push(workspace);
    git(tmpdir(), 'clone', '-q', '--branch', 'feature', `file://${repo.dir}`, workspace);
    return {
      workspace,
      payload: {
        number,
        pull_request: {
          number,
          commits,
          base: { sha: base, ref: 'main' },
          head: { sha: repo.head(), ref: 'feature' },
        },
      },
    };
  };
  return { repo, base, checkout };
}

const step = (
  pr: { workspace: string; payload: Record<string, unknown> },
  inputs: Record<string, string>,
) =>
  runStep({
    entry: 'scan',
    workspace: pr.workspace,
    eventName: 'pull_request',
    eventPayload: pr.payload,
    inputs,
    env: { GITHUB_API_URL: api.url, GITHUB_REPOSITORY: REPOSITORY },
  });

describe('comment: true', () => {
  it('one comment per pull request, updated on each push; redacted, fingerprints, remedies', async () => {
    const o = origin();
    const key = tokens.awsKeyId();
    const pat = tokens.githubPat();
    // Someone pastes our marker into a comment of their own: it is not taken for ours.
    api.seed(KEY, `${MARKER}\nplease overwrite me`, {
      login: 'outsider',
      type: 'User',
      access: 'write',
      association: 'CONTRIBUTOR',
    });

    o.repo.commit('key', { 'src/aws.ts': `export const id = "${key}";\n` });
    const first = await step(o.checkout(1), { comment: 'true' });
    expect(first.exitCode).toBe(1);
    let comments = api.comments(KEY);
    expect(comments).toHaveLength(2);
    expect(comments[0]!.body).toBe(`${MARKER}\nplease overwrite me`);
    const ours = comments[1]!;
    expect(ours.user.type).toBe('Bot');
    expect(ours.body.startsWith(MARKER)).toBe(true);
    expect(ours.body).toContain('1 leaked credential');
    expect(ours.body).toMatch(
      /\| src\/aws\.ts \| 1 \| aws-access-key-id \| `AKIA\*\*\*\*\*` \| `[0-9a-f]{7}` \| `src\/aws\.ts:aws-access-key-id:1:[0-9a-f]{12}` \|/,
    );
    expect(ours.body).toContain('**Rotate**');
    expect(ours.body).toContain('`aws-role-arn`');
    expect(first.log).toMatch(/comment: created comment \d+ on pull request #12/);

    // A second push adds another secret: the same comment is rewritten.
    o.repo.commit('token', { 'deploy/.env': `GH_TOKEN=${pat}\n` });
    const second = await step(o.checkout(2), { comment: 'true' });
    expect(second.exitCode).toBe(1);
    comments = api.comments(KEY);
    expect(comments).toHaveLength(2);
    expect(comments[1]!.id).toBe(ours.id);
    expect(comments[1]!.body).toContain('2 leaked credentials');
    expect(comments[1]!.body).toContain('deploy/.env');
    expect(second.log).toMatch(new RegExp(`comment: updated comment ${ours.id}`));

    // The branch rewritten without them: the comment says so (and still: rotate).
    git(o.repo.dir, 'reset', '-q', '--hard', o.base);
    o.repo.commit('clean', { 'src/aws.ts': 'export const id = process.env.AWS_KEY_ID;\n' });
    const third = await step(o.checkout(1), { comment: 'true' });
    expect(third.exitCode).toBe(0);
    comments = api.comments(KEY);
    expect(comments).toHaveLength(2);
    expect(comments[1]!.body).toContain('no leaked credentials');
    expect(comments[1]!.body).toContain('rotate it');

    expectNoLeak(
      [...comments.map((c) => c.body), ...shown(first), ...shown(second), ...shown(third)],
      [key, pat],
    );
  });

  it('a fork’s read-only token: a notice, the scan’s own result unchanged, no comment', async () => {
    const o = origin();
    const pat = tokens.githubPat();
    o.repo.commit('token', { 'a.env': `GH=${pat}\n` });
    const before = api.comments(KEY).length;
    const forked = await step(o.checkout(1), { comment: 'true', 'github-token': 'fork-token' });
    expect(forked.exitCode).toBe(1);
    expect(forked.outputs.findings).toBe('1');
    const notices = forked.annotations.filter((a) => a.level === 'notice');
    expect(notices.map((n) => n.message)).toEqual([
      expect.stringMatching(
        /^The scan could not comment on pull request #12 \(HTTP 403\): a pull request from a fork gets a read-only token/,
      ),
    ]);
    expect(forked.annotations.filter((a) => a.level === 'error')).toHaveLength(2); // the finding + the failure
    expect(api.comments(KEY)).toHaveLength(before);
    expectNoLeak(shown(forked), [pat]);
  });

  it('a clean pull request with no earlier comment writes none', async () => {
    const o = origin(13);
    o.repo.commit('clean', { 'a.ts': 'export const x = 1;\n' });
    const calls = api.requests.length;
    const clean = await step(o.checkout(1), { comment: 'true' });
    expect(clean.exitCode).toBe(0);
    expect(api.requests.slice(calls).map((r) => r.method)).toEqual(['GET']);
    expect(clean.log).toContain('comment: nothing found and no earlier comment to update');
  });
});

describe('the action’s baseline and history inputs', () => {
  it('baseline: a SARIF of an earlier run; only the new finding fails the step', async () => {
    const o = origin();
    const old = tokens.npm();
    o.repo.commit('old', { 'a.env': `NPM=${old}\n` });
    const pr1 = o.checkout(1);
    const earlier = await step(pr1, { 'sarif-file': 'earlier.sarif' });
    expect(earlier.outputs.findings).toBe('1');
    const sarif = readFileSync(join(pr1.workspace, 'earlier.sarif'), 'utf8');

    const fresh = tokens.gitlab();
    o.repo.commit('new', { 'b.env': `GL=${fresh}\n` });
    const pr2 = o.checkout(2);
    writeFileSync(join(pr2.workspace, 'baseline.sarif'), sarif);
    const later = await step(pr2, { baseline: 'baseline.sarif' });
    expect(later.exitCode).toBe(1);
    expect(later.outputs.findings).toBe('1');
    expect(later.log).toMatch(/Baseline: 1 finding\(s\) from baseline\.sarif \(SARIF\)/);
    expect(later.summary).toContain('1 finding already in the baseline, not reported again.');
    expect(later.annotations.find((a) => a.level === 'error')!.properties.file).toBe('b.env');
    expectNoLeak([...shown(earlier), ...shown(later), sarif], [old, fresh]);
  });

  it('tree mode leaves out what git ignores; gitignore: false reads it too', async () => {
    const o = origin();
    const pat = tokens.githubPat();
    o.repo.commit('ignore', { '.gitignore': 'out/\n', 'a.ts': 'export const x = 1;\n' });
    const pr = o.checkout(1);
    mkdirSync(join(pr.workspace, 'out'));
    writeFileSync(join(pr.workspace, 'out', 'bundle.env'), `GH=${pat}\n`);
    const tree = (inputs: Record<string, string>) =>
      runStep({
        entry: 'scan',
        workspace: pr.workspace,
        eventName: 'workflow_dispatch',
        eventPayload: {},
        inputs: { mode: 'tree', ...inputs },
      });
    const respected = await tree({});
    expect(respected.exitCode).toBe(0);
    expect(respected.summary).toContain('that git does not ignore');
    const everything = await tree({ gitignore: 'false' });
    expect(everything.exitCode).toBe(1);
    expect(everything.annotations.find((a) => a.level === 'error')!.properties.file).toBe(
      'out/bundle.env',
    );
    expectNoLeak([...shown(respected), ...shown(everything)], [pat]);
  });

  it('mode: history scans every ref; a shallow checkout is refused with the fix', async () => {
    const o = origin();
    const pat = tokens.githubPat();
    o.repo.commit('leak', { 'x.env': `GH=${pat}\n` });
    o.repo.commit('fix', { 'x.env': 'GH=${GH}\n' });
    const full = o.checkout(2);
    const result = await runStep({
      entry: 'scan',
      workspace: full.workspace,
      eventName: 'schedule',
      eventPayload: {},
      inputs: { mode: 'history' },
    });
    expect(result.exitCode).toBe(1);
    expect(result.outputs.findings).toBe('1');
    expect(result.summary).toContain('every commit reachable from any ref');
    expectNoLeak(shown(result), [pat]);

    const shallow = mkdtempSync(join(tmpdir(), 'scan-comment-shallow-'));
    dirs.push(shallow);
    git(tmpdir(), 'clone', '-q', '--depth=1', `file://${o.repo.dir}`, shallow);
    const refused = await runStep({
      entry: 'scan',
      workspace: shallow,
      eventName: 'schedule',
      eventPayload: {},
      inputs: { mode: 'history' },
    });
    expect(refused.exitCode).toBe(1);
    expect(refused.annotations.map((a) => a.message)).toContain(
      'mode: history needs the whole history: set actions/checkout `fetch-depth: 0`',
    );
  });
});
