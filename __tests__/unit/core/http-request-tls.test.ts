// The HTTP client's per-request TLS (RequestTls: a Kubernetes cluster's own CA and a
// client certificate), directly and through an HTTPS_PROXY CONNECT tunnel: the given CA is
// the one trusted for that request, the client certificate is presented, and requests
// without one keep the client's own trust.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { HttpClient, type HttpError } from '../../../src/net/http.js';
import { startKubernetes, type KubernetesEmulator } from '../../../test/emulators/kubernetes.js';
import {
  selfSignedLoopbackCertificate,
  testCertificateAuthority,
} from '../../../test/support/certificates.js';

let k8s: KubernetesEmulator;
let tls: { key: string; cert: string };
let client: { key: string; cert: string };
let proxy: { url: string; targets: string[]; close(): Promise<void> };

/** A CONNECT proxy that sends `k8s.test:PORT` to 127.0.0.1:PORT and refuses anything else. */
async function startConnectProxy() {
  const targets: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    targets.push(req.url ?? '');
    sockets.add(socket);
    const [host, port] = (req.url ?? '').split(':');
    if (host !== 'k8s.test') {
      socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const upstream = connect(Number(port), '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    sockets.add(upstream);
    const close = () => {
      upstream.destroy();
      socket.destroy();
    };
    upstream.on('error', close);
    socket.on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    targets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

beforeAll(async () => {
  tls = selfSignedLoopbackCertificate(['k8s.test']);
  const ca = testCertificateAuthority();
  client = ca.issueClient('tls-user', ['tls-group']);
  k8s = await startKubernetes({ tls: { ...tls, clientCa: ca.cert } });
  k8s.addSecret('ci', 'db', { data: { v: 'x'.repeat(8) } });
  k8s.grant({ subject: 'tls-user', namespace: 'ci', verbs: ['get'] });
  proxy = await startConnectProxy();
});

afterAll(async () => {
  await k8s.close();
  await proxy.close();
});

const httpClient = (env: NodeJS.ProcessEnv = {}) =>
  new HttpClient({ timeoutMs: 5000, retries: 0, maxSockets: 4, userAgent: 'test', env });

const read = (http: HttpClient, base: string, withTls: boolean) =>
  http.request({
    method: 'GET',
    url: `${base}/api/v1/namespaces/ci/secrets/db`,
    what: 'read k8s:ci/db',
    ...(withTls ? { tls: { ca: tls.cert, cert: client.cert, key: client.key } } : {}),
  });

describe('per-request TLS', () => {
  it('trusts the request CA and presents the client certificate', async () => {
    const http = httpClient();
    try {
      const response = await read(http, k8s.url, true);
      expect(response.status).toBe(200);
      expect(k8s.requests.at(-1)?.user).toBe('tls-user');
      // The same client without the request's TLS does not trust the cluster.
      const error = (await read(http, k8s.url, false).catch((e: unknown) => e)) as HttpError;
      expect(error.status).toBeUndefined();
      expect(error.message).toMatch(
        /could not reach 127\.0\.0\.1:\d+ \((SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT)/,
      );
    } finally {
      http.close();
    }
  });

  it('names the CA given for the request when the server does not chain to it', async () => {
    const http = httpClient();
    try {
      const other = selfSignedLoopbackCertificate();
      const error = (await http
        .request({
          method: 'GET',
          url: `${k8s.url}/api/v1/namespaces/ci/secrets/db`,
          what: 'read k8s:ci/db',
          tls: { ca: other.cert },
        })
        .catch((e: unknown) => e)) as HttpError;
      expect(error.status).toBeUndefined();
      expect(error.message).toMatch(
        /does not chain to the CA given for it \(a Kubernetes cluster's: k8s-ca-certificate/,
      );
    } finally {
      http.close();
    }
  });

  it('without the client certificate the API server sees no identity (401)', async () => {
    const http = httpClient();
    try {
      const error = (await http
        .request({
          method: 'GET',
          url: `${k8s.url}/api/v1/namespaces/ci/secrets/db`,
          what: 'read k8s:ci/db',
          tls: { ca: tls.cert },
        })
        .catch((e: unknown) => e)) as HttpError;
      expect(error.status).toBe(401);
    } finally {
      http.close();
    }
  });

  it('keeps the request CA and client certificate through a CONNECT proxy', async () => {
    const http = httpClient({ HTTPS_PROXY: proxy.url });
    try {
      const port = new URL(k8s.url).port;
      const response = await read(http, `https://k8s.test:${port}`, true);
      expect(response.status).toBe(200);
      expect(proxy.targets.at(-1)).toBe(`k8s.test:${port}`);
      expect(k8s.requests.at(-1)?.user).toBe('tls-user');
    } finally {
      http.close();
    }
  });
});
