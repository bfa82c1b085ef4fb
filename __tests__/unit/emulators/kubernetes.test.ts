// The Kubernetes emulator's own behaviour where the official client does not show it: the
// raw Status bodies (the client drops the 401 body), the OIDC authenticator's username rules
// (claim, default `ISSUER#` prefix, none for `email`, `-` for none), an expired token, and a
// label selector it cannot parse.
import { request } from 'node:https';
import { startKubernetes, type KubernetesEmulator } from '../../../test/emulators/kubernetes.js';
import { startOidcIssuer, type OidcIssuer } from '../../../test/emulators/oidc-issuer.js';
import { selfSignedLoopbackCertificate } from '../../../test/support/certificates.js';

let issuer: OidcIssuer;
let tls: { key: string; cert: string };
const servers: KubernetesEmulator[] = [];

beforeAll(async () => {
  tls = selfSignedLoopbackCertificate();
  issuer = await startOidcIssuer();
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await issuer.close();
});

async function start(oidc: { usernameClaim?: string; usernamePrefix?: string } = {}) {
  const k8s = await startKubernetes({
    tls,
    oidc: { issuer: issuer.issuer, jwksUrl: issuer.jwksUrl, audiences: ['kubernetes'], ...oidc },
  });
  k8s.addSecret('ci', 'db', { data: { v: 'x'.repeat(8) } });
  servers.push(k8s);
  return k8s;
}

function get(k8s: KubernetesEmulator, path: string, token?: string) {
  return new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
    const req = request(
      `${k8s.url}${path}`,
      { ca: tls.cert, headers: token ? { authorization: `Bearer ${token}` } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('Kubernetes emulator', () => {
  it('answers an unauthenticated request with the API server 401 Status', async () => {
    const k8s = await start();
    expect(await get(k8s, '/api/v1/namespaces/ci/secrets/db')).toEqual({
      status: 401,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Unauthorized',
        reason: 'Unauthorized',
        code: 401,
      },
    });
    const expired = await issuer.mint({ aud: 'kubernetes' }, { expiresInSeconds: -1 });
    expect((await get(k8s, '/api/v1/namespaces/ci/secrets/db', expired)).status).toBe(401);
  });

  it.each([
    [{}, (iss: string) => `${iss}#repo:octo-org/octo-repo:ref:refs/heads/main`],
    [{ usernamePrefix: '-' }, () => 'repo:octo-org/octo-repo:ref:refs/heads/main'],
    [{ usernamePrefix: 'github:' }, () => 'github:repo:octo-org/octo-repo:ref:refs/heads/main'],
    [{ usernameClaim: 'repository' }, (iss: string) => `${iss}#octo-org/octo-repo`],
  ])('maps the username as the OIDC authenticator does (%j)', async (oidc, user) => {
    const k8s = await start(oidc);
    const token = await issuer.mint({
      aud: 'kubernetes',
      sub: 'repo:octo-org/octo-repo:ref:refs/heads/main',
    });
    const denied = await get(k8s, '/api/v1/namespaces/ci/secrets/db', token);
    expect(denied.status).toBe(403);
    expect(denied.body.message).toBe(
      `secrets "db" is forbidden: User "${user(issuer.issuer)}" cannot get resource "secrets" in API group "" in the namespace "ci"`,
    );
    k8s.grant({ subject: user(issuer.issuer), namespace: 'ci', verbs: ['get'] });
    expect((await get(k8s, '/api/v1/namespaces/ci/secrets/db', token)).status).toBe(200);
  });

  it('refuses a label selector it cannot parse, and a path it does not serve', async () => {
    const k8s = await start({ usernamePrefix: '-' });
    const token = await issuer.mint({ aud: 'kubernetes' });
    k8s.grant({ subject: String(issuer.claims().sub), namespace: 'ci', verbs: ['get', 'list'] });
    const bad = await get(
      k8s,
      '/api/v1/namespaces/ci/secrets?labelSelector=a%20%3D%3D%3D%20b',
      token,
    );
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
    const other = await get(k8s, '/api/v1/namespaces/ci/configmaps/db', token);
    expect(other.body).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });
  });
});
