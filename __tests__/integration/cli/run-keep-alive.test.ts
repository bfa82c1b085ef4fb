// `oidc-secrets run` keeps leases alive (SPEC §3.1 "Kept alive"): while a long CMD runs, the
// Vault token and the renewable lease are renewed at half their TTL, so both outlive their
// original TTL; when CMD exits, renewals stop and both are revoked.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectNoLeak } from '../../../test/support/leaks.js';
import { expectNothingLive, type VaultFixture } from '../../../test/support/vault-fixture.js';
import { SHORT_ROLE, sleep, startShortLivedVault } from '../keep-alive/support.js';
import { CLI, runCli } from './cli-process.js';

const TTL = 3;
let f: VaultFixture;
let dir: string;

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  f = await startShortLivedVault(TTL);
  dir = await mkdtemp(join(tmpdir(), 'cli-run-keep-alive-'));
});
afterAll(async () => {
  await f.close();
  await rm(dir, { recursive: true, force: true });
});

it('renews the Vault token and the lease during a long CMD, and revokes them at exit', async () => {
  await writeFile(join(dir, '.oidc-secrets'), 'PG_*: vault:database/creds/short\n');
  const renewals = () =>
    f.vault.requests.filter(
      (r) => r.path === '/v1/auth/token/renew-self' || r.path === '/v1/sys/leases/renew',
    ).length;
  const before = renewals();
  const started = Date.now();
  // CMD runs for three token lifetimes and prints only a word.
  const running = runCli(
    ['run', '--', process.execPath, '-e', `setTimeout(() => console.log('done'), ${TTL * 3000})`],
    {
      cwd: dir,
      env: {
        ...f.issuer.env(),
        OIDC_SECRETS_VAULT_URL: f.vault.url,
        OIDC_SECRETS_VAULT_ROLE: SHORT_ROLE,
        OIDC_SECRETS_VAULT_AUDIENCE: 'https://vault.example.com',
      },
    },
  );
  // Past twice the original TTL, while CMD still runs: token and lease are alive.
  await sleep(TTL * 2000 + 500);
  const midway = { leases: f.vault.liveLeases().length, tokens: f.vault.liveTokens() };
  const result = await running;
  const elapsed = (Date.now() - started) / 1000;
  expect(result.code).toBe(0);
  expect(result.stdout).toBe('done\n');
  expect(midway).toEqual({ leases: 1, tokens: 1 });
  // Token and lease, one renewal each per half-TTL: at least two each, none more than due.
  expect(renewals() - before).toBeGreaterThanOrEqual(4);
  expect(renewals() - before).toBeLessThanOrEqual(2 * Math.ceil(elapsed / (TTL / 2)));
  expectNothingLive(f.vault);
  const lease = f.vault.leases().find((l) => l.role === 'short');
  expect(lease?.revoked).toBe(true);
  expectNoLeak(result.stdout + result.stderr, [lease?.username ?? '']);
});
