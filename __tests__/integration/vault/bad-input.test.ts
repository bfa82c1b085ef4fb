// Bad input fails the step with an error naming the line, nothing exported, nothing left
// live, and no value in any message.
import { expectNoLeak } from '../../../test/support/leaks.js';
import { runJob } from '../../../test/support/runner.js';
import { startVaultFixture, type VaultFixture } from './fixture.js';

let f: VaultFixture;
beforeAll(async () => {
  f = await startVaultFixture();
});
afterAll(async () => {
  await f.close();
});

const OK = 'GOOD: vault:secret/data/ci/db#password';

// [what, secrets input, line named in the first error, message pattern, requests Vault?]
const cases: Array<[string, string, number | undefined, RegExp, boolean]> = [
  ['no colon', `${OK}\nJUST_A_NAME`, 2, /expected NAME: PROVIDER:LOCATOR/, false],
  ['digit-first name', `${OK}\n2FA: vault:kv/legacy`, 2, /environment variable name/, false],
  ['dash in name', `MY-KEY: vault:kv/legacy\n${OK}`, 1, /environment variable name/, false],
  [
    'reserved name',
    `${OK}\nGITHUB_TOKEN: vault:kv/legacy#token`,
    2,
    /reserved for the runner/,
    false,
  ],
  ['reserved exact name', `PATH: vault:kv/legacy#token`, 1, /PATH is reserved/, false],
  ['reserved flatten prefix', `RUNNER_*: vault:kv/legacy`, 1, /reserved for the runner/, false],
  ['duplicate names', `${OK}\n\nGOOD: vault:kv/legacy#token`, 3, /already set by line 1/, false],
  [
    'unknown provider',
    `${OK}\nX: hashicorp:secret/data/ci/db`,
    2,
    /must start with a provider/,
    false,
  ],
  ['empty reference', `X:`, 1, /reference after ':' is empty/, false],
  ['path traversal', `X: vault:secret/../sys/raw/x`, 1, /Vault API path/, false],
  ['unknown option', `X: vault:secret/data/ci/db?ver=2#password`, 1, /unknown option/, false],
  [
    'bad version',
    `X: vault:secret/data/ci/db?version=-1#password`,
    1,
    /positive whole number/,
    false,
  ],
  ['bad selector', `X: vault:secret/data/ci/db#pass..word`, 1, /dot path/, false],
  ['bad gcp locator', `X: gcp:my-proj/deployer`, 1, /projects\/PROJECT\/secrets\/SECRET/, false],
  ['bad azure locator', `X: azure:v/`, 1, /VAULT\/SECRET/, false],
  [
    'selector finds nothing',
    `${OK}\nX: vault:secret/data/ci/db#pasword`,
    2,
    /finds nothing: no key pasword/,
    true,
  ],
  [
    'selector on a non-JSON value',
    `X: vault:kv/plain#text.inner`,
    1,
    /finds nothing|is a string/,
    true,
  ],
  ['flatten over a string', `X_*: vault:kv/plain#text`, 1, /needs a JSON object/, true],
  [
    'flatten collides with a name',
    `DB_PASSWORD: vault:kv/legacy#token\nDB_*: vault:secret/data/ci/db`,
    2,
    /produces DB_PASSWORD, but line 1 also sets it/,
    true,
  ],
  ['missing secret', `X: vault:secret/data/ci/missing`, 1, /not found/, true],
  ['denied path', `X: vault:secret/data/other/app`, 1, /permission denied/, true],
  [
    'export mode',
    OK,
    undefined,
    /input export: expected one or more of env, outputs, files, none/,
    false,
  ],
];

describe('bad input', () => {
  it.each(cases)(
    '%s: fails naming the line, exports nothing, leaves nothing live',
    async (what, secrets, line, pattern, requestsVault) => {
      const before = f.vault.requests.length;
      const extra: Record<string, string> = what === 'export mode' ? { export: 'env,stdout' } : {};
      const job = await runJob({ inputs: f.inputs(secrets, extra), issuer: f.issuer });
      expect(job.main.exitCode).toBe(1);
      expect(job.main.env).toEqual({});
      expect(job.main.outputs).toEqual({});
      expect(job.user).toBeUndefined();
      const errors = job.main.annotations.filter((a) => a.level === 'error').map((a) => a.message);
      expect(errors.length).toBeGreaterThan(0);
      if (line !== undefined) expect(errors[0]).toMatch(new RegExp(`^secrets line ${line}\\b`));
      expect(errors.join('\n')).toMatch(pattern);
      if (!requestsVault) expect(f.vault.requests.length).toBe(before);
      expect(f.vault.liveLeases()).toEqual([]);
      expect(f.vault.liveTokens()).toBe(0);
      expectNoLeak(job.log, [f.values.db, f.values.kv1, f.values.pem]);
    },
  );

  it('reports every malformed line of one input at once', async () => {
    const job = await runJob({
      inputs: f.inputs(['1A: vault:x', 'B: nope:x', 'HOME: env:X', 'C: vault:y?z=1'].join('\n')),
      issuer: f.issuer,
    });
    const errors = job.main.annotations.filter((a) => a.level === 'error').map((a) => a.message);
    expect(errors.map((e) => /^secrets line (\d+)/.exec(e)?.[1])).toEqual(['1', '2', '3', '4']);
  });

  it('shows nine problems as annotations and lists the rest in the log', async () => {
    const lines = Array.from({ length: 12 }, (_, i) => `${i}BAD: vault:x`).join('\n');
    const job = await runJob({ inputs: f.inputs(lines), issuer: f.issuer });
    const errors = job.main.annotations.filter((a) => a.level === 'error').map((a) => a.message);
    expect(errors).toHaveLength(10);
    expect(errors[9]).toBe("3 more problems, listed in this step's log");
    for (const line of [10, 11, 12]) expect(job.main.log).toContain(`error: secrets line ${line}:`);
  });

  it('a login the role refuses shows the token claims and which condition failed', async () => {
    const job = await runJob({
      inputs: f.inputs(OK, { 'vault-audience': 'https://github.com/someone-else' }),
      issuer: f.issuer,
    });
    expect(job.main.exitCode).toBe(1);
    const message = job.main.annotations.find((a) => a.level === 'error')?.message ?? '';
    expect(message).toMatch(
      /^secrets line 1: vault login \(auth\/jwt\/login, role ci\) was refused \(HTTP 400\)/,
    );
    expect(message).toMatch(/Hint: the role's bound_audiences does not contain the token's aud/);
    expect(message).toMatch(/aud: https:\/\/github\.com\/someone-else/);
    expect(message).toMatch(/sub: repo:octo-org\/octo-repo:ref:refs\/heads\/main/);
    expect(message).toMatch(/repository: octo-org\/octo-repo/);
    expect(message).not.toMatch(/eyJ/); // never the token itself
  });

  it('a missing vault-url names the input', async () => {
    const job = await runJob({ inputs: { secrets: OK }, issuer: f.issuer });
    expect(job.main.exitCode).toBe(1);
    expect(job.main.annotations[0]?.message).toMatch(/vault: references need the vault-url input/);
  });

  it('no id-token permission: says how to fix it', async () => {
    const job = await runJob({ inputs: f.inputs(OK) });
    expect(job.main.exitCode).toBe(1);
    expect(job.main.annotations[0]?.message).toMatch(/permissions: id-token: write/);
  });

  describe('every setting is checked before any request', () => {
    const VAULT_AND_GCP = `${OK}\nGCP_KEY: gcp:projects/my-proj/secrets/api`;

    it('a malformed gcp setting next to vault: no OIDC token is minted, Vault is never asked', async () => {
      const tokensBefore = f.issuer.tokenRequests.length;
      const vaultBefore = f.vault.requests.length;
      const job = await runJob({
        inputs: f.inputs(VAULT_AND_GCP, {
          // The project's id where its number belongs.
          'gcp-workload-identity-provider':
            'projects/my-proj/locations/global/workloadIdentityPools/github/providers/gh-actions',
        }),
        issuer: f.issuer,
      });
      expect(job.main.exitCode).toBe(1);
      expect(job.main.env).toEqual({});
      const errors = job.main.annotations.filter((a) => a.level === 'error').map((a) => a.message);
      expect(errors).toEqual([
        expect.stringMatching(
          /^secrets line 2: input gcp-workload-identity-provider: expected projects\/NUMBER\//,
        ),
      ]);
      expect(f.issuer.tokenRequests.length).toBe(tokensBefore);
      expect(f.vault.requests.length).toBe(vaultBefore);
      expect(f.vault.liveTokens()).toBe(0);
    });

    it('reports every malformed setting of every provider at once', async () => {
      const tokensBefore = f.issuer.tokenRequests.length;
      const job = await runJob({
        inputs: f.inputs(`${VAULT_AND_GCP}\nAZ: azure:kv-app/api-key`, {
          'gcp-workload-identity-provider':
            'projects/123456/locations/global/workloadIdentityPools/github/providers/gh-actions',
          'gcp-service-account': 'not-an-email',
          'azure-client-id': 'my-app',
          'azure-tenant-id': 'contoso.onmicrosoft.com',
        }),
        issuer: f.issuer,
      });
      expect(job.main.exitCode).toBe(1);
      const errors = job.main.annotations.filter((a) => a.level === 'error').map((a) => a.message);
      expect(errors).toEqual([
        expect.stringMatching(/^secrets line 2: input gcp-service-account: expected/),
        expect.stringMatching(/^secrets line 3: input azure-client-id: expected/),
      ]);
      expect(f.issuer.tokenRequests.length).toBe(tokensBefore);
    });
  });
});
