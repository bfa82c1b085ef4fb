// The GCP emulator against plain fetch: STS token exchange with real JWT checks and an
// attribute condition, service-account impersonation, Secret Manager access with CRC32C, and
// token revocation.
import { createHash, randomBytes } from 'node:crypto';
import { compileCel } from '../../../test/emulators/cel.js';
import { crc32c, startGcp, type GcpEmulator } from '../../../test/emulators/gcp.js';
import { startOidcIssuer, type OidcIssuer } from '../../../test/emulators/oidc-issuer.js';

const hash = (value: string | Buffer) => createHash('sha256').update(value).digest('hex');
const SA = 'deployer@my-proj.iam.gserviceaccount.com';

let issuer: OidcIssuer;
let gcp: GcpEmulator;
let audience = '';
let strictAudience = '';
const saJson = JSON.stringify({
  type: 'service_account',
  private_key: randomBytes(24).toString('hex'),
});
const apiKey = randomBytes(16).toString('hex');

beforeAll(async () => {
  issuer = await startOidcIssuer();
  gcp = await startGcp({
    issuer: issuer.issuer,
    jwksUrl: issuer.jwksUrl,
    projectId: 'my-proj',
    projectNumber: '123456',
  });
  const pool =
    'principalSet://iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/github';
  audience = gcp.addProvider({
    pool: 'github',
    provider: 'gh',
    attributeMapping: {
      'google.subject': 'assertion.sub',
      'attribute.repository': 'assertion.repository',
      'attribute.ref': 'assertion.ref',
    },
    attributeCondition:
      "assertion.repository_owner == 'octo-org' && assertion.ref.startsWith('refs/heads/')",
  }).audience;
  strictAudience = gcp.addProvider({
    pool: 'github',
    provider: 'strict',
    allowedAudiences: ['my-custom-audience'],
  }).audience;
  gcp.addServiceAccount(SA, [`${pool}/attribute.repository/octo-org/octo-repo`]);
  gcp.addSecret('deployer', saJson, [`serviceAccount:${SA}`]);
  gcp.addSecret('direct', apiKey, [`${pool}/attribute.repository/octo-org/octo-repo`]);
  gcp.addSecret('other-team', 'x'.repeat(12), [
    'serviceAccount:other@my-proj.iam.gserviceaccount.com',
  ]);
  gcp.addSecretVersion('deployer', 'second-' + randomBytes(8).toString('hex'), 'DISABLED');
});

afterAll(async () => {
  await gcp.close();
  await issuer.close();
});

async function exchange(subjectToken: string, aud = audience, asJson = false) {
  const fields = {
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    audience: aud,
    scope: 'https://www.googleapis.com/auth/cloud-platform',
    requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    subject_token: subjectToken,
  };
  const res = await fetch(`${gcp.url}/v1/token`, {
    method: 'POST',
    headers: { 'content-type': asJson ? 'application/json' : 'application/x-www-form-urlencoded' },
    body: asJson ? JSON.stringify(fields) : new URLSearchParams(fields).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const defaultAud = () =>
  `https://iam.googleapis.com/${audience.slice('//iam.googleapis.com/'.length)}`;

async function federated(claims = {}): Promise<string> {
  const { status, body } = await exchange(await issuer.mint({ aud: defaultAud(), ...claims }));
  expect(status).toBe(200);
  return String(body.access_token);
}

async function impersonate(token: string, email = SA) {
  const res = await fetch(`${gcp.url}/v1/projects/-/serviceAccounts/${email}:generateAccessToken`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      scope: ['https://www.googleapis.com/auth/cloud-platform'],
      lifetime: '600s',
    }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

interface AccessBody {
  name: string;
  payload: { data: string; dataCrc32c: string };
  error: { code: number; status: string; message: string };
}

async function access(token: string, path: string) {
  const res = await fetch(`${gcp.url}/v1/${path}:access`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as AccessBody,
  };
}

describe('STS token exchange', () => {
  it('exchanges a trusted token (form body) for a federated access token', async () => {
    const { status, body } = await exchange(await issuer.mint({ aud: defaultAud() }));
    expect(status).toBe(200);
    expect(body).toEqual({
      access_token: expect.stringMatching(/^ya29\.d\./),
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      token_type: 'Bearer',
      expires_in: 3600,
    });
    expect(gcp.issuedTokens.at(-1)?.principal).toBe(
      'principal://iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/github/subject/repo:octo-org/octo-repo:ref:refs/heads/main',
    );
  });

  it('accepts a JSON body and the //iam.googleapis.com audience without https:', async () => {
    const { status } = await exchange(await issuer.mint({ aud: audience }), audience, true);
    expect(status).toBe(200);
  });

  it('refuses a wrong audience with Google’s wording', async () => {
    const { status, body } = await exchange(await issuer.mint({ aud: 'sts.amazonaws.com' }));
    expect(status).toBe(400);
    expect(body).toEqual({
      error: 'invalid_grant',
      error_description:
        'The audience in ID Token [sts.amazonaws.com] does not match the expected audience.',
    });
  });

  it('honours allowed audiences configured on the provider', async () => {
    expect(
      (await exchange(await issuer.mint({ aud: 'my-custom-audience' }), strictAudience)).status,
    ).toBe(200);
    const res = await exchange(await issuer.mint({ aud: strictAudience }), strictAudience);
    expect(res.body.error).toBe('invalid_grant');
  });

  it('refuses a token the attribute condition rejects', async () => {
    const { status, body } = await exchange(
      await issuer.mint({
        aud: defaultAud(),
        repository_owner: 'evil-org',
        repository: 'evil-org/octo-repo',
      }),
    );
    expect(status).toBe(400);
    expect(body).toEqual({
      error: 'unauthorized_client',
      error_description: 'The given credential is rejected by the attribute condition.',
    });
  });

  it('refuses an expired token and one signed by another key', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await exchange(
      await issuer.mint({ aud: defaultAud(), iat: now - 900, nbf: now - 900, exp: now - 600 }),
    );
    expect(expired.status).toBe(400);
    expect(expired.body.error).toBe('invalid_grant');
    const forged = await exchange(await issuer.mint({ aud: defaultAud() }, { foreignKey: true }));
    expect(forged.status).toBe(400);
    expect(forged.body).toEqual({
      error: 'invalid_grant',
      error_description: 'Invalid JWT signature.',
    });
  });

  it('refuses a malformed audience parameter and an unknown provider', async () => {
    const token = await issuer.mint({ aud: defaultAud() });
    const bad = await exchange(
      token,
      'projects/123456/locations/global/workloadIdentityPools/github/providers/gh',
    );
    expect(bad.body.error).toBe('invalid_request');
    expect(String(bad.body.error_description)).toMatch(/^Invalid value for "audience"\./);
    const unknown = await exchange(token, audience.replace('/gh', '/nope'));
    expect(unknown.body.error).toBe('invalid_target');
  });
});

describe('IAM Credentials generateAccessToken', () => {
  it('lets a bound principal set impersonate the service account', async () => {
    const { status, body } = await impersonate(await federated());
    expect(status).toBe(200);
    expect(body.accessToken).toMatch(/^ya29\.c\./);
    expect(Math.abs(Date.parse(String(body.expireTime)) - (Date.now() + 600_000))).toBeLessThan(
      5000,
    );
  });

  it('denies a principal without a workloadIdentityUser binding', async () => {
    const token = await federated({ repository: 'octo-org/another-repo' });
    const { status, body } = await impersonate(token);
    expect(status).toBe(403);
    expect(body.error).toMatchObject({
      code: 403,
      status: 'PERMISSION_DENIED',
      message:
        "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).",
    });
  });

  it('answers 401 without a valid bearer token', async () => {
    const { status, body } = await impersonate('ya29.d.not-issued');
    expect(status).toBe(401);
    expect(body.error).toMatchObject({ code: 401, status: 'UNAUTHENTICATED' });
  });
});

describe('Secret Manager access', () => {
  it('returns the payload and its CRC32C as a decimal string (project id → number)', async () => {
    const sa = String((await impersonate(await federated())).body.accessToken);
    const { status, body } = await access(sa, 'projects/my-proj/secrets/deployer/versions/1');
    expect(status).toBe(200);
    expect(body.name).toBe('projects/123456/secrets/deployer/versions/1');
    const data = Buffer.from(body.payload.data, 'base64');
    expect(hash(data)).toBe(hash(saJson));
    expect(body.payload.dataCrc32c).toBe(String(crc32c(data)));
  });

  it('lets a federated token read directly when its principal set is bound', async () => {
    const { status, body } = await access(
      await federated(),
      'projects/123456/secrets/direct/versions/latest',
    );
    expect(status).toBe(200);
    expect(hash(Buffer.from(body.payload.data, 'base64'))).toBe(hash(apiKey));
  });

  it('denies a secret the caller has no binding on', async () => {
    const { status, body } = await access(
      await federated(),
      'projects/my-proj/secrets/other-team/versions/latest',
    );
    expect(status).toBe(403);
    expect(body.error).toMatchObject({
      code: 403,
      status: 'PERMISSION_DENIED',
      message:
        "Permission 'secretmanager.versions.access' denied for resource 'projects/my-proj/secrets/other-team/versions/latest' (or it may not exist).",
    });
  });

  it('reports missing and disabled versions', async () => {
    const sa = String((await impersonate(await federated())).body.accessToken);
    const missing = await access(sa, 'projects/my-proj/secrets/deployer/versions/9');
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe(
      'Secret Version [projects/123456/secrets/deployer/versions/9] not found.',
    );
    const disabled = await access(sa, 'projects/my-proj/secrets/deployer/versions/latest');
    expect(disabled.status).toBe(400);
    expect(disabled.body.error).toMatchObject({ status: 'FAILED_PRECONDITION' });
  });

  it('can corrupt the checksum on demand', async () => {
    const sa = String((await impersonate(await federated())).body.accessToken);
    gcp.setCorruptChecksums(true);
    const { body } = await access(sa, 'projects/my-proj/secrets/deployer/versions/1');
    gcp.setCorruptChecksums(false);
    expect(body.payload.dataCrc32c).not.toBe(
      String(crc32c(Buffer.from(body.payload.data, 'base64'))),
    );
  });

  it('answers 401 with a WWW-Authenticate challenge for an unknown token', async () => {
    const { status, headers } = await access(
      'nope',
      'projects/my-proj/secrets/deployer/versions/1',
    );
    expect(status).toBe(401);
    expect(headers.get('www-authenticate')).toBe('Bearer realm="https://accounts.google.com/"');
  });
});

describe('OAuth 2.0 revocation', () => {
  it('revokes a token, after which it is refused', async () => {
    const token = await federated();
    const res = await fetch(`${gcp.url}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
    });
    expect(res.status).toBe(200);
    expect((await access(token, 'projects/my-proj/secrets/direct/versions/latest')).status).toBe(
      401,
    );
    const again = await fetch(`${gcp.url}/revoke?token=${encodeURIComponent(token)}`, {
      method: 'POST',
    });
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({
      error: 'invalid_token',
      error_description: 'Token expired or revoked',
    });
    expect(gcp.issuedTokens.find((t) => t.token === token)?.revoked).toBe(true);
    expect(gcp.requests.at(-1)).toMatchObject({
      operation: 'oauth2:revoke',
      path: '/revoke',
      status: 400,
    });
  });

  it('serves every route under a path prefix too', async () => {
    const token = await federated();
    const res = await fetch(
      `${gcp.url}/prefix/v1/projects/my-proj/secrets/direct/versions/1:access`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    expect(res.status).toBe(200);
  });
});

describe('crc32c and the CEL subset', () => {
  it('matches the standard CRC32C check value', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
  });

  it('evaluates conditions with &&, ||, !, in and string methods', () => {
    const scope = {
      assertion: { repository: 'octo-org/app', ref: 'refs/heads/main', owner: 'octo-org' },
      attribute: {},
    };
    expect(compileCel("assertion.repository == 'octo-org/app'")(scope)).toBe(true);
    expect(
      compileCel("assertion.owner in ['a', 'octo-org'] && !assertion.ref.endsWith('/dev')")(scope),
    ).toBe(true);
    expect(
      compileCel("assertion.repository != 'octo-org/app' || assertion.ref.contains('tags')")(scope),
    ).toBe(false);
    expect(
      compileCel("(assertion.missing == 'x') || assertion.ref.matches('^refs/heads/')")(scope),
    ).toBe(true);
    expect(compileCel("assertion.missing != 'x'")(scope)).toBe(false);
    expect(() => compileCel("assertion.repository = 'x'")).toThrow(/CEL/);
  });
});
