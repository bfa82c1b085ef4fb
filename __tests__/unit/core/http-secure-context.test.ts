// A private CA (the ca-certificate input) or a client certificate is made into one TLS
// secure context per agent, not one per connection: given the PEM text itself, node built a
// context for every connection and parsed every certificate again — the ~140 public roots
// beside the private CA — about 45 ms of CPU per connection, 8 s for a step whose 200 Vault
// reads each opened a connection. Counted here as node's own calls to
// tls.createSecureContext, the function tls.connect uses when given no context.
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
