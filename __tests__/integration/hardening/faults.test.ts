// Fault injection through the built action (dist/main.js → a user step → dist/post.js, run as
// the runner runs them) against the Vault emulator and the GitHub OIDC issuer, over real
// HTTP. Transient faults — 429 with Retry-After, 503, reset connections, hangs — are retried
// and the job succeeds; with a fifth of all requests faulted at random a 50-secret job still
// succeeds with every value masked; with Vault down the step fails in bounded time naming
// its lines, exports nothing and leaves nothing live; a failure half way is revoked by main,
// and by post when main could not.
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import type { Fault, ServedRequest } from '../../../test/emulators/http-server.js';
import type { VaultFaultRequest } from '../../../test/emulators/vault.js';
import { selfSignedLoopbackCertificate } from '../../../test/support/certificates.js';
import { expectNoLeak } from '../../../test/support/leaks.js';
import { runJob, type JobResult } from '../../../test/support/runner.js';
import {
  errorsOf,
  expectNothingExported,
  expectNothingLive,
  fake,
  sha,
  startVaultFixture,
  warningsOf,
  type VaultFixture,
} from '../../../test/support/vault-fixture.js';

let fx: VaultFixture;
const app = { token: fake('app-token'), user: 'svc-app' };
const KV_SECRETS = 47;
const kv = Array.from({ length: KV_SECRETS }, (_, i) => fake(`kv-${i}`));
const DB_ROLES = ['readonly', 'reporting', 'migrations'];

beforeAll(async () => {
  fx = await startVaultFixture();
  fx.vault.addKvV2('secret', 'ci/app', app);
  kv.forEach((value, i) => fx.vault.addKvV2('secret', `ci/many/${i}`, { value }));
  for (const role of DB_ROLES.slice(1))
    fx.vault.addDatabaseRole('database', role, { ttlSeconds: 900 });
});

afterAll(() => fx.close());

afterEach(() => {
  fx.vault.setFault(undefined);
  fx.issuer.setFault(undefined);
  fx.vault.setLatency(0);
});

/** What the runner would let a later step see of this job, checked against every value. */
function expectMaskedAndClean(job: JobResult, values: string[]): void {
  expectNoLeak(job.log, values);
  expect(job.log).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./);
  expect(job.log).not.toMatch(/hvs\.[A-Za-z0-9]{10,}/);
}

/** Exported values of a job: what Vault handed out (dynamic credentials included). */
const exportedValues = (job: JobResult) =>
  Object.entries(job.main.env)
    .filter(([name]) => !name.endsWith('_FILE'))
    .map(([, value]) => value);

/** Time of each request the emulator saw, per method+path, recorded by a fault hook. */
function timeline() {
  const seen = new Map<string, number[]>();
  return {
    note(request: ServedRequest): number {
      const key = `${request.method} ${request.url.pathname}`;
      const times = seen.get(key) ?? [];
      times.push(performance.now());
      seen.set(key, times);
      return times.length;
    },
    gaps(): number[] {
      return [...seen.values()].filter((t) => t.length > 1).map((t) => t[1]! - t[0]!);
    },
  };
}

const SIMPLE = 'APP_TOKEN: vault:secret/data/ci/app#token\nPG_*: vault:database/creds/readonly';

describe('transient faults are retried and the job succeeds', () => {
  it.each<{ name: string; fault: () => Fault; minGapMs: number; inputs?: Record<string, string> }>([
    {
      name: '429 with Retry-After: 1',
      fault: () => ({
        status: 429,
        headers: { 'content-type': 'application/json', 'retry-after': '1' },
        body: { errors: ['request rate limit exceeded'] },
      }),
      minGapMs: 950,
    },
    {
      name: '503 (sealed / standby)',
      fault: () => ({
        status: 503,
        headers: { 'content-type': 'application/json' },
        body: { errors: ['Vault is sealed'] },
      }),
      minGapMs: 0,
    },
    { name: 'connection reset', fault: () => 'reset', minGapMs: 0 },
    {
      name: 'a hang (timeout-seconds: 1)',
      fault: () => 'hang',
      minGapMs: 950,
      inputs: { 'timeout-seconds': '1' },
    },
  ])('$name on the first attempt of every request', async ({ fault, minGapMs, inputs }) => {
    const times = timeline();
    fx.vault.setFault((request: VaultFaultRequest) =>
      times.note(request) === 1 ? fault() : undefined,
    );
    const job = await runJob({ inputs: fx.inputs(SIMPLE, inputs), issuer: fx.issuer });

    expect(errorsOf(job.main)).toEqual([]);
    expect(job.main.exitCode).toBe(0);
    expect(sha(job.env.APP_TOKEN)).toBe(sha(app.token));
    expect(job.env.PG_USERNAME).toMatch(/^v-/);
    // login and both reads were each faulted once, then answered.
    const faulted = fx.vault.requests.filter((r) => r.fault);
    expect(faulted.length).toBeGreaterThanOrEqual(3);
    for (const gap of times.gaps()) expect(gap).toBeGreaterThanOrEqual(minGapMs);
    expect(job.post?.exitCode).toBe(0);
    expectNothingLive(fx.vault);
    expectMaskedAndClean(job, [app.token, ...exportedValues(job)]);
  });

  it('a faulted GitHub OIDC token request (503, then reset) is retried too', async () => {
    let calls = 0;
    fx.issuer.setFault((request) => {
      if (!request.url.pathname.endsWith('/idtoken')) return undefined;
      calls++;
      if (calls === 1)
        return { status: 503, headers: { 'content-type': 'text/plain' }, body: 'unavailable' };
      return calls === 2 ? 'reset' : undefined;
    });
    const job = await runJob({ inputs: fx.inputs(SIMPLE), issuer: fx.issuer });
    expect(errorsOf(job.main)).toEqual([]);
    expect(job.main.exitCode).toBe(0);
    expect(calls).toBe(3);
    expectNothingLive(fx.vault);
    expectMaskedAndClean(job, exportedValues(job));
  });
});

describe('a fifth of all requests faulted at random', () => {
  /**
   * Deterministic per request, whatever order concurrent requests arrive in: the n-th
   * request for a method+path is faulted when a hash of (seed, method, path, n) says so.
   */
  function randomFaults(seed: string, rate: number) {
    const counts = new Map<string, number>();
    const kinds: Array<() => Fault> = [
      () => ({ status: 429, headers: { 'retry-after': '0' }, body: '{"errors":["rate limit"]}' }),
      () => ({
        status: 503,
        headers: { 'content-type': 'application/json' },
        body: '{"errors":[]}',
      }),
      () => ({
        status: 502,
        headers: { 'content-type': 'text/html' },
        body: '<html>bad gateway</html>',
      }),
      () => 'reset',
      () => 'hang',
    ];
    let total = 0;
    let faulted = 0;
    return {
      hook(request: ServedRequest): Fault {
        const key = `${request.method} ${request.url.pathname}`;
        const n = (counts.get(key) ?? 0) + 1;
        counts.set(key, n);
        const digest = createHash('sha256').update(`${seed}|${key}|${n}`).digest();
        total++;
        if (digest.readUInt32BE(0) / 2 ** 32 >= rate) return undefined;
        faulted++;
        return kinds[(digest[4] as number) % kinds.length]!();
      },
      stats: () => ({ total, faulted }),
    };
  }

  it('a 50-secret job still succeeds, with every value masked and nothing live after post', async () => {
    const faults = randomFaults('oidc-secrets-hardening-1', 0.2);
    fx.vault.setFault(faults.hook);
    fx.issuer.setFault((request) =>
      request.url.pathname.endsWith('/idtoken') ? faults.hook(request) : undefined,
    );
    const lines = [
      ...kv.map((_, i) => `KV_${i}: vault:secret/data/ci/many/${i}#value`),
      ...DB_ROLES.map((role) => `${role.toUpperCase()}_*: vault:database/creds/${role}`),
    ];
    expect(lines).toHaveLength(50);
    const job = await runJob({
      inputs: fx.inputs(lines.join('\n'), { 'timeout-seconds': '1', retries: '6' }),
      issuer: fx.issuer,
    });

    expect(errorsOf(job.main)).toEqual([]);
    expect(job.main.exitCode).toBe(0);
    kv.forEach((value, i) => expect(sha(job.env[`KV_${i}`])).toBe(sha(value)));
    for (const role of DB_ROLES) expect(job.env[`${role.toUpperCase()}_PASSWORD`]).toBeTruthy();
    const { total, faulted } = faults.stats();
    expect(faulted / total).toBeGreaterThan(0.1);
    expect(faulted / total).toBeLessThan(0.35);
    // The careless user step printed all 53 variables: each one masked.
    expect(job.user?.log.match(/^KV_\d+=\*\*\*$/gm)).toHaveLength(KV_SECRETS);
    expect(job.post?.exitCode).toBe(0);
    expectNothingLive(fx.vault);
    expectMaskedAndClean(job, [...kv, ...exportedValues(job)]);
  }, 120_000);
});

describe('Vault down: the step fails in bounded time, exports nothing, leaves nothing live', () => {
  const DOWN = { 'timeout-seconds': '1', retries: '2' };

  it.each<{ name: string; fault: Fault; message: RegExp; attempts: number }>([
    {
      name: 'every connection reset',
      fault: 'reset',
      message: /could not reach 127\.0\.0\.1:\d+ \(ECONNRESET/,
      attempts: 3,
    },
    {
      name: 'every request hanging',
      fault: 'hang',
      message: /could not reach 127\.0\.0\.1:\d+ \(REQUEST_TIMEOUT: no answer within 1 s\)/,
      attempts: 3,
    },
    {
      name: 'every request answered 503',
      fault: {
        status: 503,
        headers: { 'content-type': 'application/json' },
        body: { errors: ['Vault is sealed'] },
      },
      message: /HTTP 503: \{"errors":\["Vault is sealed"\]\}/,
      attempts: 3,
    },
  ])('$name', async ({ fault, message, attempts }) => {
    const before = fx.vault.requests.length;
    fx.vault.setFault(() => fault);
    const job = await runJob({ inputs: fx.inputs(SIMPLE, DOWN), issuer: fx.issuer });

    expect(job.main.exitCode).toBe(1);
    // 3 attempts of at most 1 s, and two backoffs (≤ 250 ms, ≤ 500 ms), plus node start-up.
    expect(job.main.durationMs).toBeLessThan(8_000);
    const errors = errorsOf(job.main);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^secrets lines 1, 2: vault login \(auth\/jwt\/login, role ci\)/);
    expect(errors[0]).toMatch(message);
    expect(errors[0]).toMatch(new RegExp(`\\(gave up after ${attempts} attempts\\)$`));
    expect(fx.vault.requests.length - before).toBe(attempts);
    expectNothingExported(job);
    expect(job.main.log).toContain('oidc-secrets: nothing was exported');
    expect(job.post?.exitCode).toBe(0);
    expect(job.post?.log).toContain('oidc-secrets post: nothing to revoke');
    expectNothingLive(fx.vault);
  });

  it('a closed port (connection refused) fails the same way', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const job = await runJob({
      inputs: fx.inputs(SIMPLE, { ...DOWN, 'vault-url': `http://127.0.0.1:${closedPort}` }),
      issuer: fx.issuer,
    });
    expect(job.main.exitCode).toBe(1);
    expect(job.main.durationMs).toBeLessThan(8_000);
    expect(errorsOf(job.main)[0]).toMatch(
      new RegExp(
        `^secrets lines 1, 2: vault login .*could not reach 127\\.0\\.0\\.1:${closedPort} \\(ECONNREFUSED`,
      ),
    );
    expectNothingExported(job);
  });

  it('a TLS server that accepts and never answers the handshake (a stalled load balancer) fails the same way', async () => {
    // Before stop 21 the step waited for this server's HTTP/2 negotiation with no deadline:
    // it never ended.
    const certificate = selfSignedLoopbackCertificate();
    const held = new Set<{ destroy(): void }>();
    const stalled = createServer((socket) => held.add(socket));
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    const { port } = stalled.address() as { port: number };
    try {
      const job = await runJob({
        inputs: fx.inputs(SIMPLE, {
          ...DOWN,
          'vault-url': `https://127.0.0.1:${port}`,
          'ca-certificate': certificate.cert,
        }),
        issuer: fx.issuer,
      });
      expect(job.main.exitCode).toBe(1);
      const errors = errorsOf(job.main);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(
        /^secrets lines 1, 2: vault login .*could not reach 127\.0\.0\.1:\d+ \(REQUEST_TIMEOUT: no answer within 1 s\).*\(gave up after 3 attempts\)$/,
      );
      expectNothingExported(job);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => stalled.close(resolve));
    }
  });
});

describe('a failure half way', () => {
  const HALF = [
    'PG_*: vault:database/creds/readonly',
    'BROKEN: vault:secret/data/ci/broken#value',
    'APP_TOKEN: vault:secret/data/ci/app#token',
  ].join('\n');

  it('main revokes the lease and the token it created; post reports it; nothing is live', async () => {
    fx.vault.addKvV2('secret', 'ci/broken', { value: fake('broken') });
    fx.vault.setFault((request: VaultFaultRequest) =>
      request.apiPath === 'secret/data/ci/broken'
        ? {
            status: 500,
            headers: { 'content-type': 'application/json' },
            body: { errors: ['internal error'] },
          }
        : undefined,
    );
    const leasesBefore = fx.vault.leases().length;
    const job = await runJob({ inputs: fx.inputs(HALF, { retries: '1' }), issuer: fx.issuer });

    expect(job.main.exitCode).toBe(1);
    const errors = errorsOf(job.main);
    expect(errors).toEqual([
      expect.stringMatching(
        /^secrets line 2: vault:secret\/data\/ci\/broken: HTTP 500: internal error$/,
      ),
    ]);
    expectNothingExported(job);
    // The dynamic lease had been created before the failure, and main revoked it.
    const created = fx.vault.leases().slice(leasesBefore);
    expect(created).toHaveLength(1);
    expect(fx.vault.revokedLeases).toContain(created[0]!.leaseId);
    expect(job.main.log).toContain('revoking what it created');
    expect(job.main.log).toMatch(/revoked: vault lease database\/creds\/readonly\//);
    expect(job.main.log).toMatch(/revoked: vault token accessor /);
    expect(job.post?.log).toContain('main already revoked 2 entries after its failure');
    expectNothingLive(fx.vault);
    // The lease's username is no secret, but the other values read before the failure are.
    expectMaskedAndClean(job, [app.token]);
  });

  it('when main cannot revoke either, post does', async () => {
    fx.vault.addKvV2('secret', 'ci/broken', { value: fake('broken') });
    let revocations = 0;
    fx.vault.setFault((request: VaultFaultRequest) => {
      if (request.apiPath === 'secret/data/ci/broken') return 'reset';
      const revoking =
        request.apiPath === 'sys/leases/revoke' || request.apiPath === 'auth/token/revoke-self';
      // retries: 0 — main's one attempt at each revocation fails; post's go through.
      if (revoking && ++revocations <= 2) return 'reset';
      return undefined;
    });
    const job = await runJob({ inputs: fx.inputs(HALF, { retries: '0' }), issuer: fx.issuer });

    expect(job.main.exitCode).toBe(1);
    expect(errorsOf(job.main)[0]).toMatch(
      /^secrets line 2: read vault:secret\/data\/ci\/broken: could not reach/,
    );
    expect(warningsOf(job.main)).toEqual([
      expect.stringMatching(/^could not revoke vault lease database\/creds\/readonly\//),
      expect.stringMatching(/^could not revoke vault token accessor /),
    ]);
    expect(job.post?.exitCode).toBe(0);
    expect(job.post?.log).toMatch(/revoked: vault lease database\/creds\/readonly\//);
    expect(job.post?.log).toMatch(/revoked: vault token accessor /);
    expect(job.post?.log).toContain('oidc-secrets post: 2 of 2 revoked or cleaned up');
    expectNothingLive(fx.vault);
    expectMaskedAndClean(job, [app.token]);
  });
});
