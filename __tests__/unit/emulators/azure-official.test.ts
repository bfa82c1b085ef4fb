// The Azure emulator pinned to the Azure SDK: @azure/identity's ClientAssertionCredential
// (Entra ID's v2.0 token endpoint, the GitHub OIDC token as client assertion) and
// @azure/keyvault-secrets' SecretClient (Key Vault's bearer challenge, then Get Secret).
// Both insist on https, so the emulator serves a self-signed certificate the clients trust
// through their pipeline's tlsOptions.
import { randomBytes } from 'node:crypto';
import { AuthenticationRequiredError, ClientAssertionCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { startAzure, type AzureEmulator } from '../../../test/emulators/azure.js';
import { startOidcIssuer, type OidcIssuer } from '../../../test/emulators/oidc-issuer.js';
import { selfSignedLoopbackCertificate } from '../../../test/support/certificates.js';

const CLIENT = '11111111-2222-3333-4444-555555555555';
const MAIN_SUB = 'repo:octo-org/octo-repo:ref:refs/heads/main';

let issuer: OidcIssuer;
let azure: AzureEmulator;
let tls: { key: string; cert: string };
const apiKey = randomBytes(16).toString('hex');

beforeAll(async () => {
  tls = selfSignedLoopbackCertificate(['*.vault.azure.net']);
  issuer = await startOidcIssuer();
  azure = await startAzure({ issuer: issuer.issuer, jwksUrl: issuer.jwksUrl, tls });
  azure.addApp(CLIENT, [{ issuer: issuer.issuer, subject: MAIN_SUB }]);
  azure.addSecret('kv-app', 'api-key', apiKey, { contentType: 'text/plain' });
  azure.addSecret('kv-team-b', 'secret', 'x'.repeat(12));
  azure.grant('kv-app', CLIENT);
});

afterAll(async () => {
  await azure.close();
  await issuer.close();
});

function credential(claims = {}): ClientAssertionCredential {
  return new ClientAssertionCredential(
    azure.tenantId,
    CLIENT,
    () => issuer.mint({ aud: 'api://AzureADTokenExchange', ...claims }),
    {
      authorityHost: azure.url,
      // No Entra instance discovery on a local authority.
      disableInstanceDiscovery: true,
      tlsOptions: { ca: tls.cert },
    },
  );
}

/**
 * Sends what the SDK addresses to `https://{vault}.vault.azure.net` to the emulator, keeping
 * the Host header (the emulator routes on its first label). The SDK itself sees a real vault
 * URL: it checks the challenge's resource against that domain, and parses the secret `id`
 * (`https://{vault}.vault.azure.net/secrets/{name}/{version}`) the emulator answers.
 */
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
      // The SDK's challenge handling (an outer policy) compares against the URL it sent.
      request.url = original;
      request.headers.delete('host');
    }
  },
};

function secretClient(vault: string, claims = {}): SecretClient {
  return new SecretClient(`https://${vault}.vault.azure.net`, credential(claims), {
    additionalPolicies: [{ policy: toEmulator, position: 'perRetry' }],
    tlsOptions: { ca: tls.cert },
    retryOptions: { maxRetries: 0 },
  });
}

describe('@azure/identity against the Entra ID emulator', () => {
  it('gets a Key Vault access token for the federated credential', async () => {
    const token = await credential().getToken('https://vault.azure.net/.default');
    expect(token.token === azure.issuedTokens.at(-1)?.accessToken).toBe(true);
    expect(token.expiresOnTimestamp).toBeGreaterThan(Date.now());
  });

  it('surfaces the AADSTS error Entra sends for a subject it does not know', async () => {
    const error = await credential({ sub: 'repo:evil-org/x:ref:refs/heads/main' })
      .getToken('https://vault.azure.net/.default')
      .catch((e: unknown) => e);
    // MSAL wraps the token endpoint's error answer; the AADSTS code comes through in its message.
    expect(error).toBeInstanceOf(AuthenticationRequiredError);
    expect((error as Error).message).toMatch(/AADSTS700213/);
  });
});

describe('@azure/keyvault-secrets against the Key Vault emulator', () => {
  it('answers the bearer challenge and returns the secret bundle', async () => {
    const secret = await secretClient('kv-app').getSecret('api-key');
    expect(secret.value === apiKey).toBe(true);
    expect(secret.name).toBe('api-key');
    expect(secret.properties.contentType).toBe('text/plain');
    expect(secret.properties.enabled).toBe(true);
    expect(secret.properties.vaultUrl).toBe('https://kv-app.vault.azure.net');
    expect(secret.properties.version).toMatch(/^[0-9a-f]{32}$/);
    expect(secret.properties.createdOn).toBeInstanceOf(Date);
  });

  it('answers a missing secret with SecretNotFound, a denied one with Forbidden', async () => {
    const missing = await secretClient('kv-app')
      .getSecret('nosuch')
      .catch((e: unknown) => e);
    expect(missing).toMatchObject({ statusCode: 404, code: 'SecretNotFound' });
    expect((missing as Error).message).toMatch(
      /A secret with \(name\/id\) nosuch was not found in this key vault/,
    );
    const denied = await secretClient('kv-team-b')
      .getSecret('secret')
      .catch((e: unknown) => e);
    expect(denied).toMatchObject({ statusCode: 403, code: 'Forbidden' });
    expect((denied as Error).message).toMatch(
      /^The user, group or application 'appid=11111111-2222-3333-4444-555555555555;/,
    );
  });
});
