// `oidc-secrets run` on a laptop (GITHUB_ACTIONS unset): vault:, aws:, gcp: and azure:
// references log in with the person's own login, each created here for real — files in a
// temporary HOME, variables, a fake `az` on PATH — against the emulators. In a job
// (GITHUB_ACTIONS=true) the same logins are refused by require-oidc, naming the variable or
// file. Every output is checked for the values, their lines and leaves, and the credentials.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { startAws, type AwsEmulator, type IamUser } from '../../../test/emulators/aws.js';
import { startAzure, type AzureEmulator } from '../../../test/emulators/azure.js';
import { startGcp, type GcpEmulator } from '../../../test/emulators/gcp.js';
import { writeFakeAz } from '../../../test/support/fake-az.js';
import { expectNoLeak } from '../../../test/support/leaks.js';
import { startVaultFixture, type VaultFixture } from '../vault/fixture.js';
import { CLI, expectOutput, runCli, sha, type CliResult } from './cli-process.js';

const REGION = 'eu-west-1';
const ROLE = 'arn:aws:iam::123456789012:role/deployer';
const SA = 'reader@my-proj.iam.gserviceaccount.com';
const USER_EMAIL = 'dev@example.com';

let f: VaultFixture;
let aws: AwsEmulator;
let gcp: GcpEmulator;
let azure: AzureEmulator;
let user: IamUser;
let home: string;
let dir: string;
/** Every value and credential of this file: none may appear unmasked in any output. */
const secrets: unknown[] = [];
const values = {
  awsUser: `{"user":"u-${randomBytes(8).toString('hex')}","password":"${randomBytes(12).toString('base64url')}"}`,
  awsRole: randomBytes(18).toString('base64url'),
  awsSso: randomBytes(18).toString('base64url'),
  gcpUser: `line-one-${randomBytes(8).toString('hex')}\nline-two-${randomBytes(8).toString('hex')}`,
  gcpSa: randomBytes(18).toString('base64url'),
  azure: randomBytes(18).toString('base64url'),
};
const ssoToken = `aoa${randomBytes(48).toString('base64url')}`;

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  f = await startVaultFixture();
  [aws, gcp, azure] = await Promise.all([
    startAws({ issuer: f.issuer.issuer, jwksUrl: f.issuer.jwksUrl, region: REGION }),
    startGcp({ issuer: f.issuer.issuer, jwksUrl: f.issuer.jwksUrl }),
    startAzure({ issuer: f.issuer.issuer, jwksUrl: f.issuer.jwksUrl }),
  ]);
  user = aws.addUser('dev', { secrets: ['dev/*'] });
  aws.addRole(ROLE, { subjectPatterns: [], trustedPrincipals: [user.arn], secrets: ['prod/*'] });
  aws.addSsoAssignment(ssoToken, 'ReadOnly', { secrets: ['sso/*'] });
  aws.createSecret('dev/db', values.awsUser);
  aws.createSecret('prod/api', values.awsRole);
  aws.createSecret('sso/api', values.awsSso);
  gcp.addSecret('user-secret', values.gcpUser, [`user:${USER_EMAIL}`]);
  gcp.addSecret('sa-secret', values.gcpSa, [`serviceAccount:${SA}`]);
  gcp.addServiceAccount(SA, [`user:${USER_EMAIL}`]);
  azure.addSecret('kv-dev', 'api-key', values.azure);
  secrets.push(
    ...Object.values(values),
    f.values.db,
    user.accessKeyId,
    user.secretAccessKey,
    ssoToken,
  );
});

afterAll(async () => {
  await Promise.all([aws.close(), gcp.close(), azure.close(), f.close()]);
});

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'cli-laptop-home-'));
  dir = await mkdtemp(join(tmpdir(), 'cli-laptop-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
  await rm(dir, { recursive: true, force: true });
});

/** A laptop: no Actions variables, HOME here, the emulators as the clouds' endpoints. */
function laptopEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    HOME: home,
    GITHUB_ACTIONS: '',
    ACTIONS_ID_TOKEN_REQUEST_URL: '',
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: '',
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
    AWS_SESSION_TOKEN: '',
    AWS_PROFILE: '',
    AWS_REGION: '',
    AWS_DEFAULT_REGION: '',
    AWS_CONFIG_FILE: '',
    AWS_SHARED_CREDENTIALS_FILE: '',
    VAULT_TOKEN: '',
    VAULT_ADDR: '',
    GOOGLE_APPLICATION_CREDENTIALS: '',
    CLOUDSDK_CONFIG: '',
    OIDC_SECRETS_ENDPOINTS: [
      `aws-sts: ${aws.url}`,
      `aws-secretsmanager: ${aws.url}`,
      `gcp-oauth2: ${gcp.url}`,
      `gcp-iamcredentials: ${gcp.url}`,
      `gcp-secretmanager: ${gcp.url}`,
      `azure-keyvault-suffix: ${azure.url}`,
    ].join('\n'),
    ...extra,
  };
}

/** A job without id-token: write (a self-hosted runner with the person's files around). */
const jobEnv = (extra: Record<string, string> = {}) =>
  laptopEnv({ GITHUB_ACTIONS: 'true', ...extra });

/** CMD prints the hash of each variable and then the variable itself (which must be masked). */
function printer(...names: string[]): string[] {
  const script = `const h=(v)=>require('crypto').createHash('sha256').update(v??'<undefined>').digest('hex').slice(0,16);
    for (const n of ${JSON.stringify(names)}) console.log(n, h(process.env[n]), process.env[n]);`;
  return [process.execPath, '-e', script];
}

async function runWith(
  lines: string,
  env: Record<string, string>,
  names: string[],
): Promise<CliResult> {
  await writeFile(join(dir, '.oidc-secrets'), lines);
  const result = await runCli(['run', '--', ...printer(...names)], { cwd: dir, env });
  // In a job, `::add-mask::` lines register values with the runner, which never shows them.
  const shown = (text: string) =>
    env.GITHUB_ACTIONS === 'true' ? text.replace(/^::add-mask::.*\n/gm, '') : text;
  expectNoLeak(shown(result.stdout) + shown(result.stderr), secrets);
  return result;
}

const expected = (pairs: Array<[string, string]>) =>
  pairs.map(([name, value]) => `${name} ${sha(value)} ***\n`).join('');

describe('vault: with the person’s token', () => {
  it('uses VAULT_TOKEN and VAULT_ADDR, revokes the lease it read, and leaves the token alive', async () => {
    const token = f.vault.issueToken({ policies: ['ci-read'] });
    secrets.push(token);
    const tokensBefore = f.vault.liveTokens();
    const result = await runWith(
      'DB_PASSWORD: vault:secret/data/ci/db#password\nPG_*: vault:database/creds/readonly\n',
      laptopEnv({ VAULT_ADDR: f.vault.url, VAULT_TOKEN: token }),
      ['DB_PASSWORD'],
    );
    expect(result.code).toBe(0);
    expectOutput(result.stdout, expected([['DB_PASSWORD', f.values.db.password]]));
    expect(f.vault.liveLeases()).toEqual([]);
    expect(f.vault.liveTokens()).toBe(tokensBefore);
    expect(f.vault.requests.some((r) => r.path.endsWith('auth/token/lookup-self'))).toBe(true);
    expect(f.vault.requests.some((r) => r.path.endsWith('revoke-self'))).toBe(false);
  });

  it('uses ~/.vault-token when VAULT_TOKEN is not set, and says which in the debug log', async () => {
    const token = f.vault.issueToken({ policies: ['ci-read'] });
    secrets.push(token);
    await writeFile(join(home, '.vault-token'), `${token}\n`);
    const result = await runWith(
      'DB_USER: vault:secret/data/ci/db#user\n',
      laptopEnv({ VAULT_ADDR: f.vault.url, OIDC_SECRETS_DEBUG: '1' }),
      ['DB_USER'],
    );
    expect(result.code).toBe(0);
    expectOutput(result.stdout, expected([['DB_USER', f.values.db.user]]));
    expect(result.stderr).toContain('vault: using the token from ~/.vault-token');
  });

  it('names ~/.vault-token when Vault refuses the token, and says what to do when there is none', async () => {
    await writeFile(join(home, '.vault-token'), 'hvs.not-a-live-token\n');
    const refused = await runWith(
      'DB_USER: vault:secret/data/ci/db#user\n',
      laptopEnv({ VAULT_ADDR: f.vault.url }),
      ['DB_USER'],
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('the token from ~/.vault-token');
    expect(refused.stderr).toContain('vault login');
    expect(refused.stderr).not.toContain('not-a-live-token');

    await rm(join(home, '.vault-token'));
    const none = await runWith(
      'DB_USER: vault:secret/data/ci/db#user\n',
      laptopEnv({ VAULT_ADDR: f.vault.url }),
      [],
    );
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no Vault token here: set VAULT_TOKEN, or run `vault login`');
  });
});

describe('aws: with the person’s credential chain', () => {
  const awsDir = () => join(home, '.aws');
  async function writeAws(config: string, credentials = ''): Promise<void> {
    await mkdir(awsDir(), { recursive: true });
    await writeFile(join(awsDir(), 'config'), config);
    if (credentials) await writeFile(join(awsDir(), 'credentials'), credentials);
  }
  const userCredentials = () =>
    `[dev]\naws_access_key_id = ${user.accessKeyId}\naws_secret_access_key = ${user.secretAccessKey}\n`;

  it('signs with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY from the environment', async () => {
    const result = await runWith(
      'DB_*: aws:dev/db\n',
      laptopEnv({
        AWS_ACCESS_KEY_ID: user.accessKeyId,
        AWS_SECRET_ACCESS_KEY: user.secretAccessKey,
        AWS_REGION: REGION,
      }),
      ['DB_USER', 'DB_PASSWORD'],
    );
    expect(result.code).toBe(0);
    const parsed = JSON.parse(values.awsUser) as { user: string; password: string };
    expectOutput(
      result.stdout,
      expected([
        ['DB_USER', parsed.user],
        ['DB_PASSWORD', parsed.password],
      ]),
    );
  });

  it('assumes role_arn with source_profile’s keys (AWS_PROFILE, region from the profile)', async () => {
    await writeAws(
      `[profile deploy]\nrole_arn = ${ROLE}\nsource_profile = dev\nregion = ${REGION}\n`,
      userCredentials(),
    );
    const result = await runWith('API: aws:prod/api\n', laptopEnv({ AWS_PROFILE: 'deploy' }), [
      'API',
    ]);
    expect(result.code).toBe(0);
    expectOutput(result.stdout, expected([['API', values.awsRole]]));
    expect(aws.requests.some((r) => r.operation === 'sts:AssumeRole')).toBe(true);
  });

  it('assumes --aws-role-arn from the default profile’s keys', async () => {
    await writeAws(
      `[default]\nregion = ${REGION}\n`,
      userCredentials().replace('[dev]', '[default]'),
    );
    const result = await runWith(
      'API: aws:prod/api\n',
      laptopEnv({ OIDC_SECRETS_AWS_ROLE_ARN: ROLE }),
      ['API'],
    );
    expect(result.code).toBe(0);
    expectOutput(result.stdout, expected([['API', values.awsRole]]));
  });

  it('gets role credentials from the SSO portal with the cached `aws sso login` token', async () => {
    await writeAws(
      `[profile sso-dev]\nsso_session = corp\nsso_account_id = ${aws.accountId}\nsso_role_name = ReadOnly\nregion = ${REGION}\n\n` +
        `[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = ${REGION}\n`,
    );
    const cache = join(awsDir(), 'sso', 'cache');
    await mkdir(cache, { recursive: true });
    const key = createHash('sha1').update('corp').digest('hex');
    await writeFile(
      join(cache, `${key}.json`),
      JSON.stringify({
        accessToken: ssoToken,
        expiresAt: new Date(Date.now() + 3600_000).toISOString(),
        region: REGION,
      }),
    );
    const env = laptopEnv({ AWS_PROFILE: 'sso-dev', AWS_ENDPOINT_URL_SSO: aws.url });
    const result = await runWith('API: aws:sso/api\n', env, ['API']);
    expect(result.code).toBe(0);
    expectOutput(result.stdout, expected([['API', values.awsSso]]));

    await writeFile(
      join(cache, `${key}.json`),
      JSON.stringify({
        accessToken: ssoToken,
        expiresAt: new Date(Date.now() - 1000).toISOString(),
      }),
    );
    const expired = await runWith('API: aws:sso/api\n', env, ['API']);
    expect(expired.code).toBe(1);
    expect(expired.stderr).toContain(
      'profile sso-dev: the IAM Identity Center login in ~/.aws/sso/cache/',
    );
    expect(expired.stderr).toContain('aws sso login');
  });

  it('runs credential_process and signs with what it prints', async () => {
    const script = join(home, 'creds.cjs');
    await writeFile(
      script,
      `process.stdout.write(JSON.stringify({Version:1,AccessKeyId:${JSON.stringify(user.accessKeyId)},SecretAccessKey:${JSON.stringify(user.secretAccessKey)}}));`,
    );
    await writeAws(
      `[profile proc]\ncredential_process = "${process.execPath}" "${script}"\nregion = ${REGION}\n`,
    );
    const result = await runWith('DB_*: aws:dev/db\n', laptopEnv({ AWS_PROFILE: 'proc' }), [
      'DB_USER',
    ]);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(values.awsUser) as { user: string };
    expectOutput(result.stdout, expected([['DB_USER', parsed.user]]));

    await writeFile(
      script,
      `process.stdout.write('oops ' + ${JSON.stringify(user.secretAccessKey)}); process.exit(0);`,
    );
    const broken = await runWith('DB_*: aws:dev/db\n', laptopEnv({ AWS_PROFILE: 'proc' }), []);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(
      'credential_process of profile proc printed something that is not JSON',
    );
  });

  it('tells a laptop user whose login may not read a secret to grant it to that login', async () => {
    const result = await runWith(
      'API: aws:prod/api\n',
      laptopEnv({
        AWS_ACCESS_KEY_ID: user.accessKeyId,
        AWS_SECRET_ACCESS_KEY: user.secretAccessKey,
        AWS_REGION: REGION,
      }),
      [],
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'Grant secretsmanager:GetSecretValue on this secret to the identity of your AWS login',
    );
  });

  it('names the profile AWS_PROFILE asks for when no file has it', async () => {
    const result = await runWith(
      'API: aws:prod/api\n',
      laptopEnv({ AWS_PROFILE: 'nope', AWS_REGION: REGION }),
      [],
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'AWS_PROFILE names the profile nope, which is in neither ~/.aws/config nor ~/.aws/credentials',
    );
  });
});

describe('gcp: with application-default credentials', () => {
  it('refreshes the authorized_user login gcloud wrote under ~/.config/gcloud', async () => {
    const login = gcp.addUser(USER_EMAIL);
    secrets.push(login.refreshToken, login.clientSecret);
    const adc = join(home, '.config', 'gcloud');
    await mkdir(adc, { recursive: true });
    await writeFile(
      join(adc, 'application_default_credentials.json'),
      JSON.stringify({
        ...{
          client_id: login.clientId,
          client_secret: login.clientSecret,
          refresh_token: login.refreshToken,
        },
        type: 'authorized_user',
      }),
    );
    const result = await runWith(
      `NOTE: gcp:projects/${gcp.projectId}/secrets/user-secret/versions/latest\n`,
      laptopEnv(),
      ['NOTE'],
    );
    expect(result.code).toBe(0);
    expectOutput(
      result.stdout,
      expected([['NOTE', values.gcpUser]]).replace(/ \*\*\*\n$/, ' ***\n***\n'),
    );
    // The person's tokens are not revoked: that would revoke the refresh token too.
    expect(gcp.requests.some((r) => r.operation === 'oauth2:revoke')).toBe(false);
  });

  it('impersonates the service account of an impersonated_service_account file named by GOOGLE_APPLICATION_CREDENTIALS', async () => {
    const login = gcp.addUser(USER_EMAIL);
    secrets.push(login.refreshToken, login.clientSecret);
    const file = join(home, 'impersonated.json');
    await writeFile(
      file,
      JSON.stringify({
        delegates: [],
        service_account_impersonation_url: `https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/${SA}:generateAccessToken`,
        source_credentials: {
          client_id: login.clientId,
          client_secret: login.clientSecret,
          refresh_token: login.refreshToken,
          type: 'authorized_user',
        },
        type: 'impersonated_service_account',
      }),
    );
    const result = await runWith(
      `KEY: gcp:projects/${gcp.projectId}/secrets/sa-secret/versions/latest\n`,
      laptopEnv({ GOOGLE_APPLICATION_CREDENTIALS: file }),
      ['KEY'],
    );
    expect(result.code).toBe(0);
    expectOutput(result.stdout, expected([['KEY', values.gcpSa]]));
    expect(gcp.issuedTokens.at(-1)?.kind).toBe('service-account');
  });

  it('says what to run when there are no application-default credentials', async () => {
    const result = await runWith(
      `KEY: gcp:projects/${gcp.projectId}/secrets/sa-secret/versions/latest\n`,
      laptopEnv(),
      [],
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('gcloud auth application-default login');
  });
});

describe('azure: with the Azure CLI’s session', () => {
  it('reads Key Vault with the token `az account get-access-token` prints', async () => {
    const signedIn = await azure.userToken(USER_EMAIL);
    secrets.push(signedIn.accessToken);
    azure.grant('kv-dev', signedIn.objectId);
    const bin = writeFakeAz(join(home, 'bin'), {
      tokens: { 'https://vault.azure.net': signedIn },
      tenant: azure.tenantId,
      subscription: '00000000-0000-0000-0000-000000000001',
    });
    const result = await runWith(
      'API_KEY: azure:kv-dev/api-key\n',
      laptopEnv({ PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` }),
      ['API_KEY'],
    );
    expect(result.code).toBe(0);
    expectOutput(result.stdout, expected([['API_KEY', values.azure]]));
  });

  it('passes on az’s own reason when nobody is logged in', async () => {
    const bin = writeFakeAz(join(home, 'bin-out'), undefined);
    const result = await runWith(
      'API_KEY: azure:kv-dev/api-key\n',
      laptopEnv({ PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` }),
      [],
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Please run 'az login' to setup account.");
  });
});

describe('in a job (GITHUB_ACTIONS=true) the person’s logins stay refused by require-oidc', () => {
  it('names VAULT_TOKEN and ~/.vault-token', async () => {
    const token = f.vault.issueToken({ policies: ['ci-read'] });
    secrets.push(token);
    const lines = 'DB_USER: vault:secret/data/ci/db#user\n';
    const fromEnv = await runWith(lines, jobEnv({ VAULT_ADDR: f.vault.url, VAULT_TOKEN: token }), [
      'DB_USER',
    ]);
    expect(fromEnv.code).toBe(1);
    expect(fromEnv.stderr).toContain(
      'require-oidc: the environment variable VAULT_TOKEN holds a Vault token',
    );

    await writeFile(join(home, '.vault-token'), token);
    const fromFile = await runWith(lines, jobEnv({ VAULT_ADDR: f.vault.url }), ['DB_USER']);
    expect(fromFile.code).toBe(1);
    expect(fromFile.stderr).toContain(
      "require-oidc: vault: ~/.vault-token holds a person's own login",
    );
    expect(fromFile.stdout).toBe('');

    // A self-hosted runner whose owner allows it.
    const allowed = await runWith(
      lines,
      jobEnv({ VAULT_ADDR: f.vault.url, OIDC_SECRETS_REQUIRE_OIDC: 'false' }),
      ['DB_USER'],
    );
    expect(allowed.code).toBe(0);
    expectOutput(
      allowed.stdout.replace(/^::add-mask::.*\n/gm, ''),
      expected([['DB_USER', f.values.db.user]]),
    );
  });

  it('names the AWS profile, the ADC file and the Azure CLI', async () => {
    await mkdir(join(home, '.aws'), { recursive: true });
    await writeFile(join(home, '.aws', 'config'), `[default]\nregion = ${REGION}\n`);
    await writeFile(
      join(home, '.aws', 'credentials'),
      `[default]\naws_access_key_id = ${user.accessKeyId}\naws_secret_access_key = ${user.secretAccessKey}\n`,
    );
    const awsRefused = await runWith('API: aws:dev/db\n', jobEnv(), []);
    expect(awsRefused.code).toBe(1);
    expect(awsRefused.stderr).toContain(
      "require-oidc: aws: profile default holds a person's own login",
    );

    const login = gcp.addUser(USER_EMAIL);
    secrets.push(login.refreshToken, login.clientSecret);
    const tokenRequests = gcp.requests.filter((r) => r.operation === 'oauth2:token').length;
    await mkdir(join(home, '.config', 'gcloud'), { recursive: true });
    await writeFile(
      join(home, '.config', 'gcloud', 'application_default_credentials.json'),
      JSON.stringify({
        client_id: login.clientId,
        client_secret: login.clientSecret,
        refresh_token: login.refreshToken,
        type: 'authorized_user',
      }),
    );
    const gcpRefused = await runWith(
      `K: gcp:projects/${gcp.projectId}/secrets/sa-secret/versions/latest\n`,
      jobEnv(),
      [],
    );
    expect(gcpRefused.code).toBe(1);
    expect(gcpRefused.stderr).toContain(
      "require-oidc: gcp: ~/.config/gcloud/application_default_credentials.json holds a person's own login",
    );

    const bin = writeFakeAz(join(home, 'bin'), undefined);
    chmodSync(join(bin, 'az'), 0o755);
    const azureRefused = await runWith(
      'K: azure:kv-dev/api-key\n',
      jobEnv({ PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` }),
      [],
    );
    expect(azureRefused.code).toBe(1);
    expect(azureRefused.stderr).toContain(
      'require-oidc: azure: the Azure CLI (az account get-access-token)',
    );
    // Nothing was asked of the clouds on a refusal.
    expect(gcp.requests.filter((r) => r.operation === 'oauth2:token')).toHaveLength(tokenRequests);
  });
});
