// The built action (dist/main.js) reading `local:`/`secret:` keys from a keyless store
// committed to the repository (file mode 0644, as git checks it out), with only
// `permissions: id-token: write`: no store-key input. The store's data key is wrapped by
// AWS KMS (the AWS emulator, key policy by role) or by Vault transit (the Vault emulator),
// and opens through the same OIDC login the step makes for its `aws:`/`vault:` lines.
// Every test checks the job's log for the values, their base64, and the data key.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { startAws, type AwsEmulator } from '../../../test/emulators/aws.js';
import { startOidcIssuer, type OidcIssuer } from '../../../test/emulators/oidc-issuer.js';
import { startVault, type VaultEmulator } from '../../../test/emulators/vault.js';
import { expectNoLeak } from '../../../test/support/leaks.js';
import { runJob, type JobResult } from '../../../test/support/runner.js';
import { HttpClient } from '../../../src/net/http.js';
import { parseKeyless } from '../../../src/store/format-v2.js';
import { KeylessStore } from '../../../src/store/keyless-store.js';
import type { KeyAccess } from '../../../src/store/recipients/types.js';
import { awsKms } from '../../../src/store/recipients/aws-kms.js';
import type { ProviderCredential } from '../../../src/providers/types.js';

const REGION = 'eu-west-1';
const ROLE = 'arn:aws:iam::123456789012:role/gha-secrets';
const OUTSIDER = 'arn:aws:iam::123456789012:role/gha-outsider';
const fixture = (prefix: string) => `${prefix}-${randomBytes(12).toString('hex')}`;

let issuer: OidcIssuer;
let aws: AwsEmulator;
let vault: VaultEmulator;
let dir: string;
let keyArn: string;
const http = new HttpClient({
  timeoutMs: 5000,
  retries: 0,
  maxSockets: 4,
  userAgent: 't',
  env: {},
});

const values = {
  botToken: fixture('bot-token'),
  dbPassword: fixture('db-password'),
  awsApi: fixture('aws-api'),
};
const secretsAndBase64 = () =>
  Object.values(values).flatMap((v) => [v, Buffer.from(v).toString('base64')]);

/** The AWS session a person (or a setup job) would use to create the store: the official SDK. */
async function awsSession(role = ROLE): Promise<ProviderCredential> {
  const sts = new STSClient({
    region: REGION,
    endpoint: aws.url,
    maxAttempts: 1,
    credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' },
  });
  const { Credentials } = await sts.send(
    new AssumeRoleWithWebIdentityCommand({
      RoleArn: role,
      RoleSessionName: 'setup',
      WebIdentityToken: await issuer.mint({ aud: 'sts.amazonaws.com' }),
    }),
  );
  return {
    provider: 'aws',
    accessKeyId: Credentials!.AccessKeyId!,
    secretAccessKey: Credentials!.SecretAccessKey!,
    sessionToken: Credentials!.SessionToken!,
    kmsEndpoint: aws.url,
  };
}

function setupAccess(credential: () => Promise<ProviderCredential>): KeyAccess {
  return {
    http,
    admit: () => undefined,
    ageIdentities: [],
    ageHint: '',
    unavailable: () => Promise.resolve(undefined),
    credential: () => credential(),
  };
}

/** A committed store: created, filled, then made world-readable as a checkout leaves it. */
async function committedStore(name: string, recipients: string[], access: KeyAccess) {
  const storePath = join(dir, `${name}.json.enc`);
  const location = { storePath, keyPath: join(dir, `${name}.key`) };
  const store = await KeylessStore.create(location, recipients, access);
  await store.set([
    ['TELEGRAM_BOT_TOKEN', values.botToken],
    ['DB_PASSWORD', values.dbPassword],
  ]);
  chmodSync(storePath, 0o644);
  return storePath;
}

/** The data key of an aws-kms store, unwrapped by the test (for the leak checks only). */
async function dataKeyOf(storePath: string): Promise<Buffer> {
  const envelope = parseKeyless(readFileSync(storePath, 'utf8'), storePath);
  const entry = envelope.recipients.find((r) => r.recipient.startsWith('aws-kms:'))!;
  const key = await awsKms.unwrap(
    keyArn,
    entry,
    setupAccess(() => awsSession()),
  );
  return key!;
}

function expectNothingLeaked(job: JobResult, dataKey?: Buffer): void {
  const credentials = aws.issuedSessions.flatMap((s) => [
    s.accessKeyId,
    s.secretAccessKey,
    s.sessionToken,
  ]);
  const keys = dataKey ? [dataKey.toString('base64'), dataKey.toString('hex')] : [];
  expectNoLeak(job.log, [...secretsAndBase64(), ...credentials, ...keys]);
  expectNoLeak(job.main.summary, [...secretsAndBase64(), ...keys]);
  expect(job.log).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./);
}

const errorsOf = (result: JobResult) =>
  result.main.annotations.filter((a) => a.level === 'error').map((a) => a.message);

beforeAll(async () => {
  issuer = await startOidcIssuer();
  aws = await startAws({ issuer: issuer.issuer, region: REGION });
  aws.addRole(ROLE, { subjectPatterns: ['repo:octo-org/octo-repo:*'], secrets: ['prod/*'] });
  aws.addRole(OUTSIDER, { subjectPatterns: ['repo:octo-org/octo-repo:*'] });
  aws.createSecret('prod/api', values.awsApi);
  keyArn = aws.createKmsKey({ roles: [ROLE] });
  vault = await startVault({ issuer });
  vault.addJwtRole('ci', {
    bound_audiences: 'https://vault.example.com',
    bound_claims: { repository: 'octo-org/octo-repo' },
    user_claim: 'sub',
    token_policies: ['ci-store'],
  });
  vault.addPolicy('ci-store', {
    'transit/encrypt/ci-store': ['update'],
    'transit/decrypt/ci-store': ['update'],
  });
  vault.addTransitKey('transit', 'ci-store');
  vault.addTransitKey('transit', 'other');
  dir = mkdtempSync(join(tmpdir(), 'keyless-action-'));
});

afterAll(async () => {
  http.close();
  rmSync(dir, { recursive: true, force: true });
  await aws.close();
  await vault.close();
  await issuer.close();
});

const awsInputs = (extra: Record<string, string> = {}) => ({
  'aws-role-arn': ROLE,
  'aws-region': REGION,
  endpoints: [`aws-sts: ${aws.url}`, `aws-secretsmanager: ${aws.url}`, `aws-kms: ${aws.url}`].join(
    '\n',
  ),
  ...extra,
});

describe('a keyless store with an aws-kms recipient', () => {
  it('opens in the action with only id-token: write, sharing the STS login of aws: lines', async () => {
    const storePath = await committedStore(
      'aws',
      [`aws-kms:${keyArn}`],
      setupAccess(() => awsSession()),
    );
    const sessionsBefore = aws.issuedSessions.length;
    const kmsBefore = aws.requests.filter((r) => r.operation === 'kms:Decrypt').length;
    const result = await runJob({
      inputs: awsInputs({
        'store-path': storePath,
        secrets: [
          'BOT_TOKEN: local:TELEGRAM_BOT_TOKEN',
          'DB_PASSWORD: local:DB_PASSWORD',
          'API_KEY: aws:prod/api',
        ].join('\n'),
      }),
      issuer,
    });
    expect(errorsOf(result).join('\n---\n')).toBe('');
    expect(result.main.exitCode).toBe(0);
    expect(result.env.BOT_TOKEN).toBe(values.botToken);
    expect(result.env.DB_PASSWORD).toBe(values.dbPassword);
    expect(result.env.API_KEY).toBe(values.awsApi);
    // One STS login for the aws: line and the store's recipient, one KMS Decrypt.
    expect(aws.issuedSessions.length - sessionsBefore).toBe(1);
    expect(aws.requests.filter((r) => r.operation === 'kms:Decrypt').length - kmsBefore).toBe(1);
    expectNothingLeaked(result, await dataKeyOf(storePath));
  });

  it('opens with no aws: line at all (the store alone logs in)', async () => {
    const storePath = await committedStore(
      'aws-alone',
      [`aws-kms:${keyArn}`],
      setupAccess(() => awsSession()),
    );
    const result = await runJob({
      inputs: awsInputs({
        'store-path': storePath,
        secrets: 'BOT_TOKEN: local:TELEGRAM_BOT_TOKEN',
      }),
      issuer,
    });
    expect(errorsOf(result).join('\n---\n')).toBe('');
    expect(result.env.BOT_TOKEN).toBe(values.botToken);
    expectNothingLeaked(result, await dataKeyOf(storePath));
  });

  it('a store-key given for it under require-oidc earns a notice, and is not needed', async () => {
    const storePath = await committedStore(
      'aws-notice',
      [`aws-kms:${keyArn}`],
      setupAccess(() => awsSession()),
    );
    const storeKey = randomBytes(32).toString('base64');
    const result = await runJob({
      inputs: awsInputs({
        'store-path': storePath,
        'store-key': storeKey,
        secrets: 'BOT_TOKEN: local:TELEGRAM_BOT_TOKEN',
      }),
      // `store-key: ${{ secrets.STORE_KEY }}`: a repository secret, which the runner masks.
      secrets: [storeKey],
      issuer,
    });
    expect(result.main.exitCode).toBe(0);
    const notices = result.main.annotations.filter((a) => a.level === 'notice');
    expect(notices.map((n) => n.message).join('\n')).toMatch(
      /is a keyless store: it opens through its recipients with this job's OIDC login, so the store-key input is not used/,
    );
    expectNoLeak(result.log, [storeKey]);
    expectNothingLeaked(result, await dataKeyOf(storePath));
  });

  it("a role outside the key policy: KMS's words, the recipient named, nothing exported", async () => {
    const storePath = await committedStore(
      'aws-denied',
      [`aws-kms:${keyArn}`],
      setupAccess(() => awsSession()),
    );
    const result = await runJob({
      inputs: awsInputs({
        'aws-role-arn': OUTSIDER,
        'store-path': storePath,
        secrets: 'BOT_TOKEN: local:TELEGRAM_BOT_TOKEN',
      }),
      issuer,
    });
    expect(result.main.exitCode).toBe(1);
    const [error] = errorsOf(result);
    expect(error).toContain('secrets line 1');
    expect(error).toContain(`aws-kms:${keyArn}`);
    expect(error).toMatch(
      // (the HTTP client scrubs long runs such as assumed-role/ROLE/SESSION from error bodies)
      /AWS KMS refused kms:Decrypt \(HTTP 400 AccessDeniedException\): User: arn:aws:sts::123456789012:\S+ is not authorized to perform: kms:Decrypt on resource: /,
    );
    expect(result.env.BOT_TOKEN).toBeUndefined();
    expectNothingLeaked(result, await dataKeyOf(storePath));
  });

  it('with no aws-role-arn, lists the recipients and what each needs', async () => {
    const storePath = await committedStore(
      'aws-unconfigured',
      [`aws-kms:${keyArn}`],
      setupAccess(() => awsSession()),
    );
    const result = await runJob({
      inputs: { 'store-path': storePath, secrets: 'BOT_TOKEN: local:TELEGRAM_BOT_TOKEN' },
      issuer,
    });
    expect(result.main.exitCode).toBe(1);
    const [error] = errorsOf(result);
    expect(error).toContain('no recipient available here can open the keyless store');
    expect(error).toContain(`aws-kms:${keyArn}`);
    expect(error).toContain('the aws-role-arn input');
    expectNothingLeaked(result, await dataKeyOf(storePath));
  });
});

describe('a keyless store with a vault-transit recipient', () => {
  const vaultInputs = (extra: Record<string, string>) => ({
    'vault-url': vault.url,
    'vault-role': 'ci',
    'vault-audience': 'https://vault.example.com',
    ...extra,
  });
  const vaultAccess = (): KeyAccess =>
    setupAccess(() =>
      Promise.resolve({
        provider: 'vault',
        url: vault.url,
        token: vault.issueToken({ policies: ['ci-store'] }),
        namespace: '',
      }),
    );

  it('opens through the Vault JWT login of the same step', async () => {
    const storePath = await committedStore(
      'vault',
      ['vault-transit:transit/keys/ci-store'],
      vaultAccess(),
    );
    const tokensBefore = vault.liveTokens();
    const result = await runJob({
      inputs: vaultInputs({
        'store-path': storePath,
        secrets: ['BOT_TOKEN: local:TELEGRAM_BOT_TOKEN', 'DB_PASSWORD: local:DB_PASSWORD'].join(
          '\n',
        ),
      }),
      issuer,
    });
    expect(errorsOf(result).join('\n---\n')).toBe('');
    expect(result.env.BOT_TOKEN).toBe(values.botToken);
    expect(result.env.DB_PASSWORD).toBe(values.dbPassword);
    expect(vault.requests.some((r) => r.path === '/v1/transit/decrypt/ci-store')).toBe(true);
    // The Vault token the step's login made for the store is revoked by post, like any other.
    expect(result.post?.exitCode).toBe(0);
    expect(vault.liveTokens()).toBe(tokensBefore);
    expectNothingLeaked(result);
  });

  it("a transit key the role's policy does not allow: Vault's words, the recipient named", async () => {
    const storePath = await committedStore(
      'vault-denied',
      ['vault-transit:transit/keys/other'],
      setupAccess(() =>
        Promise.resolve({
          provider: 'vault',
          url: vault.url,
          token: vault.rootToken,
          namespace: '',
        }),
      ),
    );
    const result = await runJob({
      inputs: vaultInputs({
        'store-path': storePath,
        secrets: 'BOT_TOKEN: local:TELEGRAM_BOT_TOKEN',
      }),
      issuer,
    });
    expect(result.main.exitCode).toBe(1);
    const [error] = errorsOf(result);
    expect(error).toContain('vault-transit:transit/keys/other');
    expect(error).toMatch(
      /Vault refused transit decrypt \(HTTP 403\): 1 error occurred: \* permission denied/,
    );
    expectNothingLeaked(result);
  });
});
