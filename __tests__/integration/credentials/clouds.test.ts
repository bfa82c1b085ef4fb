// `credentials:` for GCP, Azure and Vault (SPEC §1.7), run as the runner runs the built
// action, with the clouds' OFFICIAL clients in the later step: google-auth-library reads
// GOOGLE_APPLICATION_CREDENTIALS (the external_account file, the job's OIDC endpoint as
// credential source) and gets a token twice across an expiry; @azure/identity's
// WorkloadIdentityCredential gets a token from the exported variables (within the first
// OIDC token's life: kept-alive.test.ts shows it again after that token expired); Vault answers over
// HTTP with VAULT_TOKEN. Then one auth-only step for all four clouds. Every test checks
// the job's log for every value, credential and JWT.
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { startAws, type AwsEmulator } from '../../../test/emulators/aws.js';
import { startAzure, type AzureEmulator } from '../../../test/emulators/azure.js';
import {
  GITHUB_ACTIONS_PROVIDER,
  startGcp,
  type GcpEmulator,
} from '../../../test/emulators/gcp.js';
import { startOidcIssuer, type OidcIssuer } from '../../../test/emulators/oidc-issuer.js';
import { startVault, type VaultEmulator } from '../../../test/emulators/vault.js';
import { selfSignedLoopbackCertificate } from '../../../test/support/certificates.js';
import { emulatorEndpoints } from '../../../test/support/endpoints.js';
import { expectNoLeak } from '../../../test/support/leaks.js';
import { REPO_ROOT, runJob, type JobResult } from '../../../test/support/runner.js';

const ROLE = 'arn:aws:iam::123456789012:role/gha-secrets';
const SA = 'deployer@my-proj.iam.gserviceaccount.com';
const CLIENT = '11111111-2222-3333-4444-555555555555';
const POOL =
  'principalSet://iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/github';
const MAIN_SUB = 'repo:octo-org/octo-repo:ref:refs/heads/main';
const VAULT_AUDIENCE = 'https://vault.example.com';
const LIFETIME_SECONDS = 3;

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const values = {
  gcp: `gcp-api-${randomBytes(12).toString('hex')}`,
  vault: { password: `vault-pw-${randomBytes(12).toString('hex')}` },
};

let issuer: OidcIssuer;
let aws: AwsEmulator;
let gcp: GcpEmulator;
let azure: AzureEmulator;
let vault: VaultEmulator;
let gcpProvider = '';
let tls: { key: string; cert: string };

beforeAll(async () => {
  tls = selfSignedLoopbackCertificate();
  issuer = await startOidcIssuer({ lifetimeSeconds: LIFETIME_SECONDS + 2 });
  aws = await startAws({ issuer: issuer.issuer, region: 'eu-west-1', tls });
  aws.addRole(ROLE, { subjectPatterns: ['repo:octo-org/octo-repo:*'], secrets: ['prod/*'] });
  gcp = await startGcp({
    issuer: issuer.issuer,
    projectId: 'my-proj',
    projectNumber: '123456',
    tokenLifetimeSeconds: LIFETIME_SECONDS,
  });
  gcpProvider = gcp.addProvider(GITHUB_ACTIONS_PROVIDER).name;
  gcp.addServiceAccount(SA, [`${POOL}/attribute.repository/octo-org/octo-repo`]);
  gcp.addSecret('api', values.gcp, [`serviceAccount:${SA}`]);
  azure = await startAzure({ issuer: issuer.issuer, tls, tokenLifetimeSeconds: LIFETIME_SECONDS });
  azure.addApp(CLIENT, [{ issuer: issuer.issuer, subject: MAIN_SUB }]);
  vault = await startVault({ issuer });
  vault.addPolicy('ci-read', { 'secret/data/ci/*': ['read'] });
  vault.addJwtRole('ci', {
    bound_audiences: [VAULT_AUDIENCE],
    bound_claims: { repository: 'octo-org/octo-repo' },
    token_policies: ['ci-read'],
    token_ttl: 600,
  });
  vault.addKvV2('secret', 'ci/db', values.vault);
});

afterAll(async () => {
  await Promise.all([aws?.close(), gcp?.close(), azure?.close(), vault?.close()]);
  await issuer?.close();
});

const inputs = (extra: Record<string, string>) => ({
  'aws-role-arn': ROLE,
  'aws-region': 'eu-west-1',
  'gcp-workload-identity-provider': gcpProvider,
  'gcp-service-account': SA,
  'gcp-project': 'my-proj',
  'azure-client-id': CLIENT,
  'azure-tenant-id': azure.tenantId,
  'vault-url': vault.url,
  'vault-role': 'ci',
  'vault-audience': VAULT_AUDIENCE,
  'ca-certificate': tls.cert,
  endpoints: emulatorEndpoints({ aws, gcp, azure }),
  ...extra,
});

const credentials = () => [
  ...aws.issuedSessions.flatMap((s) => [s.accessKeyId, s.secretAccessKey, s.sessionToken]),
  ...gcp.issuedTokens.map((t) => t.token),
  ...azure.issuedTokens.map((t) => t.accessToken),
];

function expectNothingLeaked(job: JobResult): void {
  const vaultToken = job.main.env.VAULT_TOKEN;
  expectNoLeak(job.log, [
    values.gcp,
    values.vault,
    ...credentials(),
    ...(vaultToken ? [vaultToken] : []),
  ]);
  expect(job.log).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./);
}

const factsOf = (job: JobResult): Record<string, unknown> => {
  const line = job.user?.stdout.split('\n').find((l) => l.startsWith('FACTS '));
  return line ? (JSON.parse(line.slice(6)) as Record<string, unknown>) : {};
};

const prelude = `import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
const require = createRequire(${JSON.stringify(`${REPO_ROOT}/package.json`)});
const sha = (t) => createHash('sha256').update(t ?? '').digest('hex');
const facts = {};
`;

describe('credentials: gcp, azure, vault in later steps', () => {
  it('gcp: adc — google-auth-library reads a secret, and again after its token expired', async () => {
    const tokensBefore = gcp.issuedTokens.length;
    const oidcBefore = issuer.tokenRequests.length;
    const job = await runJob({
      inputs: inputs({ credentials: 'gcp: adc' }),
      issuer,
      timeoutMs: 60_000,
      userStep: `${prelude}
const { GoogleAuth } = require('google-auth-library');
const auth = new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
const client = await auth.getClient();
const read = async () => {
  const answer = await client.request({ url: ${JSON.stringify(`${gcp.url}/v1/projects/my-proj/secrets/api/versions/latest:access`)} });
  return sha(Buffer.from(answer.data.payload.data, 'base64').toString('utf8')) === ${JSON.stringify(sha(values.gcp))};
};
facts.first = await read();
await new Promise((r) => setTimeout(r, ${(LIFETIME_SECONDS + 1) * 1000}));
facts.afterExpiry = await read();
facts.same = [process.env.GOOGLE_APPLICATION_CREDENTIALS, process.env.CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE, process.env.GOOGLE_GHA_CREDS_PATH].every((p) => p === process.env.GOOGLE_APPLICATION_CREDENTIALS);
facts.project = process.env.CLOUDSDK_CORE_PROJECT + '/' + process.env.GOOGLE_CLOUD_PROJECT;
console.log('FACTS ' + JSON.stringify(facts));
`,
    });
    expect(job.main.exitCode).toBe(0);
    expect(job.user?.exitCode).toBe(0);
    expect(factsOf(job)).toEqual({
      first: true,
      afterExpiry: true,
      same: true,
      project: 'my-proj/my-proj',
    });
    // Main's login, then the library's own: a federated and an impersonated token per round.
    const minted = gcp.issuedTokens.slice(tokensBefore);
    expect(minted.filter((t) => t.kind === 'service-account').length).toBeGreaterThanOrEqual(3);
    expect(issuer.tokenRequests.length - oidcBefore).toBeGreaterThanOrEqual(3);
    expectNothingLeaked(job);
  });

  it('azure: env — WorkloadIdentityCredential gets a token from the exported variables', async () => {
    const before = azure.issuedTokens.length;
    const job = await runJob({
      inputs: inputs({ credentials: 'azure: env' }),
      issuer,
      userStep: `${prelude}
const { WorkloadIdentityCredential } = require('@azure/identity');
const credential = new WorkloadIdentityCredential({ disableInstanceDiscovery: true, tlsOptions: { ca: ${JSON.stringify(tls.cert)} } });
const token = await credential.getToken('https://vault.azure.net/.default');
facts.token = typeof token.token === 'string' && token.token.length > 20;
facts.arm = [process.env.ARM_CLIENT_ID === process.env.AZURE_CLIENT_ID, process.env.ARM_TENANT_ID === process.env.AZURE_TENANT_ID, process.env.ARM_USE_OIDC, process.env.ARM_OIDC_TOKEN_FILE_PATH === process.env.AZURE_FEDERATED_TOKEN_FILE];
console.log('FACTS ' + JSON.stringify(facts));
`,
    });
    expect(job.main.exitCode).toBe(0);
    expect(job.user?.exitCode).toBe(0);
    expect(factsOf(job)).toEqual({ token: true, arm: [true, true, 'true', true] });
    expect(azure.issuedTokens.length - before).toBe(2); // main's login, the later step's
    expectNothingLeaked(job);
  });

  it('vault: env — the later step reads with VAULT_TOKEN; post revokes the token', async () => {
    const job = await runJob({
      inputs: inputs({ credentials: 'vault: env' }),
      issuer,
      userStep: `${prelude}
import { readFileSync } from 'node:fs';
import https from 'node:https';
import http from 'node:http';
const url = new URL('/v1/secret/data/ci/db', process.env.VAULT_ADDR);
const body = await new Promise((resolve, reject) => {
  (url.protocol === 'https:' ? https : http).get(url, { headers: { 'x-vault-token': process.env.VAULT_TOKEN } }, (res) => {
    let text = '';
    res.on('data', (c) => (text += c));
    res.on('end', () => resolve(text));
  }).on('error', reject);
});
facts.read = sha(JSON.parse(body).data.data.password) === ${JSON.stringify(sha(values.vault.password))};
facts.cacert = readFileSync(process.env.VAULT_CACERT, 'utf8').includes('BEGIN CERTIFICATE');
console.log('FACTS ' + JSON.stringify(facts));
`,
    });
    expect(job.main.exitCode).toBe(0);
    expect(factsOf(job)).toEqual({ read: true, cacert: true });
    expect(job.post?.exitCode).toBe(0);
    expect(vault.liveTokens()).toBe(0);
    expectNothingLeaked(job);
  });

  it('an auth-only step for all four clouds: no secrets, every export, the files under RUNNER_TEMP only', async () => {
    const job = await runJob({
      inputs: inputs({
        credentials: 'aws: env\naws: profile\ngcp: adc\nazure: env\nvault: env',
      }),
      issuer,
      keepTemp: true,
      // The default later step prints every variable and the content of each *_FILE (the
      // Azure token file among them): the log must show them masked.
    });
    expect(job.user?.stdout).toContain('AZURE_FEDERATED_TOKEN_FILE=');
    expect(job.main.exitCode).toBe(0);
    expect(Object.keys(job.main.env).sort()).toEqual(
      [
        'AWS_ACCESS_KEY_ID',
        'AWS_SECRET_ACCESS_KEY',
        'AWS_SESSION_TOKEN',
        'AWS_REGION',
        'AWS_DEFAULT_REGION',
        'AWS_CONFIG_FILE',
        'GOOGLE_APPLICATION_CREDENTIALS',
        'CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE',
        'GOOGLE_GHA_CREDS_PATH',
        'CLOUDSDK_CORE_PROJECT',
        'GOOGLE_CLOUD_PROJECT',
        'AZURE_CLIENT_ID',
        'AZURE_TENANT_ID',
        'AZURE_AUTHORITY_HOST',
        'AZURE_FEDERATED_TOKEN_FILE',
        'ARM_CLIENT_ID',
        'ARM_TENANT_ID',
        'ARM_USE_OIDC',
        'ARM_OIDC_TOKEN_FILE_PATH',
        'VAULT_ADDR',
        'VAULT_TOKEN',
        'VAULT_CACERT',
      ].sort(),
    );
    for (const name of ['AWS_CONFIG_FILE', 'GOOGLE_APPLICATION_CREDENTIALS', 'VAULT_CACERT'])
      expect(job.main.env[name]?.startsWith(job.runnerTemp)).toBe(true);
    expect(readdirSync(job.workspace)).toEqual([]);
    expect(readdirSync(job.runnerTemp).filter((n) => n.startsWith('oidc-secrets-'))).toEqual([]);
    expectNothingLeaked(job);
  });
});
