// The scan's pull-request comment through GitHub's REST API ("REST API endpoints for issue
// comments": a pull request is an issue): list the PR's comments (100 a page, following the
// `Link: rel="next"` header), find ours by its marker, then update it (PATCH
// /repos/{owner}/{repo}/issues/comments/{id}) or create it (POST
// /repos/{owner}/{repo}/issues/{number}/comments). A few documented calls on the one HTTP
// client (net/http.ts) rather than Octokit in the bundle (DESIGN: no SDK where a few REST
// calls do; Octokit pins the emulator instead, github-official.test.ts).
//
// A comment counts as ours only when it starts with the marker AND was written by a bot (the
// GITHUB_TOKEN's github-actions[bot], an app) or someone with write access (OWNER, MEMBER,
// COLLABORATOR): a PR author who pastes the marker into a comment of their own does not get
// the scan's report written into it.
//
// A token that may not write (a pull request from a fork gets a read-only GITHUB_TOKEN; a
// workflow without `pull-requests: write`) gets 403 "Resource not accessible by integration":
// that is an outcome, said as a notice, not a failure of the scan.
import { HttpClient, HttpError, type HttpResponse } from '../net/http.js';
import { COMMENT_MARKER } from '../scan/report/comment.js';

export interface CommentTarget {
  /** GITHUB_API_URL, e.g. https://api.github.com */
  apiUrl: string;
  /** owner/repo */
  repository: string;
  number: number;
  token: string;
  env: NodeJS.ProcessEnv;
}

export type CommentOutcome =
  | { kind: 'created' | 'updated' | 'unchanged'; id: number }
  /** Nothing found and no earlier comment: nothing to say. */
  | { kind: 'skipped' }
  | { kind: 'forbidden'; status: number };

interface ApiComment {
  id: number;
  body?: string | null;
  user?: { type?: string } | null;
  author_association?: string;
}

const TRUSTED_ASSOCIATIONS = new Set(['OWNER', 'MEMBER', 'COLLABORATOR']);
const MAX_PAGES = 50;

function isOurs(comment: ApiComment): boolean {
  return (
    typeof comment.body === 'string' &&
    comment.body.startsWith(COMMENT_MARKER) &&
    (comment.user?.type === 'Bot' || TRUSTED_ASSOCIATIONS.has(comment.author_association ?? ''))
  );
}

/** The `rel="next"` URL of a Link header, if it points at the same API origin. */
function nextPage(response: HttpResponse, origin: string): string | undefined {
  const link = response.headers.link;
  const text = Array.isArray(link) ? link.join(',') : (link ?? '');
  const match = /<([^>]+)>\s*;\s*rel="next"/.exec(text);
  if (!match) return undefined;
  try {
    const url = new URL(match[1]!);
    // The token goes with each request: never to another host.
    return url.origin === origin ? url.href : undefined;
  } catch {
    return undefined;
  }
}

export async function upsertComment(
  target: CommentTarget,
  body: string,
  options: { findings: number },
): Promise<CommentOutcome> {
  const http = new HttpClient({
    timeoutMs: 15_000,
    retries: 2,
    maxSockets: 2,
    userAgent: 'oidc-secrets-scan',
    env: target.env,
  });
  const api = target.apiUrl.replace(/\/+$/, '');
  const origin = new URL(api).origin;
  const repo = target.repository.split('/').map(encodeURIComponent).join('/');
  const headers = {
    authorization: `Bearer ${target.token}`,
    accept: 'application/vnd.github+json',
    'x-github-api-version': '2022-11-28',
    'content-type': 'application/json',
  };
  try {
    let existing: ApiComment | undefined;
    let url: string | undefined =
      `${api}/repos/${repo}/issues/${target.number}/comments?per_page=100`;
    for (let page = 0; url && page < MAX_PAGES && !existing; page++) {
      const response = await http.request({
        method: 'GET',
        url,
        headers,
        what: `list the comments of pull request #${target.number}`,
      });
      existing = response.json<ApiComment[]>().find(isOurs);
      url = nextPage(response, origin);
    }
    if (existing) {
      if (existing.body === body) return { kind: 'unchanged', id: existing.id };
      await http.request({
        method: 'PATCH',
        url: `${api}/repos/${repo}/issues/comments/${existing.id}`,
        headers,
        body: JSON.stringify({ body }),
        what: `update the scan's comment on pull request #${target.number}`,
      });
      return { kind: 'updated', id: existing.id };
    }
    if (options.findings === 0) return { kind: 'skipped' };
    const created = await http.request({
      method: 'POST',
      url: `${api}/repos/${repo}/issues/${target.number}/comments`,
      headers,
      body: JSON.stringify({ body }),
      what: `comment on pull request #${target.number}`,
    });
    return { kind: 'created', id: created.json<ApiComment>().id };
  } catch (error) {
    if (error instanceof HttpError && (error.status === 403 || error.status === 404))
      return { kind: 'forbidden', status: error.status };
    throw error;
  } finally {
    http.close();
  }
}
