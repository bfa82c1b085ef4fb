// A local GitHub REST API for the scan's pull-request comment: the issue-comment routes, as
// GitHub documents them ("REST API endpoints for issue comments", API version 2022-11-28):
//   GET   /repos/{owner}/{repo}/issues/{issue_number}/comments?per_page=&page=  → 200 [comment]
//         paginated with a `Link: <…>; rel="next"` header
//   POST  /repos/{owner}/{repo}/issues/{issue_number}/comments  {body}       → 201 comment
//   PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}     {body}       → 200 comment
// A comment is `{id, node_id, url, html_url, body, user: {login, type}, author_association,
// created_at, updated_at}`. Tokens are `Authorization: Bearer|token <t>`; an unknown one gets
// 401 `{"message": "Bad credentials"}`; a read-only token (a fork's pull request) gets 403
// `{"message": "Resource not accessible by integration"}` on a write, as GitHub answers a
// GITHUB_TOKEN without `pull-requests: write`. Pinned by Octokit (github-official.test.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EmulatedComment {
  id: number;
  node_id: string;
  url: string;
  html_url: string;
  body: string;
  user: { login: string; id: number; type: 'Bot' | 'User' };
  author_association: string;
  created_at: string;
  updated_at: string;
}

export interface TokenGrant {
  /** Who the token acts as. */
  login: string;
  type: 'Bot' | 'User';
  /** `read`: a fork's GITHUB_TOKEN; `write`: `pull-requests: write`. */
  access: 'read' | 'write';
  association?: string;
}

export interface GitHubApi {
  url: string;
  /** Comments of an issue or pull request, by `owner/repo#number`. */
  comments(key: string): EmulatedComment[];
  /** Adds a comment as if someone else wrote it (a PR author forging our marker…). */
  seed(key: string, body: string, user: TokenGrant): EmulatedComment;
  requests: { method: string; path: string }[];
  close(): Promise<void>;
}

export async function startGitHubApi(tokens: Record<string, TokenGrant>): Promise<GitHubApi> {
  const issues = new Map<string, EmulatedComment[]>();
  const byId = new Map<number, { key: string; comment: EmulatedComment }>();
  const requests: { method: string; path: string }[] = [];
  let nextId = 1000;
  let url = '';

  const add = (key: string, body: string, grant: TokenGrant): EmulatedComment => {
    const id = nextId++;
    const now = new Date().toISOString();
    const [repo] = key.split('#');
    const comment: EmulatedComment = {
      id,
      node_id: `IC_${id}`,
      url: `${url}/repos/${repo}/issues/comments/${id}`,
      html_url: `https://github.com/${repo}/pull/${key.split('#')[1]}#issuecomment-${id}`,
      body,
      user: { login: grant.login, id: 41898282, type: grant.type },
      author_association: grant.association ?? (grant.type === 'Bot' ? 'NONE' : 'CONTRIBUTOR'),
      created_at: now,
      updated_at: now,
    };
    const list = issues.get(key) ?? [];
    list.push(comment);
    issues.set(key, list);
    byId.set(id, { key, comment });
    return comment;
  };

  const send = (res: ServerResponse, status: number, body: unknown, headers = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  };

  const readBody = async (req: IncomingMessage): Promise<unknown> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return undefined;
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const target = new URL(req.url ?? '/', url);
    requests.push({ method: req.method ?? '', path: target.pathname });
    const auth = /^(?:Bearer|token) (.+)$/i.exec(req.headers.authorization ?? '');
    const grant = auth ? tokens[auth[1]!] : undefined;
    if (!grant)
      return send(res, 401, {
        message: 'Bad credentials',
        documentation_url: 'https://docs.github.com/rest',
      });
    const forbidden = () =>
      send(res, 403, {
        message: 'Resource not accessible by integration',
        documentation_url: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
        status: '403',
      });

    const list = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(target.pathname);
    if (list) {
      const key = `${list[1]}/${list[2]}#${list[3]}`;
      if (req.method === 'GET') {
        const perPage = Math.min(100, Number(target.searchParams.get('per_page') ?? 30) || 30);
        const page = Math.max(1, Number(target.searchParams.get('page') ?? 1) || 1);
        const all = issues.get(key) ?? [];
        const slice = all.slice((page - 1) * perPage, page * perPage);
        const headers: Record<string, string> = {};
        if (page * perPage < all.length) {
          const next = new URL(target);
          next.searchParams.set('page', String(page + 1));
          next.searchParams.set('per_page', String(perPage));
          const last = new URL(target);
          last.searchParams.set('page', String(Math.ceil(all.length / perPage)));
          last.searchParams.set('per_page', String(perPage));
          headers.link = `<${next.href}>; rel="next", <${last.href}>; rel="last"`;
        }
        return send(res, 200, slice, headers);
      }
      if (req.method === 'POST') {
        if (grant.access !== 'write') return forbidden();
        const body = (await readBody(req)) as { body?: unknown } | undefined;
        if (typeof body?.body !== 'string')
          return send(res, 422, { message: 'Invalid request.\n\n"body" wasn\'t supplied.' });
        return send(res, 201, add(key, body.body, grant));
      }
    }
    const one = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(target.pathname);
    if (one && req.method === 'PATCH') {
      if (grant.access !== 'write') return forbidden();
      const found = byId.get(Number(one[3]));
      if (!found) return send(res, 404, { message: 'Not Found' });
      const body = (await readBody(req)) as { body?: unknown } | undefined;
      if (typeof body?.body !== 'string')
        return send(res, 422, { message: 'Invalid request.\n\n"body" wasn\'t supplied.' });
      found.comment.body = body.body;
      found.comment.updated_at = new Date().toISOString();
      return send(res, 200, found.comment);
    }
    send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, { message: 'emulator error' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    comments: (key) => [...(issues.get(key) ?? [])],
    seed: add,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
