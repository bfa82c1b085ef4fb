import {
  HttpClient,
  HttpError,
  parseRetryAfter,
  readProxySettings,
  scrubCredentials,
} from '../../../src/net/http.js';
import { serveLocal as serve } from '../../../test/support/local-server.js';

const client = (over: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}) =>
  new HttpClient({
    timeoutMs: 2000,
    retries: 3,
    maxSockets: 8,
    userAgent: 'test',
    backoffBaseMs: 5,
    env: {},
    ...over,
  });

describe('HttpClient', () => {
  it('retries 429 and 503, honouring Retry-After, then succeeds', async () => {
    const times: number[] = [];
    const server = await serve((_req, res, hit) => {
      times.push(Date.now());
      if (hit === 1) return res.writeHead(429, { 'retry-after': '1' }).end('slow down');
      if (hit === 2) return res.writeHead(503).end('unavailable');
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    const c = client();
    try {
      const response = await c.request({ method: 'GET', url: server.url, what: 'test read' });
      expect(response.json()).toEqual({ ok: true });
      expect(server.hits()).toBe(3);
      expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(950);
    } finally {
      c.close();
      await server.close();
    }
  });

  it('does not retry a 403 and names the request', async () => {
    const server = await serve((_req, res) =>
      res.writeHead(403).end('{"errors":["permission denied"]}'),
    );
    const c = client();
    try {
      await expect(
        c.request({ method: 'GET', url: server.url, what: 'read vault:x' }),
      ).rejects.toMatchObject({
        status: 403,
        message: expect.stringContaining('read vault:x: HTTP 403'),
      });
      expect(server.hits()).toBe(1);
    } finally {
      c.close();
      await server.close();
    }
  });

  it('retries reset connections and gives up after the retries with a clear error', async () => {
    const server = await serve((req) => req.socket.destroy());
    const c = client({ retries: 2 });
    try {
      const error = await c
        .request({ method: 'GET', url: server.url, what: 'login' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HttpError);
      expect((error as HttpError).message).toMatch(/login: could not reach 127\.0\.0\.1/);
      expect(server.hits()).toBe(3);
    } finally {
      c.close();
      await server.close();
    }
  });

  it('times out a request that hangs, per attempt, within a bounded total', async () => {
    const server = await serve(() => {
      /* never answers */
    });
    const c = client({ timeoutMs: 150, retries: 1 });
    const started = Date.now();
    try {
      await expect(c.request({ method: 'GET', url: server.url, what: 'read' })).rejects.toThrow(
        /no answer within 0.15 s/,
      );
      expect(Date.now() - started).toBeLessThan(2000);
      expect(server.hits()).toBe(2);
    } finally {
      c.close();
      await server.close();
    }
  });

  it('scrubs credentials and known values from error bodies', async () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOngifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    const server = await serve((_req, res) =>
      res.writeHead(400).end(`{"errors":["bad token ${jwt} for value known-value-123"]}`),
    );
    const c = client({ redact: (t) => t.split('known-value-123').join('***') });
    try {
      const error = (await c
        .request({ method: 'GET', url: server.url, what: 'x' })
        .catch((e: unknown) => e)) as Error;
      expect(error.message).not.toContain(jwt);
      expect(error.message).not.toContain('known-value-123');
      expect(error.message).toContain('[jwt]');
    } finally {
      c.close();
      await server.close();
    }
  });

  it('does not quote a body that is not JSON', async () => {
    const server = await serve((_req, res) => res.writeHead(200).end('not-json-secret-text'));
    const c = client();
    try {
      const response = await c.request({ method: 'GET', url: server.url, what: 'read' });
      expect(() => response.json()).toThrow(/not valid JSON \(20 bytes\)/);
      try {
        response.json();
      } catch (error) {
        expect((error as Error).message).not.toContain('not-json-secret-text');
      }
    } finally {
      c.close();
      await server.close();
    }
  });

  it('refuses plain http to anything but loopback', async () => {
    const c = client();
    await expect(
      c.request({ method: 'GET', url: 'http://vault.example.com/v1/x', what: 'vault login' }),
    ).rejects.toThrow(/vault login: http:\/\/vault\.example\.com is refused/);
    c.close();
  });

  it('reads HTTPS_PROXY and NO_PROXY as curl does, never proxying loopback', () => {
    const settings = readProxySettings({
      https_proxy: 'proxy.corp:3128',
      NO_PROXY: '.internal.example,other.example:8443',
    });
    expect(settings.proxyFor(new URL('https://api.example.com/x'))?.href).toBe(
      'http://proxy.corp:3128/',
    );
    expect(settings.proxyFor(new URL('https://a.internal.example/x'))).toBeUndefined();
    expect(settings.proxyFor(new URL('https://internal.example/x'))).toBeUndefined();
    expect(settings.proxyFor(new URL('https://other.example:8443/x'))).toBeUndefined();
    expect(settings.proxyFor(new URL('https://other.example/x'))).toBeDefined();
    expect(settings.proxyFor(new URL('https://127.0.0.1:1/x'))).toBeUndefined();
    expect(
      readProxySettings({ HTTPS_PROXY: 'http://p:1', NO_PROXY: '*' }).proxyFor(
        new URL('https://x.y'),
      ),
    ).toBeUndefined();
  });
});

describe('helpers', () => {
  it('parses Retry-After seconds and dates', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('scrubs token formats', () => {
    const text = scrubCredentials(
      'hvs.CAESIJ0123456789abcdefghijklmnop AKIAABCDEFGHIJKLMNOP "password": "x y z"',
    );
    expect(text).toBe('[vault-token] [aws-access-key] "password": "[redacted]"');
  });
});
