// A secret named like an AWS session variable that `aws: env` (or aws-export-credentials,
// the older way of asking for the same) would export is refused, and the message names
// what asked for the variables: the credentials line, the input, or both. Nothing exported.
import { randomBytes } from 'node:crypto';
import { startAws, type AwsEmulator } from '../../../test/emulators/aws.js';
import { startOidcIssuer, type OidcIssuer } from '../../../test/emulators/oidc-issuer.js';
import { expectNoLeak } from '../../../test/support/leaks.js';
import { runJob } from '../../../test/support/runner.js';

const ROLE = 'arn:aws:iam::123456789012:role/gha-secrets';
const value = `aws-api-${randomBytes(12).toString('hex')}`;

let issuer: OidcIssuer;
let aws: AwsEmulator;

beforeAll(async () => {
  issuer = await startOidcIssuer();
  aws = await startAws({ issuer: issuer.issuer, region: 'eu-west-1' });
  aws.addRole(ROLE, { subjectPatterns: ['repo:octo-org/octo-repo:*'], secrets: ['prod/*'] });
  aws.createSecret('prod/api', value);
});
afterAll(async () => {
  await aws?.close();
  await issuer?.close();
});

it.each([
  [{ credentials: "# the job's AWS session\naws: env" }, 'credentials line 2 (aws: env)'],
  [{ 'aws-export-credentials': 'true' }, 'aws-export-credentials'],
  [
    { credentials: 'aws: env', 'aws-export-credentials': 'true' },
    'credentials line 1 (aws: env) and aws-export-credentials',
  ],
])('names what asked for the AWS session variables (%j)', async (asked, words) => {
  const job = await runJob({
    inputs: {
      'aws-role-arn': ROLE,
      'aws-region': 'eu-west-1',
      endpoints: `aws-sts: ${aws.url}\naws-secretsmanager: ${aws.url}`,
      secrets: 'AWS_API: aws:prod/api\nAWS_REGION: aws:prod/api',
      ...asked,
    },
    issuer,
  });
  expect(job.main.exitCode).toBe(1);
  expect(job.main.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual([
    `secrets line 2: AWS_REGION is also set by ${words}; rename the secret`,
  ]);
  expect(job.main.env).toEqual({});
  const sessions = aws.issuedSessions.flatMap((s) => [
    s.accessKeyId,
    s.secretAccessKey,
    s.sessionToken,
  ]);
  const secrets = [value, ...sessions];
  expectNoLeak(job.log, [...secrets, ...secrets.map((v) => Buffer.from(v).toString('base64'))]);
});
