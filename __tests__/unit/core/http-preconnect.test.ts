// HttpClient.preconnect: connections opened ahead are the ones the next requests use (no
// connection more than asked for, over http and over TLS with the client's CA), a server
// that is not there costs nothing but the request's own error, and early connections do not
// keep the process alive.
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HttpClient, type HttpError } from '../../../src/net/http.js';
import { selfSignedLoopbackCertificate } from '../../../test/support/certificates.js';

interface CountingServer {
  url: string;
  connections: () => number;
  close(): Promise<void>;
}

async function listen(server: Server, scheme: string): Promise<CountingServer> {
  let connections = 0;
  server.on(scheme === 'https' ? 'secureConnection' : 'connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `${scheme}://127.0.0.1:${port}/v1/x`,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// Answers after a short wait, so that parallel requests each need a connection of their own.
const slowly = (_req: unknown, res: { end(text: string): void }) =>
  setTimeout(() => res.end('{}'), 30);

const tls = selfSignedLoopbackCertificate();
let plain: CountingServer;
let secure: CountingServer;

beforeAll(async () => {
  plain = await listen(createHttpServer(slowly), 'http');
  secure = await listen(createHttpsServer({ key: tls.key, cert: tls.cert }, slowly), 'https');
});
afterAll(async () => {
  await plain.close();
  await secure.close();
});

const client = (ca?: string) =>
  new HttpClient({
    timeoutMs: 5000,
    retries: 0,
    maxSockets: 64,
    userAgent: 'test',
    env: {},
    ...(ca ? { ca } : {}),
  });

const waitFor = async (condition: () => boolean) => {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe.each([
  ['http', () => plain, () => client()],
  ['https', () => secure, () => client(tls.cert)],
])('over %s', (_scheme, server, makeClient) => {
  it('opens the connections ahead, and the next requests use them, no more', async () => {
    const http = makeClient();
    const before = server().connections();
    try {
      http.preconnect(server().url, 8);
      await waitFor(() => server().connections() - before === 8);
      expect(server().connections() - before).toBe(8);
      const responses = await Promise.all(
        Array.from({ length: 8 }, () =>
          http.request({ method: 'GET', url: server().url, what: 'read x' }),
        ),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(8).fill(200));
      expect(server().connections() - before).toBe(8);
      // Asking again for as many as already wait opens none.
      http.preconnect(server().url, 8);
      await new Promise((r) => setTimeout(r, 50));
      expect(server().connections() - before).toBe(8);
    } finally {
      http.close();
    }
  });
});

it('a server that is not there: nothing thrown ahead, the request reports its own error', async () => {
  const http = client();
  const closed = await listen(createHttpServer(slowly), 'http');
  await closed.close();
  try {
    http.preconnect(closed.url, 4);
    await new Promise((r) => setTimeout(r, 50));
    const error = (await http
      .request({ method: 'GET', url: closed.url, what: 'read x' })
      .catch((e: unknown) => e)) as HttpError;
    expect(error.message).toMatch(/read x: could not reach 127\.0\.0\.1:\d+ \(ECONNREFUSED/);
  } finally {
    http.close();
  }
});

it('early connections left unused do not keep a process alive', () => {
  // A process that preconnects and never requests exits on its own, promptly.
  const script = `
    import { HttpClient } from ${JSON.stringify(new URL('../../../src/net/http.ts', import.meta.url).pathname)};
    const http = new HttpClient({ timeoutMs: 5000, retries: 0, maxSockets: 8, userAgent: 't', env: {} });
    http.preconnect(process.argv[1], 4);
    setTimeout(() => {}, 100);
  `;
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script, plain.url],
    {
      encoding: 'utf8',
      timeout: 20_000,
    },
  );
  expect(result.error).toBeUndefined();
  expect(result.status).toBe(0);
});
