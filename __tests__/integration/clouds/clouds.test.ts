// The built action (dist/main.js, dist/post.js) run as the runner runs it, against the AWS,
// GCP, Azure and Vault emulators and a GitHub OIDC issuer, all over real HTTP. Per cloud: a
// plain value, a JSON value through #selector and NAME_*, a denied secret, a token the cloud
// rejects; then one job that reads from all four providers at once. Every test checks the
// job's log (what GitHub would show) for any fetched value, credential or token in clear.
import { createHash, randomBytes } from 'node:crypto';
import { startAws, type AwsEmulator } from '../../../test/emulators/aws.js';
import { startAzure, type AzureEmulator } from '../../../test/emulators/azure.js';
import {
  GITHUB_ACTIONS_PROVIDER,
  startGcp,
  type GcpEmulator,
} from '../../../test/emulators/gcp.js';
import { startOidcIssuer, type OidcIssuer } from '../../../test/emulators/oidc-issuer.js';
import { startVault, type VaultEmulator } from '../../../test/emulators/vault.js';
import { expectNoLeak } from '../../../test/support/leaks.js';
import { runJob, type JobResult } from '../../../test/support/runner.js';
import { emulatorEndpoints } from '../../../test/support/endpoints.js';
import { selfSignedLoopbackCertificate } from '../../../test/support/certificates.js';

const sha = (text: string | undefined) =>
  createHash('sha256')
    .update(text ?? '<undefined>')
    .digest('hex')
    .slice(0, 16);
const fixture = (prefix: string) => `${prefix}-${randomBytes(12).toString('hex')}`;

const ROLE = 'arn:aws:iam::123456789012:role/gha-secrets';
const SA = 'deployer@my-proj.iam.gserviceaccount.com';
const CLIENT = '11111111-2222-3333-4444-555555555555';
const POOL =
  'principalSet://iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/github';
const MAIN_SUB = 'repo:octo-org/octo-repo:ref:refs/heads/main';
const VAULT_AUDIENCE = 'https://vault.example.com';

let issuer: OidcIssuer;
let aws: AwsEmulator;
let gcp: GcpEmulator;
let azure: AzureEmulator;
let vault: VaultEmulator;
let gcpProvider = '';

/** Every fetched value of the fixtures, and JSON leaves, for the leak checks. */
const values = {
  awsApi: fixture('aws-api'),
  awsDb: {
    username: 'aws-user-' + randomBytes(3).toString('hex'),
    password: fixture('aws-pw'),
    port: 600_000_000 + randomBytes(3).readUIntBE(0, 3),
  },
  gcpApi: fixture('gcp-api'),
  gcpSa: {
    type: 'service_account',
    client_email: 'ci-bot@my-proj.iam.gserviceaccount.com',
    private_key: fixture('gcp-key'),
  },
  azureApi: fixture('azure-api'),
  azureDb: { username: 'az-user-' + randomBytes(3).toString('hex'), password: fixture('az-pw') },
  vaultDb: {
    username: 'vault-user-' + randomBytes(3).toString('hex'),
    password: fixture('vault-pw'),
  },
  denied: fixture('denied'),
};
const fetchedSecrets = () => [
  values.awsApi,
  JSON.stringify(values.awsDb),
  values.gcpApi,
  JSON.stringify(values.gcpSa),
  values.azureApi,
  JSON.stringify(values.azureDb),
  values.vaultDb,
  values.denied,
];

/** The exchange's credentials every emulator handed out so far. */
const credentials = () => [
  ...aws.issuedSessions.flatMap((s) => [s.accessKeyId, s.secretAccessKey, s.sessionToken]),
  ...gcp.issuedTokens.map((t) => t.token),
  ...azure.issuedTokens.map((t) => t.accessToken),
];

/** Nothing fetched, no credential and no JWT may be readable in anything GitHub shows. */
function expectNothingLeaked(job: JobResult): void {
  expectNoLeak(job.log, [...fetchedSecrets(), ...credentials()]);
  const summaries = [job.main.summary, job.post?.summary ?? ''].join('\n');
  expectNoLeak(summaries, [...fetchedSecrets(), ...credentials()]);
  expect(job.log).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./);
}

function cloudInputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'aws-role-arn': ROLE,
    'aws-region': 'eu-west-1',
    'gcp-workload-identity-provider': gcpProvider,
    'gcp-service-account': SA,
    'azure-client-id': CLIENT,
    'azure-tenant-id': azure.tenantId,
    'vault-url': vault.url,
    'vault-role': 'ci',
    'vault-audience': VAULT_AUDIENCE,
    endpoints: emulatorEndpoints({ aws, gcp, azure }),
    ...extra,
  };
}

const job = (secrets: string, extra: Record<string, string> = {}) =>
  runJob({ inputs: cloudInputs({ secrets, ...extra }), issuer });

const errorsOf = (result: JobResult) =>
  result.main.annotations.filter((a) => a.level === 'error').map((a) => a.message);

beforeAll(async () => {
  issuer = await startOidcIssuer();
  aws = await startAws({ issuer: issuer.issuer, region: 'eu-west-1' });
  aws.addRole(ROLE, { subjectPatterns: ['repo:octo-org/octo-repo:*'], secrets: ['prod/*'] });
  aws.createSecret('prod/api', values.awsApi);
  aws.createSecret('prod/db', JSON.stringify(values.awsDb));
  aws.createSecret('team-b/secret', values.denied);

  gcp = await startGcp({ issuer: issuer.issuer, projectId: 'my-proj', projectNumber: '123456' });
  gcpProvider = gcp.addProvider({
    ...GITHUB_ACTIONS_PROVIDER,
    attributeCondition: "assertion.repository == 'octo-org/octo-repo'",
  }).name;
  gcp.addServiceAccount(SA, [`${POOL}/attribute.repository/octo-org/octo-repo`]);
  gcp.addSecret('api', values.gcpApi, [`serviceAccount:${SA}`]);
  gcp.addSecret('deployer', JSON.stringify(values.gcpSa, null, 2), [`serviceAccount:${SA}`]);
  gcp.addSecret('team-b', values.denied);

  azure = await startAzure({ issuer: issuer.issuer });
  azure.addApp(CLIENT, [{ issuer: issuer.issuer, subject: MAIN_SUB }]);
  azure.addSecret('kv-app', 'api-key', values.azureApi);
  azure.addSecret('kv-data', 'db', JSON.stringify(values.azureDb));
  azure.addSecret('kv-team-b', 'secret', values.denied);
  azure.grant('kv-app', CLIENT);
  azure.grant('kv-data', CLIENT);

  vault = await startVault({ issuer });
  vault.addPolicy('ci-read', { 'secret/data/ci/*': ['read'], 'sys/leases/revoke': ['update'] });
  vault.addJwtRole('ci', {
    bound_audiences: [VAULT_AUDIENCE],
    bound_claims: { repository: 'octo-org/octo-repo' },
    token_policies: ['ci-read'],
    token_ttl: 600,
  });
  vault.addKvV2('secret', 'ci/db', values.vaultDb);
});

afterAll(async () => {
  await Promise.all([aws.close(), gcp.close(), azure.close(), vault.close()]);
  await issuer.close();
});

afterEach(() => {
  issuer.setClaims({ sub: MAIN_SUB });
});

describe.each([
  {
    cloud: 'aws',
    plain: 'aws:prod/api',
    json: 'aws:prod/db',
    jsonValue: () => values.awsDb,
    plainValue: () => values.awsApi,
    denied: 'aws:team-b/secret',
    deniedMessage:
      /aws:team-b\/secret: access denied: User: arn:aws:sts::123456789012:assumed-role\/gha-secrets\/gha-\d+-\d+ is not authorized/,
    wrongAudience: { 'aws-audience': 'not-sts' } as Record<string, string>,
    audienceMessage: /HTTP 400 InvalidIdentityToken\): Incorrect token audience/,
    subjectMessage:
      /HTTP 403 AccessDenied\): Not authorized to perform sts:AssumeRoleWithWebIdentity/,
  },
  {
    cloud: 'gcp',
    plain: 'gcp:projects/my-proj/secrets/api',
    json: 'gcp:projects/123456/secrets/deployer/versions/latest',
    jsonValue: () => values.gcpSa,
    plainValue: () => values.gcpApi,
    denied: 'gcp:projects/my-proj/secrets/team-b',
    deniedMessage:
      /gcp:projects\/my-proj\/secrets\/team-b\/versions\/latest: access denied: PERMISSION_DENIED: Permission 'secretmanager\.versions\.access' denied/,
    wrongAudience: { 'gcp-audience': 'https://not-the-provider.example' } as Record<string, string>,
    audienceMessage:
      /invalid_grant: The audience in ID Token \[https:\/\/not-the-provider\.example\] does not match the expected audience\./,
    subjectMessage:
      /unauthorized_client: The given credential is rejected by the attribute condition\./,
  },
  {
    cloud: 'azure',
    plain: 'azure:kv-app/api-key',
    json: 'azure:kv-data/db',
    jsonValue: () => values.azureDb,
    plainValue: () => values.azureApi,
    denied: 'azure:kv-team-b/secret',
    deniedMessage:
      /azure:kv-team-b\/secret: access denied \(HTTP 403\): Forbidden: The user, group or application 'appid=11111111-2222-3333-4444-555555555555;/,
    wrongAudience: { 'azure-audience': 'api://SomethingElse' } as Record<string, string>,
    audienceMessage:
      /AADSTS700212: No matching federated identity record found for presented assertion audience 'api:\/\/SomethingElse'/,
    subjectMessage:
      /AADSTS700213: No matching federated identity record found for presented assertion subject 'repo:evil-org\/octo-repo:ref:refs\/heads\/main'/,
  },
])('$cloud', (c) => {
  it('exports a plain value, a #selector leaf and NAME_* leaves, all masked', async () => {
    const result = await job(
      `API_KEY: ${c.plain}\nDB_*: ${c.json}\nPICKED: ${c.json}#${Object.keys(c.jsonValue())[1]}`,
    );
    expect(errorsOf(result)).toEqual([]);
    expect(result.main.exitCode).toBe(0);
    expect(sha(result.env.API_KEY)).toBe(sha(c.plainValue()));
    const json = c.jsonValue() as Record<string, unknown>;
    for (const [key, value] of Object.entries(json)) {
      expect(sha(result.env[`DB_${key.toUpperCase()}`])).toBe(sha(String(value)));
    }
    expect(sha(result.env.PICKED)).toBe(sha(String(Object.values(json)[1])));
    // The careless next step printed every variable: GitHub shows *** for each.
    expect(result.user?.log).toContain('API_KEY=***');
    expectNothingLeaked(result);
  });

  it('fails with an error naming the line of a denied secret, and exports nothing', async () => {
    const result = await job(`OK: ${c.plain}\nNOPE: ${c.denied}`);
    expect(result.main.exitCode).toBe(1);
    const errors = errorsOf(result);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^secrets line 2: /);
    expect(errors[0]).toMatch(c.deniedMessage);
    expect(result.main.env).toEqual({});
    expect(result.user).toBeUndefined();
    expectNothingLeaked(result);
  });

  it('explains a token the cloud rejects for its audience, showing the claims', async () => {
    const result = await job(`API_KEY: ${c.plain}`, c.wrongAudience);
    expect(result.main.exitCode).toBe(1);
    const [error] = errorsOf(result);
    expect(error).toMatch(c.audienceMessage);
    expect(error).toContain('Hint:');
    expect(error).toContain(`  sub: ${MAIN_SUB}`);
    expectNothingLeaked(result);
  });

  it('explains a token the cloud rejects for its subject', async () => {
    issuer.setClaims({
      sub: 'repo:evil-org/octo-repo:ref:refs/heads/main',
      repository: 'evil-org/octo-repo',
    });
    try {
      const result = await job(`API_KEY: ${c.plain}`);
      expect(result.main.exitCode).toBe(1);
      const [error] = errorsOf(result);
      expect(error).toMatch(c.subjectMessage);
      expect(error).toContain('  sub: repo:evil-org/octo-repo:ref:refs/heads/main');
      expectNothingLeaked(result);
    } finally {
      issuer.setClaims({ repository: 'octo-org/octo-repo' });
    }
  });
});

describe('one job, four providers', () => {
  it('reads Vault, AWS, GCP and Azure at once, exports AWS credentials, and post revokes', async () => {
    const secrets = [
      'VAULT_DB_*: vault:secret/data/ci/db',
      'AWS_API: aws:prod/api',
      'AWS_DB_PASSWORD: aws:prod/db#password',
      'GCP_API: gcp:projects/my-proj/secrets/api',
      'GCP_SA_JSON: gcp:projects/my-proj/secrets/deployer',
      'AZURE_API: azure:kv-app/api-key',
      'AZURE_DB_*: azure:kv-data/db',
    ].join('\n');
    const gcpTokensBefore = gcp.issuedTokens.length;
    const result = await job(secrets, { 'aws-export-credentials': 'true', export: 'env,files' });
    expect(errorsOf(result)).toEqual([]);
    expect(result.main.exitCode).toBe(0);
    expect(sha(result.env.VAULT_DB_PASSWORD)).toBe(sha(values.vaultDb.password));
    expect(sha(result.env.AWS_API)).toBe(sha(values.awsApi));
    expect(sha(result.env.AWS_DB_PASSWORD)).toBe(sha(values.awsDb.password));
    expect(sha(result.env.GCP_API)).toBe(sha(values.gcpApi));
    expect(sha(result.env.GCP_SA_JSON)).toBe(sha(JSON.stringify(values.gcpSa, null, 2)));
    expect(sha(result.env.AZURE_API)).toBe(sha(values.azureApi));
    expect(sha(result.env.AZURE_DB_USERNAME)).toBe(sha(values.azureDb.username));

    const session = aws.issuedSessions.at(-1)!;
    expect(sha(result.env.AWS_ACCESS_KEY_ID)).toBe(sha(session.accessKeyId));
    expect(sha(result.env.AWS_SESSION_TOKEN)).toBe(sha(session.sessionToken));
    expect(result.env.AWS_REGION).toBe('eu-west-1');
    expect(result.user?.log).toContain('AWS_SECRET_ACCESS_KEY=***');

    // Post revoked the Vault token and the GCP access token that main recorded.
    const post = result.post!;
    expect(post.exitCode).toBe(0);
    expect(vault.liveTokens()).toBe(0);
    const gcpToken = gcp.issuedTokens
      .slice(gcpTokensBefore)
      .find((t) => t.kind === 'service-account');
    expect(gcpToken?.revoked).toBe(true);
    expect(post.log).toMatch(
      /revoked: gcp token access token of deployer@my-proj\.iam\.gserviceaccount\.com/,
    );
    expectNothingLeaked(result);
  });

  it('refuses a secret named like an exported AWS session variable, exporting nothing', async () => {
    const result = await job('AWS_API: aws:prod/api\nAWS_REGION: aws:prod/api', {
      'aws-export-credentials': 'true',
    });
    expect(result.main.exitCode).toBe(1);
    expect(errorsOf(result)).toEqual([
      'secrets line 2: AWS_REGION is also set by aws-export-credentials; rename the secret',
    ]);
    expect(result.main.env).toEqual({});
    expectNothingLeaked(result);
  });
});

describe('wire details', () => {
  it('fails the line whose GCP payload does not match its dataCrc32c, exporting nothing', async () => {
    gcp.setCorruptChecksums(true);
    try {
      const result = await job('GCP_API: gcp:projects/my-proj/secrets/api');
      expect(result.main.exitCode).toBe(1);
      expect(errorsOf(result)).toEqual([
        'secrets line 1: gcp:projects/my-proj/secrets/api/versions/latest: the payload does not match its CRC32C checksum (corrupted in transit); nothing was used',
      ]);
      expect(result.main.env).toEqual({});
      expectNothingLeaked(result);
    } finally {
      gcp.setCorruptChecksums(false);
    }
  });

  it('exports binary payloads as base64 and masks what decoding them prints', async () => {
    // Printable text stored as bytes (AWS SecretBinary), and bytes that are not UTF-8
    // (a GCP payload starting with 0xFF): both arrive as base64.
    const awsText = fixture('aws-binary');
    const gcpText = fixture('gcp-binary');
    aws.createSecret('prod/binary', Buffer.from(awsText));
    const gcpBytes = Buffer.concat([Buffer.from([0xff]), Buffer.from(gcpText)]);
    gcp.addSecret('binary', gcpBytes, [`serviceAccount:${SA}`]);
    const result = await runJob({
      inputs: cloudInputs({
        secrets: 'AWS_BIN: aws:prod/binary\nGCP_BIN: gcp:projects/my-proj/secrets/binary',
      }),
      issuer,
      // The next step decodes each value and prints what it gets.
      userStep: [
        "for (const name of ['AWS_BIN', 'GCP_BIN']) {",
        "  process.stdout.write(`${name} decoded: ${Buffer.from(process.env[name], 'base64').toString('utf8')}\\n`);",
        '}',
      ].join('\n'),
    });
    expect(errorsOf(result)).toEqual([]);
    expect(sha(result.env.AWS_BIN)).toBe(sha(Buffer.from(awsText).toString('base64')));
    expect(sha(result.env.GCP_BIN)).toBe(sha(gcpBytes.toString('base64')));
    expect(result.user?.log).toContain('AWS_BIN decoded: ***');
    expect(result.user?.log).toContain('GCP_BIN decoded: ***');
    expectNoLeak(result.log, [awsText, gcpText]);
    expectNothingLeaked(result);
  });
});

describe('over HTTPS with a private CA', () => {
  let tls: { key: string; cert: string };
  let servers: { aws: AwsEmulator; gcp: GcpEmulator; azure: AzureEmulator };

  beforeAll(async () => {
    tls = selfSignedLoopbackCertificate();
    const secureAws = await startAws({ issuer: issuer.issuer, region: 'eu-west-1', tls });
    secureAws.addRole(ROLE, {
      subjectPatterns: ['repo:octo-org/octo-repo:*'],
      secrets: ['prod/*'],
    });
    secureAws.createSecret('prod/api', values.awsApi);
    const secureGcp = await startGcp({
      issuer: issuer.issuer,
      projectId: 'my-proj',
      projectNumber: '123456',
      tls,
    });
    secureGcp.addProvider(GITHUB_ACTIONS_PROVIDER);
    secureGcp.addSecret('api', values.gcpApi, [`${POOL}/attribute.repository/octo-org/octo-repo`]);
    const secureAzure = await startAzure({ issuer: issuer.issuer, tenantId: azure.tenantId, tls });
    secureAzure.addApp(CLIENT, [{ issuer: issuer.issuer, subject: MAIN_SUB }]);
    secureAzure.addSecret('kv-app', 'api-key', values.azureApi);
    secureAzure.grant('kv-app', CLIENT);
    servers = { aws: secureAws, gcp: secureGcp, azure: secureAzure };
  });

  afterAll(async () => {
    await Promise.all([servers.aws.close(), servers.gcp.close(), servers.azure.close()]);
  });

  const secureInputs = (extra: Record<string, string>) => ({
    ...cloudInputs(),
    'gcp-service-account': '',
    endpoints: [
      `aws-sts: ${servers.aws.url}`,
      `aws-secretsmanager: ${servers.aws.url}`,
      `gcp-sts: ${servers.gcp.url}`,
      `gcp-secretmanager: ${servers.gcp.url}`,
      `gcp-oauth2: ${servers.gcp.url}`,
      `azure-authority: ${servers.azure.url}`,
      `azure-keyvault-suffix: ${servers.azure.url}`,
    ].join('\n'),
    secrets:
      'AWS_API: aws:prod/api\nGCP_API: gcp:projects/my-proj/secrets/api\nAZURE_API: azure:kv-app/api-key',
    ...extra,
  });

  it('trusts the endpoints through ca-certificate', async () => {
    expect(servers.aws.url).toMatch(/^https:/);
    const result = await runJob({ inputs: secureInputs({ 'ca-certificate': tls.cert }), issuer });
    expect(errorsOf(result)).toEqual([]);
    expect(sha(result.env.AWS_API)).toBe(sha(values.awsApi));
    expect(sha(result.env.GCP_API)).toBe(sha(values.gcpApi));
    expect(sha(result.env.AZURE_API)).toBe(sha(values.azureApi));
    expectNothingLeaked(result);
  });

  it('refuses the endpoints without it', async () => {
    const result = await runJob({ inputs: secureInputs({ retries: '0' }), issuer });
    expect(result.main.exitCode).toBe(1);
    const errors = errorsOf(result);
    expect(errors).toHaveLength(3);
    for (const error of errors) expect(error).toMatch(/self-signed certificate|unable to verify/i);
    expectNothingLeaked(result);
  });
});
