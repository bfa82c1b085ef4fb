// A second oidc-secrets step in the same job, after one with `credentials: vault: env`: the
// VAULT_TOKEN the first exported is this job's own (minted by an OIDC login, revoked by
// post), and require-oidc lets it pass; the same step with a VAULT_TOKEN from `secrets.*`
// is refused with nothing exported. Run through the built dist/ entries as the runner runs
// them, the steps sharing RUNNER_TEMP, the environment and the masker as a job does.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startOidcIssuer, type OidcIssuer } from '../../../test/emulators/oidc-issuer.js';
import { startVault, type VaultEmulator } from '../../../test/emulators/vault.js';
import { expectNoLeak } from '../../../test/support/leaks.js';
import { runStep } from '../../../test/support/runner.js';
import { jobDirs } from '../keep-alive/support.js';

const VAULT_AUDIENCE = 'https://vault.example.com';
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
/** Each value and its base64: neither may show in a log. */
const withBase64 = (values: string[]) =>
  values.flatMap((v) => [v, Buffer.from(v).toString('base64')]);
const password = `vault-pw-${randomBytes(12).toString('hex')}`;

let issuer: OidcIssuer;
let vault: VaultEmulator;

beforeAll(async () => {
  issuer = await startOidcIssuer();
  vault = await startVault({ issuer });
  vault.addPolicy('ci-read', { 'secret/data/ci/*': ['read'] });
  vault.addJwtRole('ci', {
    bound_audiences: [VAULT_AUDIENCE],
    bound_claims: { repository: 'octo-org/octo-repo' },
    token_policies: ['ci-read'],
    token_ttl: 600,
  });
  vault.addKvV2('secret', 'ci/db', { password });
});
afterAll(async () => {
  await vault?.close();
  await issuer?.close();
});

const vaultInputs = {
  'vault-url': '',
  'vault-role': 'ci',
  'vault-audience': VAULT_AUDIENCE,
  'require-oidc': 'true',
  'keep-alive': 'false',
};

it('a later oidc-secrets step accepts the VAULT_TOKEN an earlier one exported, and refuses one from secrets.*', async () => {
  const dirs = jobDirs();
  const common = {
    issuer,
    workspace: dirs.workspace,
    runnerTemp: dirs.runnerTemp,
    masker: dirs.masker,
  };
  const inputs = { ...vaultInputs, 'vault-url': vault.url };
  try {
    const first = await runStep({
      ...common,
      entry: 'main',
      inputs: { ...inputs, credentials: 'vault: env' },
    });
    expect(first.exitCode).toBe(0);
    const exported = first.env.VAULT_TOKEN ?? '';
    expect(exported).toMatch(/^hvs\./);
    const secondInputs = { ...inputs, secrets: 'DB_PASSWORD: vault:secret/data/ci/db#password' };

    // The second step, with the job's environment (VAULT_TOKEN among it).
    const second = await runStep({
      ...common,
      entry: 'main',
      inputs: secondInputs,
      env: { ...first.env },
    });
    expect(second.log).not.toContain('holds a Vault token');
    expect(second.exitCode).toBe(0);
    expect(sha(second.env.DB_PASSWORD ?? '')).toBe(sha(password));

    // The same step where the workflow put a token from secrets.* in VAULT_TOKEN.
    const fromSecrets = `hvs.${randomBytes(18).toString('base64url')}`;
    const refused = await runStep({
      ...common,
      entry: 'main',
      inputs: secondInputs,
      env: { ...first.env, VAULT_TOKEN: fromSecrets },
      secrets: [fromSecrets],
    });
    expect(refused.exitCode).toBe(1);
    expect(refused.log).toContain(
      'require-oidc: the environment variable VAULT_TOKEN holds a Vault token, a long-lived credential.',
    );
    expect(refused.env).toEqual({});

    // Posts in reverse order; the first step's removes its record with its files.
    for (const [step, stepInputs] of [
      [refused, secondInputs],
      [second, secondInputs],
      [first, { ...inputs, credentials: 'vault: env' }],
    ] as const) {
      const post = await runStep({
        ...common,
        entry: 'post',
        inputs: stepInputs,
        state: step.state,
        env: { ...first.env, ...second.env },
      });
      expect(post.exitCode).toBe(0);
      expectNoLeak(post.log, withBase64([password, exported, fromSecrets]));
    }
    expect(vault.liveTokens()).toBe(0);
    expect(readdirSync(dirs.runnerTemp).filter((n) => n.startsWith('oidc-secrets-'))).toEqual([]);
    expect(existsSync(join(dirs.runnerTemp, 'vault-token.issued.json'))).toBe(false);
    expectNoLeak(
      [first.log, second.log, refused.log].join('\n'),
      withBase64([password, exported, fromSecrets]),
    );
  } finally {
    dirs.close();
  }
});
