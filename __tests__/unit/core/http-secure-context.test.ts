// A private CA (the ca-certificate input) or a client certificate is made into one TLS
// secure context per agent, not one per connection: given the PEM text itself, node built a
// context for every connection and parsed every certificate again — the ~140 public roots
// beside the private CA — about 45 ms of CPU per connection, 8 s for a step whose 200 Vault
// reads each opened a connection. Counted here as node's own calls to
// tls.createSecureContext, the function tls.connect uses when given no context. And the
// runner's NODE_EXTRA_CA_CERTS stay trusted beside a private CA.
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
import { runModuleScript } from '../../../test/support/module-script.js';

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

it.each([
  ['a private CA', { ca: certificate.cert }, undefined],
  [
    'a private CA and a client certificate',
    { ca: certificate.cert, clientCertificate: mutual.client },
    undefined,
  ],
  // A Kubernetes cluster's CA, given with the request.
  ["a request's own CA", {}, { ca: certificate.cert }],
])('%s: one secure context for ten connections', async (_what, tlsSettings, own) => {
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
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        http.request({ method: 'GET', url, what: 'read x', ...(own ? { tls: own } : {}) }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
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
    const child = await runModuleScript(script, [url], {
      ...process.env,
      NODE_EXTRA_CA_CERTS: extra,
      OTHER_CA: mutual.ca.cert,
    });
    expect(child).toEqual({ status: 0, stdout: '200' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
