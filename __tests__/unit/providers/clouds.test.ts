// The AWS, GCP and Azure providers on the real road (config → plan → context → resolvePlan)
// against the cloud emulators, with a real GitHub OIDC issuer and real HTTP.
import { createHash, randomBytes } from 'node:crypto';
import { readConfig } from '../../../src/github/inputs.js';
import type { LedgerEntry } from '../../../src/core/ledger.js';
import { MaskGate } from '../../../src/core/mask.js';
import { roleSessionName } from '../../../src/providers/aws.js';
import { crc32c, providerResourceName } from '../../../src/providers/gcp.js';
import { keyVaultResource, vaultBaseUrl } from '../../../src/providers/azure.js';
import { createProvider } from '../../../src/providers/registry.js';
import { revokeEntries } from '../../../src/core/revoke.js';
import { runnerProviderDeps } from '../../../src/github/providers.js';
import { quiet, runActionPipeline } from '../../../test/support/pipeline.js';
import { startAws, type AwsEmulator } from '../../../test/emulators/aws.js';
import { startAzure, type AzureEmulator } from '../../../test/emulators/azure.js';
import {
  GITHUB_ACTIONS_PROVIDER,
  crc32c as emulatorCrc32c,
  startGcp,
  type GcpEmulator,
} from '../../../test/emulators/gcp.js';
import { startOidcIssuer, type OidcIssuer } from '../../../test/emulators/oidc-issuer.js';
import { emulatorEndpoints } from '../../../test/support/endpoints.js';

const sha = (text: string | undefined) =>
  createHash('sha256')
    .update(text ?? '<undefined>')
    .digest('hex')
    .slice(0, 16);

const ROLE = 'arn:aws:iam::123456789012:role/gha-secrets';
const NO_BATCH_ROLE = 'arn:aws:iam::123456789012:role/no-batch';
const SA = 'deployer@my-proj.iam.gserviceaccount.com';
const CLIENT = '11111111-2222-3333-4444-555555555555';
const POOL =
  'principalSet://iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/github';

let issuer: OidcIssuer;
let aws: AwsEmulator;
let gcp: GcpEmulator;
let azure: AzureEmulator;
let gcpProvider = '';

const apiKey = randomBytes(16).toString('hex');
const dbJson = JSON.stringify({
  user: 'svc-app',
  password: randomBytes(12).toString('hex'),
  port: 5432,
});
const saJson = JSON.stringify({
  type: 'service_account',
  private_key_id: randomBytes(10).toString('hex'),
});
const tlsKey = randomBytes(24).toString('base64');
const binary = randomBytes(40);
let firstApiVersion = '';

beforeAll(async () => {
  issuer = await startOidcIssuer();
  aws = await startAws({ issuer: issuer.issuer, region: 'eu-west-1' });
  aws.addRole(ROLE, {
    subjectPatterns: ['repo:octo-org/octo-repo:*'],
    secrets: ['prod/*', 'bin/*'],
  });
  aws.addRole(NO_BATCH_ROLE, {
    subjectPatterns: ['repo:octo-org/*'],
    secrets: ['prod/*'],
    batch: false,
  });
  firstApiVersion = aws.createSecret('prod/api', 'old-' + randomBytes(6).toString('hex')).versionId;
  aws.putSecretValue('prod/api', apiKey);
  aws.createSecret('prod/db', dbJson);
  aws.createSecret('bin/cert', binary);
  aws.createSecret('other/secret', 'x'.repeat(10));
  for (let i = 0; i < 25; i++)
    aws.createSecret(`prod/many/${i}`, `value-${i}-${randomBytes(4).toString('hex')}`);

  gcp = await startGcp({ issuer: issuer.issuer, projectId: 'my-proj', projectNumber: '123456' });
  gcpProvider = gcp.addProvider({
    ...GITHUB_ACTIONS_PROVIDER,
    attributeCondition: "assertion.repository_owner == 'octo-org'",
  }).name;
  gcp.addServiceAccount(SA, [`${POOL}/attribute.repository/octo-org/octo-repo`]);
  gcp.addSecret('deployer', saJson, [`serviceAccount:${SA}`]);
  gcp.addSecret('direct', apiKey, [`${POOL}/attribute.repository/octo-org/octo-repo`]);
  gcp.addSecret('locked', 'z'.repeat(10));

  azure = await startAzure({ issuer: issuer.issuer });
  azure.addApp(CLIENT, [
    { issuer: issuer.issuer, subject: 'repo:octo-org/octo-repo:ref:refs/heads/main' },
  ]);
  azure.addSecret('kv-one', 'tls-key', tlsKey);
  azure.addSecret('kv-two', 'db', dbJson);
  azure.addSecret('kv-closed', 'nope', 'y'.repeat(10));
  azure.grant('kv-one', CLIENT);
  azure.grant('kv-two', CLIENT);
});

afterAll(async () => {
  await Promise.all([aws.close(), gcp.close(), azure.close()]);
  await issuer.close();
});

afterEach(() => {
  // Back to the defaults (an undefined override would remove the claim altogether).
  issuer.setClaims({
    sub: 'repo:octo-org/octo-repo:ref:refs/heads/main',
    repository_owner: 'octo-org',
    repository: 'octo-org/octo-repo',
  });
});

function inputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'aws-role-arn': ROLE,
    'aws-region': 'eu-west-1',
    'gcp-workload-identity-provider': gcpProvider,
    'gcp-service-account': SA,
    'azure-client-id': CLIENT,
    'azure-tenant-id': azure.tenantId,
    endpoints: emulatorEndpoints({ aws, gcp, azure }),
    ...extra,
  };
}

async function resolve(secrets: string, extra: Record<string, string> = {}) {
  const masks: string[] = [];
  const ledger: LedgerEntry[] = [];
  const gate = new MaskGate({ add: (v) => masks.push(v) }, () => {});
  const env = { ...issuer.env(), GITHUB_RUN_ID: '9876543210', GITHUB_RUN_ATTEMPT: '2' };
  const given = inputs(extra);
  const run = await runActionPipeline(secrets, given, env, gate, (entry) => ledger.push(entry));
  const values = new Map(run.secrets.map((s) => [s.name, s.value]));
  // Errors as the action shows them: settings named as inputs.
  const errors = run.errors.map((e, i) => ({
    line: e.line,
    code: e.code,
    message: run.messages[i],
  }));
  /** Revokes with the same settings, as post would. */
  const revoke = async (entries: LedgerEntry[]) => {
    const config = readConfig((name) => given[name] ?? '', env);
    const { http, deps } = runnerProviderDeps(config.settings.pipeline, gate, () => {}, env, quiet);
    try {
      return await revokeEntries(
        entries,
        { settings: config.settings.providers, deps },
        createProvider,
        { removeFiles: false },
      );
    } finally {
      http.close();
    }
  };
  return { errors, values, masks, ledger, revoke, secrets: run.secrets };
}

describe('aws provider', () => {
  it('assumes the role and reads names, ARNs, stages, versions, binaries and JSON', async () => {
    const { errors, values, masks } = await resolve(
      [
        'API: aws:prod/api',
        'OLD: aws:prod/api?stage=AWSPREVIOUS',
        `FIRST: aws:prod/api?version-id=${firstApiVersion}`,
        'DB_*: aws:prod/db',
        'PASS: aws:prod/db#password',
        'CERT: aws:bin/cert',
      ].join('\n'),
    );
    expect(errors.map((e) => e.message)).toEqual([]);
    expect(sha(values.get('API'))).toBe(sha(apiKey));
    expect(sha(values.get('FIRST'))).toBe(sha(values.get('OLD')));
    expect(sha(values.get('DB_USER'))).toBe(sha('svc-app'));
    expect(sha(values.get('DB_PORT'))).toBe(sha('5432'));
    expect(sha(values.get('PASS'))).toBe(sha(JSON.parse(dbJson).password));
    expect(sha(values.get('CERT'))).toBe(sha(binary.toString('base64')));
    const session = aws.issuedSessions.at(-1)!;
    expect(session.sessionName).toBe('gha-9876543210-2');
    expect(masks.map(sha)).toEqual(
      expect.arrayContaining(
        [session.accessKeyId, session.secretAccessKey, session.sessionToken].map(sha),
      ),
    );
  });

  it('reads options-free secrets with BatchGetSecretValue, 20 ids a call', async () => {
    const before = aws.requests.length;
    const lines = Array.from({ length: 25 }, (_, i) => `M${i}: aws:prod/many/${i}`);
    const { errors, values } = await resolve(
      [...lines, 'OLD: aws:prod/api?stage=AWSPREVIOUS'].join('\n'),
    );
    expect(errors).toEqual([]);
    expect(values.size).toBe(26);
    const operations = aws.requests.slice(before).map((r) => r.operation);
    expect(operations.filter((o) => o === 'secretsmanager:BatchGetSecretValue')).toHaveLength(2);
    expect(operations.filter((o) => o === 'secretsmanager:GetSecretValue')).toHaveLength(1);
  });

  it('falls back to GetSecretValue when the role may not batch', async () => {
    const before = aws.requests.length;
    const lines = Array.from({ length: 25 }, (_, i) => `M${i}: aws:prod/many/${i}`);
    const { errors, values } = await resolve(lines.join('\n'), { 'aws-role-arn': NO_BATCH_ROLE });
    expect(errors).toEqual([]);
    expect(values.size).toBe(25);
    const operations = aws.requests.slice(before).map((r) => r.operation);
    expect(operations.filter((o) => o === 'secretsmanager:GetSecretValue')).toHaveLength(25);
    // The first batch call learns the role may not batch; the second is not attempted.
    expect(
      operations.filter((o) => o === 'secretsmanager:BatchGetSecretValue').length,
    ).toBeLessThanOrEqual(2);
  });

  it('names the line of a denied and of a missing secret, in a batch too', async () => {
    const { errors } = await resolve('A: aws:other/secret\nB: aws:prod/missing\nC: aws:prod/api');
    expect(errors.map((e) => [e.line, e.code])).toEqual([
      [1, 'ACCESS_DENIED'],
      [2, 'SECRET_NOT_FOUND'],
    ]);
    expect(errors[0]?.message).toMatch(
      /^secrets line 1: aws:other\/secret: access denied: User: arn:aws:sts::123456789012:assumed-role\/gha-secrets\/gha-9876543210-2 is not authorized/,
    );
    expect(errors[0]?.message).toContain(
      'Grant secretsmanager:GetSecretValue on this secret to role',
    );
  });

  it('explains a refused token with the claims and the trust condition', async () => {
    issuer.setClaims({ sub: 'repo:evil-org/octo-repo:ref:refs/heads/main' });
    const { errors } = await resolve('API: aws:prod/api');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.code).toBe('AUTH_FAILED');
    expect(errors[0]?.message).toContain(
      'HTTP 403 AccessDenied): Not authorized to perform sts:AssumeRoleWithWebIdentity',
    );
    expect(errors[0]?.message).toContain('token.actions.githubusercontent.com:sub condition');
    expect(errors[0]?.message).toContain('  sub: repo:evil-org/octo-repo:ref:refs/heads/main');
    const audience = await resolve('API: aws:prod/api', { 'aws-audience': 'not-sts' });
    expect(audience.errors[0]?.message).toContain(
      'InvalidIdentityToken): Incorrect token audience',
    );
    expect(audience.errors[0]?.message).toContain('  aud: not-sts');
  });

  it('derives a valid role session name', () => {
    expect(roleSessionName({ runId: '123', runAttempt: '4' })).toBe('gha-123-4');
    expect(roleSessionName({})).toMatch(/^oidc-secrets-\d+$/);
    expect(roleSessionName({ runId: 'a b/c'.repeat(30) })).toHaveLength(64);
  });
});

describe('gcp provider', () => {
  it('exchanges, impersonates and reads with a verified CRC32C; post revokes the token', async () => {
    const { errors, values, masks, ledger, revoke } = await resolve(
      'SA_JSON: gcp:projects/my-proj/secrets/deployer\nKEY_ID: gcp:projects/123456/secrets/deployer/versions/1#private_key_id',
    );
    expect(errors.map((e) => e.message)).toEqual([]);
    expect(sha(values.get('SA_JSON'))).toBe(sha(saJson));
    expect(sha(values.get('KEY_ID'))).toBe(sha(JSON.parse(saJson).private_key_id));
    const token = gcp.issuedTokens.filter((t) => t.kind === 'service-account').at(-1)!;
    expect(masks.map(sha)).toContain(sha(token.token));
    expect(ledger).toEqual([
      {
        provider: 'gcp',
        kind: 'token',
        label: `access token of ${SA}`,
        data: { token: token.token },
      },
    ]);
    const results = await revoke(ledger);
    expect(results.map((r) => r.outcome)).toEqual(['revoked']);
    expect(token.revoked).toBe(true);
    const again = await revoke(ledger);
    expect(again.map((r) => r.outcome)).toEqual(['already-gone']);
  });

  it('reads directly with the federated token when no service account is given', async () => {
    const { errors, values } = await resolve('KEY: gcp:projects/my-proj/secrets/direct', {
      'gcp-service-account': '',
    });
    expect(errors).toEqual([]);
    expect(sha(values.get('KEY'))).toBe(sha(apiKey));
  });

  it('refuses a payload whose CRC32C does not match', async () => {
    gcp.setCorruptChecksums(true);
    try {
      const { errors } = await resolve('SA_JSON: gcp:projects/my-proj/secrets/deployer');
      expect(errors.map((e) => e.code)).toEqual(['READ_FAILED']);
      expect(errors[0]?.message).toContain('does not match its CRC32C checksum');
    } finally {
      gcp.setCorruptChecksums(false);
    }
  });

  it('names the line of a denied secret', async () => {
    const { errors } = await resolve('A: gcp:projects/my-proj/secrets/locked');
    expect(errors.map((e) => [e.line, e.code])).toEqual([[1, 'ACCESS_DENIED']]);
    expect(errors[0]?.message).toContain(
      `Grant roles/secretmanager.secretAccessor on the secret to ${SA}`,
    );
  });

  it('explains the attribute condition and a wrong audience', async () => {
    issuer.setClaims({ repository_owner: 'evil-org', repository: 'evil-org/octo-repo' });
    const condition = await resolve('A: gcp:projects/my-proj/secrets/direct');
    expect(condition.errors[0]?.code).toBe('AUTH_FAILED');
    expect(condition.errors[0]?.message).toContain(
      'unauthorized_client: The given credential is rejected by the attribute condition.',
    );
    expect(condition.errors[0]?.message).toContain('  repository: evil-org/octo-repo');
    issuer.setClaims({ repository_owner: 'octo-org', repository: 'octo-org/octo-repo' });
    const audience = await resolve('A: gcp:projects/my-proj/secrets/direct', {
      'gcp-audience': 'wrong-aud',
    });
    expect(audience.errors[0]?.message).toContain(
      'invalid_grant: The audience in ID Token [wrong-aud] does not match the expected audience.',
    );
  });

  it('checks its inputs and helpers', async () => {
    const { errors } = await resolve('A: gcp:projects/my-proj/secrets/direct', {
      'gcp-workload-identity-provider':
        'projects/my-proj/locations/global/workloadIdentityPools/github/providers/gh',
    });
    expect(errors[0]?.message).toContain(
      'input gcp-workload-identity-provider: expected projects/NUMBER/',
    );
    expect(providerResourceName(`//iam.googleapis.com/${gcpProvider}`)).toBe(gcpProvider);
    const sample = randomBytes(100);
    expect(crc32c(sample)).toBe(emulatorCrc32c(sample));
  });
});

describe('azure provider', () => {
  it('logs in with the federated credential and reads from several vaults', async () => {
    const { errors, values, masks } = await resolve(
      'TLS_KEY: azure:kv-one/tls-key\nDB_*: azure:KV-TWO/db',
    );
    expect(errors.map((e) => e.message)).toEqual([]);
    expect(sha(values.get('TLS_KEY'))).toBe(sha(tlsKey));
    expect(sha(values.get('DB_USER'))).toBe(sha('svc-app'));
    expect(masks.map(sha)).toContain(sha(azure.issuedTokens.at(-1)!.accessToken));
    expect(
      azure.requests.filter((r) => r.operation === 'keyvault:getSecret').map((r) => r.vault),
    ).toEqual(expect.arrayContaining(['kv-one', 'kv-two']));
  });

  it('names the line of a denied and of a missing secret', async () => {
    const { errors } = await resolve('A: azure:kv-closed/nope\nB: azure:kv-one/absent');
    expect(errors.map((e) => [e.line, e.code])).toEqual([
      [1, 'ACCESS_DENIED'],
      [2, 'SECRET_NOT_FOUND'],
    ]);
    expect(errors[0]?.message).toContain(`Give app ${CLIENT} the Key Vault Secrets User role`);
  });

  it('explains a subject mismatch with AADSTS700213 and the claims', async () => {
    issuer.setClaims({ sub: 'repo:octo-org/octo-repo:environment:prod' });
    const { errors } = await resolve('A: azure:kv-one/tls-key');
    expect(errors[0]?.code).toBe('AUTH_FAILED');
    expect(errors[0]?.message).toContain(
      "invalid_client: AADSTS700213: No matching federated identity record found for presented assertion subject 'repo:octo-org/octo-repo:environment:prod'.",
    );
    expect(errors[0]?.message).not.toContain('Trace ID');
    expect(errors[0]?.message).toContain('compared exactly and case-sensitively');
    const audience = await resolve('A: azure:kv-one/tls-key', { 'azure-audience': 'api://other' });
    expect(audience.errors[0]?.message).toContain('AADSTS700212');
  });

  it('reports a vault whose host name does not resolve as not found', async () => {
    const endpoints = inputs()
      .endpoints!.split('\n')
      .map((line) =>
        line.startsWith('azure-keyvault-suffix') ? 'azure-keyvault-suffix: localhost:1' : line,
      )
      .join('\n');
    const { errors } = await resolve('A: azure:no-such-vault/x', { endpoints, retries: '0' });
    expect(errors.map((e) => e.code)).toEqual(['SECRET_NOT_FOUND']);
    expect(errors[0]?.message).toContain('no Key Vault answers under this name');
  });

  it('maps vault suffixes to URLs and token resources', () => {
    expect(vaultBaseUrl('my-vault', 'vault.azure.cn')).toBe('https://my-vault.vault.azure.cn');
    expect(vaultBaseUrl('my-vault', 'http://127.0.0.1:8200/kv/')).toBe(
      'http://127.0.0.1:8200/kv/my-vault',
    );
    expect(keyVaultResource('vault.azure.cn')).toBe('https://vault.azure.cn');
    expect(keyVaultResource('privatelink.vaultcore.azure.net')).toBe('https://vault.azure.net');
  });
});

describe('?optional on the clouds: only "not found" is tolerated', () => {
  it('leaves out a missing AWS secret (ResourceNotFoundException), in a batch too', async () => {
    const run = await resolve(
      'A: aws:prod/missing?optional\nB: aws:prod/api\nC: aws:prod/gone?optional',
    );
    expect(run.errors).toEqual([]);
    expect([...run.values.keys()]).toEqual(['B']);
  });

  it('still fails an optional AWS secret the role may not read', async () => {
    const { errors } = await resolve('A: aws:other/secret?optional\nB: aws:prod/api');
    expect(errors.map((e) => [e.line, e.code])).toEqual([[1, 'ACCESS_DENIED']]);
  });

  it('leaves out a missing GCP version (NOT_FOUND); a denied one still fails', async () => {
    const absent = await resolve(
      'A: gcp:projects/my-proj/secrets/deployer/versions/7?optional\nB: gcp:projects/my-proj/secrets/deployer#type',
    );
    expect(absent.errors).toEqual([]);
    expect([...absent.values.keys()]).toEqual(['B']);
    const denied = await resolve('A: gcp:projects/my-proj/secrets/locked?optional');
    expect(denied.errors.map((e) => e.code)).toEqual(['ACCESS_DENIED']);
    // Without a project-wide grant Secret Manager cannot say "not found": PERMISSION_DENIED
    // "(or it may not exist)" is a denial, and fails the optional line as one.
    const unknown = await resolve('A: gcp:projects/my-proj/secrets/nope?optional');
    expect(unknown.errors.map((e) => e.code)).toEqual(['ACCESS_DENIED']);
  });

  it('leaves out a missing Key Vault secret (SecretNotFound); a denied one still fails', async () => {
    const absent = await resolve('A: azure:kv-one/absent?optional\nB: azure:kv-one/tls-key');
    expect(absent.errors).toEqual([]);
    expect([...absent.values.keys()]).toEqual(['B']);
    const denied = await resolve('A: azure:kv-closed/nope?optional');
    expect(denied.errors.map((e) => e.code)).toEqual(['ACCESS_DENIED']);
  });

  it('does not take a Key Vault host that does not resolve for an absent secret', async () => {
    const endpoints = inputs()
      .endpoints!.split('\n')
      .map((line) =>
        line.startsWith('azure-keyvault-suffix') ? 'azure-keyvault-suffix: localhost:1' : line,
      )
      .join('\n');
    const { errors } = await resolve('A: azure:no-such-vault/x?optional', {
      endpoints,
      retries: '0',
    });
    expect(errors.map((e) => e.line)).toEqual([1]);
  });

  it('fails a missing secret that a line without ?optional needs as well', async () => {
    const { errors } = await resolve('A: aws:prod/missing?optional\nB: aws:prod/missing');
    expect(errors.map((e) => e.code)).toEqual(['SECRET_NOT_FOUND']);
    expect(errors[0]?.message).toMatch(/^secrets lines 1, 2:/);
  });
});

describe('?decode=base64 over a binary payload', () => {
  it('gives the bytes of an AWS SecretBinary (export: files only), its base64 masked', async () => {
    const run = await resolve('B: aws:bin/cert?decode=base64\nT: aws:bin/cert');
    expect(run.errors).toEqual([]);
    const decoded = run.secrets.find((s) => s.name === 'B');
    expect(Buffer.from(decoded!.bytes!).equals(binary)).toBe(true);
    // Without the option the base64 text Secrets Manager sent is the value, as before.
    expect(sha(run.values.get('T'))).toBe(sha(binary.toString('base64')));
    expect(run.masks.map(sha)).toContain(sha(binary.toString('base64')));
  });
});
