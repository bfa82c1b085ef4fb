// `credentials:` for AWS (SPEC §1.7), run as the runner runs the built action: main, then a
// later step that uses the AWS SDK v3 (the official client) with what main exported, then
// post. Sessions and job OIDC tokens live seconds here, so the later step proves that the
// profile's credential_process mints a fresh token and session after the first one ended.
// Every test checks the job's log for the secret, every session key and any JWT.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { startAws, type AwsEmulator } from '../../../test/emulators/aws.js';
import { startOidcIssuer, type OidcIssuer } from '../../../test/emulators/oidc-issuer.js';
import { expectNoLeak } from '../../../test/support/leaks.js';
import { REPO_ROOT, runJob, runStep, type JobResult } from '../../../test/support/runner.js';

const ROLE = 'arn:aws:iam::123456789012:role/gha-secrets';
const HUB = 'arn:aws:iam::123456789012:role/hub';
const MID = 'arn:aws:iam::210987654321:role/mid';
const DEPLOY = 'arn:aws:iam::210987654321:role/deploy';
const OTHER = 'arn:aws:iam::123456789012:role/other-account';
const REGION = 'eu-west-1';
/** Sessions end this long after they are issued (and OIDC tokens live as long). */
const LIFETIME_SECONDS = 3;

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const values = {
  api: `aws-api-${randomBytes(12).toString('hex')}`,
  deploy: `aws-deploy-${randomBytes(12).toString('hex')}`,
};

let issuer: OidcIssuer;
let aws: AwsEmulator;

beforeAll(async () => {
  issuer = await startOidcIssuer({ lifetimeSeconds: LIFETIME_SECONDS + 2 });
  aws = await startAws({
    issuer: issuer.issuer,
    region: REGION,
    sessionLifetimeSeconds: LIFETIME_SECONDS,
  });
  aws.addRole(ROLE, { subjectPatterns: ['repo:octo-org/octo-repo:*'], secrets: ['prod/*'] });
  aws.addRole(OTHER, { subjectPatterns: ['repo:octo-org/octo-repo:*'], secrets: ['other/*'] });
  aws.addRole(HUB, { subjectPatterns: ['repo:octo-org/*'], secrets: [] });
  aws.addRole(MID, { subjectPatterns: [], chainTrust: { principals: [HUB] } });
  // Its trust policy: `StringEquals aws:PrincipalTag/repository` — the tag the first hop set,
  // inherited as a transitive tag.
  aws.addRole(DEPLOY, {
    subjectPatterns: [],
    secrets: ['deploy/*'],
    chainTrust: { principals: [MID], principalTags: { repository: 'octo-org/octo-repo' } },
  });
  aws.createSecret('prod/api', values.api);
  aws.createSecret('other/api', values.api);
  aws.createSecret('deploy/key', values.deploy);
});

afterAll(async () => {
  await aws?.close();
  await issuer?.close();
});

const credentials = () =>
  aws.issuedSessions.flatMap((s) => [s.accessKeyId, s.secretAccessKey, s.sessionToken]);

function expectNothingLeaked(job: JobResult): void {
  expectNoLeak(job.log, [...Object.values(values), ...credentials()]);
  expect(job.log).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./);
}

const inputs = (extra: Record<string, string>) => ({
  'aws-role-arn': ROLE,
  'aws-region': REGION,
  endpoints: `aws-sts: ${aws.url}\naws-secretsmanager: ${aws.url}`,
  ...extra,
});

/**
 * A later step using the AWS SDK v3 from the repository (the runner's step has its own
 * node_modules): reads `secretId` with the default credential chain, waits until the
 * first session has ended, reads again, and runs the profile's credential_process as the
 * AWS CLI would, checking its JSON. It prints only facts, never a value or a key.
 */
function sdkStep(secretId: string, expectedSha: string, profile?: string): string {
  return `import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { execSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
const require = createRequire(${JSON.stringify(`${REPO_ROOT}/package.json`)});
const { SecretsManagerClient, GetSecretValueCommand } = require('@aws-sdk/client-secrets-manager');
const sha = (t) => createHash('sha256').update(t ?? '').digest('hex');
const client = new SecretsManagerClient({ endpoint: ${JSON.stringify(aws.url)}, maxAttempts: 1${profile ? `, profile: ${JSON.stringify(profile)}` : ''} });
const read = async () => sha((await client.send(new GetSecretValueCommand({ SecretId: ${JSON.stringify(secretId)} }))).SecretString) === ${JSON.stringify(expectedSha)};
const facts = {};
facts.first = await read();
await new Promise((r) => setTimeout(r, ${(LIFETIME_SECONDS + 1) * 1000}));
facts.afterExpiry = await read();
const config = readFileSync(process.env.AWS_CONFIG_FILE, 'utf8');
const command = /credential_process = (.*)/.exec(config)[1];
const answer = JSON.parse(execSync(command, { encoding: 'utf8' }));
facts.contract = answer.Version === 1 && typeof answer.AccessKeyId === 'string' && typeof answer.SecretAccessKey === 'string' && typeof answer.SessionToken === 'string' && Date.parse(answer.Expiration) > Date.now();
const dir = dirname(process.env.AWS_CONFIG_FILE);
facts.dirMode = (statSync(dir).mode & 0o777).toString(8);
facts.fileMode = (statSync(process.env.AWS_CONFIG_FILE).mode & 0o777).toString(8);
facts.inTemp = dir.startsWith(process.env.RUNNER_TEMP);
facts.profileVariable = process.env.AWS_PROFILE ?? null;
console.log('FACTS ' + JSON.stringify(facts));
`;
}

const factsOf = (job: JobResult): Record<string, unknown> => {
  const line = job.user?.stdout.split('\n').find((l) => l.startsWith('FACTS '));
  return line ? (JSON.parse(line.slice(6)) as Record<string, unknown>) : {};
};

describe('credentials: aws', () => {
  it('aws: profile — the SDK reads through credential_process, again after the session ended; post removes the files', async () => {
    const sessionsBefore = aws.issuedSessions.length;
    const job = await runJob({
      inputs: inputs({ credentials: 'aws: profile' }),
      issuer,
      userStep: sdkStep('prod/api', sha(values.api)),
      keepTemp: true,
      timeoutMs: 60_000,
    });
    expect(job.main.annotations).toEqual([]);
    expect(job.main.exitCode).toBe(0);
    expect(job.user?.stderr).not.toContain('credential_process');
    expect(job.user?.exitCode).toBe(0);
    expect(factsOf(job)).toEqual({
      first: true,
      afterExpiry: true,
      contract: true,
      dirMode: '700',
      fileMode: '600',
      inTemp: true,
      profileVariable: null,
    });
    expect(Object.keys(job.main.env).sort()).toEqual(['AWS_CONFIG_FILE']);
    // Main's session, then at least one minted by credential_process after it ended.
    const minted = aws.issuedSessions.slice(sessionsBefore);
    expect(minted.length).toBeGreaterThanOrEqual(2);
    expect(new Set(minted.map((s) => s.accessKeyId)).size).toBe(minted.length);
    // Post removed the directory: nothing of ours is left under RUNNER_TEMP.
    expect(job.post?.exitCode).toBe(0);
    expect(existsSync(job.main.env.AWS_CONFIG_FILE as string)).toBe(false);
    expect(readdirSync(job.runnerTemp).filter((n) => n.startsWith('oidc-secrets-'))).toEqual([]);
    expectNothingLeaked(job);
  });

  it('several profiles: a named one with its own role; AWS_PROFILE only when one named profile is all there is', async () => {
    const job = await runJob({
      inputs: inputs({
        credentials: `aws: profile\naws: profile other role=${OTHER} region=${REGION}`,
      }),
      issuer,
      userStep: sdkStep('other/api', sha(values.api), 'other'),
      timeoutMs: 60_000,
    });
    expect(job.main.exitCode).toBe(0);
    expect(factsOf(job)).toMatchObject({ first: true, afterExpiry: true, profileVariable: null });
    expectNothingLeaked(job);

    const named = await runJob({
      inputs: inputs({ credentials: `aws: profile other role=${OTHER}`, 'aws-role-arn': '' }),
      issuer,
      userStep: `console.log('PROFILE ' + process.env.AWS_PROFILE);`,
    });
    expect(named.main.exitCode).toBe(0);
    expect(named.user?.stdout).toContain('PROFILE other');
    expectNothingLeaked(named);
  });

  it('aws: env exports the session as aws-export-credentials does, masked', async () => {
    const job = await runJob({
      inputs: inputs({ credentials: 'aws: env' }),
      issuer,
    });
    expect(job.main.exitCode).toBe(0);
    expect(Object.keys(job.main.env).sort()).toEqual([
      'AWS_ACCESS_KEY_ID',
      'AWS_DEFAULT_REGION',
      'AWS_REGION',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
    ]);
    // The careless later step printed every variable: the log shows them masked.
    expectNothingLeaked(job);
  });

  it('aws hops: the chain reaches the role whose trust checks the session tag; another repository is refused', async () => {
    const hops = {
      'aws-role-arn': HUB,
      'aws-role-chain': `${MID},${DEPLOY}`,
      'aws-session-tags': 'repository,ref',
      'aws-role-session-name': 'deploy-main',
      secrets: 'KEY: aws:deploy/key',
    };
    const job = await runJob({ inputs: inputs(hops), issuer });
    expect(job.main.exitCode).toBe(0);
    const last = aws.issuedSessions.at(-1);
    expect(last?.roleArn).toBe(DEPLOY);
    expect(last?.sessionName).toBe('deploy-main');
    expect(last?.tags).toMatchObject({ repository: 'octo-org/octo-repo' });
    expect(last?.transitiveTagKeys).toEqual(['repository', 'ref']);
    expectNothingLeaked(job);

    const repository = issuer.claims().repository as string;
    issuer.setClaims({ repository: 'octo-org/another-repo' });
    try {
      const refused = await runJob({ inputs: inputs(hops), issuer });
      expect(refused.main.exitCode).toBe(1);
      expect(refused.main.env).toEqual({});
      const errors = refused.main.annotations.filter((a) => a.level === 'error');
      expect(errors.map((e) => e.message).join('\n')).toMatch(
        /aws role chain hop 2 \(sts:AssumeRole, role arn:aws:iam::210987654321:role\/deploy\) was refused \(HTTP 403 AccessDenied\)/,
      );
      expectNothingLeaked(refused);
    } finally {
      issuer.setClaims({ repository });
    }
  });

  it('aws-session-policy that denies the read makes the read fail', async () => {
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'secretsmanager:*', Resource: '*' },
        { Effect: 'Deny', Action: 'secretsmanager:GetSecretValue', Resource: '*prod/api*' },
      ],
    });
    const job = await runJob({
      inputs: inputs({ secrets: 'API: aws:prod/api', 'aws-session-policy': policy }),
      issuer,
    });
    expect(job.main.exitCode).toBe(1);
    expect(job.main.env).toEqual({});
    const errors = job.main.annotations.filter((a) => a.level === 'error').map((a) => a.message);
    expect(errors.join('\n')).toMatch(
      /secrets line 1: aws:prod\/api: access denied: .*explicit deny in a session policy/,
    );
    expectNothingLeaked(job);
  });

  it('aws-session-policy-arns: a managed session policy limits what the session reads', async () => {
    aws.addManagedPolicy('arn:aws:iam::123456789012:policy/only-other', {
      Statement: [
        { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*:secret:other/*' },
      ],
    });
    const job = await runJob({
      inputs: inputs({
        secrets: 'API: aws:prod/api',
        'aws-session-policy-arns': 'arn:aws:iam::123456789012:policy/only-other',
      }),
      issuer,
    });
    expect(job.main.exitCode).toBe(1);
    expect(job.main.env).toEqual({});
    const errors = job.main.annotations.filter((a) => a.level === 'error').map((a) => a.message);
    expect(errors.join('\n')).toMatch(/aws:prod\/api: access denied: .*no session policy allows/);
    expectNothingLeaked(job);
  });
});

describe('credentials: a failure exports nothing and leaves nothing', () => {
  it('a profile whose role refuses the job fails the step; the aws: env line before it is not exported either', async () => {
    const job = await runJob({
      inputs: inputs({
        credentials: `aws: env\naws: profile denied role=arn:aws:iam::123456789012:role/nobody`,
      }),
      issuer,
      keepTemp: true,
    });
    expect(job.main.exitCode).toBe(1);
    expect(job.main.env).toEqual({});
    const errors = job.main.annotations.filter((a) => a.level === 'error').map((a) => a.message);
    expect(errors.join('\n')).toMatch(
      /credentials line 2 \(aws: profile denied\): aws login \(sts:AssumeRoleWithWebIdentity, role arn:aws:iam::123456789012:role\/nobody\) was refused \(HTTP 403 AccessDenied\)/,
    );
    expect(readdirSync(job.runnerTemp).filter((n) => n.startsWith('oidc-secrets-'))).toEqual([]);
    expectNothingLeaked(job);
  });
});

describe('credentials: bad input names the line; nothing is requested or exported', () => {
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    [
      'an unknown target',
      { credentials: 'aws: env\ngpc: adc' },
      /credentials line 2: unknown target "gpc" \(did you mean gcp\?\)/,
    ],
    [
      'a profile without a role when aws-role-arn is not set',
      { credentials: 'aws: profile deploy', 'aws-role-arn': '' },
      /credentials line 1: aws: profile deploy has no role: add role=ARN, or set the aws-role-arn input/,
    ],
    [
      'gcp: adc without gcp-workload-identity-provider',
      { credentials: '# later steps\ngcp: adc' },
      /credentials line 2: gcp: adc needs the gcp-workload-identity-provider input/,
    ],
    [
      'a chain ARN that is not a role ARN',
      {
        credentials: 'aws: env',
        'aws-role-chain': `${HUB}, arn:aws:iam::123456789012:user/someone`,
      },
      /input aws-role-chain \(entry 2 of 2\): expected comma-separated role ARNs/,
    ],
    [
      'a profile role that is not a role ARN',
      { credentials: 'aws: profile x role=arn:aws:iam::123456789012:policy/p' },
      /credentials line 1: aws: profile x: role= takes a role ARN/,
    ],
  ];
  it.each(cases)('%s', async (_what, extra, expected) => {
    const requestsBefore = aws.requests.length;
    const tokensBefore = issuer.tokenRequests.length;
    const step = await runStep({ entry: 'main', inputs: inputs(extra), issuer, keepTemp: true });
    expect(step.exitCode).toBe(1);
    const errors = step.annotations.filter((a) => a.level === 'error').map((a) => a.message);
    expect(errors.join('\n')).toMatch(expected);
    expect(step.env).toEqual({});
    expect(readdirSync(step.runnerTemp).filter((n) => n.startsWith('oidc-secrets-'))).toEqual([]);
    expect(aws.requests.length).toBe(requestsBefore);
    expect(issuer.tokenRequests.length).toBe(tokensBefore);
    expectNoLeak(step.log, credentials());
  });
});
