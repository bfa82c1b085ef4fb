// The AWS emulator pinned to the AWS SDK for JavaScript v3: STS AssumeRoleWithWebIdentity
// (Query protocol, XML answers and <ErrorResponse>s) and Secrets Manager GetSecretValue /
// BatchGetSecretValue (JSON 1.1, SigV4-signed with the session the SDK got from STS). The
// SDK parses what the emulator sends, so a field or error shape only our provider agrees
// with fails here.
import { randomBytes } from 'node:crypto';
import {
  BatchGetSecretValueCommand,
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  InvalidIdentityTokenException,
  STSClient,
  STSServiceException,
} from '@aws-sdk/client-sts';
import { startAws, type AwsEmulator } from '../../../test/emulators/aws.js';
import { startOidcIssuer, type OidcIssuer } from '../../../test/emulators/oidc-issuer.js';

const ROLE = 'arn:aws:iam::123456789012:role/gha-secrets';
const HUB = 'arn:aws:iam::123456789012:role/hub';
const TARGET = 'arn:aws:iam::210987654321:role/target';
const LAST = 'arn:aws:iam::210987654321:role/last';
const READ_ONLY_API = 'arn:aws:iam::123456789012:policy/read-prod-api';
const REGION = 'eu-west-1';
const same = (a: string | undefined, b: string) => a === b;

let issuer: OidcIssuer;
let aws: AwsEmulator;
const apiKey = randomBytes(16).toString('hex');
const binary = Buffer.concat([Buffer.from([0x00, 0xff]), randomBytes(30)]);

beforeAll(async () => {
  issuer = await startOidcIssuer();
  aws = await startAws({ issuer: issuer.issuer, jwksUrl: issuer.jwksUrl, region: REGION });
  aws.addRole(ROLE, { subjectPatterns: ['repo:octo-org/octo-repo:*'], secrets: ['prod/*'] });
  aws.createSecret('prod/api', apiKey);
  aws.createSecret('prod/binary', binary);
  aws.createSecret('team-b/secret', 'x'.repeat(12));
  aws.addRole(HUB, { subjectPatterns: ['repo:octo-org/*'] });
  aws.addRole(TARGET, {
    subjectPatterns: [],
    secrets: ['prod/*'],
    chainTrust: { principals: [HUB], requestTags: { repository: 'octo-org/octo-repo' } },
  });
  aws.addRole(LAST, {
    subjectPatterns: [],
    secrets: ['prod/*'],
    chainTrust: { principals: [TARGET], principalTags: { repository: 'octo-org/octo-repo' } },
  });
  aws.addManagedPolicy(READ_ONLY_API, {
    Statement: [
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*:secret:prod/api-*' },
    ],
  });
});

afterAll(async () => {
  await aws.close();
  await issuer.close();
});

const sts = () =>
  new STSClient({ region: REGION, endpoint: aws.url, maxAttempts: 1, credentials: anonymous });
/** AssumeRoleWithWebIdentity is unsigned: the SDK still wants a provider it will not use. */
const anonymous = { accessKeyId: 'unused', secretAccessKey: 'unused' };

async function session() {
  const answer = await sts().send(
    new AssumeRoleWithWebIdentityCommand({
      RoleArn: ROLE,
      RoleSessionName: 'gha-1-1',
      WebIdentityToken: await issuer.mint({ aud: 'sts.amazonaws.com' }),
      DurationSeconds: 900,
    }),
  );
  return answer;
}

async function secretsManager(): Promise<SecretsManagerClient> {
  const { Credentials } = await session();
  return new SecretsManagerClient({
    region: REGION,
    endpoint: aws.url,
    maxAttempts: 1,
    credentials: {
      accessKeyId: Credentials!.AccessKeyId!,
      secretAccessKey: Credentials!.SecretAccessKey!,
      sessionToken: Credentials!.SessionToken!,
    },
  });
}

describe('@aws-sdk/client-sts against the STS emulator', () => {
  it('parses the AssumeRoleWithWebIdentityResult the emulator answers', async () => {
    const answer = await session();
    const issued = aws.issuedSessions.at(-1)!;
    expect(same(answer.Credentials?.AccessKeyId, issued.accessKeyId)).toBe(true);
    expect(same(answer.Credentials?.SessionToken, issued.sessionToken)).toBe(true);
    expect(answer.Credentials?.Expiration?.getTime()).toBe(
      Math.floor(issued.expiration / 1000) * 1000,
    );
    expect(answer.AssumedRoleUser?.Arn).toBe(
      'arn:aws:sts::123456789012:assumed-role/gha-secrets/gha-1-1',
    );
    expect(answer.SubjectFromWebIdentityToken).toBe(issuer.claims().sub);
    expect(answer.Audience).toBe('sts.amazonaws.com');
  });

  it('answers a wrong audience with an <ErrorResponse> the SDK maps to its exception', async () => {
    const error = await sts()
      .send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: ROLE,
          RoleSessionName: 'gha-1-1',
          WebIdentityToken: await issuer.mint({ aud: 'not-sts' }),
        }),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidIdentityTokenException);
    expect((error as InvalidIdentityTokenException).$metadata.httpStatusCode).toBe(400);
    expect((error as Error).message).toMatch(/^Incorrect token audience/);
  });

  it('answers a subject the trust policy refuses with AccessDenied', async () => {
    const error = await sts()
      .send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: ROLE,
          RoleSessionName: 'gha-1-1',
          WebIdentityToken: await issuer.mint({
            aud: 'sts.amazonaws.com',
            sub: 'repo:evil-org/x:ref:refs/heads/main',
          }),
        }),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(STSServiceException);
    expect((error as STSServiceException).name).toBe('AccessDenied');
    expect((error as STSServiceException).$metadata.httpStatusCode).toBe(403);
    expect((error as Error).message).toMatch(
      /^Not authorized to perform sts:AssumeRoleWithWebIdentity/,
    );
  });
});

describe('@aws-sdk/client-secrets-manager against the Secrets Manager emulator', () => {
  it('reads SecretString and SecretBinary (a blob: base64 in JSON, bytes in the SDK)', async () => {
    const client = await secretsManager();
    const text = await client.send(new GetSecretValueCommand({ SecretId: 'prod/api' }));
    expect(same(text.SecretString, apiKey)).toBe(true);
    expect(text.Name).toBe('prod/api');
    expect(text.VersionStages).toEqual(['AWSCURRENT']);
    expect(text.CreatedDate).toBeInstanceOf(Date);
    const bytes = await client.send(new GetSecretValueCommand({ SecretId: 'prod/binary' }));
    expect(bytes.SecretString).toBeUndefined();
    expect(Buffer.from(bytes.SecretBinary!).equals(binary)).toBe(true);
  });

  it('answers ResourceNotFoundException and AccessDeniedException as the SDK expects', async () => {
    const client = await secretsManager();
    const missing = await client
      .send(new GetSecretValueCommand({ SecretId: 'prod/nosuch' }))
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    expect((missing as Error).message).toBe("Secrets Manager can't find the specified secret.");
    const denied = await client
      .send(new GetSecretValueCommand({ SecretId: 'team-b/secret' }))
      .catch((e: unknown) => e);
    // Secrets Manager models no AccessDeniedException: the SDK names it from `__type`.
    expect(denied).toBeInstanceOf(SecretsManagerServiceException);
    expect((denied as Error).name).toBe('AccessDeniedException');
    expect((denied as Error).message).toMatch(
      /^User: arn:aws:sts::123456789012:assumed-role\/gha-secrets\/gha-1-1 is not authorized to perform: secretsmanager:GetSecretValue/,
    );
  });

  it('answers BatchGetSecretValue with SecretValues and per-secret Errors', async () => {
    const client = await secretsManager();
    const answer = await client.send(
      new BatchGetSecretValueCommand({
        SecretIdList: ['prod/api', 'prod/binary', 'prod/nosuch'],
      }),
    );
    const byName = new Map(answer.SecretValues?.map((v) => [v.Name, v]));
    expect(same(byName.get('prod/api')?.SecretString, apiKey)).toBe(true);
    expect(Buffer.from(byName.get('prod/binary')!.SecretBinary!).equals(binary)).toBe(true);
    expect(answer.Errors).toEqual([
      expect.objectContaining({ SecretId: 'prod/nosuch', ErrorCode: 'ResourceNotFoundException' }),
    ]);
  });

  it('refuses a request signed with keys STS never issued, in a shape the SDK decodes', async () => {
    const client = new SecretsManagerClient({
      region: REGION,
      endpoint: aws.url,
      maxAttempts: 1,
      credentials: {
        accessKeyId: 'ASIAFAKEFAKEFAKEFAKE',
        secretAccessKey: 'x'.repeat(40),
        sessionToken: 'y',
      },
    });
    const error = await client
      .send(new GetSecretValueCommand({ SecretId: 'prod/api' }))
      .catch((e: unknown) => e);
    expect((error as { name?: string }).name).toMatch(
      /^(UnrecognizedClientException|InvalidSignatureException)$/,
    );
    expect((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(
      400,
    );
  });
});

type Creds = { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string };
const signedSts = (c: Creds | undefined) =>
  new STSClient({
    region: REGION,
    endpoint: aws.url,
    maxAttempts: 1,
    credentials: {
      accessKeyId: c!.AccessKeyId!,
      secretAccessKey: c!.SecretAccessKey!,
      sessionToken: c!.SessionToken!,
    },
  });
const secretsWith = (c: Creds | undefined) =>
  new SecretsManagerClient({
    region: REGION,
    endpoint: aws.url,
    maxAttempts: 1,
    credentials: {
      accessKeyId: c!.AccessKeyId!,
      secretAccessKey: c!.SecretAccessKey!,
      sessionToken: c!.SessionToken!,
    },
  });
const webIdentity = async (roleArn: string, extra: Record<string, unknown> = {}) =>
  (
    await sts().send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: roleArn,
        RoleSessionName: 'gha-1-1',
        WebIdentityToken: await issuer.mint({ aud: 'sts.amazonaws.com' }),
        DurationSeconds: 900,
        ...extra,
      }),
    )
  ).Credentials;

describe('@aws-sdk/client-sts AssumeRole (role chaining) against the STS emulator', () => {
  it('signs AssumeRole with the previous session; tags pass transitively to the next hop', async () => {
    const hub = await webIdentity(HUB);
    const target = await signedSts(hub).send(
      new AssumeRoleCommand({
        RoleArn: TARGET,
        RoleSessionName: 'gha-1-1',
        DurationSeconds: 900,
        Tags: [{ Key: 'repository', Value: 'octo-org/octo-repo' }],
        TransitiveTagKeys: ['repository'],
      }),
    );
    expect(target.AssumedRoleUser?.Arn).toBe(
      'arn:aws:sts::123456789012:assumed-role/target/gha-1-1',
    );
    expect(target.Credentials?.Expiration).toBeInstanceOf(Date);
    const last = await signedSts(target.Credentials).send(
      new AssumeRoleCommand({ RoleArn: LAST, RoleSessionName: 'gha-1-1', DurationSeconds: 900 }),
    );
    expect(aws.issuedSessions.at(-1)?.tags).toEqual({ repository: 'octo-org/octo-repo' });
    const read = await secretsWith(last.Credentials).send(
      new GetSecretValueCommand({ SecretId: 'prod/api' }),
    );
    expect(same(read.SecretString, apiKey)).toBe(true);
  });

  it('refuses a request tag the trust does not accept, a repeated transitive key, and a chained hour', async () => {
    const hub = await webIdentity(HUB);
    const wrongTag = await signedSts(hub)
      .send(
        new AssumeRoleCommand({
          RoleArn: TARGET,
          RoleSessionName: 'gha-1-1',
          Tags: [{ Key: 'repository', Value: 'octo-org/another' }],
        }),
      )
      .catch((e: unknown) => e);
    expect((wrongTag as STSServiceException).name).toBe('AccessDenied');
    expect((wrongTag as Error).message).toMatch(
      /is not authorized to perform: sts:AssumeRole on resource/,
    );
    const target = await signedSts(hub).send(
      new AssumeRoleCommand({
        RoleArn: TARGET,
        RoleSessionName: 'gha-1-1',
        Tags: [{ Key: 'repository', Value: 'octo-org/octo-repo' }],
        TransitiveTagKeys: ['repository'],
      }),
    );
    const repeated = await signedSts(target.Credentials)
      .send(
        new AssumeRoleCommand({
          RoleArn: LAST,
          RoleSessionName: 'gha-1-1',
          Tags: [{ Key: 'Repository', Value: 'octo-org/octo-repo' }],
        }),
      )
      .catch((e: unknown) => e);
    expect((repeated as STSServiceException).$metadata.httpStatusCode).toBe(400);
    const long = await signedSts(target.Credentials)
      .send(new AssumeRoleCommand({ RoleArn: LAST, RoleSessionName: 'x1', DurationSeconds: 7200 }))
      .catch((e: unknown) => e);
    expect((long as Error).message).toMatch(
      /1 hour session limit for roles assumed by role chaining/,
    );
  });

  it('refuses AssumeRole signed with keys STS never issued', async () => {
    const error = await signedSts({
      AccessKeyId: 'ASIAFAKEFAKEFAKEFAKE',
      SecretAccessKey: 'x'.repeat(40),
      SessionToken: 'y',
    })
      .send(new AssumeRoleCommand({ RoleArn: TARGET, RoleSessionName: 'gha-1-1' }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(STSServiceException);
    expect((error as STSServiceException).$metadata.httpStatusCode).toBe(403);
  });
});

describe('session policies on AssumeRoleWithWebIdentity (@aws-sdk/client-sts, then Secrets Manager)', () => {
  it('an inline policy that denies the read, and a managed policy that allows one secret only', async () => {
    const denied = await webIdentity(ROLE, {
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 'secretsmanager:*', Resource: '*' },
          { Effect: 'Deny', Action: 'secretsmanager:GetSecretValue', Resource: '*prod/api*' },
        ],
      }),
    });
    const error = await secretsWith(denied)
      .send(new GetSecretValueCommand({ SecretId: 'prod/api' }))
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe('AccessDeniedException');
    expect((error as Error).message).toMatch(/explicit deny in a session policy/);

    const managed = await webIdentity(ROLE, { PolicyArns: [{ arn: READ_ONLY_API }] });
    const ok = await secretsWith(managed).send(new GetSecretValueCommand({ SecretId: 'prod/api' }));
    expect(same(ok.SecretString, apiKey)).toBe(true);
    const other = await secretsWith(managed)
      .send(new GetSecretValueCommand({ SecretId: 'prod/binary' }))
      .catch((e: unknown) => e);
    expect((other as Error).message).toMatch(/no session policy allows/);
  });
});
