// HTTP/2 to a server told to expect many requests (HttpClient.preconnect) that offers it in
// ALPN, as Vault's listener does: every request a stream of one connection; a stream the
// server resets, a request that hangs, a session the server ends and a refused client
// certificate each fail or recover as over HTTP/1.1; a server that speaks only HTTP/1.1
// is reached as before; an idle session does not keep a process alive.
import {
  constants,
  createSecureServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type ServerHttp2Session,
} from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from '@jest/globals';
import { HttpClient, type HttpError } from '../../../src/net/http.js';
import {
  clientCertificateWithCa,
  selfSignedLoopbackCertificate,
} from '../../../test/support/certificates.js';
import { runModuleScript } from '../../../test/support/module-script.js';

const tls = selfSignedLoopbackCertificate();

interface Served {
  url: string;
  connections: () => number;
  versions: string[];
  sessions: Set<ServerHttp2Session>;
  close(): Promise<void>;
}

type Handler = (req: Http2ServerRequest, res: Http2ServerResponse, index: number) => void;

const answer: Handler = (_req, res) => setTimeout(() => res.end('{"ok":true}'), 20);

const servers: Served[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(
  handler: Handler = answer,
  options: Parameters<typeof createSecureServer>[0] = {},
): Promise<Served> {
  let connections = 0;
  const versions: string[] = [];
  const server = createSecureServer(
    { key: tls.key, cert: tls.cert, allowHTTP1: true, ...options },
    (req, res) => {
      versions.push(req.httpVersion);
      handler(req, res, versions.length - 1);
    },
  );
  const sockets = new Set<{ destroy(): void }>();
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (session) => sessions.add(session));
  server.on('secureConnection', (socket) => {
    connections++;
    sockets.add(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const served: Served = {
    url: `https://127.0.0.1:${port}/v1/secret/data/x`,
    connections: () => connections,
    versions,
    sessions,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  servers.push(served);
  return served;
}

const client = (options: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}) =>
  new HttpClient({
    timeoutMs: 5000,
    retries: 0,
    maxSockets: 256,
    userAgent: 'test',
    env: {},
    ca: tls.cert,
    backoffBaseMs: 1,
    ...options,
  });

const get = (http: HttpClient, url: string) =>
  http.request({ method: 'GET', url, what: 'read x', headers: { 'X-Vault-Token': 'test-token' } });

describe('a server that offers HTTP/2', () => {
  it('carries every request as a stream of one connection', async () => {
    const server = await serve();
    const http = client();
    try {
      http.preconnect(server.url, 200);
      const responses = await Promise.all(Array.from({ length: 200 }, () => get(http, server.url)));
      expect(responses.every((r) => r.status === 200 && r.json<{ ok: boolean }>().ok)).toBe(true);
      expect(server.versions).toEqual(Array(200).fill('2.0'));
      expect(server.connections()).toBe(1);
    } finally {
      http.close();
    }
  });

  it("more requests than the server's stream limit wait for a free stream (Vault's Go server allows 250)", async () => {
    let open = 0;
    let most = 0;
    const server = await serve(
      (_req, res) => {
        most = Math.max(most, ++open);
        setTimeout(() => {
          open--;
          res.end('{}');
        }, 10);
      },
      { settings: { maxConcurrentStreams: 10 } },
    );
    const http = client();
    try {
      http.preconnect(server.url, 60);
      const responses = await Promise.all(Array.from({ length: 60 }, () => get(http, server.url)));
      expect(responses.map((r) => r.status)).toEqual(Array(60).fill(200));
      expect(most).toBeLessThanOrEqual(10);
      expect(server.connections()).toBe(1);
    } finally {
      http.close();
    }
  });

  it('sends the headers in lower case, the method and the path with its query, and a body', async () => {
    const seen: { method: string; path: string; token: unknown; body: string }[] = [];
    const server = await serve((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push({
          method: req.method,
          path: req.url,
          token: req.headers['x-vault-token'],
          body,
        });
        res.statusCode = 201;
        res.setHeader('retry-after', '3');
        res.end('{}');
      });
    });
    const http = client();
    try {
      http.preconnect(server.url, 2);
      const response = await http.request({
        method: 'POST',
        url: `${server.url}?version=2`,
        what: 'write x',
        headers: { 'X-Vault-Token': 'test-token' },
        body: '{"a":1}',
      });
      expect(response.status).toBe(201);
      expect(response.headers['retry-after']).toBe('3');
      expect(Object.keys(response.headers).some((name) => name.startsWith(':'))).toBe(false);
      expect(seen).toEqual([
        {
          method: 'POST',
          path: '/v1/secret/data/x?version=2',
          token: 'test-token',
          body: '{"a":1}',
        },
      ]);
      expect(server.versions).toEqual(['2.0']);
    } finally {
      http.close();
    }
  });

  it('a stream the server resets is made again; the others on the connection are not disturbed', async () => {
    const server = await serve((req, res, index) => {
      if (index === 3) req.stream.close(constants.NGHTTP2_INTERNAL_ERROR);
      else setTimeout(() => res.end('{}'), 10);
    });
    const http = client({ retries: 2 });
    try {
      http.preconnect(server.url, 10);
      const responses = await Promise.all(Array.from({ length: 10 }, () => get(http, server.url)));
      expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
      expect(server.versions).toHaveLength(11);
      expect(server.connections()).toBe(1);
    } finally {
      http.close();
    }
  });

  it('a request that hangs fails at its deadline; the session goes on serving', async () => {
    const server = await serve((_req, res, index) => {
      if (index !== 0) res.end('{}');
    });
    const http = client({ timeoutMs: 200 });
    try {
      http.preconnect(server.url, 2);
      const hung = (await get(http, server.url).catch((e: unknown) => e)) as HttpError;
      expect(hung.message).toMatch(/read x: could not reach 127\.0\.0\.1:\d+ \(REQUEST_TIMEOUT/);
      expect((await get(http, server.url)).status).toBe(200);
      expect(server.connections()).toBe(1);
    } finally {
      http.close();
    }
  });

  it('a session the server ends is replaced by a new connection', async () => {
    const server = await serve();
    const http = client();
    try {
      http.preconnect(server.url, 2);
      expect((await get(http, server.url)).status).toBe(200);
      // GOAWAY and close, as a server being restarted or rebalanced does.
      for (const session of server.sessions) session.close();
      await new Promise((r) => setTimeout(r, 100));
      expect((await get(http, server.url)).status).toBe(200);
      expect(server.versions).toEqual(['2.0', '2.0']);
      expect(server.connections()).toBe(2);
    } finally {
      http.close();
    }
  });

  it('an error body is read only as far as a message needs; the connection survives', async () => {
    const server = await serve((_req, res) => {
      res.statusCode = 403;
      res.end('x'.repeat(100_000));
    });
    const http = client();
    try {
      http.preconnect(server.url, 2);
      const error = (await get(http, server.url).catch((e: unknown) => e)) as HttpError;
      expect(error.status).toBe(403);
      expect(error.bodyExcerpt.length).toBeLessThanOrEqual(500);
      // The connection survives a stream abandoned half-read.
      expect((await get(http, server.url).catch((e: HttpError) => e.status)) as number).toBe(403);
      expect(server.connections()).toBe(1);
    } finally {
      http.close();
    }
  });

  it('presents the client certificate (mutual TLS); without one, the refusal says what is missing', async () => {
    const { ca, client: issued } = clientCertificateWithCa();
    const server = await serve(answer, {
      ca: ca.cert,
      requestCert: true,
      rejectUnauthorized: true,
    });
    const withCertificate = client({ clientCertificate: { cert: issued.cert, key: issued.key } });
    const without = client();
    try {
      withCertificate.preconnect(server.url, 2);
      expect((await get(withCertificate, server.url)).status).toBe(200);
      expect(server.versions).toEqual(['2.0']);
      without.preconnect(server.url, 2);
      const error = (await get(without, server.url).catch((e: unknown) => e)) as HttpError;
      expect(error.message).toMatch(/read x: could not reach 127\.0\.0\.1:\d+/);
      expect(error.message).toMatch(/requires a client certificate/);
    } finally {
      withCertificate.close();
      without.close();
    }
  });
});

it.each([
  ['answers ALPN with http/1.1', ['http/1.1']],
  ['ignores ALPN', undefined],
])(
  'a server that %s is reached over HTTP/1.1, the connection opened to ask among those used',
  async (_what, alpn) => {
    let connections = 0;
    const versions: string[] = [];
    const server = createHttpsServer(
      { key: tls.key, cert: tls.cert, ...(alpn ? { ALPNProtocols: alpn } : {}) },
      (req, res) => {
        versions.push(req.httpVersion);
        setTimeout(() => res.end('{}'), 20);
      },
    );
    server.on('secureConnection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(server.address() as { port: number }).port}/v1/x`;
    const http = client();
    try {
      http.preconnect(url, 4);
      const responses = await Promise.all(Array.from({ length: 4 }, () => get(http, url)));
      expect(responses.map((r) => r.status)).toEqual(Array(4).fill(200));
      expect(versions).toEqual(Array(4).fill('1.1'));
      expect(connections).toBe(4);
    } finally {
      http.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  },
);

it('a server never prepared for is reached over HTTP/1.1, as before', async () => {
  const server = await serve();
  const http = client();
  try {
    expect((await get(http, server.url)).status).toBe(200);
    expect(server.versions).toEqual(['1.1']);
  } finally {
    http.close();
  }
});

it('an idle HTTP/2 session does not keep a process alive', async () => {
  const server = await serve();
  // A process that reads over HTTP/2 and never closes its client exits on its own.
  const script = `
    import { HttpClient } from ${JSON.stringify(new URL('../../../src/net/http.ts', import.meta.url).pathname)};
    const http = new HttpClient({ timeoutMs: 5000, retries: 0, maxSockets: 8, userAgent: 't', env: {}, ca: process.env.TEST_CA });
    http.preconnect(process.argv[1], 4);
    const responses = await Promise.all([1, 2, 3].map(() => http.request({ method: 'GET', url: process.argv[1], what: 'x' })));
    process.stdout.write(responses.map((r) => r.status).join(','));
  `;
  const child = await runModuleScript(script, [server.url], { ...process.env, TEST_CA: tls.cert });
  expect(child).toEqual({ status: 0, stdout: '200,200,200' });
  expect(server.versions).toEqual(['2.0', '2.0', '2.0']);
});

describe('a server that stalls while the connection is negotiated', () => {
  // The first connection (ALPN) is opened outside any request; requests that wait for it
  // must still meet their deadline, as over the keep-alive agent, not wait for ever.
  async function stalling(
    create: () => NetServer,
  ): Promise<{ url: string; alpn: (string | false | null)[]; close(): Promise<void> }> {
    const server = create();
    const held = new Set<Socket>();
    // What each TLS connection agreed in ALPN ('h2' for a negotiation, false for the agent's).
    const alpn: (string | false | null)[] = [];
    server.on('connection', (socket: Socket) => held.add(socket));
    server.on('secureConnection', (socket: TLSSocket) => alpn.push(socket.alpnProtocol));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    return {
      url: `https://127.0.0.1:${port}/v1/secret/data/x`,
      alpn,
      close: () =>
        new Promise<void>((resolve) => {
          for (const socket of held) socket.destroy();
          server.close(() => resolve());
        }),
    };
  }

  it.each([
    ['a TLS handshake never answered', () => createNetServer(() => undefined)],
    [
      'HTTP/2 chosen, then no SETTINGS from the server',
      () =>
        createTlsServer({ key: tls.key, cert: tls.cert, ALPNProtocols: ['h2'] }, () => undefined),
    ],
  ])(
    '%s: the request fails at its deadline',
    async (_case, create) => {
      const server = await stalling(create);
      const http = client({ timeoutMs: 300 });
      try {
        http.preconnect(server.url, 50);
        // Before the fix the request never settled (the test's own timeout ended it).
        const error = (await get(http, server.url).catch((e: unknown) => e)) as HttpError;
        expect(error.message).toMatch(/read x: could not reach 127\.0\.0\.1:\d+ \(REQUEST_TIMEOUT/);
      } finally {
        http.close();
        await server.close();
      }
    },
    10_000,
  );

  it('after a negotiation given up on, later requests go through the agent without negotiating again', async () => {
    const server = await stalling(() =>
      createTlsServer({ key: tls.key, cert: tls.cert, ALPNProtocols: ['h2'] }, () => undefined),
    );
    const http = client({ timeoutMs: 300 });
    try {
      http.preconnect(server.url, 50);
      for (let i = 0; i < 2; i++) {
        const error = (await get(http, server.url).catch((e: unknown) => e)) as HttpError;
        expect(error.message).toMatch(/REQUEST_TIMEOUT/);
        // The abandoned session has closed by now.
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(server.alpn).toEqual(['h2', false]);
    } finally {
      http.close();
      await server.close();
    }
  }, 10_000);
});
