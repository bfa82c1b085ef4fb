// The Key Vault keys routes of the Azure emulator (test/emulators/azure-keys.ts) pinned to
// the Azure SDK: @azure/keyvault-keys' CryptographyClient wrapKey/unwrapKey with
// RSA-OAEP-256 (which the SDK never does locally, so both go to the service; the SDK reads
// the key first), authenticated by @azure/identity's ClientAssertionCredential against the
// emulator's Entra. Like the secrets pin, the SDK talks to https://{vault}.vault.azure.net
// and a pipeline policy delivers its requests to the emulator.
import { randomBytes } from 'node:crypto';
import { ClientAssertionCredential } from '@azure/identity';
import { CryptographyClient } from '@azure/keyvault-keys';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { startAzure, type AzureEmulator } from '../../../test/emulators/azure.js';
import { startOidcIssuer, type OidcIssuer } from '../../../test/emulators/oidc-issuer.js';
import { selfSignedLoopbackCertificate } from '../../../test/support/certificates.js';

const CLIENT = '11111111-2222-3333-4444-555555555555';
const MAIN_SUB = 'repo:octo-org/octo-repo:ref:refs/heads/main';

let issuer: OidcIssuer;
let azure: AzureEmulator;
let tls: { key: string; cert: string };
let version = '';

beforeAll(async () => {
  tls = selfSignedLoopbackCertificate(['*.vault.azure.net']);
  issuer = await startOidcIssuer();
  azure = await startAzure({ issuer: issuer.issuer, jwksUrl: issuer.jwksUrl, tls });
  azure.addApp(CLIENT, [{ issuer: issuer.issuer, subject: MAIN_SUB }]);
  version = azure.addKey('kv-app', 'ci-store');
  azure.grantKeys('kv-app', CLIENT);
  azure.addKey('kv-team-b', 'other');
  azure.grantKeys('kv-team-b', CLIENT, ['get', 'wrapKey']);
});

afterAll(async () => {
  await azure.close();
  await issuer.close();
});

function credential(): ClientAssertionCredential {
  return new ClientAssertionCredential(
    azure.tenantId,
    CLIENT,
    () => issuer.mint({ aud: 'api://AzureADTokenExchange' }),
    { authorityHost: azure.url, disableInstanceDiscovery: true, tlsOptions: { ca: tls.cert } },
  );
}

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

function cryptography(keyId: string): CryptographyClient {
  return new CryptographyClient(keyId, credential(), {
    additionalPolicies: [{ policy: toEmulator, position: 'perRetry' }],
    tlsOptions: { ca: tls.cert },
  });
}

describe('@azure/keyvault-keys CryptographyClient against the Key Vault keys emulator', () => {
  it('wrapKey then unwrapKey with RSA-OAEP-256 round-trip, naming the key version', async () => {
    const client = cryptography(`https://kv-app.vault.azure.net/keys/ci-store/${version}`);
    const dataKey = randomBytes(32);
    const wrapped = await client.wrapKey('RSA-OAEP-256', dataKey);
    expect(wrapped.keyID).toBe(`https://kv-app.vault.azure.net/keys/ci-store/${version}`);
    expect(wrapped.result).toHaveLength(256);
    const unwrapped = await client.unwrapKey('RSA-OAEP-256', wrapped.result);
    expect(Buffer.from(unwrapped.result).equals(dataKey)).toBe(true);
  });

  it('an app without the unwrapKey permission gets 403 Forbidden in Key Vault words', async () => {
    const client = cryptography(
      `https://kv-team-b.vault.azure.net/keys/other/${azure.addKey('kv-team-b', 'other')}`,
    );
    const { result } = await client.wrapKey('RSA-OAEP-256', randomBytes(32));
    const error = await client.unwrapKey('RSA-OAEP-256', result).then(
      () => undefined,
      (e: unknown) => e as { statusCode?: number; code?: string; message: string },
    );
    expect(error?.statusCode).toBe(403);
    expect(error?.code).toBe('Forbidden');
    expect(error?.message).toMatch(
      /does not have keys unwrapKey permission on key vault 'kv-team-b;/,
    );
  });
});
