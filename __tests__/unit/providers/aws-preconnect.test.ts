// AWS Secrets Manager and Parameter Store over TLS: the provider opens the connections its
// reads will use (one per batch call) while the OIDC token and STS are on their way
// (SecretProvider.prepare), so that on a real network their handshakes overlap the login
// instead of following it (Secrets Manager and Parameter Store are other hosts than STS).
// The emulator serves all three on one origin: what shows it is how many connections it had
// accepted when the AssumeRoleWithWebIdentity request arrived.
import { randomBytes } from 'node:crypto';
import { MaskGate } from '../../../src/core/mask.js';
import { runActionPipeline } from '../../../test/support/pipeline.js';
import { startAws, type AwsEmulator } from '../../../test/emulators/aws.js';
import { startOidcIssuer, type OidcIssuer } from '../../../test/emulators/oidc-issuer.js';
import { selfSignedLoopbackCertificate } from '../../../test/support/certificates.js';
import { sha } from '../../../test/support/vault-fixture.js';

const ROLE = 'arn:aws:iam::123456789012:role/preconnect';
const REGION = 'eu-west-1';
const tls = selfSignedLoopbackCertificate();
const secrets = Array.from({ length: 60 }, () => randomBytes(12).toString('hex'));
const parameters = Array.from({ length: 25 }, () => randomBytes(12).toString('hex'));

let issuer: OidcIssuer;
let aws: AwsEmulator;

beforeAll(async () => {
  issuer = await startOidcIssuer();
  // The OIDC token takes a while, as GitHub's does: connections opened ahead have time.
  issuer.setLatency(50);
  aws = await startAws({ issuer: issuer.issuer, region: REGION, tls });
  aws.addRole(ROLE, {
    subjectPatterns: ['repo:octo-org/octo-repo:*'],
    secrets: ['app/*'],
    parameters: ['/app/*'],
  });
  secrets.forEach((value, i) => aws.createSecret(`app/s${i}`, value));
  parameters.forEach((value, i) => aws.parameters.add(`/app/p${i}`, value));
});

afterAll(async () => {
  await aws.close();
  await issuer.close();
});

/** Resolves `lines`; returns the values and how many connections the emulator had at STS. */
async function resolve(lines: string) {
  let atLogin = -1;
  aws.setFault((request) => {
    if (request.body.toString('utf8').includes('Action=AssumeRoleWithWebIdentity'))
      atLogin = aws.connections();
  });
  const before = aws.connections();
  const masks: string[] = [];
  const gate = new MaskGate({ add: (value) => masks.push(value) }, () => {});
  try {
    const run = await runActionPipeline(
      lines,
      {
        'aws-role-arn': ROLE,
        'aws-region': REGION,
        'ca-certificate': tls.cert,
        endpoints: `aws-sts: ${aws.url}\naws-secretsmanager: ${aws.url}\naws-ssm: ${aws.url}`,
      },
      { ...issuer.env(), GITHUB_RUN_ID: '9876543210', GITHUB_RUN_ATTEMPT: '1' },
      gate,
    );
    return {
      messages: run.messages,
      masks,
      values: new Map(run.secrets.map((s) => [s.name, s.value])),
      atLogin: atLogin - before,
      opened: aws.connections() - before,
    };
  } finally {
    aws.setFault(undefined);
  }
}

it.each([
  {
    source: 'aws' as const,
    values: secrets,
    line: (i: number) => `S_${i}: aws:app/s${i}`,
    calls: 3, // BatchGetSecretValue: 20 ids a call
  },
  {
    source: 'ssm' as const,
    values: parameters,
    line: (i: number) => `S_${i}: ssm:/app/p${i}`,
    calls: 3, // GetParameters: 10 names a call
  },
])(
  '$source: a connection per batch call is open before the STS login is sent',
  async ({ values, line, calls }) => {
    const result = await resolve(values.map((_, i) => line(i)).join('\n'));
    expect(result.messages).toEqual([]);
    expect(values.every((v) => result.masks.includes(v))).toBe(true);
    expect(values.map((_, i) => sha(result.values.get(`S_${i}`)))).toEqual(
      values.map((v) => sha(v)),
    );
    // Without them, STS arrives on the only connection (1) and the reads open theirs after.
    expect(result.atLogin).toBeGreaterThanOrEqual(calls);
    expect(result.opened).toBeLessThanOrEqual(calls + 1);
  },
);
