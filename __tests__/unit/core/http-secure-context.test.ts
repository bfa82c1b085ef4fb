// A private CA (the ca-certificate input) or a client certificate is made into one TLS
// secure context per agent, not one per connection: given the PEM text itself, node built a
// context for every connection and parsed every certificate again — the ~140 public roots
// beside the private CA — about 45 ms of CPU per connection, 8 s for a step whose 200 Vault
// reads each opened a connection. Counted here as node's own calls to
// tls.createSecureContext, the function tls.connect uses when given no context. And the
// runner's NODE_EXTRA_CA_CERTS stay trusted beside a private CA.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { createServer, type Server } from 'node:https';
import { afterAll, afterEach, beforeAll, expect, it, jest } from '@jest/globals';
import { HttpClient } from '../../../src/net/http.js';
import {
  clientCertificateWithCa,
  selfSignedLoopbackCertificate,
} from '../../../test/support/certificates.js';

const certificate = selfSignedLoopbackCertificate(['k8s.test']);
const mutual = clientCertificateWithCa();
let server: Server;
let url: string;

beforeAll(async () => {
  // Asks for a client certificate without requiring one: both kinds of client get in.
  server = createServer(
    {
      key: certificate.key,
      cert: certificate.cert,
      ca: mutual.ca.cert,
      requestCert: true,
      rejectUnauthorized: false,
    },
    (_req, res) => setTimeout(() => res.end('{}'), 20),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as { port: number }).port}/v1/x`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
afterEach(() => {
  jest.restoreAllMocks();
});

const parallelReads = async (http: HttpClient, count: number, own?: { ca: string }) => {
  const responses = await Promise.all(
    Array.from({ length: count }, () =>
      http.request({ method: 'GET', url, what: 'read x', ...(own ? { tls: own } : {}) }),
    ),
  );
  return responses.map((r) => r.status);
};

it.each([
  ['a private CA', { ca: certificate.cert }],
  [
    'a private CA and a client certificate',
    { ca: certificate.cert, clientCertificate: mutual.client },
  ],
])('%s: one secure context for ten connections', async (_what, tlsSettings) => {
  const http = new HttpClient({
    timeoutMs: 5000,
    retries: 0,
    maxSockets: 64,
    userAgent: 'test',
    env: {},
    ...tlsSettings,
  });
  const contexts = jest.spyOn(tls, 'createSecureContext');
  try {
    expect(await parallelReads(http, 10)).toEqual(Array(10).fill(200));
    expect(contexts).toHaveBeenCalledTimes(1);
  } finally {
    http.close();
  }
});

it("a request's own CA (a Kubernetes cluster's): one secure context for its connections", async () => {
  const http = new HttpClient({
    timeoutMs: 5000,
    retries: 0,
    maxSockets: 64,
    userAgent: 'test',
    env: {},
  });
  const contexts = jest.spyOn(tls, 'createSecureContext');
  try {
    expect(await parallelReads(http, 10, { ca: certificate.cert })).toEqual(Array(10).fill(200));
    expect(contexts).toHaveBeenCalledTimes(1);
  } finally {
    http.close();
  }
});

it("a private CA is trusted beside the runner's NODE_EXTRA_CA_CERTS, not in their place", async () => {
  // The server's self-signed certificate stands for a CA the runner trusts through
  // NODE_EXTRA_CA_CERTS (a self-hosted runner's TLS-inspecting proxy); the client is given
  // another CA (ca-certificate) and must still trust it. Node adds those certificates to its
  // default trust only: a context of our own lacked them (DEPTH_ZERO_SELF_SIGNED_CERT).
  const dir = mkdtempSync(join(tmpdir(), 'extra-ca-'));
  const extra = join(dir, 'extra.pem');
  writeFileSync(extra, certificate.cert);
  const script = `
    import { HttpClient } from ${JSON.stringify(new URL('../../../src/net/http.ts', import.meta.url).pathname)};
    const http = new HttpClient({ timeoutMs: 5000, retries: 0, maxSockets: 8, userAgent: 't', env: process.env, ca: process.env.OTHER_CA });
    const outcome = await http.request({ method: 'GET', url: process.argv[1], what: 'read x' }).then((r) => String(r.status), (e) => e.message);
    http.close();
    process.stdout.write(outcome);
  `;
  try {
    // Spawned, not run synchronously: the server answers from this process's event loop.
    const child = await new Promise<{ status: number | null; stdout: string }>((resolve) => {
      const proc = spawn(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script, url],
        {
          env: { ...process.env, NODE_EXTRA_CA_CERTS: extra, OTHER_CA: mutual.ca.cert },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let stdout = '';
      proc.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
      proc.on('exit', (status) => {
        clearTimeout(timer);
        resolve({ status, stdout });
      });
    });
    expect(child).toEqual({ status: 0, stdout: '200' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
