// Cloud reads over TLS: each provider opens the connections its reads will use while it logs
// in (SecretProvider.prepare).
// - Google Secret Manager and Azure Key Vault offer HTTP/2 (as both services do): every read
//   of the step is a stream of that one connection, not one TLS handshake per read.
// - AWS Secrets Manager and Parameter Store (HTTP/1.1 here): one connection per batch call,
//   open before the STS login is sent, so that on a real network their handshakes overlap
//   the login instead of following it (they are other hosts than STS; the emulator serves
//   all three on one origin, so what shows it is how many connections it had accepted when
//   AssumeRoleWithWebIdentity arrived).
import { randomBytes } from 'node:crypto';
import { MaskGate } from '../../../src/core/mask.js';
import { runActionPipeline } from '../../../test/support/pipeline.js';
import { startAws, type AwsEmulator } from '../../../test/emulators/aws.js';
import { startAzure, type AzureEmulator } from '../../../test/emulators/azure.js';
import {
  GITHUB_ACTIONS_PROVIDER,
  startGcp,
  type GcpEmulator,
} from '../../../test/emulators/gcp.js';
import { startOidcIssuer, type OidcIssuer } from '../../../test/emulators/oidc-issuer.js';
import { emulatorEndpoints } from '../../../test/support/endpoints.js';
import { selfSignedLoopbackCertificate } from '../../../test/support/certificates.js';
import { sha } from '../../../test/support/vault-fixture.js';

const CLIENT = '11111111-2222-3333-4444-555555555555';
const POOL =
  'principalSet://iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/github';
const READS = 20;
const ROLE = 'arn:aws:iam::123456789012:role/preconnect';
const tls = selfSignedLoopbackCertificate();

let issuer: OidcIssuer;
let aws: AwsEmulator;
let gcp: GcpEmulator;
let azure: AzureEmulator;
let gcpProvider = '';
const values = Array.from({ length: READS }, () => randomBytes(12).toString('hex'));
const awsSecrets = Array.from({ length: 60 }, () => randomBytes(12).toString('hex'));
const awsParameters = Array.from({ length: 25 }, () => randomBytes(12).toString('hex'));

beforeAll(async () => {
  issuer = await startOidcIssuer();
  // The OIDC token takes a while, as GitHub's does: connections opened ahead have time.
  issuer.setLatency(50);
  aws = await startAws({ issuer: issuer.issuer, region: 'eu-west-1', tls });
  aws.addRole(ROLE, {
    subjectPatterns: ['repo:octo-org/octo-repo:*'],
    secrets: ['app/*'],
    parameters: ['/app/*'],
  });
  awsSecrets.forEach((value, i) => aws.createSecret(`app/s${i}`, value));
  awsParameters.forEach((value, i) => aws.parameters.add(`/app/p${i}`, value));
  gcp = await startGcp({
    issuer: issuer.issuer,
    projectId: 'my-proj',
    projectNumber: '123456',
    tls: { ...tls, http2: true },
  });
  gcpProvider = gcp.addProvider(GITHUB_ACTIONS_PROVIDER).name;
  azure = await startAzure({ issuer: issuer.issuer, tls: { ...tls, http2: true } });
  azure.addApp(CLIENT, [
    { issuer: issuer.issuer, subject: 'repo:octo-org/octo-repo:ref:refs/heads/main' },
  ]);
  values.forEach((value, i) => {
    gcp.addSecret(`s${i}`, value, [`${POOL}/attribute.repository/octo-org/octo-repo`]);
    azure.addSecret('kv-many', `s${i}`, value);
  });
  azure.grant('kv-many', CLIENT);
});

afterAll(async () => {
  await Promise.all([aws.close(), gcp.close(), azure.close()]);
  await issuer.close();
});

async function resolve(secrets: string) {
  const masks: string[] = [];
  const gate = new MaskGate({ add: (value) => masks.push(value) }, () => {});
  const run = await runActionPipeline(
    secrets,
    {
      'gcp-workload-identity-provider': gcpProvider,
      'azure-client-id': CLIENT,
      'azure-tenant-id': azure.tenantId,
      'aws-role-arn': ROLE,
      'aws-region': 'eu-west-1',
      'ca-certificate': tls.cert,
      endpoints: emulatorEndpoints({ aws, gcp, azure }),
    },
    { ...issuer.env(), GITHUB_RUN_ID: '9876543210', GITHUB_RUN_ATTEMPT: '1' },
    gate,
  );
  return {
    messages: run.messages,
    masks,
    values: new Map(run.secrets.map((s) => [s.name, s.value])),
  };
}

const lines = (prefix: string) =>
  values.map((_, i) => `${prefix.toUpperCase()}_${i}: ${prefix}:${locator(prefix, i)}`).join('\n');
const locator = (prefix: string, i: number) =>
  prefix === 'gcp' ? `projects/my-proj/secrets/s${i}/versions/latest` : `kv-many/s${i}`;

it.each(['gcp', 'azure'] as const)(
  '%s: the login and every read share one connection (HTTP/2)',
  async (prefix) => {
    const emulator = prefix === 'gcp' ? gcp : azure;
    const before = emulator.connections();
    const { messages, masks, values: read } = await resolve(lines(prefix));
    expect(messages).toEqual([]);
    // Nothing is printed in process; every value is registered as a mask before use.
    expect(values.every((v) => masks.includes(v))).toBe(true);
    expect(values.map((_, i) => sha(read.get(`${prefix.toUpperCase()}_${i}`)))).toEqual(
      values.map((v) => sha(v)),
    );
    expect(emulator.connections() - before).toBe(1);
  },
);

it.each([
  { source: 'aws', secrets: awsSecrets, line: (i: number) => `S_${i}: aws:app/s${i}`, calls: 3 },
  {
    source: 'ssm',
    secrets: awsParameters,
    line: (i: number) => `S_${i}: ssm:/app/p${i}`,
    calls: 3,
  },
])(
  '$source: a connection per batch call is open before the STS login is sent',
  async ({ secrets, line, calls }) => {
    // BatchGetSecretValue takes 20 ids a call, GetParameters 10 names: 3 calls each.
    let atLogin = -1;
    aws.setFault((request) => {
      if (request.body.toString('utf8').includes('Action=AssumeRoleWithWebIdentity'))
        atLogin = aws.connections();
    });
    const before = aws.connections();
    try {
      const result = await resolve(secrets.map((_, i) => line(i)).join('\n'));
      expect(result.messages).toEqual([]);
      expect(secrets.every((v) => result.masks.includes(v))).toBe(true);
      expect(secrets.map((_, i) => sha(result.values.get(`S_${i}`)))).toEqual(
        secrets.map((v) => sha(v)),
      );
    } finally {
      aws.setFault(undefined);
    }
    // Without them, STS arrives on the only connection (1) and the reads open theirs after.
    expect(atLogin - before).toBeGreaterThanOrEqual(calls);
    expect(aws.connections() - before).toBeLessThanOrEqual(calls + 1);
  },
);
