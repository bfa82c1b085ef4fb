// The OIDC-only policy through the built action (SPEC §1.6): long-lived credentials in the
// step environment or under `with:` are refused before any request — no OIDC token minted,
// nothing asked of Vault, AWS, GCP or Azure — with an error that names the variable or input
// (never its value) and says how to move to OIDC; pull_request_target and workflow_run are
// refused unless allowed; and a token the provider rejects is explained with its claims and
// a hint at the trust condition that failed, for both shapes of `sub`.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAws, type AwsEmulator } from '../../../test/emulators/aws.js';
import { startAzure, type AzureEmulator } from '../../../test/emulators/azure.js';
import { startGcp, type GcpEmulator } from '../../../test/emulators/gcp.js';
import { expectNoLeak } from '../../../test/support/leaks.js';
import { runJob, type JobResult } from '../../../test/support/runner.js';
import {
  errorsOf,
  expectNothingExported,
  expectNothingLive,
  fake,
  sha,
  startVaultFixture,
  VAULT_AUDIENCE,
  type VaultFixture,
} from '../../../test/support/vault-fixture.js';
import { emulatorEndpoints } from '../../../test/support/endpoints.js';

let fx: VaultFixture;
let aws: AwsEmulator;
let gcp: GcpEmulator;
let azure: AzureEmulator;
const dir = mkdtempSync(join(tmpdir(), 'oidc-secrets-policy-'));
const appKey = fake('app-key');

/** Shaped like a Vault service token; Vault never issued it. */
const fakeVaultToken = () => `hvs.${randomBytes(18).toString('base64url')}`;

const MUTABLE_SUB = 'repo:octo-org/octo-repo:ref:refs/heads/main';
const IMMUTABLE_SUB = 'repo:octo-org@123/octo-repo@456:ref:refs/heads/main';

beforeAll(async () => {
  fx = await startVaultFixture();
  fx.vault.addKvV2('secret', 'ci/app', { key: appKey });
  aws = await startAws({ issuer: fx.issuer.issuer, region: 'eu-west-1' });
  gcp = await startGcp({ issuer: fx.issuer.issuer, projectNumber: '123456' });
  azure = await startAzure({ issuer: fx.issuer.issuer });
  // Roles bound to one shape of `sub` each, and to an environment.
  for (const [name, sub] of [
    ['ci-mutable', MUTABLE_SUB],
    ['ci-immutable', IMMUTABLE_SUB],
  ] as const) {
    fx.vault.addJwtRole(name, {
      bound_audiences: [VAULT_AUDIENCE],
      bound_subject: sub,
      user_claim: 'sub',
      token_policies: ['ci-read'],
    });
  }
  fx.vault.addJwtRole('ci-production', {
    bound_audiences: [VAULT_AUDIENCE],
    bound_claims: { environment: 'production' },
    user_claim: 'sub',
    token_policies: ['ci-read'],
  });
});

afterAll(async () => {
  await Promise.all([aws.close(), gcp.close(), azure.close()]);
  await fx.close();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  fx.issuer.setImmutableSubject(false);
  fx.issuer.setClaims({ environment: undefined, ref: 'refs/heads/main' });
});

/** One line per provider, every provider configured: a refusal must stop them all. */
function allProviders(extra: Record<string, string> = {}): Record<string, string> {
  return fx.inputs(
    [
      'APP_KEY: vault:secret/data/ci/app#key',
      'AWS_API: aws:prod/api',
      'GCP_API: gcp:projects/my-proj/secrets/api',
      'AZURE_API: azure:kv-app/api-key',
    ].join('\n'),
    {
      'aws-role-arn': 'arn:aws:iam::123456789012:role/gha-secrets',
      'aws-region': 'eu-west-1',
      'gcp-workload-identity-provider':
        'projects/123456/locations/global/workloadIdentityPools/github/providers/gh',
      'azure-client-id': '11111111-2222-3333-4444-555555555555',
      'azure-tenant-id': azure.tenantId,
      endpoints: emulatorEndpoints({ aws, gcp, azure }),
      ...extra,
    },
  );
}

/** Request counts of every party, to show that nothing was asked of anyone. */
const traffic = () => ({
  oidcTokens: fx.issuer.tokenRequests.length,
  vault: fx.vault.requests.length,
  aws: aws.requests.length,
  gcp: gcp.requests.length,
  azure: azure.requests.length,
});

function expectRefusedBeforeAnyRequest(job: JobResult, before: ReturnType<typeof traffic>): void {
  expect(job.main.exitCode).toBe(1);
  expect(traffic()).toEqual(before);
  expectNothingExported(job);
  expect(job.post?.log).toContain('oidc-secrets post: nothing to revoke');
}

describe('require-oidc refuses long-lived credentials', () => {
  const gcpKeyFile = () => {
    const path = join(dir, 'sa-key.json');
    writeFileSync(
      path,
      JSON.stringify({
        type: 'service_account',
        project_id: 'my-proj',
        private_key_id: fake('kid'),
        private_key: `-----BEGIN PRIVATE KEY-----\n${fake('not-a-real-key', 24)}\n-----END PRIVATE KEY-----\n`,
        client_email: 'ci@my-proj.iam.gserviceaccount.com',
      }),
    );
    return path;
  };

  it.each<{
    what: string;
    env?: () => Record<string, string>;
    with?: () => Record<string, string>;
    named: RegExp;
    instead: RegExp;
  }>([
    {
      what: 'VAULT_TOKEN in the step environment',
      env: () => ({ VAULT_TOKEN: fakeVaultToken() }),
      named:
        /^require-oidc: the environment variable VAULT_TOKEN holds a Vault token, a long-lived credential\./,
      instead: /vault-url and vault-role/,
    },
    {
      what: 'an AKIA… access key in the step environment',
      env: () => ({
        AWS_ACCESS_KEY_ID: `AKIA${'Q'.repeat(4)}${fake('', 6).slice(1, 13).toUpperCase()}`,
        AWS_SECRET_ACCESS_KEY: fake('aws-secret', 20),
      }),
      named:
        /^require-oidc: the environment variable AWS_ACCESS_KEY_ID holds an IAM user access key/,
      instead: /aws-role-arn and aws-region/,
    },
    {
      what: 'GOOGLE_APPLICATION_CREDENTIALS naming a service-account key file',
      env: () => ({ GOOGLE_APPLICATION_CREDENTIALS: gcpKeyFile() }),
      named:
        /^require-oidc: the file named by GOOGLE_APPLICATION_CREDENTIALS holds a GCP service account key/,
      instead: /gcp-workload-identity-provider/,
    },
    {
      what: 'AZURE_CLIENT_SECRET in the step environment',
      env: () => ({ AZURE_CLIENT_SECRET: fake('azure-secret') }),
      named:
        /^require-oidc: the environment variable AZURE_CLIENT_SECRET holds an Azure client secret/,
      instead: /azure-client-id and azure-tenant-id/,
    },
    {
      what: 'vault-token under with: (INPUT_VAULT-TOKEN)',
      with: () => ({ 'vault-token': fakeVaultToken() }),
      named: /^require-oidc: the input vault-token holds a Vault token/,
      instead: /vault-url and vault-role/,
    },
    {
      what: 'azure-client-secret under with:',
      with: () => ({ 'azure-client-secret': fake('azure-secret') }),
      named: /^require-oidc: the input azure-client-secret holds an Azure client secret/,
      instead: /azure-client-id and azure-tenant-id/,
    },
  ])('$what: refused before any request, naming it, never its value', async (c) => {
    const env = c.env?.() ?? {};
    const given = c.with?.() ?? {};
    const values = [...Object.values(env), ...Object.values(given)].filter(
      (v) => !v.startsWith(dir),
    );
    const before = traffic();
    const job = await runJob({
      inputs: allProviders(given),
      env,
      issuer: fx.issuer,
      // The workflow passed them from `secrets.*`: the runner masks them from the start.
      secrets: values,
    });
    expectRefusedBeforeAnyRequest(job, before);
    const errors = errorsOf(job.main);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(c.named);
    expect(errors[0]).toMatch(c.instead);
    expect(errors[0]).toMatch(/or set require-oidc: false\.$/);
    for (const value of values) expect(errors[0]!.includes(value)).toBe(false);
    if (c.with)
      expect(job.main.processEnv['INPUT_' + Object.keys(given)[0]!.toUpperCase()]).toBeTruthy();
    expectNoLeak(job.log, values);
  });

  it('every credential found is reported at once', async () => {
    const env = {
      VAULT_TOKEN: fake('hvs'),
      AZURE_CLIENT_SECRET: fake('azure-secret'),
      GOOGLE_APPLICATION_CREDENTIALS: gcpKeyFile(),
    };
    const before = traffic();
    const job = await runJob({
      inputs: allProviders({ 'vault-token': fake('hvs') }),
      env,
      issuer: fx.issuer,
      secrets: [env.VAULT_TOKEN, env.AZURE_CLIENT_SECRET],
    });
    expectRefusedBeforeAnyRequest(job, before);
    expect(errorsOf(job.main).map((e) => /^require-oidc: the (\S+ \S+ \S+)/.exec(e)?.[1])).toEqual([
      'input vault-token holds',
      'environment variable VAULT_TOKEN',
      'file named by',
      'environment variable AZURE_CLIENT_SECRET',
    ]);
  });

  it('require-oidc: false lets the job run (still fetching with OIDC); a temporary AWS session passes anyway', async () => {
    for (const [env, extra] of [
      [{ VAULT_TOKEN: fake('hvs') }, { 'require-oidc': 'false' }],
      [
        {
          AWS_ACCESS_KEY_ID: 'ASIA' + 'Q'.repeat(16),
          AWS_SECRET_ACCESS_KEY: fake('session-secret'),
          AWS_SESSION_TOKEN: fake('session-token', 32),
        },
        {},
      ],
    ] as Array<[Record<string, string>, Record<string, string>]>) {
      const job = await runJob({
        inputs: fx.inputs('APP_KEY: vault:secret/data/ci/app#key', extra),
        env,
        issuer: fx.issuer,
        secrets: Object.values(env),
      });
      expect(errorsOf(job.main)).toEqual([]);
      expect(job.main.exitCode).toBe(0);
      expect(sha(job.env.APP_KEY)).toBe(sha(appKey));
    }
    expectNothingLive(fx.vault);
  });
});

describe('untrusted events', () => {
  it.each(['pull_request_target', 'workflow_run'])(
    '%s is refused, naming the event and the risk, unless allow-untrusted-events: true',
    async (event) => {
      const before = traffic();
      const refused = await runJob({ inputs: allProviders(), issuer: fx.issuer, eventName: event });
      expectRefusedBeforeAnyRequest(refused, before);
      const [error] = errorsOf(refused.main);
      expect(error).toMatch(new RegExp(`^refusing to fetch secrets on the ${event} event: `));
      expect(error).toMatch(/fork/);
      expect(error).toMatch(/set allow-untrusted-events: true\.$/);

      const allowed = await runJob({
        inputs: fx.inputs('APP_KEY: vault:secret/data/ci/app#key', {
          'allow-untrusted-events': 'true',
        }),
        issuer: fx.issuer,
        eventName: event,
      });
      expect(errorsOf(allowed.main)).toEqual([]);
      expect(allowed.main.exitCode).toBe(0);
      expectNothingLive(fx.vault);
    },
  );
});

describe('a token Vault rejects is explained: its claims and the likely trust condition', () => {
  async function rejected(extra: Record<string, string>): Promise<string> {
    const job = await runJob({
      inputs: fx.inputs('APP_KEY: vault:secret/data/ci/app#key', extra),
      issuer: fx.issuer,
    });
    expect(job.main.exitCode).toBe(1);
    expectNothingExported(job);
    const errors = errorsOf(job.main);
    expect(errors).toHaveLength(1);
    // Claims yes, the token no.
    expect(job.log).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./);
    expect(errors[0]).toMatch(
      /^secrets line 1: vault login \(auth\/jwt\/login, role [\w-]+\) was refused \(HTTP 400\): /,
    );
    expect(errors[0]).toContain(`  iss: ${fx.issuer.issuer}`);
    expect(errors[0]).toContain('  repository: octo-org/octo-repo');
    expect(errors[0]).toContain('  job_workflow_ref: octo-org/octo-repo/.github/workflows/ci.yml@');
    return errors[0]!;
  }

  it('wrong audience', async () => {
    const error = await rejected({ 'vault-audience': 'https://not-vault.example' });
    expect(error).toMatch(/invalid audience \(aud\) claim/);
    expect(error).toMatch(/Hint: the role's bound_audiences does not contain the token's aud/);
    expect(error).toContain('  aud: https://not-vault.example');
  });

  it('wrong subject, mutable sub against a role bound to another ref', async () => {
    fx.issuer.setClaims({ ref: 'refs/heads/feature' });
    const error = await rejected({ 'vault-role': 'ci-mutable' });
    expect(error).toMatch(/invalid subject \(sub\) claim/);
    expect(error).toMatch(/Hint: the role's bound_subject does not match the token's sub/);
    expect(error).toMatch(/repo:OWNER\/REPO:… and repo:OWNER@ID\/REPO@ID:…/);
    expect(error).toContain('  sub: repo:octo-org/octo-repo:ref:refs/heads/feature');
  });

  it('an immutable sub against a role bound to the mutable shape, and the other way round', async () => {
    fx.issuer.setImmutableSubject(true);
    const error = await rejected({ 'vault-role': 'ci-mutable' });
    expect(error).toMatch(/Hint: the role's bound_subject does not match/);
    expect(error).toContain(`  sub: ${IMMUTABLE_SUB}`);

    fx.issuer.setImmutableSubject(false);
    const other = await rejected({ 'vault-role': 'ci-immutable' });
    expect(other).toMatch(/Hint: the role's bound_subject does not match/);
    expect(other).toContain(`  sub: ${MUTABLE_SUB}`);
  });

  it('each shape passes the role bound to it', async () => {
    for (const [immutable, role] of [
      [true, 'ci-immutable'],
      [false, 'ci-mutable'],
    ] as const) {
      fx.issuer.setImmutableSubject(immutable);
      const job = await runJob({
        inputs: fx.inputs('APP_KEY: vault:secret/data/ci/app#key', { 'vault-role': role }),
        issuer: fx.issuer,
      });
      expect(errorsOf(job.main)).toEqual([]);
      expect(job.main.exitCode).toBe(0);
    }
    expectNothingLive(fx.vault);
  });

  it('a bound claim (environment) that does not match, with the environment shown', async () => {
    fx.issuer.setClaims({ environment: 'staging' });
    const error = await rejected({ 'vault-role': 'ci-production' });
    expect(error).toMatch(/claim "environment" does not match any associated bound claim values/);
    expect(error).toMatch(/Hint: one of the role's bound_claims does not match the token/);
    expect(error).toContain('  environment: staging');
    expect(error).toContain('  sub: repo:octo-org/octo-repo:environment:staging');
  });

  it('an expired token', async () => {
    const stale = await startVaultFixture({ issuer: { lifetimeSeconds: -600 } });
    try {
      stale.vault.addKvV2('secret', 'ci/app', { key: appKey });
      const job = await runJob({
        inputs: stale.inputs('APP_KEY: vault:secret/data/ci/app#key'),
        issuer: stale.issuer,
      });
      expect(job.main.exitCode).toBe(1);
      const [error] = errorsOf(job.main);
      expect(error).toMatch(/invalid expiration time \(exp\) claim: token is expired/);
      expect(error).toMatch(/Hint: the token had expired when Vault checked it/);
      expectNothingExported(job);
    } finally {
      await stale.close();
    }
  });
});
