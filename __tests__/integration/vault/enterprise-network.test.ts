// Vault behind an enterprise network's demands, through the built dist/ entries: a Vault that
// requires a client certificate (mutual TLS) and a gateway that wants its own headers on
// every request. The keep-alive's renewals and post's revocations go the same way.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingHttpHeaders } from 'node:http';
import {
  clientCertificateWithCa,
  selfSignedLoopbackCertificate,
} from '../../../test/support/certificates.js';
import { expectNoLeak } from '../../../test/support/leaks.js';
import { runStep } from '../../../test/support/runner.js';
import { runCli } from '../cli/cli-process.js';
import {
  errorsOf,
  expectNothingExported,
  expectNothingLive,
  fake,
  type VaultFixture,
} from '../../../test/support/vault-fixture.js';
import { SHORT_ROLE, jobDirs, startShortLivedVault } from '../keep-alive/support.js';

let f: VaultFixture;
let server: { key: string; cert: string };
let mtls: ReturnType<typeof clientCertificateWithCa>;
let password: string;
let keyDir: string;
const seen: Array<{ path: string; headers: IncomingHttpHeaders }> = [];

beforeAll(async () => {
  server = selfSignedLoopbackCertificate();
  mtls = clientCertificateWithCa();
  f = await startShortLivedVault(3, 600, {
    vault: { tls: { ...server, clientCa: mtls.ca.cert, requireClientCertificate: true } },
  });
  password = fake('kv-password');
  f.vault.addKvV2('secret', 'ci/app', { password });
  // Watches what arrives (and lets it through): the headers of every request.
  f.vault.setFault((request) => {
    seen.push({ path: request.apiPath, headers: request.headers });
  });
  keyDir = mkdtempSync(join(tmpdir(), 'mtls-key-'));
  writeFileSync(join(keyDir, 'client.key'), mtls.client.key, { mode: 0o600 });
});
afterAll(async () => {
  await f.close();
  rmSync(keyDir, { recursive: true, force: true });
});

const SECRETS = 'APP_PASSWORD: vault:secret/data/ci/app#password\nPG_*: vault:database/creds/short';

describe('Vault over an enterprise network', () => {
  it('presents the client certificate and sends vault-headers on every request: login, reads, renewals, revocation', async () => {
    const gatewayKey = fake('gateway-key');
    const tenant = fake('tenant', 4);
    const inputs = f.inputs(SECRETS, {
      'vault-role': SHORT_ROLE,
      'ca-certificate': server.cert,
      // PEM text for the certificate, a path for the key: both forms are accepted.
      'vault-client-certificate': mtls.client.cert,
      'vault-client-key': join(keyDir, 'client.key'),
      'vault-headers': `X-Gateway-Key: ${gatewayKey}\n# the tenant\nX-Tenant: ${tenant}\n`,
    });
    const dirs = jobDirs();
    seen.length = 0;
    try {
      const common = {
        issuer: f.issuer,
        workspace: dirs.workspace,
        runnerTemp: dirs.runnerTemp,
        masker: dirs.masker,
        // As a workflow passes them: from secrets, masked by the runner from the start.
        secrets: [gatewayKey, mtls.client.key],
      };
      const main = await runStep({ ...common, entry: 'main', inputs });
      expect(errorsOf(main)).toEqual([]);
      expect(main.exitCode).toBe(0);
      expect(main.env.APP_PASSWORD === password).toBe(true);
      // The header values are masked by main too: later steps that print them show ***.
      expect(main.masks).toContain(gatewayKey);
      expect(main.masks).toContain(tenant);
      await new Promise((resolve) => setTimeout(resolve, 3500)); // a renewal or two
      const post = await runStep({
        ...common,
        entry: 'post',
        inputs,
        state: main.state,
        env: main.env,
      });
      expect(post.exitCode).toBe(0);
      expect(post.log).toMatch(
        /keep-alive stopped after \d+ s: renewed the Vault token [1-9]\d* times?/,
      );
      expect(post.annotations.filter((a) => a.level === 'warning')).toEqual([]);
      const paths = new Set(seen.map((s) => s.path));
      for (const path of [
        'auth/jwt/login',
        'secret/data/ci/app',
        'auth/token/renew-self',
        'sys/leases/renew',
        'auth/token/revoke-self',
      ])
        expect(paths).toContain(path);
      for (const request of seen) {
        expect(request.headers['x-gateway-key'] === gatewayKey).toBe(true);
        expect(request.headers['x-tenant'] === tenant).toBe(true);
      }
      expectNothingLive(f.vault);
      // X-Tenant's value is no workflow secret here: main's header shows it (printed before
      // main runs), and from then on it is masked — post's header prints it as ***.
      const afterMainHeader = main.log.slice(main.log.indexOf('##[endgroup]'));
      expect(post.log).toContain('X-Tenant: ***');
      expectNoLeak([afterMainHeader, post.log].join('\n'), [
        password,
        gatewayKey,
        tenant,
        main.env.PG_PASSWORD ?? '',
      ]);
    } finally {
      dirs.close();
    }
  });

  it('oidc-secrets run takes the same settings as flags: --vault-client-certificate, --vault-client-key, --vault-headers', async () => {
    const gatewayKey = fake('gateway-key');
    writeFileSync(join(keyDir, 'client.pem'), mtls.client.cert);
    writeFileSync(
      join(keyDir, '.oidc-secrets'),
      'APP_PASSWORD: vault:secret/data/ci/app#password\n',
    );
    seen.length = 0;
    const result = await runCli(
      [
        'run',
        '--vault-client-certificate',
        join(keyDir, 'client.pem'),
        '--vault-client-key',
        join(keyDir, 'client.key'),
        '--vault-headers',
        `X-Gateway-Key: ${gatewayKey}`,
        '--',
        process.execPath,
        '-e',
        'console.log(process.env.APP_PASSWORD ? "set" : "unset", process.env.APP_PASSWORD)',
      ],
      {
        cwd: keyDir,
        env: {
          ...f.issuer.env(),
          OIDC_SECRETS_VAULT_URL: f.vault.url,
          OIDC_SECRETS_VAULT_ROLE: 'ci',
          OIDC_SECRETS_VAULT_AUDIENCE: 'https://vault.example.com',
          OIDC_SECRETS_CA_CERTIFICATE: server.cert,
        },
      },
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^oidc-secrets: revoked: vault token accessor/);
    expect(result.stdout).toBe('set ***\n');
    expect(seen.length).toBeGreaterThan(0);
    for (const request of seen) expect(request.headers['x-gateway-key'] === gatewayKey).toBe(true);
    expectNothingLive(f.vault);
    expectNoLeak(result.stdout + result.stderr, [password, gatewayKey]);
  });

  it('is refused by a Vault that requires a client certificate when none is given, and says why', async () => {
    const before = f.vault.requests.length;
    const dirs = jobDirs();
    try {
      const main = await runStep({
        entry: 'main',
        inputs: f.inputs(SECRETS, { 'ca-certificate': server.cert, retries: '0' }),
        issuer: f.issuer,
        workspace: dirs.workspace,
        runnerTemp: dirs.runnerTemp,
      });
      expect(main.exitCode).toBe(1);
      const errors = errorsOf(main).join('\n');
      expect(errors).toContain('vault login');
      expect(errors).toContain('the server requires a client certificate (mutual TLS)');
      expect(main.env).toEqual({});
      // The handshake failed: Vault never saw a request.
      expect(f.vault.requests.length).toBe(before);
      expectNoLeak(main.log, [password]);
    } finally {
      dirs.close();
    }
  });

  it.each([
    [
      'a malformed vault-headers line, named by its number and never quoted',
      { 'vault-headers': 'X-Ok: fine\nnot a header line SECRETVALUE' },
      /input vault-headers \(line 2\): expected Name: value/,
    ],
    [
      'a header the client sets itself',
      { 'vault-headers': 'X-Vault-Token: SECRETVALUE' },
      /input vault-headers \(line 1\): expected a header other than X-Vault-Token/,
    ],
    [
      'a key without its certificate',
      { 'vault-client-key': 'SECRETVALUE' },
      /input vault-client-certificate: expected a client certificate to go with the vault-client-key input/,
    ],
    [
      'a key that is not the certificate’s',
      { 'vault-client-certificate': 'CERT', 'vault-client-key': 'OTHER' },
      /input vault-client-key: expected the private key of the certificate in the vault-client-certificate input \(it is another key\)/,
    ],
  ])('refuses %s', async (_name, extra, expected) => {
    const other = clientCertificateWithCa().client.key;
    const resolved = Object.fromEntries(
      Object.entries(extra).map(([k, v]) => [
        k,
        v === 'CERT' ? mtls.client.cert : v === 'OTHER' ? other : v,
      ]),
    );
    const dirs = jobDirs();
    try {
      const main = await runStep({
        entry: 'main',
        inputs: f.inputs(SECRETS, { 'ca-certificate': server.cert, ...resolved }),
        issuer: f.issuer,
        workspace: dirs.workspace,
        runnerTemp: dirs.runnerTemp,
        secrets: ['SECRETVALUE', other],
      });
      expect(main.exitCode).toBe(1);
      const errors = errorsOf(main).join('\n');
      expect(errors).toMatch(expected);
      expect(errors).not.toContain('SECRETVALUE');
      expect(errors).not.toContain('PRIVATE KEY');
      expectNothingExported({ main } as Parameters<typeof expectNothingExported>[0]);
    } finally {
      dirs.close();
    }
  });
});
