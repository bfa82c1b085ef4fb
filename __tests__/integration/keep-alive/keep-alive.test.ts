// The keep-alive process, through the built dist/ entries as the runner runs them: main
// starts it, a later step uses the Vault token over HTTP after the token's original TTL has
// passed, the dynamic lease is still live, and post stops it, reports what it renewed and
// revokes. Also: it writes nothing to the job log, exits when the runner's job process is
// gone and at keep-alive-max-seconds, and does not start when nothing needs it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectNoLeak, findLeaksInDir } from '../../../test/support/leaks.js';
import { REPO_ROOT, runStep, type StepResult } from '../../../test/support/runner.js';
import { expectNothingLive, fake, type VaultFixture } from '../../../test/support/vault-fixture.js';
import {
  alive,
  jobDirs,
  keepAliveRecord,
  readKeepAliveState,
  SHORT_ROLE,
  startShortLivedVault,
  vaultToken,
  waitFor,
} from './support.js';

const TTL = 3;
let f: VaultFixture;
let password: string;

beforeAll(async () => {
  if (!existsSync(join(REPO_ROOT, 'dist', 'keep-alive.js')))
    throw new Error('dist/keep-alive.js is missing: run npm run build first');
  f = await startShortLivedVault(TTL);
  password = fake('kv-password');
  f.vault.addKvV2('secret', 'ci/app', { password });
});
afterAll(async () => {
  await f.close();
});

const SECRETS = 'APP_PASSWORD: vault:secret/data/ci/app#password\nPG_*: vault:database/creds/short';

/** The values a log must never show, with their base64. */
function secretsOf(values: string[]): string[] {
  return values.flatMap((v) => [v, Buffer.from(v).toString('base64')]);
}

function fetchedValues(main: StepResult, token: string): string[] {
  return secretsOf(
    [password, main.env.PG_USERNAME ?? '', main.env.PG_PASSWORD ?? '', token].filter(Boolean),
  );
}

/** A later step: waits, then uses VAULT_TOKEN over HTTP and prints only status codes. */
const laterStep = (waitMs: number) => `
await new Promise((r) => setTimeout(r, ${waitMs}));
const headers = { 'x-vault-token': process.env.VAULT_TOKEN };
const self = await fetch(process.env.VAULT_ADDR + '/v1/auth/token/lookup-self', { headers });
const read = await fetch(process.env.VAULT_ADDR + '/v1/secret/data/ci/app', { headers });
console.log('lookup-self ' + self.status + ', read ' + read.status);
`;

describe('keep-alive', () => {
  it('keeps the Vault token and the lease alive past their TTL for a later step; post stops it, reports and revokes', async () => {
    const dirs = jobDirs();
    try {
      const inputs = f.inputs(SECRETS, { 'vault-role': SHORT_ROLE });
      const common = {
        issuer: f.issuer,
        workspace: dirs.workspace,
        runnerTemp: dirs.runnerTemp,
        masker: dirs.masker,
      };
      const main = await runStep({ ...common, entry: 'main', inputs });
      expect(main.exitCode).toBe(0);
      expect(main.log).toMatch(/keep-alive started \(pid \d+\)/);
      const record = keepAliveRecord(main.state);
      expect(alive(record.pid)).toBe(true);
      // It can print nothing to the job log: main gave it no stdout or stderr.
      if (process.platform === 'linux') {
        expect(readlinkSync(`/proc/${record.pid}/fd/1`)).toBe('/dev/null');
        expect(readlinkSync(`/proc/${record.pid}/fd/2`)).toBe('/dev/null');
      }
      const token = vaultToken(main.state);
      const lease = f.vault.leases().find((l) => l.role === 'short' && !l.revoked);
      expect(lease).toBeDefined();
      const mainEnded = Date.now();

      // The later step uses the token after three of its original lifetimes.
      const script = join(dirs.runnerTemp, 'later-step.mjs');
      writeFileSync(script, laterStep(TTL * 3000));
      const user = await runStep({
        ...common,
        script,
        env: { ...main.env, VAULT_ADDR: f.vault.url, VAULT_TOKEN: token },
        title: 'Run node later-step.mjs',
      });
      expect(user.exitCode).toBe(0);
      expect(user.log).toContain('lookup-self 200, read 200');
      expect(f.vault.liveLeases()).toContain(lease?.leaseId);
      // Its log is under RUNNER_TEMP and holds no secret.
      expect(existsSync(join(record.dir, 'keep-alive.log'))).toBe(true);
      expect(findLeaksInDir(record.dir, fetchedValues(main, token))).toEqual([]);

      const renewalsBeforePost = f.vault.requests.filter(
        (r) => r.path === '/v1/auth/token/renew-self',
      ).length;
      const post = await runStep({
        ...common,
        entry: 'post',
        inputs,
        state: main.state,
        env: main.env,
      });
      expect(post.exitCode).toBe(0);
      expect(alive(record.pid)).toBe(false);
      expect(existsSync(record.dir)).toBe(false);
      const report =
        /keep-alive stopped after \d+ s: renewed the Vault token (\d+) times, renewed 1 lease (\d+) times/.exec(
          post.log,
        );
      expect(report).not.toBeNull();
      const elapsed = (Date.now() - mainEnded) / 1000;
      // One renewal per half-TTL and none more: at most elapsed / (TTL / 2), at least two.
      const tokenRenewals = Number(report?.[1]);
      expect(tokenRenewals).toBeGreaterThanOrEqual(2);
      expect(tokenRenewals).toBeLessThanOrEqual(Math.ceil(elapsed / (TTL / 2)));
      expect(renewalsBeforePost).toBeLessThanOrEqual(tokenRenewals);
      expect(Number(report?.[2])).toBeGreaterThanOrEqual(2);
      // Stopped first, then revoked: nothing is left live.
      expect(post.log.indexOf('keep-alive stopped')).toBeLessThan(post.log.indexOf('revoked'));
      expectNothingLive(f.vault);
      expectNoLeak([main.log, user.log, post.log].join('\n'), fetchedValues(main, token));
    } finally {
      dirs.close();
    }
  });

  it('without it, the same later step is refused: the token expired (the control for the test above)', async () => {
    const dirs = jobDirs();
    try {
      const inputs = f.inputs(SECRETS, { 'vault-role': SHORT_ROLE, 'keep-alive': 'false' });
      const common = {
        issuer: f.issuer,
        workspace: dirs.workspace,
        runnerTemp: dirs.runnerTemp,
        masker: dirs.masker,
      };
      const main = await runStep({ ...common, entry: 'main', inputs });
      expect(main.exitCode).toBe(0);
      const token = vaultToken(main.state);
      const script = join(dirs.runnerTemp, 'later-step.mjs');
      writeFileSync(script, laterStep(TTL * 1000 + 1500));
      const user = await runStep({
        ...common,
        script,
        env: { ...main.env, VAULT_ADDR: f.vault.url, VAULT_TOKEN: token },
      });
      // Vault's answer to an expired token: 403 "permission denied", "invalid token".
      expect(user.log).toContain('lookup-self 403, read 403');
      const post = await runStep({
        ...common,
        entry: 'post',
        inputs,
        state: main.state,
        env: main.env,
      });
      expect(post.exitCode).toBe(0);
      expectNothingLive(f.vault);
      expectNoLeak([main.log, user.log, post.log].join('\n'), fetchedValues(main, token));
    } finally {
      dirs.close();
    }
  });

  it('exits when the runner job process (main’s parent) is gone', async () => {
    const dirs = jobDirs();
    try {
      // A stand-in for Runner.Worker: it starts main, waits for it, and ends.
      const driver = join(dirs.runnerTemp, 'worker.mjs');
      writeFileSync(
        driver,
        `import { spawn, spawnSync } from 'node:child_process';
const r = spawnSync(process.execPath, [${JSON.stringify(join(REPO_ROOT, 'dist', 'main.js'))}], { stdio: 'inherit' });
process.exit(r.status ?? 1);`,
      );
      const inputs = f.inputs(SECRETS, { 'vault-role': SHORT_ROLE });
      const main = await runStep({
        script: driver,
        inputs,
        issuer: f.issuer,
        workspace: dirs.workspace,
        runnerTemp: dirs.runnerTemp,
        masker: dirs.masker,
      });
      expect(main.exitCode).toBe(0);
      const record = keepAliveRecord(main.state);
      // Checked every 2 s: gone within a few seconds of its parent.
      expect(await waitFor(() => !alive(record.pid), 8000)).toBe(true);
      expect(readKeepAliveState(record.dir).status).toBe('parent-gone');
      const post = await runStep({
        entry: 'post',
        inputs,
        state: main.state,
        env: main.env,
        issuer: f.issuer,
        workspace: dirs.workspace,
        runnerTemp: dirs.runnerTemp,
        masker: dirs.masker,
      });
      expect(post.log).toContain(
        "keep-alive it had stopped when the runner's job process was gone",
      );
      expectNothingLive(f.vault);
      expectNoLeak([main.log, post.log].join('\n'), fetchedValues(main, vaultToken(main.state)));
    } finally {
      dirs.close();
    }
  });

  it('exits at keep-alive-max-seconds, and post says so', async () => {
    const dirs = jobDirs();
    try {
      const inputs = f.inputs(SECRETS, { 'vault-role': SHORT_ROLE, 'keep-alive-max-seconds': '2' });
      const common = {
        issuer: f.issuer,
        workspace: dirs.workspace,
        runnerTemp: dirs.runnerTemp,
        masker: dirs.masker,
      };
      const main = await runStep({ ...common, entry: 'main', inputs });
      expect(main.exitCode).toBe(0);
      const record = keepAliveRecord(main.state);
      expect(await waitFor(() => !alive(record.pid), 6000)).toBe(true);
      expect(readKeepAliveState(record.dir).status).toBe('max-seconds');
      const post = await runStep({
        ...common,
        entry: 'post',
        inputs,
        state: main.state,
        env: main.env,
      });
      expect(post.log).toContain('keep-alive it had stopped at keep-alive-max-seconds');
      expectNothingLive(f.vault);
      expectNoLeak([main.log, post.log].join('\n'), fetchedValues(main, vaultToken(main.state)));
    } finally {
      dirs.close();
    }
  });

  it('does not start when keep-alive is false, when nothing would need renewing within its time, or when nothing after main uses the token', async () => {
    const cases: Array<Record<string, string>> = [
      { 'vault-role': SHORT_ROLE, 'keep-alive': 'false' },
      // The ci role's token lives 600 s: its first renewal (300 s) is past 60 s.
      { 'keep-alive-max-seconds': '60' },
      // A short-lived token that read only a KV secret: no lease, no certificate, not handed
      // to later steps (no credentials: vault: env). Its expiry harms nobody.
      { 'vault-role': SHORT_ROLE },
    ];
    for (const extra of cases) {
      const dirs = jobDirs();
      try {
        const secrets = 'APP_PASSWORD: vault:secret/data/ci/app#password';
        const main = await runStep({
          entry: 'main',
          inputs: f.inputs(secrets, extra),
          issuer: f.issuer,
          workspace: dirs.workspace,
          runnerTemp: dirs.runnerTemp,
        });
        expect(main.exitCode).toBe(0);
        expect(main.log).not.toContain('keep-alive started');
        expect(main.state.keep_alive).toBeUndefined();
        const post = await runStep({
          entry: 'post',
          inputs: f.inputs(secrets, extra),
          state: main.state,
          issuer: f.issuer,
          workspace: dirs.workspace,
          runnerTemp: dirs.runnerTemp,
        });
        expect(post.exitCode).toBe(0);
        expect(post.log).not.toContain('keep-alive stopped');
        expectNoLeak(
          [main.log, post.log].join('\n'),
          secretsOf([password, vaultToken(main.state)]),
        );
      } finally {
        dirs.close();
      }
    }
    expectNothingLive(f.vault);
  });

  it('post reports a renewal that failed, as a warning in Vault’s words, and still cleans up', async () => {
    const dirs = jobDirs();
    // Vault answers every renewal as a sealed Vault does.
    f.vault.setFault((request) =>
      /renew/.test(request.apiPath)
        ? {
            status: 503,
            headers: { 'content-type': 'application/json' },
            body: { errors: ['Vault is sealed'] },
          }
        : undefined,
    );
    try {
      const inputs = f.inputs(SECRETS, { 'vault-role': SHORT_ROLE, retries: '0' });
      const common = {
        issuer: f.issuer,
        workspace: dirs.workspace,
        runnerTemp: dirs.runnerTemp,
        masker: dirs.masker,
      };
      const main = await runStep({ ...common, entry: 'main', inputs });
      expect(main.exitCode).toBe(0);
      const record = keepAliveRecord(main.state);
      // Retried while a retry could help, then given up: nothing left, it ends by itself.
      expect(await waitFor(() => !alive(record.pid), TTL * 2000)).toBe(true);
      expect(readKeepAliveState(record.dir).status).toBe('nothing-left');
      const post = await runStep({
        ...common,
        entry: 'post',
        inputs,
        state: main.state,
        env: main.env,
      });
      expect(post.exitCode).toBe(0);
      expect(post.log).toContain('keep-alive it had stopped: nothing was left to renew');
      const warnings = post.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
      expect(
        warnings.some((w) =>
          /gave up renewing token the Vault token .*HTTP 503: Vault is sealed/.test(w),
        ),
      ).toBe(true);
      expect(
        warnings.some((w) =>
          /gave up renewing lease database\/creds\/short\/.*HTTP 503: Vault is sealed/.test(w),
        ),
      ).toBe(true);
      expect(existsSync(record.dir)).toBe(false);
      expectNothingLive(f.vault);
      expectNoLeak([main.log, post.log].join('\n'), fetchedValues(main, vaultToken(main.state)));
    } finally {
      f.vault.setFault(undefined);
      dirs.close();
    }
  });

  it('post signals no process that state planted by another step names (the seal holds)', async () => {
    const dirs = jobDirs();
    // A process that even looks like ours (its command line says keep-alive).
    const victim = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'keep-alive'], {
      stdio: 'ignore',
    });
    try {
      const planted = JSON.stringify({
        pid: victim.pid,
        dir: join(dirs.runnerTemp, 'oidc-secrets-keepalive-abcdef'),
      });
      const states: Array<Record<string, string>> = [
        { keep_alive: planted },
        { seal_key: Buffer.alloc(32, 7).toString('base64'), keep_alive: `forged.${planted}` },
      ];
      for (const state of states) {
        const post = await runStep({
          entry: 'post',
          inputs: f.inputs(SECRETS),
          state,
          issuer: f.issuer,
          workspace: dirs.workspace,
          runnerTemp: dirs.runnerTemp,
        });
        expect(post.exitCode).toBe(0);
        expect(post.log).not.toContain('keep-alive');
        expect(alive(victim.pid as number)).toBe(true);
      }
    } finally {
      victim.kill();
      dirs.close();
    }
  });

  it('warns and still succeeds when the process cannot start', async () => {
    const dirs = jobDirs();
    try {
      // An action copy whose dist has no keep-alive bundle.
      const root = join(dirs.runnerTemp, 'action');
      spawnSync('cp', ['-r', join(REPO_ROOT, 'dist'), join(root, 'dist')], { stdio: 'ignore' });
      spawnSync('mkdir', ['-p', root]);
      spawnSync('cp', ['-r', join(REPO_ROOT, 'dist'), root]);
      spawnSync('cp', [join(REPO_ROOT, 'action.yml'), join(REPO_ROOT, 'package.json'), root]);
      spawnSync('rm', ['-f', join(root, 'dist', 'keep-alive.js')]);
      const inputs = f.inputs(SECRETS, { 'vault-role': SHORT_ROLE });
      const common = {
        issuer: f.issuer,
        workspace: dirs.workspace,
        runnerTemp: dirs.runnerTemp,
        masker: dirs.masker,
        actionRoot: root,
      };
      const main = await runStep({ ...common, entry: 'main', inputs });
      expect(main.exitCode).toBe(0);
      expect(main.env.APP_PASSWORD === password).toBe(true);
      const warning = main.annotations.find(
        (a) => a.level === 'warning' && a.message.includes('keep-alive'),
      );
      expect(warning?.message).toMatch(
        /the keep-alive process could not start \(its bundle .*keep-alive\.js is missing\)/,
      );
      expect(main.state.keep_alive).toBeUndefined();
      const post = await runStep({
        ...common,
        entry: 'post',
        inputs,
        state: main.state,
        env: main.env,
      });
      expect(post.exitCode).toBe(0);
      expectNothingLive(f.vault);
      expectNoLeak([main.log, post.log].join('\n'), fetchedValues(main, vaultToken(main.state)));
    } finally {
      dirs.close();
    }
  });
});
