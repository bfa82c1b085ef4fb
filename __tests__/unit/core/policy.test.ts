import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPolicy } from '../../../src/core/policy.js';

const strict = { requireOidc: true, allowUntrustedEvents: false };
const messages = (env: NodeJS.ProcessEnv, options = strict) =>
  checkPolicy(options, env).map((e) => e.message);

describe('checkPolicy', () => {
  it('passes a clean OIDC job', () => {
    expect(messages({ GITHUB_EVENT_NAME: 'push' })).toEqual([]);
  });

  it.each(['pull_request_target', 'workflow_run'])('refuses %s unless allowed', (event) => {
    expect(messages({ GITHUB_EVENT_NAME: event })[0]).toMatch(
      new RegExp(`on the ${event} event.*allow-untrusted-events: true`),
    );
    expect(
      messages({ GITHUB_EVENT_NAME: event }, { ...strict, allowUntrustedEvents: true }),
    ).toEqual([]);
  });

  it('refuses long-lived credentials in the environment and inputs, naming them but not their values', () => {
    const fakeKey = 'AKIA' + 'FAKEFAKEFAKEFAKE';
    const found = messages({
      VAULT_TOKEN: 'hvs.fake-vault-token-value',
      AWS_ACCESS_KEY_ID: fakeKey,
      AWS_SECRET_ACCESS_KEY: 'fake-secret',
      AZURE_CLIENT_SECRET: 'fake-azure-secret',
      'INPUT_VAULT-TOKEN': 'hvs.other-fake',
    });
    expect(found).toHaveLength(4);
    expect(found.join('\n')).toMatch(/input vault-token/);
    expect(found.join('\n')).toMatch(/VAULT_TOKEN holds a Vault token/);
    expect(found.join('\n')).toMatch(
      /AWS_ACCESS_KEY_ID holds an IAM user access key.*aws-role-arn/,
    );
    expect(found.join('\n')).toMatch(/AZURE_CLIENT_SECRET/);
    for (const value of [
      fakeKey,
      'hvs.fake-vault-token-value',
      'fake-secret',
      'fake-azure-secret',
    ]) {
      expect(found.join('\n').includes(value)).toBe(false);
    }
    expect(messages({ VAULT_TOKEN: 'x' }, { ...strict, requireOidc: false })).toEqual([]);
  });

  it('accepts a temporary AWS session from an earlier OIDC step', () => {
    expect(
      messages({
        AWS_ACCESS_KEY_ID: 'ASIA' + 'FAKEFAKEFAKEFAKE',
        AWS_SECRET_ACCESS_KEY: 'x',
        AWS_SESSION_TOKEN: 'y',
      }),
    ).toEqual([]);
  });

  it('tells a GCP key file from a workload identity federation config', () => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-'));
    const key = join(dir, 'key.json');
    const wif = join(dir, 'wif.json');
    writeFileSync(
      key,
      JSON.stringify({
        type: 'service_account',
        private_key: '-----BEGIN PRIVATE KEY-----\nfake\n',
      }),
    );
    writeFileSync(
      wif,
      JSON.stringify({ type: 'external_account', audience: '//iam.googleapis.com/x' }),
    );
    expect(messages({ GOOGLE_APPLICATION_CREDENTIALS: key })[0]).toMatch(
      /GOOGLE_APPLICATION_CREDENTIALS holds a GCP service account key/,
    );
    expect(messages({ GOOGLE_APPLICATION_CREDENTIALS: wif })).toEqual([]);
  });
});
