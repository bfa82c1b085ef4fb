// A token file kept fresh by the built keep-alive process (dist/keep-alive.js), started the
// way main starts it: the file always holds an unexpired job OIDC token for its audience,
// replaced atomically (0600) before the old one expires. The credentials exports' Azure
// token file is such a file; this test asks for one of its own.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keepAlivePlan } from '../../../src/github/keep-alive/plan.js';
import { startKeepAlive } from '../../../src/github/keep-alive/start.js';
import { stopKeepAlive } from '../../../src/github/keep-alive/stop.js';
import { oidcRequestEnvironment } from '../../../src/github/oidc.js';
import { startOidcIssuer, type OidcIssuer } from '../../../test/emulators/oidc-issuer.js';
import { findLeaksInDir } from '../../../test/support/leaks.js';
import { REPO_ROOT } from '../../../test/support/runner.js';
import { alive, sleep, waitFor } from './support.js';

const LIFETIME = 3;
const AUDIENCE = 'api://AzureADTokenExchange';
let issuer: OidcIssuer;
let runnerTemp: string;

beforeAll(async () => {
  issuer = await startOidcIssuer({ lifetimeSeconds: LIFETIME });
});
afterAll(async () => {
  await issuer.close();
});
beforeEach(() => {
  runnerTemp = mkdtempSync(join(tmpdir(), 'ka-token-file-'));
});
afterEach(() => {
  rmSync(runnerTemp, { recursive: true, force: true });
});

const claims = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
    aud?: string;
    exp?: number;
  };

it('keeps a token file holding an unexpired OIDC token for its audience, replaced before expiry', async () => {
  const dir = join(runnerTemp, 'azure');
  mkdirSync(dir, { mode: 0o700 });
  const path = join(dir, 'federated-token');
  const plan = keepAlivePlan({
    entries: [],
    vault: { url: '', role: '', authPath: 'jwt', namespace: '', audience: '' },
    pipeline: {
      concurrency: 4,
      retries: 1,
      timeoutSeconds: 5,
      caCertificate: undefined,
      requireOidc: true,
      allowUntrustedEvents: false,
      revoke: true,
    },
    maxSeconds: 60,
    tokenFiles: [{ path, audience: AUDIENCE }],
    env: {},
    watchPid: process.pid,
    vaultTokenExported: false,
    oidc: oidcRequestEnvironment(issuer.env()),
  });
  expect(plan).toBeDefined();
  const requestsBefore = issuer.tokenRequests.length;
  const record = await startKeepAlive(plan!, {
    runnerTemp,
    env: {},
    script: join(REPO_ROOT, 'dist', 'keep-alive.js'),
  });
  try {
    // No file yet: it writes one at once.
    expect(await waitFor(() => existsSync(path), 3000)).toBe(true);
    const seen: string[] = [];
    const started = Date.now();
    while (Date.now() - started < LIFETIME * 3000) {
      const token = readFileSync(path, 'utf8');
      // Every read finds a whole token that has not expired.
      expect(token.split('.')).toHaveLength(3);
      expect((claims(token).exp ?? 0) * 1000).toBeGreaterThan(Date.now());
      expect(claims(token).aud).toBe(AUDIENCE);
      if (seen.at(-1) !== token) seen.push(token);
      await sleep(100);
    }
    expect(statSync(path).mode & 0o777).toBe(0o600);
    // Replaced at half its lifetime: about two replacements per lifetime, each observed.
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expect(findLeaksInDir(record.dir, seen)).toEqual([]);
  } finally {
    const result = await stopKeepAlive(record, runnerTemp);
    expect(alive(record.pid)).toBe(false);
    const item = result.state?.items[0];
    expect(item?.kind).toBe('token-file');
    expect(item?.failures).toBe(0);
    // One token request per refresh, none more.
    expect(issuer.tokenRequests.length - requestsBefore).toBe(item?.renewals);
  }
});
