// Issue 14's line forms through the BUILT action, as the runner runs it (main, a careless
// user step, post): `*` listings on Vault, AWS, SSM, GCP and Azure, ssm: reads, regional GCP,
// an ARN in another region, and a Vault PKI write revoked by post. The whole job log, the
// summary and the env headers are checked for every value, line, JSON leaf and their base64;
// a malformed line of each form fails the step, names the line and exports nothing.
import { randomBytes } from 'node:crypto';
import { expectNoLeak } from '../../../test/support/leaks.js';
import { runJob, type JobResult } from '../../../test/support/runner.js';
import {
  errorsOf,
  expectNothingExported,
  expectNothingLive,
  startVaultFixture,
  type VaultFixture,
} from '../../../test/support/vault-fixture.js';
import { startAws, type AwsEmulator } from '../../../test/emulators/aws.js';
import {
  GITHUB_ACTIONS_PROVIDER,
  startGcp,
  type GcpEmulator,
} from '../../../test/emulators/gcp.js';
import { startAzure, type AzureEmulator } from '../../../test/emulators/azure.js';

const ROLE = 'arn:aws:iam::123456789012:role/gha-secrets';
const CLIENT = '11111111-2222-3333-4444-555555555555';
const POOL =
  'principalSet://iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/github';
const MEMBER = `${POOL}/attribute.repository/octo-org/octo-repo`;

let fx: VaultFixture;
let aws: AwsEmulator;
let gcp: GcpEmulator;
let azure: AzureEmulator;
let gcpProvider = '';
let farArn = '';
const values: unknown[] = [];
const fake = (label: string) => {
  const value = `${label}-${randomBytes(9).toString('base64url')}`;
  values.push(value);
  return value;
};
/** A JSON value with a multi-line leaf: every line and every leaf must be masked. */
const jsonSecret = (label: string) => {
  const value = {
    user: fake(`${label}-user`),
    key: `-----BEGIN KEY-----\n${fake(`${label}-l1`)}\n${fake(`${label}-l2`)}\n-----END KEY-----`,
    port: 5000 + Math.floor(Math.random() * 999),
  };
  values.push(value);
  return value;
};

beforeAll(async () => {
  fx = await startVaultFixture();
  fx.vault.addPolicy('ci-read', {
    'secret/data/ci/*': ['read'],
    'secret/metadata/ci/*': ['list'],
    'pki/issue/*': ['update'],
    'pki/revoke': ['update'],
    'sys/leases/revoke': ['update'],
  });
  fx.vault.addKvV2('secret', 'ci/app/db', jsonSecret('vault-db'));
  fx.vault.addKvV2('secret', 'ci/app/api', { token: fake('vault-api') });
  fx.vault.addPkiRole('pki', 'web', { allowedDomains: ['example.com'] });

  const issuer = fx.issuer;
  aws = await startAws({ issuer: issuer.issuer, region: 'eu-west-1', otherRegions: ['us-east-2'] });
  aws.addRole(ROLE, {
    subjectPatterns: ['repo:octo-org/octo-repo:*'],
    secrets: ['prod/*', 'arn:aws:secretsmanager:*'],
    parameters: ['/app/*'],
  });
  aws.createSecret('prod/app/one', JSON.stringify(jsonSecret('aws-one')));
  aws.createSecret('prod/app/two', fake('aws-two'));
  farArn = aws.createSecret('prod/far', fake('aws-far'), { region: 'us-east-2' }).arn;
  aws.parameters.add('/app/prod/db', JSON.stringify(jsonSecret('ssm-db')));
  aws.parameters.add('/app/prod/token', fake('ssm-token'));
  aws.parameters.add('/app/single', fake('ssm-single'));

  gcp = await startGcp({ issuer: issuer.issuer, projectId: 'my-proj', projectNumber: '123456' });
  gcpProvider = gcp.addProvider(GITHUB_ACTIONS_PROVIDER).name;
  gcp.addSecret('svc-a', fake('gcp-a'), [MEMBER]);
  gcp.addSecret('svc-b', JSON.stringify(jsonSecret('gcp-b')), [MEMBER]);
  gcp.addSecret('eu', fake('gcp-eu'), [MEMBER], { location: 'europe-west1' });
  gcp.grantListing(MEMBER);

  azure = await startAzure({ issuer: issuer.issuer });
  azure.addApp(CLIENT, [{ issuer: issuer.issuer, subject: issuer.claims().sub as string }]);
  azure.addSecret('kv-app', 'tls-a', fake('azure-a'));
  azure.addSecret('kv-app', 'tls-b', fake('azure-b'));
  azure.addSecret('kv-app', 'tls-off', fake('azure-off'), { enabled: false });
  azure.grant('kv-app', CLIENT);
});

afterAll(async () => {
  await Promise.all([aws.close(), gcp.close(), azure.close()]);
  await fx.close();
});

function inputs(secrets: string): Record<string, string> {
  return fx.inputs(secrets, {
    'aws-role-arn': ROLE,
    'aws-region': 'eu-west-1',
    'gcp-workload-identity-provider': gcpProvider,
    'azure-client-id': CLIENT,
    'azure-tenant-id': azure.tenantId,
    endpoints: [
      `aws-sts: ${aws.url}`,
      `aws-secretsmanager: ${aws.url}`,
      `aws-ssm: ${aws.url}`,
      `gcp-sts: ${gcp.url}`,
      `gcp-secretmanager: ${gcp.url}`,
      `gcp-secretmanager-europe-west1: ${gcp.url}/eu`,
      `azure-authority: ${azure.url}`,
      `azure-keyvault-suffix: ${azure.url}`,
    ].join('\n'),
  });
}

/** The careless step: every exported variable plain, JSON-escaped and in base64. */
const printing = (exported: Record<string, string>) => `
for (const name of ${JSON.stringify(Object.keys(exported))}) {
  const value = process.env[name] ?? '';
  console.log(name + '=' + value);
  console.log(JSON.stringify(value));
  console.log(Buffer.from(value, 'utf8').toString('base64'));
  for (const line of value.split('\\n')) console.log('line: ' + line);
}
`;

function expectNoLeakAnywhere(job: JobResult, extra: unknown[] = []): void {
  expect(job.user?.exitCode).toBe(0);
  expect(job.post?.exitCode).toBe(0);
  expectNoLeak(job.log, [...values, ...extra]);
  expectNoLeak(job.main.summary, [...values, ...extra]);
}

describe('many per line, ssm, regional GCP, ARN regions, Vault writes — built action', () => {
  it('exports every form, masks everything before anyone prints it, and post revokes the certificate', async () => {
    const secrets = [
      'V_*: vault:secret/data/ci/app/*',
      'A_*: aws:prod/app/*',
      `FAR: aws:${farArn}`,
      'S_*: ssm:/app/prod/*',
      'SINGLE: ssm:/app/single',
      'G_*: gcp:projects/my-proj/secrets/svc-*',
      'EU: gcp:projects/my-proj/locations/europe-west1/secrets/eu',
      'K_*: azure:kv-app/tls-*',
      'CERT_*: vault:pki/issue/web?method=POST&common_name=ci.example.com',
    ].join('\n');
    const job = await runJob({ inputs: inputs(secrets), issuer: fx.issuer, userStep: printing });
    expect(errorsOf(job.main)).toEqual([]);
    expect(job.main.exitCode).toBe(0);
    const names = Object.keys(job.main.env).sort();
    expect(names).toEqual(
      expect.arrayContaining([
        'V_DB_USER',
        'V_DB_KEY',
        'V_DB_PORT',
        'V_API_TOKEN',
        'A_ONE_USER',
        'A_TWO',
        'FAR',
        'S_DB_KEY',
        'S_TOKEN',
        'SINGLE',
        'G_A',
        'G_B_USER',
        'EU',
        'K_A',
        'K_B',
        'CERT_CERTIFICATE',
        'CERT_PRIVATE_KEY',
        'CERT_CA_CHAIN_0',
      ]),
    );
    expect(names).not.toContain('K_OFF');
    // The summary lists each match of a listing line.
    expect(job.main.summary).toContain('secret/data/ci/app/db');
    expect(job.main.summary).toContain('kv-app/tls-a');
    const certificate = fx.vault.certificates().at(-1)!;
    expectNoLeakAnywhere(job, [
      job.main.env.CERT_PRIVATE_KEY,
      job.main.env.CERT_CERTIFICATE,
      certificate.serial,
    ]);
    // Post revoked the certificate (pki/revoke) and the token.
    expect(certificate.revoked).toBe(true);
    expectNothingLive(fx.vault);
  }, 60_000);

  it.each([
    ['A: vault:secret/data/ci/app/*', 'needs a NAME_* name'],
    ['A_*: vault:secret/data/ci/app/*#token', 'cannot take a #selector'],
    ['A_*: aws:prod/app/*?max=0', 'option max must be'],
    ['A: ssm:/app/prod?version=1&label=x', 'give version or label, not both'],
    ['A: gcp:projects/my-proj/locations/Europe/secrets/x', 'regional secret'],
    ['A_*: azure:kv-app/*?filter=x', "unknown option 'filter'"],
    ['A_*: vault:pki/issue/web?method=DELETE', 'option method must be POST or PUT'],
  ])('refuses %s: the step fails naming line 2, nothing exported', async (line, words) => {
    const job = await runJob({
      inputs: inputs(`OK: vault:secret/data/ci/app/api#token\n${line}`),
      issuer: fx.issuer,
    });
    expect(job.main.exitCode).toBe(1);
    const errors = errorsOf(job.main);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^secrets line 2 /);
    expect(errors[0]).toContain(words);
    expectNothingExported(job);
    expectNoLeak(job.log, values);
  });

  it('a listing with more matches than ?max fails naming the count, exports nothing, leaves nothing live', async () => {
    const job = await runJob({
      inputs: inputs('OK: vault:secret/data/ci/app/api#token\nA_*: aws:prod/app/*?max=1'),
      issuer: fx.issuer,
    });
    expect(job.main.exitCode).toBe(1);
    expect(errorsOf(job.main)).toEqual([
      expect.stringMatching(
        /^secrets line 2: aws:prod\/app\/\*: at least 2 secrets match, more than \?max=1/,
      ),
    ]);
    expectNothingExported(job);
    expectNoLeak(job.log, values);
    expectNothingLive(fx.vault);
  });
});
