// The emulator routes a person's own login needs (the CLI outside Actions), pinned to the
// providers' official clients:
// - AWS SDK v3: STS AssumeRole signed with an IAM user's long-term keys, Secrets Manager with
//   those keys, `fromIni` (role_arn + source_profile) and `fromSSO` (the cached `aws sso
//   login` token → the portal's GetRoleCredentials) reading files in a temporary HOME;
// - google-auth-library: UserRefreshClient (the refresh grant at the token endpoint) and
//   Impersonated (generateAccessToken with a user's token), then Secret Manager;
// - @azure/identity's AzureCliCredential parsing what the fake `az` prints
//   (test/support/fake-az.ts), then @azure/keyvault-secrets with that user token.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fromIni } from '@aws-sdk/credential-provider-ini';
import { fromSSO } from '@aws-sdk/credential-provider-sso';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { SecretClient } from '@azure/keyvault-secrets';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { Impersonated, UserRefreshClient, type AuthClient } from 'google-auth-library';
import { startAws, type AwsEmulator, type IamUser } from '../../../test/emulators/aws.js';
import { startAzure, type AzureEmulator } from '../../../test/emulators/azure.js';
import { startGcp, type GcpEmulator } from '../../../test/emulators/gcp.js';
import { startOidcIssuer, type OidcIssuer } from '../../../test/emulators/oidc-issuer.js';
import { selfSignedLoopbackCertificate } from '../../../test/support/certificates.js';
import { writeFakeAz } from '../../../test/support/fake-az.js';

const execFileAsync = promisify(execFile);
const REGION = 'eu-west-1';
const ROLE = 'arn:aws:iam::123456789012:role/deployer';
const USER_EMAIL = 'dev@example.com';
const SA = 'reader@my-proj.iam.gserviceaccount.com';

let issuer: OidcIssuer;
let aws: AwsEmulator;
let gcp: GcpEmulator;
let azure: AzureEmulator;
let tls: { key: string; cert: string };
let user: IamUser;
let home: string;
const savedEnv = { ...process.env };
const values = {
  userSecret: randomBytes(16).toString('hex'),
  roleSecret: randomBytes(16).toString('hex'),
  ssoSecret: randomBytes(16).toString('hex'),
  gcpUser: randomBytes(16).toString('hex'),
  gcpSa: randomBytes(16).toString('hex'),
  azure: randomBytes(16).toString('hex'),
};
const ssoToken = `aoa${randomBytes(48).toString('base64url')}`;

beforeAll(async () => {
  issuer = await startOidcIssuer();
  tls = selfSignedLoopbackCertificate(['*.vault.azure.net']);
  [aws, gcp, azure] = await Promise.all([
    startAws({ issuer: issuer.issuer, jwksUrl: issuer.jwksUrl, region: REGION }),
    startGcp({ issuer: issuer.issuer, jwksUrl: issuer.jwksUrl }),
    startAzure({ issuer: issuer.issuer, jwksUrl: issuer.jwksUrl, tls }),
  ]);
  user = aws.addUser('dev', { secrets: ['dev/*'] });
  aws.addRole(ROLE, { subjectPatterns: [], trustedPrincipals: [user.arn], secrets: ['prod/*'] });
  aws.addSsoAssignment(ssoToken, 'ReadOnly', { secrets: ['sso/*'] });
  aws.createSecret('dev/api', values.userSecret);
  aws.createSecret('prod/api', values.roleSecret);
  aws.createSecret('sso/api', values.ssoSecret);
  home = mkdtempSync(join(tmpdir(), 'laptop-official-'));
});

afterAll(async () => {
  process.env = savedEnv;
  await Promise.all([aws.close(), gcp.close(), azure.close()]);
  await issuer.close();
  rmSync(home, { recursive: true, force: true });
});

afterEach(() => {
  process.env = { ...savedEnv };
});

const secretsManager = (credentials: {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}) => new SecretsManagerClient({ region: REGION, endpoint: aws.url, maxAttempts: 1, credentials });

const read = async (client: SecretsManagerClient, id: string) =>
  (await client.send(new GetSecretValueCommand({ SecretId: id }))).SecretString;

describe('AWS SDK v3 against the emulator with a person’s credentials', () => {
  const userKeys = () => ({ accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey });

  it('reads Secrets Manager with an IAM user’s long-term keys (no session token)', async () => {
    expect((await read(secretsManager(userKeys()), 'dev/api')) === values.userSecret).toBe(true);
  });

  it('parses the AssumeRoleResult STS answers to a signed AssumeRole, and refuses a principal the role does not trust', async () => {
    const sts = new STSClient({
      region: REGION,
      endpoint: aws.url,
      maxAttempts: 1,
      credentials: userKeys(),
    });
    const answer = await sts.send(
      new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'laptop-1', DurationSeconds: 900 }),
    );
    expect(answer.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    expect(answer.AssumedRoleUser?.Arn).toBe(
      'arn:aws:sts::123456789012:assumed-role/deployer/laptop-1',
    );
    expect(answer.Credentials?.Expiration).toBeInstanceOf(Date);
    const session = secretsManager({
      accessKeyId: answer.Credentials!.AccessKeyId!,
      secretAccessKey: answer.Credentials!.SecretAccessKey!,
      sessionToken: answer.Credentials!.SessionToken!,
    });
    expect((await read(session, 'prod/api')) === values.roleSecret).toBe(true);

    const stranger = aws.addUser('stranger');
    const refused = await new STSClient({
      region: REGION,
      endpoint: aws.url,
      maxAttempts: 1,
      credentials: { accessKeyId: stranger.accessKeyId, secretAccessKey: stranger.secretAccessKey },
    })
      .send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'laptop-2' }))
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(STSServiceException);
    expect((refused as STSServiceException).name).toBe('AccessDenied');
    expect((refused as Error).message).toContain('is not authorized to perform: sts:AssumeRole');
  });

  it('fromIni assumes role_arn with source_profile’s keys through the emulator’s STS', async () => {
    const dir = join(home, 'ini');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'config'),
      `[profile deploy]\nrole_arn = ${ROLE}\nsource_profile = dev\nregion = ${REGION}\n`,
    );
    writeFileSync(
      join(dir, 'credentials'),
      `[dev]\naws_access_key_id = ${user.accessKeyId}\naws_secret_access_key = ${user.secretAccessKey}\n`,
    );
    const credentials = await fromIni({
      profile: 'deploy',
      filepath: join(dir, 'credentials'),
      configFilepath: join(dir, 'config'),
      clientConfig: { region: REGION, endpoint: aws.url },
    })();
    expect(credentials.accessKeyId).toMatch(/^ASIA/);
    expect(aws.issuedSessions.at(-1)?.roleArn).toBe(ROLE);
    expect((await read(secretsManager(credentials), 'prod/api')) === values.roleSecret).toBe(true);
  });

  it('fromSSO reads the cached login (sha1 of the sso-session name) and calls GetRoleCredentials', async () => {
    const cache = join(home, '.aws', 'sso', 'cache');
    mkdirSync(cache, { recursive: true });
    const key = createHash('sha1').update('corp').digest('hex');
    writeFileSync(
      join(cache, `${key}.json`),
      JSON.stringify({
        startUrl: 'https://corp.awsapps.com/start',
        region: REGION,
        accessToken: ssoToken,
        expiresAt: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      }),
    );
    const config = join(home, 'sso-config');
    writeFileSync(
      config,
      `[profile sso-dev]\nsso_session = corp\nsso_account_id = ${aws.accountId}\nsso_role_name = ReadOnly\nregion = ${REGION}\n\n` +
        `[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = ${REGION}\n`,
    );
    process.env.HOME = home;
    const credentials = await fromSSO({
      profile: 'sso-dev',
      configFilepath: config,
      filepath: join(home, 'none'),
      clientConfig: { endpoint: aws.url },
    })();
    expect(credentials.sessionToken).toBeTruthy();
    expect((await read(secretsManager(credentials), 'sso/api')) === values.ssoSecret).toBe(true);

    writeFileSync(
      join(cache, `${key}.json`),
      JSON.stringify({
        startUrl: 'https://corp.awsapps.com/start',
        region: REGION,
        accessToken: 'aoa-logged-out',
        expiresAt: new Date(Date.now() + 3600_000).toISOString(),
      }),
    );
    const error = await fromSSO({
      profile: 'sso-dev',
      configFilepath: config,
      filepath: join(home, 'none'),
      clientConfig: { endpoint: aws.url },
    })().catch((e: unknown) => e);
    expect(String((error as Error).message)).toMatch(
      /Session token not found or invalid|Unauthorized/,
    );
  });
});

describe('google-auth-library against the token endpoint and IAM Credentials', () => {
  const login = () => gcp.addUser(USER_EMAIL);
  const secretManager = (authClient: AuthClient) => {
    const url = new URL(gcp.url);
    return new SecretManagerServiceClient({
      fallback: true,
      apiEndpoint: url.hostname,
      port: Number(url.port),
      protocol: 'http',
      authClient,
    });
  };
  const access = async (client: SecretManagerServiceClient, secret: string) => {
    const [version] = await client.accessSecretVersion({
      name: `projects/${gcp.projectId}/secrets/${secret}/versions/latest`,
    });
    return Buffer.from(version.payload!.data as Uint8Array).toString('utf8');
  };

  beforeAll(() => {
    gcp.addSecret('user-secret', values.gcpUser, [`user:${USER_EMAIL}`]);
    gcp.addSecret('sa-secret', values.gcpSa, [`serviceAccount:${SA}`]);
    gcp.addServiceAccount(SA, [`user:${USER_EMAIL}`]);
  });

  it('UserRefreshClient refreshes at /token and reads as the user', async () => {
    const { clientId, clientSecret, refreshToken } = login();
    const client = new UserRefreshClient({
      clientId,
      clientSecret,
      refreshToken,
      endpoints: { oauth2TokenUrl: `${gcp.url}/token` },
    });
    const { token } = await client.getAccessToken();
    expect(token === gcp.issuedTokens.at(-1)?.token).toBe(true);
    expect(gcp.issuedTokens.at(-1)?.kind).toBe('user');
    expect((await access(secretManager(client), 'user-secret')) === values.gcpUser).toBe(true);
  });

  it('UserRefreshClient surfaces invalid_grant for a refresh token the endpoint does not know', async () => {
    const { clientId, clientSecret } = login();
    const client = new UserRefreshClient({
      clientId,
      clientSecret,
      refreshToken: 'not-a-refresh-token',
      endpoints: { oauth2TokenUrl: `${gcp.url}/token` },
    });
    const error = await client.getAccessToken().catch((e: unknown) => e);
    expect(String((error as Error).message)).toContain('invalid_grant');
  });

  it('Impersonated turns the user token into the service account’s', async () => {
    const { clientId, clientSecret, refreshToken } = login();
    const sourceClient = new UserRefreshClient({
      clientId,
      clientSecret,
      refreshToken,
      endpoints: { oauth2TokenUrl: `${gcp.url}/token` },
    });
    const client = new Impersonated({
      sourceClient,
      targetPrincipal: SA,
      targetScopes: ['https://www.googleapis.com/auth/cloud-platform'],
      delegates: [],
      lifetime: 3600,
      endpoint: gcp.url,
    });
    const { token } = await client.getAccessToken();
    expect(token === gcp.issuedTokens.at(-1)?.token).toBe(true);
    expect(gcp.issuedTokens.at(-1)?.kind).toBe('service-account');
    expect((await access(secretManager(client), 'sa-secret')) === values.gcpSa).toBe(true);
  });
});

describe('@azure/identity’s AzureCliCredential against the fake az, then Key Vault', () => {
  /** As in azure-official.test.ts: the SDK addresses {vault}.vault.azure.net, the emulator answers. */
  const toEmulator: PipelinePolicy = {
    name: 'toEmulator',
    async sendRequest(request, next) {
      const original = request.url;
      const url = new URL(original);
      if (!url.hostname.endsWith('.vault.azure.net')) return next(request);
      request.headers.set('host', url.host);
      const target = new URL(azure.url);
      url.protocol = target.protocol;
      url.host = target.host;
      request.url = url.toString();
      try {
        return await next(request);
      } finally {
        request.url = original;
        request.headers.delete('host');
      }
    },
  };

  /**
   * AzureCliCredential runs `az` with child_process.exec and the process's own environment,
   * which jest's sandbox cannot change: it runs in a child node whose PATH has the fake az.
   */
  async function cliCredentialToken(
    bin: string,
  ): Promise<{ token?: string; expiresOnTimestamp?: number; error?: string }> {
    const script =
      "import { AzureCliCredential } from '@azure/identity';" +
      "new AzureCliCredential().getToken('https://vault.azure.net/.default').then(" +
      '(t) => process.stdout.write(JSON.stringify(t)),' +
      '(e) => process.stdout.write(JSON.stringify({ error: String(e.message) })));';
    const { stdout } = await execFileAsync(
      process.execPath,
      ['--input-type=module', '-e', script],
      {
        cwd: process.cwd(),
        env: { ...savedEnv, PATH: `${bin}${delimiter}${savedEnv.PATH ?? ''}` },
      },
    );
    return JSON.parse(stdout) as { token?: string; expiresOnTimestamp?: number; error?: string };
  }

  it('parses the fake az’s answer and reads a secret granted to the user', async () => {
    const signedIn = await azure.userToken(USER_EMAIL);
    azure.addSecret('kv-dev', 'api-key', values.azure);
    azure.grant('kv-dev', signedIn.objectId);
    const bin = writeFakeAz(join(home, 'bin'), {
      tokens: { 'https://vault.azure.net': signedIn },
      tenant: azure.tenantId,
      subscription: '00000000-0000-0000-0000-000000000001',
    });
    const token = await cliCredentialToken(bin);
    expect(token.error).toBeUndefined();
    expect(token.token === signedIn.accessToken).toBe(true);
    expect(Math.abs(token.expiresOnTimestamp! - signedIn.expiresAt)).toBeLessThan(1000);
    const credential = {
      getToken: () =>
        Promise.resolve({ token: token.token!, expiresOnTimestamp: token.expiresOnTimestamp! }),
    };
    const client = new SecretClient('https://kv-dev.vault.azure.net', credential, {
      additionalPolicies: [{ policy: toEmulator, position: 'perRetry' }],
      tlsOptions: { ca: tls.cert },
      retryOptions: { maxRetries: 0 },
    });
    expect((await client.getSecret('api-key')).value === values.azure).toBe(true);
  });

  it('reports the fake az’s not-logged-in answer as the SDK reports the real one', async () => {
    const bin = writeFakeAz(join(home, 'bin-out'), undefined);
    const answer = await cliCredentialToken(bin);
    expect(answer.token).toBeUndefined();
    // AzureCliCredential tells "not installed" from "not logged in" by az's stderr.
    expect(answer.error).toMatch(/az login/);
    expect(answer.error).not.toMatch(/could not be found/);
  });
});
