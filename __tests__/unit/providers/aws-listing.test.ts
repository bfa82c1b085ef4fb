// Issue 14's AWS forms on the real road (inputs → plan → STS login → reads) against the AWS
// emulator: `aws:PREFIX*` (ListSecrets, every page, then batched reads), ARNs read in their
// own region, and Parameter Store `ssm:` (batched GetParameters, version/label selectors,
// listing by path). Nothing a test prints may hold a value.
import { randomBytes } from 'node:crypto';
import { MaskGate } from '../../../src/core/mask.js';
import { ActionError, ActionErrors } from '../../../src/core/errors.js';
import { planSecrets } from '../../../src/core/plan/plan.js';
import { runActionPipeline } from '../../../test/support/pipeline.js';
import { expectNoLeak } from '../../../test/support/leaks.js';
import { startAws, type AwsEmulator } from '../../../test/emulators/aws.js';
import { startOidcIssuer, type OidcIssuer } from '../../../test/emulators/oidc-issuer.js';

const ROLE = 'arn:aws:iam::123456789012:role/gha-secrets';
const REGION = 'eu-west-1';
const OTHER = 'us-east-2';

let issuer: OidcIssuer;
let aws: AwsEmulator;
const values: unknown[] = [];
const fake = () => {
  const value = `${randomBytes(10).toString('hex')}-fake`;
  values.push(value);
  return value;
};
const listed = new Map<string, string>();
const far: Array<{ arn: string; value: string }> = [];
let near = '';
const params = {
  db: JSON.stringify({ user: 'svc', password: fake() }),
  api: fake(),
  v1: fake(),
  v2: fake(),
};
values.push(params.db);

beforeAll(async () => {
  issuer = await startOidcIssuer();
  aws = await startAws({ issuer: issuer.issuer, region: REGION, otherRegions: [OTHER] });
  aws.addRole(ROLE, {
    subjectPatterns: ['repo:octo-org/octo-repo:*'],
    secrets: ['prod/*', 'arn:aws:secretsmanager:*'],
    parameters: ['/app/*'],
  });
  for (let i = 0; i < 230; i++) {
    const value = fake();
    listed.set(`S${i}`, value);
    aws.createSecret(`prod/list/s${i}`, value);
  }
  near = fake();
  aws.createSecret('prod/near', near);
  aws.createSecret('prod/near-two', fake());
  for (const name of ['prod/far', 'prod/far-two']) {
    const value = fake();
    far.push({ arn: aws.createSecret(name, value, { region: OTHER }).arn, value });
  }
  aws.parameters.add('/app/prod/db', params.db);
  aws.parameters.add('/app/prod/api', params.api, { type: 'String' });
  aws.parameters.add('/app/prod/deeper/x', fake());
  aws.parameters.add('/app/versioned', params.v1);
  aws.parameters.add('/app/versioned', params.v2, { labels: ['live'] });
  for (let i = 0; i < 12; i++) aws.parameters.add(`/app/many/p${i}`, fake());
});

afterAll(async () => {
  await aws.close();
  await issuer.close();
});

async function run(secrets: string) {
  const masks: string[] = [];
  const printed: string[] = [];
  const gate = new MaskGate({ add: (v: string) => masks.push(v) }, (m: string) => printed.push(m));
  const before = aws.requests.length;
  const result = await runActionPipeline(
    secrets,
    {
      'aws-role-arn': ROLE,
      'aws-region': REGION,
      endpoints: `aws-sts: ${aws.url}\naws-secretsmanager: ${aws.url}\naws-ssm: ${aws.url}`,
    },
    { ...issuer.env(), GITHUB_REPOSITORY: 'octo-org/octo-repo' },
    gate,
  );
  expectNoLeak([...printed, ...result.messages].join('\n'), values);
  return {
    env: Object.fromEntries(result.secrets.map((s) => [s.name, s.value])),
    messages: result.messages,
    masks,
    operations: aws.requests.slice(before).map((r) => r.operation),
  };
}

const count = (operations: string[], operation: string) =>
  operations.filter((o) => o === operation).length;

describe('aws:PREFIX*', () => {
  it('lists every page, then reads the matches in batches of 20', async () => {
    const result = await run('P_*: aws:prod/list/*?max=300');
    expect(result.messages).toEqual([]);
    expect(Object.keys(result.env)).toHaveLength(230);
    for (const [name, value] of listed) expect(result.env[`P_${name}`] === value).toBe(true);
    for (const value of listed.values()) expect(result.masks).toContain(value);
    const ops = result.operations;
    expect(count(ops, 'secretsmanager:ListSecrets')).toBe(3);
    expect(count(ops, 'secretsmanager:BatchGetSecretValue')).toBe(12);
    expect(count(ops, 'secretsmanager:GetSecretValue')).toBe(0);
    // Every read comes after the last page of the listing.
    expect(ops.lastIndexOf('secretsmanager:ListSecrets')).toBeLessThan(
      ops.indexOf('secretsmanager:BatchGetSecretValue'),
    );
  });

  it('refuses more than ?max (default 100) matches, exporting nothing', async () => {
    const result = await run('P_*: aws:prod/list/*');
    expect(result.env).toEqual({});
    expect(result.messages).toEqual([
      expect.stringMatching(
        /^secrets line 1: aws:prod\/list\/\*: at least 101 secrets match, more than \?max=100 allows/,
      ),
    ]);
    // Paging stopped once max + 1 matches were known.
    expect(count(result.operations, 'secretsmanager:ListSecrets')).toBe(2);
    expect(count(result.operations, 'secretsmanager:BatchGetSecretValue')).toBe(0);
  });

  it('tolerates zero matches only with ?optional', async () => {
    const none = await run('N_*: aws:prod/nothing-*');
    expect(none.messages).toEqual([expect.stringMatching(/no secret matches/)]);
    const optional = await run('N_*: aws:prod/nothing-*?optional\nNEAR: aws:prod/near');
    expect(optional.messages).toEqual([]);
    expect(optional.env.NEAR === near).toBe(true);
  });
});

describe('aws: ARNs in another region', () => {
  it('reads each ARN in its region, batched per region', async () => {
    const result = await run(
      [
        `FAR: aws:${far[0]!.arn}`,
        `FAR_TWO: aws:${far[1]!.arn}`,
        'NEAR: aws:prod/near',
        'NEAR_TWO: aws:prod/near-two',
      ].join('\n'),
    );
    expect(result.messages).toEqual([]);
    expect(result.env.FAR === far[0]!.value).toBe(true);
    expect(result.env.FAR_TWO === far[1]!.value).toBe(true);
    expect(result.env.NEAR === near).toBe(true);
    // One batch for eu-west-1, one for us-east-2: the emulator finds a secret only in the
    // region the request was signed for.
    expect(count(result.operations, 'secretsmanager:BatchGetSecretValue')).toBe(2);
  });
});

describe('ssm:', () => {
  it('reads names, ARNs, versions and labels with batched GetParameters', async () => {
    const many = Array.from({ length: 12 }, (_, i) => `M${i}: ssm:/app/many/p${i}`);
    const result = await run(
      [
        'DB_*: ssm:/app/prod/db',
        'API: ssm:arn:aws:ssm:eu-west-1:123456789012:parameter/app/prod/api',
        'OLD: ssm:/app/versioned?version=1',
        'LIVE: ssm:/app/versioned?label=live',
        'NOW: ssm:/app/versioned',
        ...many,
      ].join('\n'),
    );
    expect(result.messages).toEqual([]);
    expect(result.env.DB_USER).toBe('svc');
    expect(result.env.API === params.api).toBe(true);
    expect(result.env.OLD === params.v1).toBe(true);
    expect(result.env.LIVE === params.v2).toBe(true);
    expect(result.env.NOW === params.v2).toBe(true);
    expect(Object.keys(result.env)).toHaveLength(18);
    // 17 reads, ten names a call at most: the road's groups of 10 → 2 calls.
    expect(count(result.operations, 'ssm:GetParameters')).toBe(2);
    expect(result.masks).toContain((JSON.parse(params.db) as { password: string }).password);
  });

  it('shares one STS login with aws: lines', async () => {
    const result = await run('NEAR: aws:prod/near\nAPI: ssm:/app/prod/api');
    expect(result.messages).toEqual([]);
    expect(result.env.NEAR === near).toBe(true);
    expect(result.env.API === params.api).toBe(true);
    expect(count(result.operations, 'sts:AssumeRoleWithWebIdentity')).toBe(1);
  });

  it('lists a path one level deep; the values come with the listing', async () => {
    const result = await run('APP_*: ssm:/app/prod/*');
    expect(result.messages).toEqual([]);
    expect(Object.keys(result.env).sort()).toEqual(['APP_API', 'APP_DB_PASSWORD', 'APP_DB_USER']);
    expect(count(result.operations, 'ssm:GetParametersByPath')).toBe(1);
    expect(count(result.operations, 'ssm:GetParameters')).toBe(0);
  });

  it('reports a missing parameter or version as not found, naming the line', async () => {
    const result = await run(
      'A: ssm:/app/prod/api\nGONE: ssm:/app/gone\nOLD: ssm:/app/versioned?version=9',
    );
    expect(result.env).toEqual({});
    expect(result.messages).toEqual([
      'secrets line 2: ssm:/app/gone: not found (ParameterNotFound)',
      'secrets line 3: ssm:/app/versioned (version 9): not found (ParameterNotFound)',
    ]);
  });

  it('leaves out a missing parameter or version on an ?optional line, and only that', async () => {
    const result = await run(
      'A: ssm:/app/prod/api\nGONE: ssm:/app/gone?optional\nOLD: ssm:/app/versioned?version=9&optional',
    );
    expect(result.messages).toEqual([]);
    expect(Object.keys(result.env)).toEqual(['A']);
    // A denial stays an error on an optional line.
    const denied = await run('X: ssm:/other/x?optional');
    expect(denied.messages).toEqual([expect.stringMatching(/access denied/)]);
  });

  it('reports a denied parameter with what to grant', async () => {
    const result = await run('X: ssm:/other/x');
    expect(result.env).toEqual({});
    expect(result.messages).toEqual([
      expect.stringMatching(/^secrets line 1: ssm:\/other\/x: access denied: .*ssm:GetParameters/),
    ]);
  });

  it.each([
    ['X: ssm:not valid', /secrets line 1 \(X\): ssm locator: expected a Parameter Store name/],
    ['X: ssm:/a?version=1&label=live', /ssm:\/a: give version or label, not both/],
    ['X: ssm:/a?label=aws-x', /option label must be a parameter label/],
    ['X: ssm:/a?version=zero', /option version must be a positive whole number/],
    ['X_*: ssm:app/*', /ssm locator: a listing needs a parameter path starting with \//],
  ])('refuses %s before any request', (line, expected) => {
    let messages: string[] = [];
    try {
      planSecrets(line);
    } catch (error) {
      if (error instanceof ActionErrors) messages = error.errors.map((e) => e.message);
      else if (error instanceof ActionError) messages = [error.message];
      else throw error;
    }
    expect(messages).toEqual([expect.stringMatching(expected)]);
  });
});
