// SPEC §1.6: require-oidc recognises every common long-lived form, naming the variable or
// file and never the value; comment events on pull requests are refused by default.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPolicy } from '../../../src/core/policy.js';

const strict = { requireOidc: true, allowUntrustedEvents: false };
const messages = (env: NodeJS.ProcessEnv, options = strict) =>
  checkPolicy(options, env).map((e) => e.message);
const fake = (prefix = '') => `${prefix}${randomBytes(12).toString('hex')}`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'policy-forms-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('require-oidc: Google credential files', () => {
  const refreshToken = fake('1//');
  const userCreds = {
    type: 'authorized_user',
    client_id: 'x',
    client_secret: fake(),
    refresh_token: refreshToken,
  };
  const keyCreds = {
    type: 'service_account',
    private_key: `-----BEGIN PRIVATE KEY-----\n${fake()}\n-----END PRIVATE KEY-----\n`,
  };
  const wif = {
    type: 'external_account',
    audience: '//iam.googleapis.com/x',
    credential_source: { url: 'https://example' },
  };

  it.each([
    ['authorized_user', userCreds, /refresh token/],
    [
      'impersonation from authorized_user',
      {
        type: 'impersonated_service_account',
        service_account_impersonation_url: 'https://x',
        source_credentials: userCreds,
      },
      /impersonation from a Google user's refresh token/,
    ],
    [
      'impersonation from a key',
      { type: 'impersonated_service_account', source_credentials: keyCreds },
      /impersonation from a GCP service account key/,
    ],
    [
      'external_account_authorized_user',
      { type: 'external_account_authorized_user', refresh_token: refreshToken },
      /refresh token/,
    ],
  ])(
    'refuses %s named by GOOGLE_APPLICATION_CREDENTIALS, naming the variable',
    (_what, content, what) => {
      const path = file('creds.json', JSON.stringify(content));
      for (const name of [
        'GOOGLE_APPLICATION_CREDENTIALS',
        'CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE',
      ]) {
        const found = messages({ [name]: path });
        expect(found).toHaveLength(1);
        expect(found[0]).toMatch(new RegExp(`^require-oidc: the file named by ${name} holds`));
        expect(found[0]).toMatch(what);
        expect(found[0]).not.toContain(refreshToken);
      }
    },
  );

  it('passes Workload Identity Federation, and impersonation from it', () => {
    expect(
      messages({ GOOGLE_APPLICATION_CREDENTIALS: file('wif.json', JSON.stringify(wif)) }),
    ).toEqual([]);
    const impersonated = { type: 'impersonated_service_account', source_credentials: wif };
    expect(
      messages({ GOOGLE_APPLICATION_CREDENTIALS: file('imp.json', JSON.stringify(impersonated)) }),
    ).toEqual([]);
  });

  it('refuses static Google access tokens', () => {
    const token = fake('ya29.');
    const found = messages({ CLOUDSDK_AUTH_ACCESS_TOKEN: token, GOOGLE_OAUTH_ACCESS_TOKEN: token });
    expect(found).toHaveLength(2);
    expect(found.join('\n')).toMatch(
      /CLOUDSDK_AUTH_ACCESS_TOKEN holds a static Google access token/,
    );
    expect(found.join('\n')).toMatch(
      /GOOGLE_OAUTH_ACCESS_TOKEN holds a static Google access token/,
    );
    expect(found.join('\n')).not.toContain(token);
  });

  (process.platform === 'win32' ? it.skip : it)(
    'does not hang on a FIFO named as a credentials file',
    () => {
      const fifo = join(dir, 'pipe');
      execFileSync('mkfifo', [fifo]);
      expect(
        messages({ GOOGLE_APPLICATION_CREDENTIALS: fifo, AWS_SHARED_CREDENTIALS_FILE: fifo }),
      ).toEqual([]);
    },
  );
});

describe('require-oidc: AWS, Azure files and variables', () => {
  it('refuses a shared credentials file holding an AKIA key, naming the variable, not the key', () => {
    const key = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
    const secret = fake();
    const path = file(
      'credentials',
      `[default]\naws_access_key_id = ${key}\naws_secret_access_key = ${secret}\n`,
    );
    const found = messages({ AWS_SHARED_CREDENTIALS_FILE: path });
    expect(found).toEqual([
      expect.stringMatching(
        /^require-oidc: the file named by AWS_SHARED_CREDENTIALS_FILE holds an IAM user access key/,
      ),
    ]);
    expect(found[0]).not.toContain(key);
    expect(found[0]).not.toContain(secret);
    // A credential_process profile (what this action writes, SPEC §1.7) passes.
    const profile = file('config', '[profile ci]\ncredential_process = node /tmp/x.js\n');
    expect(messages({ AWS_CONFIG_FILE: profile })).toEqual([]);
  });

  it.each([
    ['AZURE_PASSWORD', /an Azure user password/],
    ['AZURE_CLIENT_CERTIFICATE_PASSWORD', /an Azure client certificate password/],
    ['ARM_CLIENT_CERTIFICATE_PATH', /an Azure client certificate/],
    ['ARM_CLIENT_CERTIFICATE', /an Azure client certificate/],
    ['ARM_CLIENT_CERTIFICATE_PASSWORD', /an Azure client certificate password/],
    ['ARM_CLIENT_SECRET', /an Azure client secret/],
    ['VAULT_TOKEN', /a Vault token/],
  ])('refuses %s', (name, what) => {
    const value = fake();
    const found = messages({ [name]: value });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`the environment variable ${name} holds`));
    expect(found[0]).toMatch(what);
    expect(found[0]).not.toContain(value);
  });

  it('does not refuse a username alone', () => {
    expect(messages({ AZURE_USERNAME: 'ci@example.com' })).toEqual([]);
  });
});

describe('untrusted events: comments on pull requests', () => {
  const event = (payload: unknown) => file('event.json', JSON.stringify(payload));

  it('refuses issue_comment on a pull request, naming the event and allow-untrusted-events', () => {
    const path = event({ issue: { number: 7, pull_request: { url: 'https://api.github.com/x' } } });
    const found = messages({ GITHUB_EVENT_NAME: 'issue_comment', GITHUB_EVENT_PATH: path });
    expect(found).toEqual([
      expect.stringMatching(
        /^refusing to fetch secrets on the issue_comment event: .*allow-untrusted-events: true/,
      ),
    ]);
    expect(
      messages(
        { GITHUB_EVENT_NAME: 'issue_comment', GITHUB_EVENT_PATH: path },
        { ...strict, allowUntrustedEvents: true },
      ),
    ).toEqual([]);
  });

  it('passes issue_comment on a plain issue', () => {
    const path = event({ issue: { number: 7 } });
    expect(messages({ GITHUB_EVENT_NAME: 'issue_comment', GITHUB_EVENT_PATH: path })).toEqual([]);
  });

  it('refuses issue_comment when the payload cannot be read', () => {
    expect(
      messages({
        GITHUB_EVENT_NAME: 'issue_comment',
        GITHUB_EVENT_PATH: join(dir, 'none.json'),
      })[0],
    ).toMatch(/could not be read/);
  });

  it.each(['pull_request_review', 'pull_request_review_comment'])(
    'refuses %s unless allowed',
    (name) => {
      expect(messages({ GITHUB_EVENT_NAME: name })[0]).toMatch(
        new RegExp(`on the ${name} event.*allow-untrusted-events: true`),
      );
      expect(
        messages({ GITHUB_EVENT_NAME: name }, { ...strict, allowUntrustedEvents: true }),
      ).toEqual([]);
    },
  );
});
