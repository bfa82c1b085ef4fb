// SPEC §1.4a: `timeout-seconds` bounds a whole attempt, body included; an error body is cut
// to a few KB before anything looks into it; a redirect is an error, never a value.
import { randomBytes } from 'node:crypto';
import { serveLocal as serve } from '../../../test/support/local-server.js';
import { ERROR_BODY_BYTES, HttpClient, HttpError } from '../../../src/net/http.js';

const client = (over: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}) =>
  new HttpClient({
    timeoutMs: 500,
    retries: 0,
    maxSockets: 4,
    userAgent: 'test',
    backoffBaseMs: 5,
    env: {},
    ...over,
  });

describe('one deadline per attempt', () => {
  it('fails a response that trickles its body a byte at a time with the timeout error', async () => {
    // 60 bytes, one every 100 ms: each byte arrives well inside an idle timeout of 500 ms,
    // the whole body takes 6 s. Only a deadline on the whole attempt stops it.
    let sent = 0;
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '60' });
      const timer = setInterval(() => {
        res.write(' ');
        if (++sent >= 60) {
          clearInterval(timer);
          res.end();
        }
      }, 100);
      server.timers.add(timer);
    });
    const c = client();
    try {
      const outcome = await c
        .request({ method: 'GET', url: server.url, what: 'trickle read' })
        .then(
          () => 'resolved',
          (error: unknown) => error,
        );
      expect(outcome).toBeInstanceOf(HttpError);
      expect((outcome as HttpError).message).toMatch(
        /^trickle read: could not reach 127\.0\.0\.1:\d+ \(REQUEST_TIMEOUT: no answer within 0\.5 s\)/,
      );
      // It stopped reading long before the body was complete.
      expect(sent).toBeLessThan(60);
    } finally {
      c.close();
      await server.close();
    }
  }, 20_000);

  it('applies the deadline to each retried attempt and still gives up', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(503, { 'content-length': '100' });
      const timer = setInterval(() => res.write('x'), 50);
      server.timers.add(timer);
    });
    const c = client({ timeoutMs: 300, retries: 1 });
    try {
      await expect(
        c.request({ method: 'GET', url: server.url, what: 'slow error' }),
      ).rejects.toMatchObject({ message: expect.stringMatching(/gave up after 2 attempts/) });
    } finally {
      c.close();
      await server.close();
    }
  }, 20_000);
});

describe('error bodies are cut before anything looks at them', () => {
  it('hands a 1 MiB error body to redaction and scrubbing only as its first few KB', async () => {
    const body = Buffer.alloc(1024 * 1024, 'e');
    const server = await serve((_req, res) => {
      res.writeHead(400, { 'content-type': 'text/plain', 'content-length': body.length });
      res.end(body);
    });
    const seen: number[] = [];
    const c = client({
      timeoutMs: 5000,
      redact: (text) => {
        seen.push(text.length);
        return text;
      },
    });
    try {
      const error = await c
        .request({ method: 'GET', url: server.url, what: 'big error' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HttpError);
      expect((error as HttpError).status).toBe(400);
      expect(seen.length).toBeGreaterThan(0);
      expect(Math.max(...seen)).toBeLessThanOrEqual(ERROR_BODY_BYTES);
      expect((error as HttpError).bodyExcerpt.length).toBeLessThanOrEqual(500);
    } finally {
      c.close();
      await server.close();
    }
  });

  it('keeps the start of a short error body for the message', async () => {
    const server = await serve((_req, res) =>
      res.writeHead(403, { 'content-type': 'application/json' }).end('{"errors":["denied"]}'),
    );
    const c = client();
    try {
      await expect(
        c.request({ method: 'GET', url: server.url, what: 'read' }),
      ).rejects.toMatchObject({ bodyExcerpt: '{"errors":["denied"]}' });
    } finally {
      c.close();
      await server.close();
    }
  });
});

describe('a redirect is an error, never a value', () => {
  it.each([301, 302, 307, 308])(
    'refuses a %d without quoting its body or Location',
    async (status) => {
      const secretish = randomBytes(24).toString('hex');
      const server = await serve((_req, res) =>
        res
          .writeHead(status, {
            location: `https://elsewhere.example/${secretish}`,
            'content-type': 'application/json',
          })
          .end(JSON.stringify({ data: { data: { password: secretish } } })),
      );
      const c = client({ retries: 2 });
      try {
        const outcome = await c
          .request({ method: 'GET', url: server.url, what: 'read vault:secret/data/app' })
          .then(
            () => 'resolved',
            (error: unknown) => error,
          );
        expect(outcome).toBeInstanceOf(HttpError);
        const error = outcome as HttpError;
        expect(error.status).toBe(status);
        expect(error.message).toContain(
          `read vault:secret/data/app: HTTP ${status}: redirect refused`,
        );
        expect(error.message).not.toContain(secretish);
        expect(error.bodyExcerpt).not.toContain(secretish);
      } finally {
        c.close();
        await server.close();
      }
    },
  );
});
