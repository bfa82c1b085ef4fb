// `credentials:` kept alive (SPEC §1.7), end to end through the built dist/ entries as the
// runner runs them: main starts the keep-alive, a later step (a child process using the
// official client, or plain HTTP for Vault) succeeds AFTER the first credentials expired,
// and post stops the keep-alive, reports what it renewed and revokes. Lifetimes are
// seconds: the job's OIDC tokens, Entra access tokens and the Vault token all expire
// within the later step. Each test has its control with `keep-alive: false`, where the
// same later step fails, so neither can pass without the keep-alive doing its work.
import { createHash, randomBytes } from 'node:crypto';
import { startAzure, type AzureEmulator } from '../../../test/emulators/azure.js';
import { startOidcIssuer, type OidcIssuer } from '../../../test/emulators/oidc-issuer.js';
import { startVault, type VaultEmulator } from '../../../test/emulators/vault.js';
import { selfSignedLoopbackCertificate } from '../../../test/support/certificates.js';
import { expectNoLeak } from '../../../test/support/leaks.js';
import { REPO_ROOT, runJob, type JobResult } from '../../../test/support/runner.js';

const CLIENT = '11111111-2222-3333-4444-555555555555';
const MAIN_SUB = 'repo:octo-org/octo-repo:ref:refs/heads/main';
const VAULT_AUDIENCE = 'https://vault.example.com';
/** Entra's access tokens and the Vault token live this long (seconds). */
const LIFETIME = 3;
/**
 * The job's OIDC tokens live this long: enough for a later step on a busy machine to start
 * and use the first one before it expires, short enough to see it expire.
 */
const OIDC_LIFETIME = 6;

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const password = `vault-pw-${randomBytes(12).toString('hex')}`;

let issuer: OidcIssuer;
let azure: AzureEmulator;
let vault: VaultEmulator;
let tls: { key: string; cert: string };

beforeAll(async () => {
  tls = selfSignedLoopbackCertificate();
  issuer = await startOidcIssuer({ lifetimeSeconds: OIDC_LIFETIME });
  azure = await startAzure({ issuer: issuer.issuer, tls, tokenLifetimeSeconds: LIFETIME });
  azure.addApp(CLIENT, [{ issuer: issuer.issuer, subject: MAIN_SUB }]);
  vault = await startVault({ issuer });
  vault.addPolicy('ci-read', { 'secret/data/ci/*': ['read'] });
  vault.addJwtRole('short', {
    bound_audiences: [VAULT_AUDIENCE],
    bound_claims: { repository: 'octo-org/octo-repo' },
    token_policies: ['ci-read'],
    token_ttl: LIFETIME,
    token_max_ttl: 600,
  });
  vault.addKvV2('secret', 'ci/db', { password });
});

afterAll(async () => {
  await Promise.all([azure?.close(), vault?.close()]);
  await issuer?.close();
});

const inputs = (extra: Record<string, string>) => ({
  'azure-client-id': CLIENT,
  'azure-tenant-id': azure.tenantId,
  'vault-url': vault.url,
  'vault-role': 'short',
  'vault-audience': VAULT_AUDIENCE,
  'ca-certificate': tls.cert,
  endpoints: `azure-authority: ${azure.url}`,
  ...extra,
});

/** Every value, credential and token the job saw: none may show unmasked (nor its base64, nor a line). */
function expectNothingLeaked(job: JobResult): void {
  const vaultToken = job.main.env.VAULT_TOKEN;
  const secrets = [
    password,
    ...azure.issuedTokens.map((t) => t.accessToken),
    ...(vaultToken ? [vaultToken] : []),
  ];
  expectNoLeak(job.log, [...secrets, ...secrets.map((v) => Buffer.from(v).toString('base64'))]);
  // No job OIDC token (a JWT) in any form: as it is, or base64 of its `eyJ` start.
  expect(job.log).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./);
  expect(job.log).not.toMatch(/ZXlK[A-Za-z0-9+/]{20,}/);
}

const factsOf = (job: JobResult): Record<string, unknown> => {
  const line = job.user?.stdout.split('\n').find((l) => l.startsWith('FACTS '));
  return line ? (JSON.parse(line.slice(6)) as Record<string, unknown>) : {};
};

const prelude = `import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
const require = createRequire(${JSON.stringify(`${REPO_ROOT}/package.json`)});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const facts = {};
`;

/** The keep-alive's line in post's log, parsed. */
function postReport(job: JobResult): { how: string; summary: string } | undefined {
  const m = /oidc-secrets post: keep-alive (.+?) after \d+ s: (.+)/.exec(job.post?.log ?? '');
  return m ? { how: m[1] ?? '', summary: m[2] ?? '' } : undefined;
}

/**
 * A later step with @azure/identity's WorkloadIdentityCredential: a token now, and another
 * after the job OIDC token that was in the file at first has expired. A fresh credential
 * each time: the library caches the file's content (5 minutes) and the access token.
 * It prints only facts: outcomes, never a token or an error text.
 */
const azureStep = `${prelude}
const { WorkloadIdentityCredential } = require('@azure/identity');
const file = process.env.AZURE_FEDERATED_TOKEN_FILE;
const expOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')).exp;
const attempt = async () => {
  const credential = new WorkloadIdentityCredential({ disableInstanceDiscovery: true, tlsOptions: { ca: ${JSON.stringify('CA')} } });
  try {
    const token = await credential.getToken('https://management.azure.com/.default');
    return typeof token.token === 'string' && token.token.length > 20 ? 'token' : 'empty';
  } catch (error) {
    // Entra's answer to an expired client assertion (the emulator words it as Entra does).
    return /AADSTS700024/.test(String(error && error.message)) ? 'AADSTS700024' : 'other error';
  }
};
const firstExp = expOf(readFileSync(file, 'utf8'));
facts.first = await attempt();
while (Date.now() <= firstExp * 1000 + 1000) await sleep(200);
facts.firstExpired = Date.now() > firstExp * 1000;
facts.second = await attempt();
facts.fileExpUnexpired = expOf(readFileSync(file, 'utf8')) * 1000 > Date.now();
console.log('FACTS ' + JSON.stringify(facts));
`;

describe('credentials kept alive: later steps after the first credentials expired', () => {
  it('azure: env — WorkloadIdentityCredential gets a token again after the first job OIDC token expired; post reports the refreshes', async () => {
    const tokensBefore = azure.issuedTokens.length;
    const oidcBefore = issuer.tokenRequests.length;
    const job = await runJob({
      inputs: inputs({ credentials: 'azure: env' }),
      issuer,
      timeoutMs: 60_000,
      userStep: azureStep.replace(JSON.stringify('CA'), JSON.stringify(tls.cert)),
    });
    expect(job.main.exitCode).toBe(0);
    expect(job.main.log).toMatch(/keep-alive started \(pid \d+\): keeps 1 token file fresh/);
    expect(job.user?.exitCode).toBe(0);
    expect(factsOf(job)).toEqual({
      first: 'token',
      firstExpired: true,
      second: 'token',
      fileExpUnexpired: true,
    });
    // Main's login and the later step's two.
    expect(azure.issuedTokens.length - tokensBefore).toBe(3);
    expect(job.post?.exitCode).toBe(0);
    const report = postReport(job);
    expect(report?.how).toBe('stopped');
    const refreshes = /refreshed 1 token file (\d+) times?/.exec(report?.summary ?? '');
    expect(refreshes).not.toBeNull();
    // At least one refresh happened (the second attempt needed it), and every refresh was
    // one job OIDC token request: main's own (the login, whose token went into the file) plus
    // the keep-alive's, none more.
    const count = Number(refreshes?.[1]);
    expect(count).toBeGreaterThanOrEqual(1);
    expect(issuer.tokenRequests.length - oidcBefore).toBe(count + 1);
    expectNothingLeaked(job);
  });

  it('azure: env with keep-alive: false — the same later step is refused the second time (AADSTS700024)', async () => {
    const job = await runJob({
      inputs: inputs({ credentials: 'azure: env', 'keep-alive': 'false' }),
      issuer,
      timeoutMs: 60_000,
      userStep: azureStep.replace(JSON.stringify('CA'), JSON.stringify(tls.cert)),
    });
    expect(job.main.exitCode).toBe(0);
    expect(job.main.log).not.toContain('keep-alive started');
    expect(factsOf(job)).toEqual({
      first: 'token',
      firstExpired: true,
      second: 'AADSTS700024',
      fileExpUnexpired: false,
    });
    expect(postReport(job)).toBeUndefined();
    expectNothingLeaked(job);
  });

  /** A later step using VAULT_TOKEN over HTTP after three of the token's original lifetimes. */
  const vaultStep = `${prelude}
import { createHash } from 'node:crypto';
import https from 'node:https';
import http from 'node:http';
const sha = (t) => createHash('sha256').update(t ?? '').digest('hex');
const get = (path) => new Promise((resolve, reject) => {
  const url = new URL(path, process.env.VAULT_ADDR);
  (url.protocol === 'https:' ? https : http).get(url, { ca: readFileSync(process.env.VAULT_CACERT), headers: { 'x-vault-token': process.env.VAULT_TOKEN } }, (res) => {
    let text = '';
    res.on('data', (c) => (text += c));
    res.on('end', () => resolve({ status: res.statusCode, text }));
  }).on('error', reject);
});
const self = await get('/v1/auth/token/lookup-self');
facts.ttl = self.status === 200 && JSON.parse(self.text).data.ttl <= ${LIFETIME};
await sleep(${LIFETIME * 3000});
const read = await get('/v1/secret/data/ci/db');
facts.status = read.status;
facts.read = read.status === 200 && sha(JSON.parse(read.text).data.data.password) === ${JSON.stringify(sha(password))};
console.log('FACTS ' + JSON.stringify(facts));
`;

  it('vault: env — VAULT_TOKEN works over HTTP after its original TTL passed; post reports the renewals and revokes it', async () => {
    const job = await runJob({
      inputs: inputs({ credentials: 'vault: env' }),
      issuer,
      timeoutMs: 60_000,
      userStep: vaultStep,
    });
    expect(job.main.exitCode).toBe(0);
    expect(job.main.log).toMatch(/keep-alive started \(pid \d+\): keeps the Vault token/);
    expect(job.user?.exitCode).toBe(0);
    expect(factsOf(job)).toEqual({ ttl: true, status: 200, read: true });
    expect(job.post?.exitCode).toBe(0);
    const report = postReport(job);
    expect(report?.how).toBe('stopped');
    const renewals = /renewed the Vault token (\d+) times?/.exec(report?.summary ?? '');
    expect(Number(renewals?.[1])).toBeGreaterThanOrEqual(2);
    // Stopped first, then revoked: nothing is left live.
    expect(job.post?.log.indexOf('keep-alive stopped')).toBeLessThan(
      job.post?.log.indexOf('revoked') ?? -1,
    );
    expect(vault.liveTokens()).toBe(0);
    expectNothingLeaked(job);
  });

  it('vault: env with keep-alive: false — the same later step is refused: the token expired', async () => {
    const job = await runJob({
      inputs: inputs({ credentials: 'vault: env', 'keep-alive': 'false' }),
      issuer,
      timeoutMs: 60_000,
      userStep: vaultStep,
    });
    expect(job.main.exitCode).toBe(0);
    // Vault's answer to an expired token: 403 "permission denied".
    expect(factsOf(job)).toEqual({ ttl: true, status: 403, read: false });
    expect(postReport(job)).toBeUndefined();
    expect(vault.liveTokens()).toBe(0);
    expectNothingLeaked(job);
  });

  it('azure: env and vault: env together — post reports both the token renewals and the token file refreshes', async () => {
    const job = await runJob({
      inputs: inputs({ credentials: 'azure: env\nvault: env' }),
      issuer,
      timeoutMs: 60_000,
      userStep: `await new Promise((r) => setTimeout(r, ${OIDC_LIFETIME * 1000}));`,
    });
    expect(job.main.exitCode).toBe(0);
    expect(job.main.log).toMatch(
      /keep-alive started \(pid \d+\): keeps the Vault token and renewable leases and 1 token file fresh/,
    );
    const report = postReport(job);
    expect(report?.how).toBe('stopped');
    const both = /^renewed the Vault token (\d+) times?, refreshed 1 token file (\d+) times?$/.exec(
      report?.summary ?? '',
    );
    expect(both).not.toBeNull();
    expect(Number(both?.[1])).toBeGreaterThanOrEqual(2);
    expect(Number(both?.[2])).toBeGreaterThanOrEqual(1);
    expect(vault.liveTokens()).toBe(0);
    expectNothingLeaked(job);
  });
});
