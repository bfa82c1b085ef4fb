// The Azure emulator against plain fetch: Entra's client-credentials grant with a GitHub
// OIDC token as client assertion (federated identity credentials), then Key Vault reads.
import { createHash, randomBytes } from 'node:crypto';
import { startAzure, type AzureEmulator } from '../../../test/emulators/azure.js';
import { startOidcIssuer, type OidcIssuer } from '../../../test/emulators/oidc-issuer.js';

const hash = (value: string) => createHash('sha256').update(value).digest('hex');
const CLIENT = '11111111-2222-3333-4444-555555555555';
const SUBJECT = 'repo:octo-org/octo-repo:ref:refs/heads/main';

let issuer: OidcIssuer;
let azure: AzureEmulator;
const tlsKey = randomBytes(32).toString('base64');
const dbJson = JSON.stringify({ user: 'app', password: randomBytes(12).toString('hex') });
let firstVersion = '';

beforeAll(async () => {
  issuer = await startOidcIssuer();
  azure = await startAzure({ issuer: issuer.issuer, jwksUrl: issuer.jwksUrl });
  azure.addApp(CLIENT, [{ issuer: issuer.issuer, subject: SUBJECT }]);
  azure.addVault('my-vault');
  azure.addVault('rbac-vault', { permissionModel: 'rbac', location: 'northeurope' });
  firstVersion = azure.addSecret('my-vault', 'tls-key', 'old-' + randomBytes(8).toString('hex'));
  azure.addSecret('my-vault', 'tls-key', tlsKey, {
    contentType: 'text/plain',
    tags: { team: 'ci' },
  });
  azure.addSecret('my-vault', 'disabled', 'x'.repeat(8), { enabled: false });
  azure.addSecret('rbac-vault', 'db', dbJson);
  azure.addSecret('rbac-vault', 'other', 'y'.repeat(8));
  azure.addSecret('closed-vault', 'nope', 'z'.repeat(8));
  azure.grant('my-vault', CLIENT);
  azure.grant('rbac-vault', CLIENT, ['db']);
});

afterAll(async () => {
  await azure.close();
  await issuer.close();
});

async function token(
  assertion: string,
  overrides: Record<string, string> = {},
  tenant = azure.tenantId,
) {
  const res = await fetch(`${azure.url}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: CLIENT,
      scope: 'https://vault.azure.net/.default',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
      ...overrides,
    }).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function accessToken(): Promise<string> {
  const { status, body } = await token(await issuer.mint({ aud: 'api://AzureADTokenExchange' }));
  expect(status).toBe(200);
  return String(body.access_token);
}

interface VaultBody {
  value?: string;
  id?: string;
  contentType?: string;
  tags?: Record<string, string>;
  attributes?: Record<string, unknown>;
  error?: { code: string; message: string; innererror?: { code: string } };
}

async function getSecret(path: string, bearer?: string, apiVersion = '7.4') {
  const res = await fetch(`${azure.url}/${path}?api-version=${apiVersion}`, {
    headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as VaultBody };
}

function expectAadsts(body: Record<string, unknown>, code: number) {
  expect(body.error_codes).toEqual([code]);
  expect(String(body.error_description)).toMatch(
    new RegExp(
      `^AADSTS${code}: .* Trace ID: [0-9a-f-]{36} Correlation ID: [0-9a-f-]{36} Timestamp: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ$`,
      's',
    ),
  );
  expect(body.error_uri).toBe(`https://login.microsoftonline.com/error?code=${code}`);
  expect(body).toHaveProperty('trace_id');
  expect(body).toHaveProperty('correlation_id');
}

describe('Entra token endpoint', () => {
  it('issues a Key Vault access token for a matching federated credential', async () => {
    const { status, body } = await token(await issuer.mint({ aud: 'api://AzureADTokenExchange' }));
    expect(status).toBe(200);
    expect(body).toEqual({
      token_type: 'Bearer',
      expires_in: 3599,
      ext_expires_in: 3599,
      access_token: expect.stringMatching(/^eyJ/),
    });
    expect(azure.issuedTokens.at(-1)).toMatchObject({
      clientId: CLIENT,
      resource: 'https://vault.azure.net',
    });
    expect(azure.requests.at(-1)).toMatchObject({ operation: 'entra:token', status: 200 });
  });

  it('refuses a wrong audience with AADSTS700212', async () => {
    const { status, body } = await token(await issuer.mint({ aud: 'sts.amazonaws.com' }));
    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');
    expectAadsts(body, 700212);
    expect(String(body.error_description)).toContain(
      "presented assertion audience 'sts.amazonaws.com'",
    );
  });

  it('refuses a subject that differs (even only in case) with AADSTS700213', async () => {
    const { body } = await token(
      await issuer.mint({
        aud: 'api://AzureADTokenExchange',
        sub: 'repo:Octo-Org/octo-repo:ref:refs/heads/main',
      }),
    );
    expectAadsts(body, 700213);
    expect(String(body.error_description)).toContain(
      "No matching federated identity record found for presented assertion subject 'repo:Octo-Org/octo-repo:ref:refs/heads/main'.",
    );
  });

  it('refuses an unknown issuer with AADSTS700211', async () => {
    const other = await startOidcIssuer();
    try {
      const { body } = await token(await other.mint({ aud: 'api://AzureADTokenExchange' }));
      expectAadsts(body, 700211);
    } finally {
      await other.close();
    }
  });

  it('refuses an expired assertion with AADSTS700024', async () => {
    const { status, body } = await token(
      await issuer.mint({ aud: 'api://AzureADTokenExchange' }, { expiresInSeconds: -60 }),
    );
    expect(status).toBe(401);
    expectAadsts(body, 700024);
    expect(String(body.error_description)).toContain(
      'Client assertion is not within its valid time range.',
    );
  });

  it('refuses an assertion signed by a key the issuer does not publish', async () => {
    const { status, body } = await token(
      await issuer.mint({ aud: 'api://AzureADTokenExchange' }, { foreignKey: true }),
    );
    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');
    expectAadsts(body, 50013);
  });

  it('refuses unknown tenants, unknown apps and scopes without /.default', async () => {
    const assertion = await issuer.mint({ aud: 'api://AzureADTokenExchange' });
    expectAadsts((await token(assertion, {}, 'contoso-tenant')).body, 90002);
    const app = await token(assertion, { client_id: '99999999-0000-0000-0000-000000000000' });
    expect(app.body.error).toBe('unauthorized_client');
    expectAadsts(app.body, 700016);
    const scope = await token(assertion, { scope: 'https://vault.azure.net/secrets.read' });
    expect(scope.body.error).toBe('invalid_scope');
    expectAadsts(scope.body, 1002012);
  });
});

describe('Key Vault', () => {
  let bearer: string;
  beforeAll(async () => {
    bearer = await accessToken();
  });

  it('returns the latest version with id, attributes, contentType and tags', async () => {
    const { status, body } = await getSecret('my-vault/secrets/tls-key', bearer);
    expect(status).toBe(200);
    expect(hash(body.value!)).toBe(hash(tlsKey));
    expect(body.id).toMatch(new RegExp(`^${azure.url}/my-vault/secrets/tls-key/[0-9a-f]{32}$`));
    expect(body.contentType).toBe('text/plain');
    expect(body.tags).toEqual({ team: 'ci' });
    expect(body.attributes).toMatchObject({
      enabled: true,
      recoveryLevel: 'Recoverable+Purgeable',
    });
    expect(typeof body.attributes?.created).toBe('number');
    expect(azure.requests.at(-1)).toMatchObject({
      operation: 'keyvault:getSecret',
      vault: 'my-vault',
      status: 200,
    });
  });

  it('returns a named version and serves several vaults on one server', async () => {
    const old = await getSecret(`my-vault/secrets/tls-key/${firstVersion}`, bearer, '7.5');
    expect(old.status).toBe(200);
    expect(old.body.id).toBe(`${azure.url}/my-vault/secrets/tls-key/${firstVersion}`);
    const db = await getSecret('rbac-vault/secrets/db', bearer);
    expect(hash(db.body.value!)).toBe(hash(dbJson));
  });

  it('answers 401 with a challenge when the bearer token is missing or not for Key Vault', async () => {
    const missing = await getSecret('my-vault/secrets/tls-key');
    expect(missing.status).toBe(401);
    expect(missing.body.error).toEqual({
      code: 'Unauthorized',
      message: 'AKV10000: Request is missing a Bearer or PoP token.',
    });
    expect(missing.headers.get('www-authenticate')).toBe(
      `Bearer authorization="${azure.url}/${azure.tenantId}", resource="https://vault.azure.net"`,
    );
    const graph = await token(await issuer.mint({ aud: 'api://AzureADTokenExchange' }), {
      scope: 'https://graph.microsoft.com/.default',
    });
    const wrong = await getSecret('my-vault/secrets/tls-key', String(graph.body.access_token));
    expect(wrong.status).toBe(401);
    expect(wrong.body.error?.message).toBe(
      'AKV10022: Invalid audience. Expected https://vault.azure.net, found: https://graph.microsoft.com.',
    );
  });

  it('denies without an access policy, and per secret under RBAC', async () => {
    const policy = await getSecret('closed-vault/secrets/nope', bearer);
    expect(policy.status).toBe(403);
    expect(policy.body.error?.code).toBe('Forbidden');
    expect(policy.body.error?.innererror).toEqual({ code: 'AccessDenied' });
    expect(policy.body.error?.message).toMatch(
      new RegExp(
        `^The user, group or application 'appid=${CLIENT};oid=[0-9a-f-]{36};iss=https://sts.windows.net/${azure.tenantId}/' does not have secrets get permission on key vault 'closed-vault;location=westeurope'\\.`,
      ),
    );
    const rbac = await getSecret('rbac-vault/secrets/other', bearer);
    expect(rbac.status).toBe(403);
    expect(rbac.body.error?.innererror).toEqual({ code: 'ForbiddenByRbac' });
    expect(rbac.body.error?.message).toContain(
      "Action: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'",
    );
  });

  it('answers SecretNotFound and refuses disabled secrets', async () => {
    const missing = await getSecret('my-vault/secrets/absent', bearer);
    expect(missing.status).toBe(404);
    expect(missing.body.error?.code).toBe('SecretNotFound');
    expect(missing.body.error?.message).toMatch(
      /^A secret with \(name\/id\) absent was not found in this key vault\./,
    );
    const disabled = await getSecret('my-vault/secrets/disabled', bearer);
    expect(disabled.status).toBe(403);
    expect(disabled.body.error).toEqual({
      code: 'Forbidden',
      message: 'Operation get is not allowed on a disabled secret.',
      innererror: { code: 'SecretDisabled' },
    });
  });

  it('refuses an expired access token and a missing api-version', async () => {
    azure.advanceClock(3600_000);
    const expired = await getSecret('my-vault/secrets/tls-key', bearer);
    azure.advanceClock(-3600_000);
    expect(expired.status).toBe(401);
    expect(expired.body.error?.code).toBe('Unauthorized');
    const res = await fetch(`${azure.url}/my-vault/secrets/tls-key`, {
      headers: { authorization: `Bearer ${bearer}` },
    });
    expect(res.status).toBe(400);
  });

  it('routes by Host header when the first label names a vault', async () => {
    const { request } = await import('node:http');
    const url = new URL(azure.url);
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: '/secrets/tls-key?api-version=7.4',
          headers: { host: 'my-vault.vault.azure.net', authorization: `Bearer ${bearer}` },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      req.end();
    });
    const json = JSON.parse(body) as VaultBody;
    expect(json.id).toMatch(
      /^https:\/\/my-vault\.vault\.azure\.net\/secrets\/tls-key\/[0-9a-f]{32}$/,
    );
    expect(hash(json.value!)).toBe(hash(tlsKey));
  });
});
