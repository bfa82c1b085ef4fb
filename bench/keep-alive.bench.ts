// The keep-alive process over a simulated hour (issue 13: "small and quiet"): the built
// dist/keep-alive.js renews a Vault token, three renewable leases and one token file whose
// lifetimes are compressed 60x (4 s standing for 4 min), for BENCH_KEEPALIVE_SECONDS (60 s
// standing for an hour). Measured: its RSS (sampled each second from /proc; target < 50 MB)
// against a bare node process with the same flags started in the same run, its CPU time, and
// the requests it made against one per half-TTL per item (it must make none more).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { LedgerEntry } from '../src/core/ledger.js';
import { keepAlivePlan } from '../src/github/keep-alive/plan.js';
import { startKeepAlive } from '../src/github/keep-alive/start.js';
import { stopKeepAlive } from '../src/github/keep-alive/stop.js';
import { oidcRequestEnvironment } from '../src/github/oidc.js';
import { startOidcIssuer } from '../test/emulators/oidc-issuer.js';
import { startVault } from '../test/emulators/vault.js';
import { median, printTable } from './stats.js';

const SECONDS = Number(process.env.BENCH_KEEPALIVE_SECONDS ?? 60);
const TTL = 4;
const LEASES = 3;
const AUDIENCE = 'https://vault.example.com';

if (process.platform !== 'linux') {
  console.log('keep-alive bench: needs /proc (Linux); skipped');
  process.exit(0);
}

const issuer = await startOidcIssuer({ lifetimeSeconds: TTL });
const vault = await startVault({ issuer });
vault.addPolicy('bench', { 'database/creds/*': ['read'] });
vault.addJwtRole('bench', {
  bound_audiences: [AUDIENCE],
  bound_claims: { repository: 'octo-org/octo-repo' },
  user_claim: 'repository',
  token_policies: ['bench'],
  token_ttl: TTL,
  token_max_ttl: 7200,
});
vault.addDatabaseRole('database', 'bench', { ttlSeconds: TTL, maxTtlSeconds: 7200 });

// What main's ledger holds after a login and three dynamic reads.
const jwt = await issuer.mint({ aud: AUDIENCE });
const login = (await (
  await fetch(`${vault.url}/v1/auth/jwt/login`, {
    method: 'POST',
    body: JSON.stringify({ role: 'bench', jwt }),
  })
).json()) as { auth: { client_token: string; lease_duration: number } };
const token = login.auth.client_token;
const entries: LedgerEntry[] = [
  {
    provider: 'vault',
    kind: 'token',
    label: 'bench',
    data: { token, ttl: String(TTL), renewable: 'true', issuedAt: String(Date.now()) },
  },
];
for (let i = 0; i < LEASES; i++) {
  const lease = (await (
    await fetch(`${vault.url}/v1/database/creds/bench`, { headers: { 'x-vault-token': token } })
  ).json()) as { lease_id: string };
  entries.push({
    provider: 'vault',
    kind: 'lease',
    label: lease.lease_id,
    data: {
      leaseId: lease.lease_id,
      ttl: String(TTL),
      renewable: 'true',
      issuedAt: String(Date.now()),
    },
  });
}

const runnerTemp = mkdtempSync(join(tmpdir(), 'bench-keep-alive-'));
const plan = keepAlivePlan({
  entries,
  vault: { url: vault.url, role: 'bench', authPath: 'jwt', namespace: '', audience: AUDIENCE },
  pipeline: {
    concurrency: 4,
    retries: 3,
    timeoutSeconds: 30,
    caCertificate: undefined,
    requireOidc: true,
    allowUntrustedEvents: false,
    revoke: true,
  },
  maxSeconds: SECONDS * 2,
  tokenFiles: [
    { path: join(runnerTemp, 'federated-token'), audience: 'api://AzureADTokenExchange' },
  ],
  env: {},
  watchPid: process.pid,
  vaultTokenExported: true,
  oidc: oidcRequestEnvironment(issuer.env()),
});
if (!plan) throw new Error('nothing to keep alive');

const rssMb = (pid: number) => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
};
const cpuSeconds = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime (fields 14 and 15), in clock ticks of 100 Hz on Linux.
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

// The baseline, alive through the same minute: node with the same flags, doing nothing.
const baseline = spawn(
  process.execPath,
  ['--max-semi-space-size=1', '--max-old-space-size=32', '-e', 'setInterval(() => {}, 1000)'],
  { stdio: 'ignore' },
);
const count = () => ({
  vault: vault.requests.filter((r) => /renew/.test(r.path)).length,
  oidc: issuer.tokenRequests.length,
});
const before = count();
const started = Date.now();
const record = await startKeepAlive(plan, {
  runnerTemp,
  env: {},
  script: resolve('dist/keep-alive.js'),
});
const rss: number[] = [];
const base: number[] = [];
while (Date.now() - started < SECONDS * 1000) {
  await new Promise((done) => setTimeout(done, 1000));
  rss.push(rssMb(record.pid));
  if (baseline.pid) base.push(rssMb(baseline.pid));
}
const cpu = cpuSeconds(record.pid);
const elapsed = (Date.now() - started) / 1000;
const result = await stopKeepAlive(record, runnerTemp);
baseline.kill();
const after = count();

const items = result.state?.items ?? [];
const perItem = Math.floor(elapsed / (TTL / 2));
const renewals = items.reduce((sum, item) => sum + item.renewals, 0);
const failures = items.reduce((sum, item) => sum + item.failures, 0);
const requests = after.vault - before.vault + (after.oidc - before.oidc);
// Each item at most once per half-TTL; the token file once more (written at start: the
// bench gives it no first token, as main's credentials export would).
const allowed = items.length * perItem + 1;
printTable([
  ['keep-alive, simulated hour', 'value'],
  ['run (real s; lifetimes 4 s = 4 min at 60x)', `${elapsed.toFixed(1)}`],
  ['items (token, leases, token file)', `${items.length}`],
  ['RSS median / max (MB)', `${median(rss).toFixed(1)} / ${Math.max(...rss).toFixed(1)}`],
  ['bare node, same flags: RSS median (MB)', `${median(base).toFixed(1)}`],
  ['RSS ratio to bare node', `${(median(rss) / median(base)).toFixed(2)}`],
  [
    'CPU time (s) / share of one core',
    `${cpu.toFixed(2)} / ${((100 * cpu) / elapsed).toFixed(2)} %`,
  ],
  ['renewals / failures', `${renewals} / ${failures}`],
  ['requests made (Vault renewals + OIDC tokens)', `${requests}`],
  ['allowed: one per half-TTL per item (+1 first token file)', `${allowed}`],
]);
const ok = Math.max(...rss) < 50 && requests <= allowed && failures === 0;
console.log(ok ? 'targets met: RSS < 50 MB, no request beyond one per half-TTL' : 'TARGET MISSED');
rmSync(runnerTemp, { recursive: true, force: true });
await vault.close();
await issuer.close();
process.exitCode = ok ? 0 : 1;
