// What main hands the keep-alive, and when it starts one at all; and the vault-headers parser.
import { expect, it } from '@jest/globals';
import type { LedgerEntry } from '../../../src/core/ledger.js';
import { parseVaultHeaders } from '../../../src/core/settings.js';
import { keepAlivePlan, type PlanInputs } from '../../../src/github/keep-alive/plan.js';

const token = (ttl: number, renewable = true): LedgerEntry => ({
  provider: 'vault',
  kind: 'token',
  label: 'accessor abcd…',
  data: {
    token: 'hvs.test-token-not-real',
    ttl: String(ttl),
    renewable: String(renewable),
    issuedAt: '1',
  },
});
const lease = (ttl: number, renewable = true): LedgerEntry => ({
  provider: 'vault',
  kind: 'lease',
  label: 'database/creds/ro/x',
  data: {
    leaseId: 'database/creds/ro/x',
    ttl: String(ttl),
    renewable: String(renewable),
    issuedAt: '1',
  },
});

const inputs = (entries: LedgerEntry[], more: Partial<PlanInputs> = {}): PlanInputs => ({
  entries,
  vault: {
    url: 'https://vault.example.com',
    role: 'ci',
    authPath: 'jwt',
    namespace: '',
    audience: '',
  },
  pipeline: {
    concurrency: 1,
    retries: 3,
    timeoutSeconds: 30,
    caCertificate: undefined,
    requireOidc: true,
    allowUntrustedEvents: false,
    revoke: true,
  },
  maxSeconds: 21600,
  tokenFiles: [],
  env: { HTTPS_PROXY: 'http://proxy:3128', ACTIONS_RUNTIME_TOKEN: 'not-for-it' },
  watchPid: 4242,
  oidc: { requestUrl: 'https://oidc.example/token?x=1', requestToken: 'request-token-not-real' },
  vaultTokenExported: true,
  ...more,
});

it('starts nothing when nothing would need renewing within keep-alive-max-seconds', () => {
  expect(keepAlivePlan(inputs([]))).toBeUndefined();
  expect(keepAlivePlan(inputs([token(0)]))).toBeUndefined(); // a token that never expires
  expect(keepAlivePlan(inputs([token(600, false), lease(600, false)]))).toBeUndefined();
  // First renewal at 1800 s, past 600 s.
  expect(keepAlivePlan(inputs([token(3600)], { maxSeconds: 600 }))).toBeUndefined();
  expect(keepAlivePlan(inputs([token(3600)], { maxSeconds: 1801 }))).toBeDefined();
});

it('keeps the Vault token alive only when something after main depends on it', () => {
  const kvOnly = { vaultTokenExported: false };
  // A token that only read KV secrets: nothing uses it after main; post finds it gone.
  expect(keepAlivePlan(inputs([token(600)], kvOnly))).toBeUndefined();
  // Later steps hold it (credentials: vault: env).
  expect(keepAlivePlan(inputs([token(600)]))?.vault?.renewables.tokenRenewable).toBe(true);
  // A lease dies with the token, even one that cannot itself be renewed.
  expect(keepAlivePlan(inputs([token(600), lease(600, false)], kvOnly))).toBeDefined();
  // pki/revoke in post needs a live token.
  const certificate: LedgerEntry = {
    provider: 'vault',
    kind: 'certificate',
    label: 'pki/issue/web',
    data: { serial: '01:02', mount: 'pki' },
  };
  expect(keepAlivePlan(inputs([token(600), certificate], kvOnly))).toBeDefined();
});

it('hands over the Vault renewables and the proxy, and the OIDC request only for token files', () => {
  const plan = keepAlivePlan(inputs([token(900), lease(300)]));
  expect(plan?.vault?.renewables).toMatchObject({
    tokenTtlSeconds: 900,
    tokenRenewable: true,
    leases: [{ id: 'database/creds/ro/x', ttlSeconds: 300, renewable: true }],
  });
  expect(plan?.proxyEnv).toEqual({ HTTPS_PROXY: 'http://proxy:3128' });
  expect(plan?.oidc).toBeUndefined();
  expect(plan?.watchPid).toBe(4242);
  const files = keepAlivePlan(
    inputs([], { tokenFiles: [{ path: '/tmp/t', audience: 'a' }], watchPid: 1 }),
  );
  expect(files?.oidc?.requestToken).toBe('request-token-not-real');
  expect(files?.vault).toBeUndefined();
  // pid 1 (init, or no parent in a container) is nothing to watch.
  expect(files?.watchPid).toBe(0);
  expect(JSON.stringify(files)).not.toContain('not-for-it');
});

it('parses vault-headers lines, and names a bad line without quoting it', () => {
  expect(parseVaultHeaders('X-Api-Key: k1:with:colons\n\n# comment\nX-Tenant:  t  ')).toEqual([
    ['X-Api-Key', 'k1:with:colons'],
    ['X-Tenant', 't'],
  ]);
  for (const [text, line] of [
    ['X-Ok: 1\nno colon here s3cr3t', 2],
    ['Bad Name: s3cr3t', 1],
    ['X-Empty:', 1],
  ] as const) {
    expect(() => parseVaultHeaders(text)).toThrow(`(line ${line}): expected Name: value`);
    try {
      parseVaultHeaders(text);
    } catch (error) {
      expect((error as Error).message).not.toContain('s3cr3t');
    }
  }
  expect(() => parseVaultHeaders('x-vault-token: s3cr3t')).toThrow(
    /a header other than x-vault-token/,
  );
});
