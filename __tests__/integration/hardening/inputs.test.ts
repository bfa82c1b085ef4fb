// Inputs that cannot run away (SPEC §1.4a, §1.6), through the built action: each attack
// below was open before this round and is held now.
// - a provider that trickles its answer a byte at a time cannot hold the step past
//   timeout-seconds;
// - a redirect is refused, and the body it carried (a secret-looking value) never appears;
// - twenty values that each fit in an environment variable but together leave later steps
//   unable to start are refused before anything is exported;
// - a secret named GIT_CONFIG_COUNT (git configuration for every later step) is refused;
// - a comment on a pull request does not run with secrets unless allowed;
// - an unknown provider is named, with the closest valid one.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expectNoLeak } from '../../../test/support/leaks.js';
import { runJob } from '../../../test/support/runner.js';
import {
  errorsOf,
  expectNothingExported,
  fake,
  startVaultFixture,
  type VaultFixture,
} from '../../../test/support/vault-fixture.js';

let fx: VaultFixture;
const BIG_COUNT = 20;
const BIG_BYTES = 120 * 1024;

beforeAll(async () => {
  fx = await startVaultFixture();
  fx.vault.addKvV2('secret', 'ci/app', { password: fake('app-password') });
  const big: Record<string, string> = {};
  for (let i = 0; i < BIG_COUNT; i++) big[`k${i}`] = fake(`big${i}`).padEnd(BIG_BYTES, 'x');
  fx.vault.addKvV2('secret', 'ci/big', big);
});
afterAll(async () => {
  await fx.close();
});
afterEach(() => fx.vault.setFault(undefined));

const SIMPLE = 'APP_PASSWORD: vault:secret/data/ci/app#password';

/** A server that answers 200 at once, then sends its body one byte every 200 ms. */
async function trickleServer(): Promise<{ url: string; close(): Promise<void> }> {
  const open = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((_req, res) => {
    open.add(res);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '400' });
    const timer = setInterval(() => res.write(' '), 200);
    timers.add(timer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearInterval(timer);
        for (const res of open) res.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('inputs that cannot run away', () => {
  it('a trickling provider fails the step with the timeout, not after its whole body', async () => {
    const trickle = await trickleServer();
    try {
      const job = await runJob({
        inputs: fx.inputs(SIMPLE, {
          'vault-url': trickle.url,
          'timeout-seconds': '1',
          retries: '0',
        }),
        issuer: fx.issuer,
      });
      expect(job.main.exitCode).toBe(1);
      expect(errorsOf(job.main)).toEqual([
        expect.stringMatching(
          /^secrets line 1: vault login .*could not reach 127\.0\.0\.1:\d+ \(REQUEST_TIMEOUT: no answer within 1 s\)/,
        ),
      ]);
      expectNothingExported(job);
    } finally {
      await trickle.close();
    }
  }, 60_000);

  it('a redirect is refused and the body it carried never appears', async () => {
    const planted = fake('planted-secret', 24);
    fx.vault.setFault((request) =>
      request.apiPath.startsWith('secret/data/')
        ? {
            status: 302,
            headers: {
              location: `https://attacker.example/${planted}`,
              'content-type': 'application/json',
            },
            body: { data: { data: { password: planted } } },
          }
        : undefined,
    );
    const job = await runJob({ inputs: fx.inputs(SIMPLE, { retries: '0' }), issuer: fx.issuer });
    expect(job.main.exitCode).toBe(1);
    expect(errorsOf(job.main)).toEqual([
      expect.stringMatching(/^secrets line 1: .*HTTP 302: redirect refused/),
    ]);
    expectNothingExported(job);
    expectNoLeak(job.main.log, [planted]);
  }, 60_000);

  it('twenty values that each fit but together would stop every later step are refused, naming lines', async () => {
    const secrets = Array.from(
      { length: BIG_COUNT },
      (_, i) => `BIG_${String(i).padStart(2, '0')}: vault:secret/data/ci/big#k${i}`,
    ).join('\n');
    const job = await runJob({ inputs: fx.inputs(secrets), issuer: fx.issuer });
    expect(job.main.exitCode).toBe(1);
    const errors = errorsOf(job.main);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^secrets: export env would add \d+ KiB to an environment/);
    expect(errors[0]).toMatch(/Largest: line 1 BIG_00 \(\d+ KiB\)/);
    expect(errors[0]).toContain('Use export: files');
    expectNothingExported(job);
  }, 60_000);

  it('GIT_CONFIG_COUNT and a git_config_* prefix are reserved names', async () => {
    const requests = fx.vault.requests.length;
    const job = await runJob({
      inputs: fx.inputs(
        `${SIMPLE}\nGIT_CONFIG_COUNT: vault:secret/data/ci/app#password\ngit_config_*: vault:secret/data/ci/app`,
      ),
      issuer: fx.issuer,
    });
    expect(job.main.exitCode).toBe(1);
    expect(errorsOf(job.main)).toEqual([
      expect.stringMatching(
        /^secrets line 2 \(GIT_CONFIG_COUNT\): names starting with GIT_CONFIG are reserved/,
      ),
      expect.stringMatching(
        /^secrets line 3 \(git_config_\*\): names starting with GIT_CONFIG are reserved/,
      ),
    ]);
    expect(fx.vault.requests.length).toBe(requests);
    expectNothingExported(job);
  }, 60_000);

  it('a comment on a pull request is refused unless allow-untrusted-events is set', async () => {
    const payload = {
      action: 'created',
      issue: { number: 3, pull_request: { url: 'https://api.github.com/x' } },
    };
    const refused = await runJob({
      inputs: fx.inputs(SIMPLE),
      issuer: fx.issuer,
      eventName: 'issue_comment',
      eventPayload: payload,
    });
    expect(refused.main.exitCode).toBe(1);
    expect(errorsOf(refused.main)).toEqual([
      expect.stringMatching(
        /^refusing to fetch secrets on the issue_comment event: .*allow-untrusted-events: true/,
      ),
    ]);
    expectNothingExported(refused);
    const allowed = await runJob({
      inputs: fx.inputs(SIMPLE, { 'allow-untrusted-events': 'true' }),
      issuer: fx.issuer,
      eventName: 'issue_comment',
      eventPayload: payload,
    });
    expect(allowed.main.exitCode).toBe(0);
  }, 60_000);

  it('an unknown provider is named with the closest valid one', async () => {
    const job = await runJob({
      inputs: fx.inputs('APP: valt:secret/data/ci/app#password'),
      issuer: fx.issuer,
    });
    expect(job.main.exitCode).toBe(1);
    expect(errorsOf(job.main)[0]).toMatch(
      /^secrets line 1 \(APP\): unknown provider 'valt' \(did you mean 'vault'\?\)/,
    );
  }, 60_000);
});
