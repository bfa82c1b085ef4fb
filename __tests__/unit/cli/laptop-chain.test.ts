// The laptop's credential files as the CLI reads them: the AWS shared config/credentials
// precedence of the SDK's default chain, Google ADC kinds, the dotenv quoting of export, and
// which environments use a person's login at all. Fixture keys are generated per run.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { findAwsCredential, parseAwsIni } from '../../../src/cli/laptop/aws-chain.js';
import { findGoogleCredential } from '../../../src/cli/laptop/google-adc.js';
import { usesPersonalLogin } from '../../../src/cli/laptop/identities.js';
import { shownPath } from '../../../src/cli/laptop/paths.js';
import { findVaultToken } from '../../../src/cli/laptop/vault-token.js';
import { formatExport } from '../../../src/cli/export-format.js';
import type { AwsPersonal } from '../../../src/core/personal.js';
import type { VaultSettings } from '../../../src/core/settings.js';
import { checkVaultSettings } from '../../../src/providers/vault.js';

let home: string;
const key = () => `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
const secret = () => randomBytes(30).toString('base64');

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'laptop-chain-'));
  await mkdir(join(home, '.aws'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

const write = (name: string, text: string) => writeFile(join(home, '.aws', name), text);
const keysOf = (found: AwsPersonal | undefined) =>
  found?.kind === 'keys' ? found.keys.accessKeyId : `(${found?.kind ?? 'none'})`;

describe('parseAwsIni', () => {
  it('reads sections, comments and values, and skips nested sub-sections', () => {
    const sections = parseAwsIni(
      '# comment\n[profile  dev]\nregion = eu-west-1 \n; another\ns3 =\n  max_concurrent_requests = 20\naws_access_key_id=AKIAEXAMPLE\n[default]\nregion=us-east-1\n',
    );
    expect(sections.get('profile dev')).toEqual(
      new Map([
        ['region', 'eu-west-1'],
        ['aws_access_key_id', 'AKIAEXAMPLE'],
      ]),
    );
    expect(sections.get('default')?.get('region')).toBe('us-east-1');
  });
});

describe('the AWS chain', () => {
  it('takes the environment first, unless AWS_PROFILE names a profile', async () => {
    const [envKey, fileKey] = [key(), key()];
    await write(
      'credentials',
      `[dev]\naws_access_key_id = ${fileKey}\naws_secret_access_key = ${secret()}\n`,
    );
    const env = { HOME: home, AWS_ACCESS_KEY_ID: envKey, AWS_SECRET_ACCESS_KEY: secret() };
    expect(keysOf(await findAwsCredential({ env, home }))).toBe(envKey);
    expect(keysOf(await findAwsCredential({ env: { ...env, AWS_PROFILE: 'dev' }, home }))).toBe(
      fileKey,
    );
  });

  it('lets the credentials file win over the config file for the same profile', async () => {
    const [configKey, credentialsKey] = [key(), key()];
    await write(
      'config',
      `[profile dev]\naws_access_key_id = ${configKey}\naws_secret_access_key = ${secret()}\n`,
    );
    await write(
      'credentials',
      `[dev]\naws_access_key_id = ${credentialsKey}\naws_secret_access_key = ${secret()}\n`,
    );
    expect(keysOf(await findAwsCredential({ env: { AWS_PROFILE: 'dev' }, home }))).toBe(
      credentialsKey,
    );
  });

  it('reads [default] of the config file without the profile prefix, and AWS_CONFIG_FILE', async () => {
    const k = key();
    const other = join(home, 'elsewhere');
    await writeFile(
      other,
      `[default]\naws_access_key_id = ${k}\naws_secret_access_key = ${secret()}\n`,
    );
    expect(keysOf(await findAwsCredential({ env: { AWS_CONFIG_FILE: other }, home }))).toBe(k);
  });

  it('chains role_arn through source_profile, and a profile that is its own source uses its keys', async () => {
    const k = key();
    await write(
      'config',
      `[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\nexternal_id = x1\n` +
        `[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = b\naws_access_key_id = ${k}\naws_secret_access_key = ${secret()}\n`,
    );
    const found = await findAwsCredential({ env: { AWS_PROFILE: 'a' }, home });
    expect(found?.kind).toBe('assume-role');
    const a = found as Extract<AwsPersonal, { kind: 'assume-role' }>;
    expect(a.roleArn).toBe('arn:aws:iam::1:role/a');
    expect(a.externalId).toBe('x1');
    expect(a.from.kind).toBe('assume-role');
    expect(keysOf((a.from as Extract<AwsPersonal, { kind: 'assume-role' }>).from)).toBe(k);
  });

  it('names a source_profile loop and a profile without credentials', async () => {
    await write(
      'config',
      '[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = c\n[profile c]\nrole_arn = arn:aws:iam::1:role/c\nsource_profile = a\n[profile empty]\nregion = eu-west-1\n',
    );
    await expect(findAwsCredential({ env: { AWS_PROFILE: 'a' }, home })).rejects.toThrow(
      'source_profile makes a loop (a → c → a)',
    );
    await expect(findAwsCredential({ env: { AWS_PROFILE: 'empty' }, home })).rejects.toThrow(
      /profile empty \(~\/\.aws\/config, ~\/\.aws\/credentials\): no credentials/,
    );
  });

  it('finds a legacy sso_start_url profile’s login under the sha1 of the start URL', async () => {
    const startUrl = 'https://legacy.awsapps.com/start';
    await write(
      'config',
      `[profile old]\nsso_start_url = ${startUrl}\nsso_region = eu-west-1\nsso_account_id = 111122223333\nsso_role_name = Dev\n`,
    );
    await expect(findAwsCredential({ env: { AWS_PROFILE: 'old' }, home })).rejects.toThrow(
      /profile old: no IAM Identity Center login is cached \(~\/\.aws\/sso\/cache\/[0-9a-f]{40}\.json is missing\): run `aws sso login`/,
    );
    const cache = join(home, '.aws', 'sso', 'cache');
    await mkdir(cache, { recursive: true });
    const token = randomBytes(24).toString('base64url');
    await writeFile(
      join(cache, `${createHash('sha1').update(startUrl).digest('hex')}.json`),
      JSON.stringify({
        accessToken: token,
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      }),
    );
    const found = await findAwsCredential({ env: { AWS_PROFILE: 'old' }, home });
    expect(found).toMatchObject({
      kind: 'sso',
      accountId: '111122223333',
      roleName: 'Dev',
      ssoRegion: 'eu-west-1',
    });
  });

  it('finds nothing on a laptop without AWS files or variables', async () => {
    expect(await findAwsCredential({ env: {}, home })).toBeUndefined();
  });

  it('reads credential_process output and never quotes it in an error', async () => {
    const k = key();
    const s = secret();
    await write('config', '[default]\ncredential_process = my-helper --json\n');
    const ok = await findAwsCredential({
      env: {},
      home,
      runProcess: () =>
        Promise.resolve(JSON.stringify({ Version: 1, AccessKeyId: k, SecretAccessKey: s })),
    });
    expect(keysOf(ok)).toBe(k);
    const bad = await findAwsCredential({
      env: {},
      home,
      runProcess: () => Promise.resolve(`not json ${s}`),
    }).catch((e: unknown) => e as Error);
    expect((bad as Error).message).toBe(
      'credential_process of profile default printed something that is not JSON',
    );
    const old = await findAwsCredential({
      env: {},
      home,
      runProcess: () =>
        Promise.resolve(
          JSON.stringify({
            Version: 1,
            AccessKeyId: k,
            SecretAccessKey: s,
            Expiration: '2000-01-01T00:00:00Z',
          }),
        ),
    }).catch((e: unknown) => e as Error);
    expect((old as Error).message).toContain('expired at 2000-01-01T00:00:00Z');
  });
});

describe('Google application-default credentials', () => {
  it('names the file for a kind a laptop does not use, and finds nothing without a file', async () => {
    const file = join(home, 'sa.json');
    await writeFile(file, JSON.stringify({ type: 'external_account', audience: 'x' }));
    await expect(
      findGoogleCredential({ GOOGLE_APPLICATION_CREDENTIALS: file }, home),
    ).rejects.toThrow(
      'the file named by GOOGLE_APPLICATION_CREDENTIALS (~/sa.json): credentials of type external_account are not used on a laptop',
    );
    expect(await findGoogleCredential({}, home)).toBeUndefined();
  });

  it('reads impersonation delegates and the service account from the URL', async () => {
    const file = join(home, 'imp.json');
    await writeFile(
      file,
      JSON.stringify({
        type: 'impersonated_service_account',
        service_account_impersonation_url:
          'https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/sa%40p.iam.gserviceaccount.com:generateAccessToken',
        delegates: ['projects/-/serviceAccounts/d1@p.iam.gserviceaccount.com'],
        source_credentials: {
          type: 'authorized_user',
          client_id: 'c',
          client_secret: 's',
          refresh_token: 'r',
        },
      }),
    );
    const found = await findGoogleCredential({ GOOGLE_APPLICATION_CREDENTIALS: file }, home);
    expect(found).toMatchObject({
      kind: 'impersonated',
      serviceAccount: 'sa@p.iam.gserviceaccount.com',
      delegates: ['d1@p.iam.gserviceaccount.com'],
      from: { kind: 'authorized_user' },
    });
  });
});

describe('Vault token and the choice of login', () => {
  it('prefers VAULT_TOKEN over ~/.vault-token', async () => {
    await writeFile(join(home, '.vault-token'), 'hvs.file\n');
    expect(await findVaultToken({ VAULT_TOKEN: 'hvs.env' }, home)).toEqual({
      token: 'hvs.env',
      source: 'VAULT_TOKEN',
    });
    expect(await findVaultToken({}, home)).toEqual({ token: 'hvs.file', source: '~/.vault-token' });
  });

  it('uses a person’s login wherever no OIDC token can be minted', () => {
    expect(usesPersonalLogin({})).toBe(true);
    expect(usesPersonalLogin({ GITHUB_ACTIONS: 'true' })).toBe(true);
    expect(
      usesPersonalLogin({
        GITHUB_ACTIONS: 'true',
        ACTIONS_ID_TOKEN_REQUEST_URL: 'u',
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't',
      }),
    ).toBe(false);
  });

  it('asks a laptop for the Vault address in the vault CLI’s words too', () => {
    const vault: VaultSettings = {
      url: '',
      role: '',
      authPath: 'jwt',
      namespace: '',
      audience: '',
    };
    const personal = () => Promise.resolve({ token: 't', source: 'VAULT_TOKEN' });
    expect(checkVaultSettings({ ...vault, personal })[0]?.message).toBe(
      'vault: references need the Vault address: {{vault.url}}, or VAULT_ADDR as the vault CLI uses it',
    );
    expect(checkVaultSettings(vault)[0]?.message).toContain('to log in with the job OIDC token');
  });

  it('shows paths under HOME as ~/…', () => {
    expect(shownPath(join(home, '.aws', 'config'), home)).toBe('~/.aws/config');
    expect(shownPath('/etc/x', home)).toBe('/etc/x');
  });
});

describe('export’s dotenv lines', () => {
  it('read back unchanged through dotenv for every awkward value it accepts', () => {
    const values = [
      'plain',
      "it's",
      'say "hi"',
      'back\\slash "and" quote',
      'multi\nline\nvalue',
      "`tick` and 'single'",
      '#not a comment',
      '${NOT_EXPANDED}',
      `x=${randomBytes(9).toString('base64')}`,
    ];
    const secrets = values.map((value, i) => ({ name: `V${i}`, value }));
    const parsed = parse(formatExport(secrets, 'dotenv'));
    for (const { name, value } of secrets) expect(parsed[name] === value).toBe(true);
  });

  it('refuses a value no quoting holds, naming only the variable', () => {
    const value = `a'b"c\`d ${randomBytes(4).toString('hex')}`;
    expect(() => formatExport([{ name: 'ALL', value }], 'dotenv')).toThrow(
      /^ALL: its value cannot be written/,
    );
    expect(() => formatExport([{ name: 'PAD', value: ' padded ' }], 'dotenv')).not.toThrow();
  });
});
