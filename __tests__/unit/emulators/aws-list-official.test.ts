// The AWS emulator's routes for issue 14 pinned to the AWS SDK for JavaScript v3:
// Secrets Manager ListSecrets (every page through the SDK's own paginator), reads in another
// region (the SDK signs for the region it is configured with; the emulator serves each
// region's secrets only to requests signed for it), and Parameter Store GetParameters /
// GetParametersByPath with @aws-sdk/client-ssm.
import { randomBytes } from 'node:crypto';
import {
  GetSecretValueCommand,
  paginateListSecrets,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  GetParametersByPathCommand,
  GetParametersCommand,
  paginateGetParametersByPath,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { startAws, type AwsEmulator } from '../../../test/emulators/aws.js';
import { startOidcIssuer, type OidcIssuer } from '../../../test/emulators/oidc-issuer.js';

const ROLE = 'arn:aws:iam::123456789012:role/gha-secrets';
const REGION = 'eu-west-1';
const OTHER = 'us-east-2';

let issuer: OidcIssuer;
let aws: AwsEmulator;
let otherArn = '';
const fake = () => `${randomBytes(8).toString('hex')}-fake`;
const paramValues = { db: fake(), api: fake(), v1: fake(), v2: fake() };

beforeAll(async () => {
  issuer = await startOidcIssuer();
  aws = await startAws({
    issuer: issuer.issuer,
    jwksUrl: issuer.jwksUrl,
    region: REGION,
    otherRegions: [OTHER],
  });
  aws.addRole(ROLE, {
    subjectPatterns: ['repo:octo-org/octo-repo:*'],
    secrets: ['prod/*', 'arn:aws:secretsmanager:*'],
    parameters: ['/app/*'],
  });
  for (let i = 0; i < 230; i++) aws.createSecret(`prod/list/s${i}`, fake());
  aws.createSecret('prod/other', fake());
  otherArn = aws.createSecret('prod/far', fake(), { region: OTHER }).arn;
  aws.parameters.add('/app/prod/db', paramValues.db);
  aws.parameters.add('/app/prod/api', paramValues.api, { type: 'String' });
  aws.parameters.add('/app/prod/deeper/x', fake());
  aws.parameters.add('/app/versioned', paramValues.v1);
  aws.parameters.add('/app/versioned', paramValues.v2, { labels: ['live'] });
});

afterAll(async () => {
  await aws.close();
  await issuer.close();
});

async function credentials() {
  const sts = new STSClient({
    region: REGION,
    endpoint: aws.url,
    maxAttempts: 1,
    credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' },
  });
  const { Credentials } = await sts.send(
    new AssumeRoleWithWebIdentityCommand({
      RoleArn: ROLE,
      RoleSessionName: 'gha-1-1',
      WebIdentityToken: await issuer.mint({ aud: 'sts.amazonaws.com' }),
    }),
  );
  return {
    accessKeyId: Credentials!.AccessKeyId!,
    secretAccessKey: Credentials!.SecretAccessKey!,
    sessionToken: Credentials!.SessionToken!,
  };
}

const secretsManager = async (region = REGION) =>
  new SecretsManagerClient({
    region,
    endpoint: aws.url,
    maxAttempts: 1,
    credentials: await credentials(),
  });

describe('@aws-sdk/client-secrets-manager ListSecrets against the emulator', () => {
  it('pages through a name-prefix filter with the SDK paginator', async () => {
    const client = await secretsManager();
    const names: string[] = [];
    let pages = 0;
    for await (const page of paginateListSecrets(
      { client, pageSize: 100 },
      { Filters: [{ Key: 'name', Values: ['prod/list/'] }], MaxResults: 100 },
    )) {
      pages++;
      for (const entry of page.SecretList ?? []) names.push(entry.Name!);
      expect(page.SecretList?.every((e) => e.ARN?.startsWith('arn:aws:secretsmanager:'))).toBe(
        true,
      );
    }
    expect(pages).toBe(3);
    expect(names).toHaveLength(230);
    expect(names.every((n) => n.startsWith('prod/list/'))).toBe(true);
  });

  it('serves a region its own secrets only, to requests signed for it', async () => {
    const far = await secretsManager(OTHER);
    const answer = await far.send(new GetSecretValueCommand({ SecretId: otherArn }));
    expect(answer.ARN).toBe(otherArn);
    const near = await secretsManager();
    await expect(near.send(new GetSecretValueCommand({ SecretId: otherArn }))).rejects.toThrow(
      ResourceNotFoundException,
    );
    const names: string[] = [];
    for await (const page of paginateListSecrets({ client: far }, {}))
      names.push(...(page.SecretList ?? []).map((e) => e.Name!));
    expect(names).toEqual(['prod/far']);
  });
});

describe('@aws-sdk/client-ssm against the emulator', () => {
  const ssm = async () =>
    new SSMClient({
      region: REGION,
      endpoint: aws.url,
      maxAttempts: 1,
      credentials: await credentials(),
    });

  it('answers GetParameters with values, selectors and InvalidParameters', async () => {
    const client = await ssm();
    const answer = await client.send(
      new GetParametersCommand({
        Names: ['/app/prod/db', '/app/versioned:1', '/app/versioned:live', '/app/missing'],
        WithDecryption: true,
      }),
    );
    const byKey = new Map(
      (answer.Parameters ?? []).map((p) => [`${p.Name}${p.Selector ?? ''}`, p]),
    );
    expect(byKey.get('/app/prod/db')?.Value === paramValues.db).toBe(true);
    expect(byKey.get('/app/prod/db')?.Type).toBe('SecureString');
    expect(byKey.get('/app/versioned:1')?.Value === paramValues.v1).toBe(true);
    expect(byKey.get('/app/versioned:live')?.Version).toBe(2);
    expect(byKey.get('/app/prod/db')?.ARN).toBe(
      'arn:aws:ssm:eu-west-1:123456789012:parameter/app/prod/db',
    );
    expect(answer.InvalidParameters).toEqual(['/app/missing']);
  });

  it('does not decrypt a SecureString without WithDecryption', async () => {
    const client = await ssm();
    const answer = await client.send(new GetParametersCommand({ Names: ['/app/prod/db'] }));
    expect(answer.Parameters?.[0]?.Value === paramValues.db).toBe(false);
  });

  it('answers GetParametersByPath one level deep, page by page', async () => {
    const client = await ssm();
    const names: string[] = [];
    for await (const page of paginateGetParametersByPath(
      { client, pageSize: 1 },
      { Path: '/app/prod', Recursive: false, WithDecryption: true, MaxResults: 1 },
    ))
      names.push(...(page.Parameters ?? []).map((p) => p.Name!));
    expect(names.sort()).toEqual(['/app/prod/api', '/app/prod/db']);
    const denied = client.send(new GetParametersByPathCommand({ Path: '/other' }));
    await expect(denied).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});
