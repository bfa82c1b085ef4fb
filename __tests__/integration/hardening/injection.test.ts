// Text from outside is data (SPEC §1.2, issue 11): what a provider answers (error bodies,
// lease ids), what the workspace holds (file names found by the sweep) and what an earlier
// step plants in the environment (STATE_* through GITHUB_ENV, OIDC_SECRETS_NO_AUTORUN) never
// becomes a workflow command, never steers post, and never skips a step's work. The runner
// driver parses output as actions/runner does: lines end at LF, CR or CRLF; `::cmd::` after
// .NET's TrimStart; legacy `##[cmd]` anywhere in a line; command names in any case.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runJob, type StepResult } from '../../../test/support/runner.js';
import {
  errorsOf,
  expectNothingLive,
  fake,
  startVaultFixture,
  warningsOf,
  type VaultFixture,
} from '../../../test/support/vault-fixture.js';

let fx: VaultFixture;
const app = { token: fake('app-token') };

beforeAll(async () => {
  fx = await startVaultFixture();
  fx.vault.addKvV2('secret', 'ci/app', app);
});

afterAll(async () => {
  await fx.close();
});

afterEach(() => {
  fx.vault.setFault(undefined);
});

/** Every way text could turn itself into a command; each injected command's data starts with `pwned`. */
const INJECTIONS = [
  '\n::set-env name=PWNED_ENV::pwned-set-env',
  '\r::add-mask::pwned-cr-mask',
  '%0A::warning::pwned-percent-warning',
  '\u2028::error::pwned-ls-error',
  '\u2029 ::notice::pwned-ps-notice',
  ' ##[add-mask]pwned-legacy-mask',
  '\n  ::ADD-MASK::pwned-upper-mask',
  '\r\n::group::pwned-group',
  '\n::stop-commands::pwned-stop',
  ' <img src=x onerror=alert(1)> &amp; |cell|',
].join('');

/** No command the step did not issue on purpose took effect. */
function expectNoInjectedCommand(step: StepResult | undefined): void {
  expect(step).toBeDefined();
  const injected = step!.commands.filter(
    (c) =>
      c.data.startsWith('pwned') ||
      Object.values(c.properties).some((v) => v.startsWith('pwned')) ||
      ['set-env', 'set-output', 'save-state', 'add-path', 'stop-commands', 'group'].includes(
        c.command,
      ),
  );
  expect(injected.map((c) => c.command)).toEqual([]);
  expect(step!.masks.filter((m) => m.includes('pwned'))).toEqual([]);
  expect(step!.annotations.filter((a) => a.message.startsWith('pwned'))).toEqual([]);
  expect(step!.env.PWNED_ENV).toBeUndefined();
  expect(step!.summary).not.toMatch(/<img/i);
}

describe('provider text is data', () => {
  it('error bodies full of commands fail the step, shown as text (annotations and log lines)', async () => {
    fx.vault.setFault((request) =>
      request.apiPath.startsWith('secret/data/ci/broken')
        ? { status: 400, body: { errors: [`bad request${INJECTIONS}`] } }
        : undefined,
    );
    // Eleven failing reads: nine error annotations, the rest as plain lines of the log.
    const secrets = Array.from(
      { length: 11 },
      (_, i) => `BROKEN_${i}: vault:secret/data/ci/broken${i}#token`,
    ).join('\n');
    const job = await runJob({
      inputs: fx.inputs(secrets, { retries: '0' }),
      issuer: fx.issuer,
    });
    expect(job.main.exitCode).toBe(1);
    expectNoInjectedCommand(job.main);
    expectNoInjectedCommand(job.post);
    // The bodies are still shown, as text.
    const errors = errorsOf(job.main);
    expect(errors).toHaveLength(10);
    expect(errors[0]).toContain('pwned-set-env');
    expect(job.main.log.split('\n').filter((l) => l.startsWith('error: '))).toHaveLength(2);
    expectNothingLive(fx.vault);
  });

  it('a lease id full of commands is shown as text by main and by post', async () => {
    const password = fake('pg-password');
    const leaseId = `database/creds/readonly/x${INJECTIONS}`;
    fx.vault.setFault((request) =>
      request.apiPath === 'database/creds/readonly'
        ? {
            status: 200,
            body: {
              request_id: 'r',
              lease_id: leaseId,
              lease_duration: 900,
              renewable: true,
              data: { username: 'v-injected', password },
              warnings: null,
            },
          }
        : undefined,
    );
    const job = await runJob({
      inputs: fx.inputs('PG_*: vault:database/creds/readonly', { summary: 'true' }),
      issuer: fx.issuer,
    });
    expect(errorsOf(job.main)).toEqual([]);
    expect(job.main.exitCode).toBe(0);
    expectNoInjectedCommand(job.main);
    expectNoInjectedCommand(job.post);
    // Post named the lease it revoked, as text on one line.
    const revoked = job.post!.log.split('\n').filter((line) => line.includes('pwned-set-env'));
    expect(revoked).toHaveLength(1);
    expect(revoked[0]).toContain('pwned-cr-mask');
  });
});

describe('workspace text is data', () => {
  it('a file name found by the sweep, full of commands, is reported as text', async () => {
    const names = [
      'evil\n::error::pwned-sweep-error',
      'evil2\r::add-mask::pwned-sweep-mask',
      'evil3 ##[warning]pwned-sweep-legacy',
    ];
    const job = await runJob({
      inputs: fx.inputs('APP_TOKEN: vault:secret/data/ci/app#token', { sweep: 'true' }),
      issuer: fx.issuer,
      userStep: `import { writeFileSync } from 'node:fs';
for (const name of ${JSON.stringify(names)}) writeFileSync(name, 'token=' + process.env.APP_TOKEN);
`,
    });
    expect(job.main.exitCode).toBe(0);
    const post = job.post!;
    expect(post.exitCode).toBe(0);
    expectNoInjectedCommand(post);
    const found = post.annotations.filter((a) => a.properties.title === 'oidc-secrets sweep');
    expect(found.map((a) => a.properties.file).sort()).toEqual([...names].sort());
    expect(post.log).toMatch(/oidc-secrets sweep: 3 files in the workspace hold a fetched value/);
    expectNothingLive(fx.vault);
  });
});

describe('post acts only on what main recorded', () => {
  it('ignores planted STATE_* entries (paths, links, leases and tokens of others) with a warning', async () => {
    // Someone else's token and lease in the same Vault: post must leave them alone.
    const other = fx.vault.issueToken({ policies: ['ci-read'] });
    const response = await fetch(`${fx.vault.url}/v1/database/creds/readonly`, {
      headers: { 'x-vault-token': other },
    });
    const otherLease = ((await response.json()) as { lease_id: string }).lease_id;
    expect(fx.vault.liveLeases()).toEqual([otherLease]);

    const entry = (provider: string, kind: string, data: Record<string, string>) =>
      JSON.stringify({ provider, kind, label: `${kind} planted`, data });
    const job = await runJob({
      inputs: fx.inputs(
        'APP_TOKEN: vault:secret/data/ci/app#token\nPG_*: vault:database/creds/readonly',
        { export: 'env,files' },
      ),
      issuer: fx.issuer,
      keepTemp: true,
      // An earlier step could do this just as well; here the step between main and post.
      userStep: `import { appendFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
const ws = process.env.GITHUB_WORKSPACE;
mkdirSync(join(ws, 'important'));
writeFileSync(join(ws, 'important', 'keep.txt'), 'keep');
symlinkSync(ws, join(process.env.RUNNER_TEMP, 'oidc-secrets-AbC123'));
const planted = {
  STATE_ledger_00090: ${JSON.stringify(entry('files', 'dir', { path: '__WS__/important' }))},
  STATE_ledger_00091: ${JSON.stringify(entry('files', 'dir', { path: '__RT__/oidc-secrets-AbC123' }))},
  STATE_ledger_00092: ${JSON.stringify(entry('vault', 'lease', { leaseId: otherLease }))},
  STATE_ledger_00093: ${JSON.stringify(entry('vault', 'token', { token: other }))},
  STATE_revoked_00001: 'true',
  STATE_revoked_00002: 'true',
  STATE_revoked_00003: 'true',
};
let text = '';
for (const [name, value] of Object.entries(planted)) {
  const v = value.replace('__WS__', ws).replace('__RT__', process.env.RUNNER_TEMP);
  text += name + '<<EOF_PLANT\\n' + v + '\\nEOF_PLANT\\n';
}
appendFileSync(process.env.GITHUB_ENV, text);
console.log('planted');
`,
    });
    try {
      expect(job.main.exitCode).toBe(0);
      expect(job.user?.exitCode).toBe(0);
      const post = job.post!;
      expect(post.exitCode).toBe(0);
      // The planted variables did reach post's environment (as they would on a runner)…
      expect(post.processEnv.STATE_ledger_00090).toBeDefined();
      // …and post ignored every one of them, saying so without naming a value or token.
      const warning = warningsOf(post).find((w) => /ignored 7 saved state entries/.test(w));
      expect(warning).toBeDefined();
      expect(warning).not.toContain(other);
      expect(post.stdout + post.stderr).not.toContain(other);
      expect(existsSync(join(job.workspace, 'important', 'keep.txt'))).toBe(true);
      expect(readFileSync(join(job.workspace, 'important', 'keep.txt'), 'utf8')).toBe('keep');
      expect(existsSync(join(job.runnerTemp, 'oidc-secrets-AbC123'))).toBe(true);
      // Someone else's lease and token live on; everything main created is gone.
      expect(fx.vault.liveLeases()).toEqual([otherLease]);
      expect(fx.vault.liveTokens()).toBe(1);
      const file = job.main.env.APP_TOKEN_FILE ?? '';
      expect(file).not.toBe('');
      expect(existsSync(dirname(file))).toBe(false);
    } finally {
      await fetch(`${fx.vault.url}/v1/auth/token/revoke-self`, {
        method: 'POST',
        headers: { 'x-vault-token': other },
      });
    }
  });

  it('a sweep state planted without main is not swept', async () => {
    const job = await runJob({
      inputs: fx.inputs('APP_TOKEN: vault:secret/data/ci/app#token'),
      issuer: fx.issuer,
      userStep: `import { appendFileSync } from 'node:fs';
appendFileSync(process.env.GITHUB_ENV, 'STATE_sweep<<EOF_PLANT\\n' + JSON.stringify({ key: 'AAAA', prints: [{ length: 8, rolling: 1, mac: 'x' }] }) + '\\nEOF_PLANT\\n');
`,
    });
    expect(job.post!.exitCode).toBe(0);
    expect(job.post!.log).not.toMatch(/oidc-secrets sweep:/);
    expect(warningsOf(job.post).join('\n')).toMatch(/sweep fingerprints .* not recorded by main/);
  });
});

describe('no switch skips the work', () => {
  it('OIDC_SECRETS_NO_AUTORUN=1 set by an earlier step changes nothing: main fetches, post revokes', async () => {
    const job = await runJob({
      inputs: fx.inputs(
        'APP_TOKEN: vault:secret/data/ci/app#token\nPG_*: vault:database/creds/readonly',
      ),
      issuer: fx.issuer,
      env: { OIDC_SECRETS_NO_AUTORUN: '1' },
    });
    expect(job.main.exitCode).toBe(0);
    expect(job.main.env.APP_TOKEN).toBeDefined();
    expect(job.post!.log).toMatch(/oidc-secrets post: \d+ of \d+ revoked/);
    expectNothingLive(fx.vault);
  });
});
