// HTTPS, a private CA and an HTTPS proxy, through the built action. A throw-away CA and a
// server certificate for `vault.test` and 127.0.0.1 are made with the openssl CLI at test
// time; the Vault emulator serves TLS with them. Without `ca-certificate` the step fails with
// a TLS error that says what to do; with it (PEM text or a path) it succeeds; plain http to
// a host that is not loopback is refused before anything is sent. Behind HTTPS_PROXY the
// action reaches `https://vault.test:PORT` through a CONNECT tunnel (a tiny proxy on
// 127.0.0.1 that connects `vault.test` to the emulator), and NO_PROXY bypasses it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectNoLeak } from '../../../test/support/leaks.js';
import { runJob } from '../../../test/support/runner.js';
import {
  errorsOf,
  expectNothingExported,
  expectNothingLive,
  fake,
  sha,
  startVaultFixture,
  type VaultFixture,
} from '../../../test/support/vault-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'oidc-secrets-tls-'));
const caPath = join(dir, 'ca.pem');
let caPem = '';
let fx: VaultFixture;
let port = '';
const apiKey = fake('tls-api-key');

/** A CA, and a server certificate it signed for vault.test and 127.0.0.1 (EC P-256: fast). */
function makeCertificates(): { key: string; cert: string } {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...ec,
    '-days',
    '1',
    '-subj',
    '/CN=oidc-secrets throw-away test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout',
    join(dir, 'ca.key'),
    '-out',
    caPath,
  );
  openssl(
    'req',
    ...ec,
    '-subj',
    '/CN=vault.test',
    '-keyout',
    join(dir, 'server.key'),
    '-out',
    join(dir, 'server.csr'),
  );
  writeFileSync(
    join(dir, 'server.ext'),
    'subjectAltName=DNS:vault.test,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' +
      'keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n',
  );
  openssl(
    'x509',
    '-req',
    '-in',
    join(dir, 'server.csr'),
    '-CA',
    caPath,
    '-CAkey',
    join(dir, 'ca.key'),
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    join(dir, 'server.ext'),
    '-out',
    join(dir, 'server.pem'),
  );
  return {
    key: readFileSync(join(dir, 'server.key'), 'utf8'),
    cert: readFileSync(join(dir, 'server.pem'), 'utf8'),
  };
}

/** An HTTP CONNECT proxy that records its tunnels and resolves `vault.test` to 127.0.0.1. */
async function startConnectProxy(options: { refuse?: boolean } = {}) {
  const targets: string[] = [];
  const authorizations: Array<string | undefined> = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((_req, res) => {
    res.writeHead(405).end();
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    targets.push(req.url ?? '');
    authorizations.push(req.headers['proxy-authorization']);
    sockets.add(client);
    const [host, targetPort] = (req.url ?? '').split(':');
    if (options.refuse || host !== 'vault.test') {
      client.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const upstream = connect(Number(targetPort), '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    const close = () => {
      upstream.destroy();
      client.destroy();
    };
    upstream.on('error', close);
    client.on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: proxyPort } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${proxyPort}`,
    targets,
    authorizations,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

beforeAll(async () => {
  const tls = makeCertificates();
  caPem = readFileSync(caPath, 'utf8');
  fx = await startVaultFixture({ vault: { tls } });
  port = new URL(fx.vault.url).port;
  fx.vault.addKvV2('secret', 'ci/app', { api_key: apiKey });
});

afterAll(async () => {
  await fx.close();
  rmSync(dir, { recursive: true, force: true });
});

const SECRETS = 'API_KEY: vault:secret/data/ci/app#api_key';

describe('HTTPS with a private CA', () => {
  it('without ca-certificate the step fails with a TLS error that names the input to set', async () => {
    expect(fx.vault.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const job = await runJob({ inputs: fx.inputs(SECRETS, { retries: '1' }), issuer: fx.issuer });
    expect(job.main.exitCode).toBe(1);
    const errors = errorsOf(job.main);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      new RegExp(`^secrets line 1: vault login .*could not reach 127\\.0\\.0\\.1:${port} \\(`),
    );
    expect(errors[0]).toMatch(/certificate/i);
    expect(errors[0]).toContain('ca-certificate');
    expectNothingExported(job);
    // Certificate errors are not retried: the answer would be the same.
    expect(job.main.durationMs).toBeLessThan(5_000);
  });

  it.each([
    ['PEM text', () => caPem],
    ['a path', () => caPath],
  ])('with ca-certificate as %s the step succeeds', async (_how, ca) => {
    const job = await runJob({
      inputs: fx.inputs(SECRETS, { 'ca-certificate': ca() }),
      issuer: fx.issuer,
    });
    expect(errorsOf(job.main)).toEqual([]);
    expect(job.main.exitCode).toBe(0);
    expect(sha(job.env.API_KEY)).toBe(sha(apiKey));
    expect(job.post?.exitCode).toBe(0);
    expectNothingLive(fx.vault);
    expectNoLeak(job.log, [apiKey]);
  });

  it.each([
    ['vault-url', { 'vault-url': 'http://vault.test:8200' }, /^input vault-url: /],
    [
      'endpoints',
      { endpoints: 'aws-sts: http://sts.internal.example:8080' },
      /^input endpoints \(line 1, aws-sts\): /,
    ],
  ])(
    'plain http:// to a host that is not loopback is refused, naming %s',
    async (_input, extra, named) => {
      const tokensBefore = fx.issuer.tokenRequests.length;
      const job = await runJob({ inputs: fx.inputs(SECRETS, extra), issuer: fx.issuer });
      expect(job.main.exitCode).toBe(1);
      const errors = errorsOf(job.main);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(named);
      expect(errors[0]).toMatch(/https:\/\//);
      expect(errors[0]).toMatch(/loopback/);
      // Refused before the job's OIDC token was even minted.
      expect(fx.issuer.tokenRequests.length).toBe(tokensBefore);
      expectNothingExported(job);
    },
  );
});

describe('HTTPS_PROXY and NO_PROXY', () => {
  const viaName = () => ({ 'vault-url': `https://vault.test:${port}`, 'ca-certificate': caPath });

  it('reaches a non-loopback Vault through the CONNECT tunnel', async () => {
    const proxy = await startConnectProxy();
    try {
      const job = await runJob({
        inputs: fx.inputs(SECRETS, viaName()),
        env: { HTTPS_PROXY: proxy.url },
        issuer: fx.issuer,
      });
      expect(errorsOf(job.main)).toEqual([]);
      expect(job.main.exitCode).toBe(0);
      expect(sha(job.env.API_KEY)).toBe(sha(apiKey));
      // Only Vault went through the proxy (the token endpoint is loopback here); post's
      // revocation too.
      expect(proxy.targets.length).toBeGreaterThanOrEqual(2);
      expect(new Set(proxy.targets)).toEqual(new Set([`vault.test:${port}`]));
      expect(job.post?.exitCode).toBe(0);
      expectNothingLive(fx.vault);
      expectNoLeak(job.log, [apiKey]);
    } finally {
      await proxy.close();
    }
  });

  it('reads the lower-case https_proxy too, and sends proxy credentials from its URL', async () => {
    const proxy = await startConnectProxy();
    try {
      const job = await runJob({
        inputs: fx.inputs(SECRETS, viaName()),
        env: { https_proxy: proxy.url.replace('http://', 'http://ci-user:proxy%20pass@') },
        issuer: fx.issuer,
      });
      expect(job.main.exitCode).toBe(0);
      expect(proxy.targets[0]).toBe(`vault.test:${port}`);
      expect(proxy.authorizations[0]).toBe(
        `Basic ${Buffer.from('ci-user:proxy pass').toString('base64')}`,
      );
    } finally {
      await proxy.close();
    }
  });

  it.each(['vault.test', '.test', `vault.test:${'PORT'}`, '*'])(
    'NO_PROXY=%s bypasses the proxy (and vault.test then does not resolve)',
    async (entry) => {
      const proxy = await startConnectProxy();
      try {
        const job = await runJob({
          inputs: fx.inputs(SECRETS, { ...viaName(), retries: '0' }),
          env: { HTTPS_PROXY: proxy.url, NO_PROXY: `example.org, ${entry.replace('PORT', port)}` },
          issuer: fx.issuer,
        });
        expect(job.main.exitCode).toBe(1);
        expect(proxy.targets).toEqual([]);
        expect(errorsOf(job.main)[0]).toMatch(
          new RegExp(`vault login .*could not reach vault\\.test:${port} \\((ENOTFOUND|EAI_AGAIN)`),
        );
        expectNothingExported(job);
      } finally {
        await proxy.close();
      }
    },
  );

  it('a proxy that refuses the tunnel fails the step, saying so', async () => {
    const proxy = await startConnectProxy({ refuse: true });
    try {
      const job = await runJob({
        inputs: fx.inputs(SECRETS, { ...viaName(), retries: '1' }),
        env: { HTTPS_PROXY: proxy.url, NO_PROXY: 'other.test:443' },
        issuer: fx.issuer,
      });
      expect(job.main.exitCode).toBe(1);
      expect(proxy.targets).toEqual([`vault.test:${port}`, `vault.test:${port}`]);
      expect(errorsOf(job.main)[0]).toMatch(/proxy answered CONNECT with 403/);
      expectNothingExported(job);
    } finally {
      await proxy.close();
    }
  });
});
