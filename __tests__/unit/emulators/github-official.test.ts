// The GitHub API emulator (test/emulators/github-api.ts) pinned to Octokit, GitHub's own
// JavaScript client: listing issue comments (followed through `Link` pagination by
// octokit.paginate), creating and updating one, and the errors a read-only or unknown token
// gets. Octokit parses what the emulator sends, so a field, a header or an error shape only
// the scan's own client agrees with fails here.
import { Octokit } from '@octokit/rest';
import { startGitHubApi, type GitHubApi } from '../../../test/emulators/github-api.js';

let api: GitHubApi;
beforeAll(async () => {
  api = await startGitHubApi({
    'write-token': { login: 'github-actions[bot]', type: 'Bot', access: 'write' },
    'read-token': { login: 'github-actions[bot]', type: 'Bot', access: 'read' },
  });
});
afterAll(() => api.close());

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const client = (auth: string) =>
  new Octokit({ auth, baseUrl: api.url, log: quiet, request: { retries: 0 } });
const repo = { owner: 'octo-org', repo: 'octo-repo' };

describe('issue comments, as Octokit sees them', () => {
  it('create, list (paginated) and update', async () => {
    const octokit = client('write-token');
    const created = await octokit.rest.issues.createComment({
      ...repo,
      issue_number: 7,
      body: 'first',
    });
    expect(created.status).toBe(201);
    expect(created.data.body).toBe('first');
    expect(created.data.user?.login).toBe('github-actions[bot]');
    expect(created.data.user?.type).toBe('Bot');
    for (let i = 0; i < 4; i++)
      await octokit.rest.issues.createComment({ ...repo, issue_number: 7, body: `more ${i}` });

    const page = await octokit.rest.issues.listComments({ ...repo, issue_number: 7, per_page: 2 });
    expect(page.data).toHaveLength(2);
    expect(page.headers.link).toMatch(/rel="next"/);
    const all = await octokit.paginate(octokit.rest.issues.listComments, {
      ...repo,
      issue_number: 7,
      per_page: 2,
    });
    expect(all.map((c) => c.body)).toEqual(['first', 'more 0', 'more 1', 'more 2', 'more 3']);

    const updated = await octokit.rest.issues.updateComment({
      ...repo,
      comment_id: created.data.id,
      body: 'edited',
    });
    expect(updated.status).toBe(200);
    expect(updated.data.body).toBe('edited');
    expect(api.comments('octo-org/octo-repo#7')[0]!.body).toBe('edited');
  });

  it('a read-only token (a fork) may list but not write: 403 with GitHub’s message', async () => {
    const octokit = client('read-token');
    await expect(
      octokit.rest.issues.listComments({ ...repo, issue_number: 7 }),
    ).resolves.toMatchObject({ status: 200 });
    await expect(
      octokit.rest.issues.createComment({ ...repo, issue_number: 7, body: 'x' }),
    ).rejects.toMatchObject({
      status: 403,
      message: expect.stringContaining('Resource not accessible by integration'),
    });
    await expect(
      client('nobody').rest.issues.listComments({ ...repo, issue_number: 7 }),
    ).rejects.toMatchObject({ status: 401 });
  });
});
