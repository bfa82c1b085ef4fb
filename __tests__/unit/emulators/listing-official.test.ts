// The GCP and Azure emulators' listing routes (issue 14) pinned to the official clients:
// @google-cloud/secret-manager (REST transport) listSecrets over the global and a regional
// parent, with a filter, and accessSecretVersion of a regional secret; @azure/keyvault-secrets
// listPropertiesOfSecrets across pages (the SDK follows nextLink itself).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { ExternalAccountClient, type BaseExternalAccountClient } from 'google-auth-library';
import { ClientAssertionCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import {
  GITHUB_ACTIONS_PROVIDER,
  startGcp,
  type GcpEmulator,
} from '../../../test/emulators/gcp.js';
import { startAzure, type AzureEmulator } from '../../../test/emulators/azure.js';
import { startOidcIssuer, type OidcIssuer } from '../../../test/emulators/oidc-issuer.js';
import { selfSignedLoopbackCertificate } from '../../../test/support/certificates.js';

const POOL =
  'principalSet://iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/github';
const MEMBER = `${POOL}/attribute.repository/octo-org/octo-repo`;
const CLIENT = '11111111-2222-3333-4444-555555555555';

let issuer: OidcIssuer;
let gcp: GcpEmulator;
let azure: AzureEmulator;
let tls: { key: string; cert: string };
let audience = '';
let dir = '';
const regional = `${randomBytes(8).toString('hex')}-fake`;

beforeAll(async () => {
  issuer = await startOidcIssuer();
  gcp = await startGcp({
    issuer: issuer.issuer,
    jwksUrl: issuer.jwksUrl,
    projectId: 'my-proj',
    projectNumber: '123456',
  });
  audience = gcp.addProvider({ ...GITHUB_ACTIONS_PROVIDER, provider: 'gh' }).audience;
  for (let i = 0; i < 7; i++)
    gcp.addSecret(`ci-${i}`, 'x'.repeat(12), [MEMBER], { labels: { team: i < 3 ? 'ci' : 'web' } });
  gcp.addSecret('eu-only', regional, [MEMBER], { location: 'europe-west1' });
  gcp.grantListing(MEMBER);
  dir = mkdtempSync(join(tmpdir(), 'listing-official-'));

  tls = selfSignedLoopbackCertificate(['*.vault.azure.net']);
  azure = await startAzure({ issuer: issuer.issuer, jwksUrl: issuer.jwksUrl, tls });
  azure.addApp(CLIENT, [{ issuer: issuer.issuer, subject: issuer.claims().sub as string }]);
  for (let i = 0; i < 30; i++) azure.addSecret('kv-app', `s-${i}`, 'x'.repeat(12));
  azure.addSecret('kv-app', 'off', 'x'.repeat(12), { enabled: false });
  azure.grant('kv-app', CLIENT);
});

afterAll(async () => {
  await gcp.close();
  await azure.close();
  await issuer.close();
  rmSync(dir, { recursive: true, force: true });
});

async function federation(): Promise<BaseExternalAccountClient> {
  const tokenFile = join(dir, `token-${randomBytes(4).toString('hex')}`);
  writeFileSync(tokenFile, await issuer.mint({ aud: `https:${audience}` }));
  const client = ExternalAccountClient.fromJSON({
    type: 'external_account',
    audience,
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    token_url: `${gcp.url}/v1/token`,
    credential_source: { file: tokenFile },
    scopes: ['https://www.googleapis.com/auth/cloud-platform'],
  });
  if (!client) throw new Error('google-auth-library refused the credential configuration');
  return client;
}

async function secretManager(): Promise<SecretManagerServiceClient> {
  const url = new URL(gcp.url);
  return new SecretManagerServiceClient({
    fallback: true,
    // As a regional client is configured (secretmanager.LOCATION.rep.googleapis.com), here
    // the emulator's host.
    apiEndpoint: url.hostname,
    port: Number(url.port),
    protocol: 'http',
    authClient: await federation(),
  });
}

describe('@google-cloud/secret-manager listSecrets against the emulator', () => {
  it('lists every page of a project, and what a label filter keeps', async () => {
    const client = await secretManager();
    const [all] = await client.listSecrets({ parent: 'projects/my-proj', pageSize: 3 });
    expect(all.map((s) => s.name)).toEqual(
      Array.from({ length: 7 }, (_, i) => `projects/123456/secrets/ci-${i}`),
    );
    expect(all[0]?.labels).toEqual({ team: 'ci' });
    const [ci] = await client.listSecrets({ parent: 'projects/my-proj', filter: 'labels.team=ci' });
    expect(ci.map((s) => s.name?.split('/').pop())).toEqual(['ci-0', 'ci-1', 'ci-2']);
  });

  it('lists and reads a regional secret under projects/P/locations/L', async () => {
    const client = await secretManager();
    const [secrets] = await client.listSecrets({
      parent: 'projects/my-proj/locations/europe-west1',
    });
    expect(secrets.map((s) => s.name)).toEqual([
      'projects/123456/locations/europe-west1/secrets/eu-only',
    ]);
    const [version] = await client.accessSecretVersion({
      name: 'projects/my-proj/locations/europe-west1/secrets/eu-only/versions/latest',
    });
    expect(Buffer.from(version.payload!.data as Uint8Array).toString('utf8') === regional).toBe(
      true,
    );
  });
});

/** What the SDK addresses to https://{vault}.vault.azure.net goes to the emulator. */
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

describe('@azure/keyvault-secrets listPropertiesOfSecrets against the emulator', () => {
  it('follows nextLink across pages and reads enabled and name from each item', async () => {
    const credential = new ClientAssertionCredential(
      azure.tenantId,
      CLIENT,
      () => issuer.mint({ aud: 'api://AzureADTokenExchange' }),
      { authorityHost: azure.url, disableInstanceDiscovery: true, tlsOptions: { ca: tls.cert } },
    );
    const client = new SecretClient('https://kv-app.vault.azure.net', credential, {
      additionalPolicies: [{ policy: toEmulator, position: 'perRetry' }],
      tlsOptions: { ca: tls.cert },
      retryOptions: { maxRetries: 0 },
    });
    const seen: Array<{ name: string; enabled: boolean | undefined }> = [];
    let pages = 0;
    for await (const page of client.listPropertiesOfSecrets().byPage()) {
      pages++;
      for (const properties of page)
        seen.push({ name: properties.name, enabled: properties.enabled });
    }
    expect(pages).toBe(2);
    expect(seen).toHaveLength(31);
    expect(seen.find((s) => s.name === 'off')?.enabled).toBe(false);
    expect(seen.find((s) => s.name === 's-0')?.enabled).toBe(true);
  });
});
