// The AWS emulator against plain fetch: STS AssumeRoleWithWebIdentity with real JWT checks,
// and Secrets Manager calls signed by @smithy/signature-v4 (and, as a second independent
// signer, the aws4 package) and verified server-side.
import { createHash, randomBytes } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import aws4 from 'aws4';
import { startAws, type AwsEmulator } from '../../../test/emulators/aws.js';
import { startOidcIssuer, type OidcIssuer } from '../../../test/emulators/oidc-issuer.js';

const ROLE = 'arn:aws:iam::123456789012:role/gha-secrets';
const OTHER_ROLE = 'arn:aws:iam::123456789012:role/path/other-role';
const hash = (value: string | Buffer) => createHash('sha256').update(value).digest('hex');

let issuer: OidcIssuer;
let aws: AwsEmulator;
const apiKey = randomBytes(16).toString('hex');
const previousKey = randomBytes(16).toString('hex');
const binary = randomBytes(48);
const dbJson = JSON.stringify({ user: 'app', password: randomBytes(12).toString('hex') });
let apiArn = '';
let firstVersion = '';

beforeAll(async () => {
  issuer = await startOidcIssuer();
  aws = await startAws({ issuer: issuer.issuer, jwksUrl: issuer.jwksUrl, region: 'eu-west-1' });
  aws.addRole(ROLE, {
    subjectPatterns: ['repo:octo-org/octo-repo:*'],
    maxSessionDuration: 3600,
    secrets: [
      'prod/myapp/*',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bin-*',
      'missing/*',
    ],
  });
  aws.addRole(OTHER_ROLE, {
    audience: 'custom-aud',
    subjectPatterns: ['repo:octo-org/*'],
    batch: false,
    secrets: ['*'],
  });
  firstVersion = aws.createSecret('prod/myapp/api', previousKey).versionId;
  apiArn = aws.putSecretValue('prod/myapp/api', apiKey).arn;
  aws.createSecret('prod/myapp/db', dbJson);
  aws.createSecret('bin-cert', binary);
  aws.createSecret('team-b/secret', 'not-for-you-' + randomBytes(4).toString('hex'));
});

afterAll(async () => {
  await aws.close();
  await issuer.close();
});

interface Session {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

async function assume(
  token: string,
  params: Record<string, string> = {},
  method: 'POST' | 'GET' = 'POST',
): Promise<{ status: number; body: string }> {
  const query = new URLSearchParams({
    Action: 'AssumeRoleWithWebIdentity',
    Version: '2011-06-15',
    RoleArn: ROLE,
    RoleSessionName: 'gha-1234-1',
    WebIdentityToken: token,
    DurationSeconds: '900',
    ...params,
  });
  const res =
    method === 'POST'
      ? await fetch(`${aws.url}/`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: query.toString(),
        })
      : await fetch(`${aws.url}/?${query.toString()}`);
  return { status: res.status, body: await res.text() };
}

const tag = (xml: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

async function session(claims = {}): Promise<Session> {
  const { status, body } = await assume(await issuer.mint({ aud: 'sts.amazonaws.com', ...claims }));
  expect(status).toBe(200);
  return {
    accessKeyId: tag(body, 'AccessKeyId')!,
    secretAccessKey: tag(body, 'SecretAccessKey')!,
    sessionToken: tag(body, 'SessionToken')!,
  };
}

interface CallOptions {
  region?: string;
  service?: string;
  secretAccessKey?: string;
  signingDate?: Date;
  tamper?: (body: string) => string;
  omitToken?: boolean;
  path?: string;
}

async function call(creds: Session, target: string, input: unknown, options: CallOptions = {}) {
  const url = new URL(aws.url);
  const payload = JSON.stringify(input);
  const signer = new SignatureV4({
    service: options.service ?? 'secretsmanager',
    region: options.region ?? aws.region,
    credentials: {
      accessKeyId: creds.accessKeyId,
      secretAccessKey: options.secretAccessKey ?? creds.secretAccessKey,
      sessionToken: options.omitToken ? undefined : creds.sessionToken,
    },
    sha256: Sha256,
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: options.path ?? '/',
      query: {},
      headers: {
        host: url.host,
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `secretsmanager.${target}`,
      },
      body: payload,
    },
    { signingDate: options.signingDate ?? new Date(aws.now()) },
  );
  const { host: _host, ...headers } = signed.headers;
  const res = await fetch(`${aws.url}${options.path ?? '/'}`, {
    method: 'POST',
    headers,
    body: options.tamper ? options.tamper(payload) : payload,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('STS AssumeRoleWithWebIdentity', () => {
  it('issues session credentials for a trusted token (POST form)', async () => {
    const token = await issuer.mint({ aud: 'sts.amazonaws.com' });
    const { status, body } = await assume(token);
    expect(status).toBe(200);
    expect(body).toContain(
      '<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">',
    );
    expect(tag(body, 'AccessKeyId')).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(tag(body, 'SubjectFromWebIdentityToken')).toBe(
      'repo:octo-org/octo-repo:ref:refs/heads/main',
    );
    expect(tag(body, 'Audience')).toBe('sts.amazonaws.com');
    expect(tag(body, 'Provider')).toBe(issuer.issuer);
    expect(tag(body, 'Arn')).toBe('arn:aws:sts::123456789012:assumed-role/gha-secrets/gha-1234-1');
    expect(tag(body, 'AssumedRoleId')).toMatch(/^AROA[A-Z0-9]{17}:gha-1234-1$/);
    const expiration = Date.parse(tag(body, 'Expiration')!);
    expect(Math.abs(expiration - (Date.now() + 900_000))).toBeLessThan(5000);
    expect(aws.issuedSessions.at(-1)?.roleArn).toBe(ROLE);
    expect(aws.requests.at(-1)).toMatchObject({
      method: 'POST',
      status: 200,
      operation: 'sts:AssumeRoleWithWebIdentity',
    });
  });

  it('accepts the GET query form', async () => {
    const { status } = await assume(await issuer.mint({ aud: 'sts.amazonaws.com' }), {}, 'GET');
    expect(status).toBe(200);
  });

  it.each([
    [
      'a wrong audience',
      { aud: 'not-sts' },
      {},
      400,
      'InvalidIdentityToken',
      'Incorrect token audience',
    ],
    [
      'a subject outside the trust policy',
      { aud: 'sts.amazonaws.com', sub: 'repo:evil-org/octo-repo:ref:refs/heads/main' },
      {},
      403,
      'AccessDenied',
      'Not authorized to perform sts:AssumeRoleWithWebIdentity',
    ],
    [
      "an audience the provider knows but the role's condition does not",
      { aud: 'custom-aud' },
      {},
      403,
      'AccessDenied',
      'Not authorized to perform sts:AssumeRoleWithWebIdentity',
    ],
    [
      'an unknown role',
      { aud: 'sts.amazonaws.com' },
      { RoleArn: 'arn:aws:iam::123456789012:role/nope' },
      403,
      'AccessDenied',
      'Not authorized to perform sts:AssumeRoleWithWebIdentity',
    ],
    [
      'an issuer that is not an OIDC provider of the account',
      { aud: 'sts.amazonaws.com', iss: 'https://token.example.invalid' },
      {},
      400,
      'InvalidIdentityToken',
      'No OpenIDConnect provider found in your account for https://token.example.invalid',
    ],
    [
      'a bad session name',
      { aud: 'sts.amazonaws.com' },
      { RoleSessionName: 'gha/1234' },
      400,
      'ValidationError',
      "1 validation error detected: Value 'gha/1234' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
    ],
    [
      'a one-character session name',
      { aud: 'sts.amazonaws.com' },
      { RoleSessionName: 'g' },
      400,
      'ValidationError',
      'Member must have length greater than or equal to 2',
    ],
    [
      'a duration under 900 seconds',
      { aud: 'sts.amazonaws.com' },
      { DurationSeconds: '600' },
      400,
      'ValidationError',
      "Value '600' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
    ],
    [
      "a duration over the role's maximum",
      { aud: 'sts.amazonaws.com' },
      { DurationSeconds: '7200' },
      400,
      'ValidationError',
      'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    ],
  ])('refuses %s', async (_what, claims, params, status, code, message) => {
    const res = await assume(await issuer.mint(claims), params);
    expect(res.status).toBe(status);
    expect(tag(res.body, 'Type')).toBe('Sender');
    expect(tag(res.body, 'Code')).toBe(code);
    expect(tag(res.body, 'Message')).toContain(message);
    expect(res.body).toMatch(/<RequestId>[0-9a-f-]{36}<\/RequestId>/);
  });

  it('refuses an expired token with ExpiredTokenException', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await issuer.mint({
      aud: 'sts.amazonaws.com',
      iat: now - 900,
      nbf: now - 900,
      exp: now - 600,
    });
    const res = await assume(token);
    expect(res.status).toBe(400);
    expect(tag(res.body, 'Code')).toBe('ExpiredTokenException');
    expect(tag(res.body, 'Message')).toMatch(
      new RegExp(
        `^Token expired: current date/time \\d+ must be before the expiration date/time ${now - 600}$`,
      ),
    );
  });

  it('refuses a token signed with a key the issuer does not publish', async () => {
    const res = await assume(await issuer.mint({ aud: 'sts.amazonaws.com' }, { foreignKey: true }));
    expect(res.status).toBe(400);
    expect(tag(res.body, 'Code')).toBe('InvalidIdentityToken');
  });

  it('refuses a token with a forged payload (signature no longer matches)', async () => {
    const [h, , s] = (await issuer.mint({ aud: 'sts.amazonaws.com' })).split('.');
    const payload = Buffer.from(
      JSON.stringify({
        iss: issuer.issuer,
        aud: 'sts.amazonaws.com',
        sub: 'repo:octo-org/octo-repo:x',
        exp: 9999999999,
      }),
    ).toString('base64url');
    const res = await assume(`${h}.${payload}.${s}`);
    expect(res.status).toBe(400);
    expect(tag(res.body, 'Code')).toBe('InvalidIdentityToken');
  });
});

describe('Secrets Manager', () => {
  let creds: Session;
  beforeAll(async () => {
    creds = await session();
  });

  it('returns SecretString by name, with the version metadata', async () => {
    const { status, body } = await call(creds, 'GetSecretValue', { SecretId: 'prod/myapp/api' });
    expect(status).toBe(200);
    expect(hash(String(body.SecretString))).toBe(hash(apiKey));
    expect(body.ARN).toBe(apiArn);
    expect(body.ARN).toMatch(
      /^arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod\/myapp\/api-[A-Za-z0-9]{6}$/,
    );
    expect(body.Name).toBe('prod/myapp/api');
    expect(body.VersionStages).toEqual(['AWSCURRENT']);
    expect(typeof body.CreatedDate).toBe('number');
    expect(body.SecretBinary).toBeUndefined();
  });

  it('resolves a full ARN, a partial ARN, a stage and a version id', async () => {
    const byArn = await call(creds, 'GetSecretValue', { SecretId: apiArn });
    expect(hash(String(byArn.body.SecretString))).toBe(hash(apiKey));
    const byPartial = await call(creds, 'GetSecretValue', { SecretId: apiArn.slice(0, -7) });
    expect(hash(String(byPartial.body.SecretString))).toBe(hash(apiKey));
    const previous = await call(creds, 'GetSecretValue', {
      SecretId: 'prod/myapp/api',
      VersionStage: 'AWSPREVIOUS',
    });
    expect(hash(String(previous.body.SecretString))).toBe(hash(previousKey));
    expect(previous.body.VersionId).toBe(firstVersion);
    const byVersion = await call(creds, 'GetSecretValue', {
      SecretId: 'prod/myapp/api',
      VersionId: firstVersion,
    });
    expect(hash(String(byVersion.body.SecretString))).toBe(hash(previousKey));
  });

  it('returns SecretBinary base64-encoded', async () => {
    const { status, body } = await call(creds, 'GetSecretValue', { SecretId: 'bin-cert' });
    expect(status).toBe(200);
    expect(body.SecretString).toBeUndefined();
    expect(hash(Buffer.from(String(body.SecretBinary), 'base64'))).toBe(hash(binary));
  });

  it('answers BatchGetSecretValue with SecretValues and per-secret Errors', async () => {
    const { status, body } = await call(creds, 'BatchGetSecretValue', {
      SecretIdList: ['prod/myapp/api', 'prod/myapp/db', 'team-b/secret', 'missing/one'],
    });
    expect(status).toBe(200);
    const values = body.SecretValues as Array<Record<string, unknown>>;
    expect(values.map((v) => v.Name)).toEqual(['prod/myapp/api', 'prod/myapp/db']);
    expect(hash(String(values[1]!.SecretString))).toBe(hash(dbJson));
    expect(body.Errors).toEqual([
      {
        SecretId: 'team-b/secret',
        ErrorCode: 'AccessDeniedException',
        Message: expect.stringContaining(
          'is not authorized to perform: secretsmanager:GetSecretValue on resource: team-b/secret',
        ),
      },
      {
        SecretId: 'missing/one',
        ErrorCode: 'ResourceNotFoundException',
        Message: "Secrets Manager can't find the specified secret.",
      },
    ]);
  });

  it('refuses more than 20 ids in one BatchGetSecretValue', async () => {
    const ids = Array.from({ length: 21 }, (_, i) => `prod/myapp/s${i}`);
    const { status, body } = await call(creds, 'BatchGetSecretValue', { SecretIdList: ids });
    expect(status).toBe(400);
    expect(body.__type).toBe('ValidationException');
    expect(String(body.message)).toContain('Member must have length less than or equal to 20');
  });

  it('denies a secret outside the role policy with the AWS message shape', async () => {
    const { status, body } = await call(creds, 'GetSecretValue', { SecretId: 'team-b/secret' });
    expect(status).toBe(400);
    expect(body).toEqual({
      __type: 'AccessDeniedException',
      message:
        'User: arn:aws:sts::123456789012:assumed-role/gha-secrets/gha-1234-1 is not authorized to perform: ' +
        'secretsmanager:GetSecretValue on resource: team-b/secret because no identity-based policy allows the ' +
        'secretsmanager:GetSecretValue action',
    });
  });

  it('reports a missing secret, stage and version as ResourceNotFoundException', async () => {
    const missing = await call(creds, 'GetSecretValue', { SecretId: 'missing/thing' });
    expect(missing.body).toEqual({
      __type: 'ResourceNotFoundException',
      message: "Secrets Manager can't find the specified secret.",
    });
    const stage = await call(creds, 'GetSecretValue', {
      SecretId: 'prod/myapp/db',
      VersionStage: 'AWSPREVIOUS',
    });
    expect(stage.body.message).toBe(
      "Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS",
    );
  });

  it('refuses a signature made with the wrong secret key', async () => {
    const { status, body } = await call(
      creds,
      'GetSecretValue',
      { SecretId: 'prod/myapp/api' },
      {
        secretAccessKey: randomBytes(30).toString('base64'),
      },
    );
    expect(status).toBe(400);
    expect(body.__type).toBe('InvalidSignatureException');
    expect(String(body.message)).toMatch(
      /^The request signature we calculated does not match the signature you provided\./,
    );
  });

  it('refuses a body changed after signing', async () => {
    const { status, body } = await call(
      creds,
      'GetSecretValue',
      { SecretId: 'prod/myapp/api' },
      {
        tamper: (payload) => payload.replace('prod/myapp/api', 'prod/myapp/db'),
      },
    );
    expect(status).toBe(400);
    expect(body.__type).toBe('InvalidSignatureException');
  });

  it('refuses a credential scoped to another region or service', async () => {
    const region = await call(
      creds,
      'GetSecretValue',
      { SecretId: 'prod/myapp/api' },
      { region: 'us-west-2' },
    );
    expect(region.status).toBe(400);
    expect(region.body).toEqual({
      __type: 'InvalidSignatureException',
      message: "Credential should be scoped to a valid region, not 'us-west-2'. ",
    });
    const service = await call(
      creds,
      'GetSecretValue',
      { SecretId: 'prod/myapp/api' },
      { service: 'ssm' },
    );
    expect(service.body).toEqual({
      __type: 'InvalidSignatureException',
      message: "Credential should be scoped to correct service: 'secretsmanager'. ",
    });
  });

  it('refuses a signature older than five minutes', async () => {
    const { body } = await call(
      creds,
      'GetSecretValue',
      { SecretId: 'prod/myapp/api' },
      {
        signingDate: new Date(aws.now() - 6 * 60_000),
      },
    );
    expect(body.__type).toBe('InvalidSignatureException');
    expect(String(body.message)).toMatch(
      /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/,
    );
  });

  it('refuses an unsigned request, a missing session token and unknown keys', async () => {
    const unsigned = await fetch(`${aws.url}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'secretsmanager.GetSecretValue',
      },
      body: '{"SecretId":"prod/myapp/api"}',
    });
    expect(unsigned.status).toBe(400);
    expect(await unsigned.json()).toEqual({
      __type: 'MissingAuthenticationTokenException',
      message: 'Missing Authentication Token',
    });

    const noToken = await call(
      creds,
      'GetSecretValue',
      { SecretId: 'prod/myapp/api' },
      { omitToken: true },
    );
    expect(noToken.body.__type).toBe('UnrecognizedClientException');

    const unknown = await call(
      { ...creds, accessKeyId: 'ASIAUNKNOWNUNKNOWN00' },
      'GetSecretValue',
      { SecretId: 'x' },
    );
    expect(unknown.body).toEqual({
      __type: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    });
  });

  it('accepts a request signed by the independent aws4 signer, with a path prefix', async () => {
    const url = new URL(aws.url);
    const body = JSON.stringify({ SecretId: 'prod/myapp/db' });
    const opts = aws4.sign(
      {
        host: url.host,
        path: '/prefix/',
        method: 'POST',
        service: 'secretsmanager',
        region: aws.region,
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'secretsmanager.GetSecretValue',
        },
        body,
      },
      creds,
    );
    const { Host: _h, host: _h2, ...headers } = opts.headers as Record<string, string>;
    const res = await fetch(`${aws.url}/prefix/`, { method: 'POST', headers, body });
    expect(res.status).toBe(200);
    const json = (await res.json()) as { SecretString: string };
    expect(hash(json.SecretString)).toBe(hash(dbJson));
  });

  it('refuses BatchGetSecretValue to a role without that permission', async () => {
    const token = await issuer.mint({ aud: 'custom-aud' });
    const res = await assume(token, { RoleArn: OTHER_ROLE });
    expect(res.status).toBe(200);
    const other = {
      accessKeyId: tag(res.body, 'AccessKeyId')!,
      secretAccessKey: tag(res.body, 'SecretAccessKey')!,
      sessionToken: tag(res.body, 'SessionToken')!,
    };
    const { body } = await call(other, 'BatchGetSecretValue', { SecretIdList: ['prod/myapp/api'] });
    expect(body).toEqual({
      __type: 'AccessDeniedException',
      message:
        'User: arn:aws:sts::123456789012:assumed-role/other-role/gha-1234-1 is not authorized to perform: ' +
        'secretsmanager:BatchGetSecretValue because no identity-based policy allows the secretsmanager:BatchGetSecretValue action',
    });
  });

  it('refuses keys of an expired session with ExpiredTokenException', async () => {
    const short = await session();
    aws.expireSessions();
    const { status, body } = await call(short, 'GetSecretValue', { SecretId: 'prod/myapp/api' });
    expect(status).toBe(400);
    expect(body).toEqual({
      __type: 'ExpiredTokenException',
      message: 'The security token included in the request is expired',
    });
  });
});

describe('test controls', () => {
  it('applies latency and faults, and logs what it answered', async () => {
    aws.setLatency(50);
    const started = Date.now();
    await assume('not-a-jwt');
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    aws.setLatency(0);

    aws.setFault(() => ({ status: 503, body: 'slow down' }));
    const res = await fetch(`${aws.url}/`, {
      method: 'POST',
      body: 'Action=AssumeRoleWithWebIdentity',
    });
    expect(res.status).toBe(503);
    aws.setFault(() => 'reset');
    await expect(fetch(`${aws.url}/`, { method: 'POST', body: '' })).rejects.toThrow();
    aws.setFault(undefined);
    expect(aws.requests.at(-1)).toMatchObject({ status: 0, fault: 'reset' });
  });
});
