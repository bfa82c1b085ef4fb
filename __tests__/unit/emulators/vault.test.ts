import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { request as httpsRequest } from 'node:https';
import { startOidcIssuer, type OidcIssuer } from '../../../test/emulators/oidc-issuer.js';
import {
  INVALID_TOKEN_ERROR,
  KV_V2_INVALID_PATH_WARNING,
  PERMISSION_DENIED_ERROR,
  startVault,
  type VaultEmulator,
} from '../../../test/emulators/vault.js';
import { selfSignedLoopbackCertificate } from '../../../test/support/certificates.js';

const AUDIENCE = 'https://vault.example.com';

interface VaultBody {
  errors?: string[];
  data?: Record<string, unknown> | null;
  auth?: Record<string, unknown> | null;
  lease_id?: string;
  lease_duration?: number;
  renewable?: boolean;
  warnings?: string[] | null;
  mount_type?: string;
  request_id?: string;
  wrap_info?: unknown;
}

async function call(
  vault: VaultEmulator,
  method: string,
  path: string,
  options: { token?: string; namespace?: string; body?: unknown } = {},
): Promise<{ status: number; body: VaultBody }> {
  const headers: Record<string, string> = {};
  if (options.token) headers['x-vault-token'] = options.token;
  if (options.namespace) headers['x-vault-namespace'] = options.namespace;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${vault.url}/v1/${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as VaultBody) : {} };
}

describe('Vault emulator', () => {
  let issuer: OidcIssuer;
  let vault: VaultEmulator;

  const login = async (
    jwt: string,
    role = 'ci',
    options: { namespace?: string; path?: string } = {},
  ) =>
    call(vault, 'POST', `auth/${options.path ?? 'jwt'}/login`, {
      body: { role, jwt },
      namespace: options.namespace,
    });

  const loginToken = async () => {
    const { status, body } = await login(await issuer.mint({ aud: AUDIENCE }));
    expect(status).toBe(200);
    return String(body.auth?.client_token);
  };

  beforeAll(async () => {
    issuer = await startOidcIssuer();
    vault = await startVault({ issuer });
    vault.addPolicy('ci-read', {
      'secret/data/ci/*': ['read'],
      'kv/ci/*': ['read'],
      'database/creds/readonly': ['read'],
      'sys/leases/revoke': ['update'],
    });
    vault.addJwtRole('ci', {
      bound_audiences: [AUDIENCE],
      bound_claims: {
        repository: 'octo-org/octo-repo',
        ref: ['refs/heads/main', 'refs/heads/release'],
      },
      user_claim: 'repository',
      token_policies: ['ci-read'],
      token_ttl: 600,
    });
    vault.addJwtRole('pinned-sub', {
      bound_audiences: AUDIENCE,
      bound_subject: 'repo:octo-org/octo-repo:environment:production',
      token_policies: ['ci-read'],
    });
    vault.addJwtRole('glob', {
      bound_audiences: AUDIENCE,
      bound_claims_type: 'glob',
      bound_claims: { sub: 'repo:octo-org/*:ref:refs/heads/*' },
      token_policies: ['ci-read'],
    });
    vault.addKvV2('secret', 'ci/db', { username: 'app', password: 'fixture-v1-pass' });
    vault.addKvV2('secret', 'ci/db', { username: 'app', password: 'fixture-v2-pass' });
    vault.addKvV1('kv', 'ci/api', { key: 'fixture-api-key' });
    vault.addDatabaseRole('database', 'readonly', { ttlSeconds: 900 });
  });

  afterEach(() => {
    vault.setFault(undefined);
    vault.setLatency(0);
  });

  afterAll(async () => {
    await vault.close();
    await issuer.close();
  });

  describe('JWT login', () => {
    it('verifies the token against the issuer JWKS and returns an auth block', async () => {
      const { status, body } = await login(await issuer.mint({ aud: AUDIENCE }));
      expect(status).toBe(200);
      expect(body).toMatchObject({
        lease_id: '',
        renewable: false,
        lease_duration: 0,
        data: null,
        wrap_info: null,
      });
      expect(body.request_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(body.auth).toMatchObject({
        policies: ['ci-read', 'default'],
        token_policies: ['ci-read', 'default'],
        metadata: { role: 'ci' },
        lease_duration: 600,
        renewable: true,
        token_type: 'service',
      });
      expect(String(body.auth?.client_token)).toMatch(/^hvs\.[A-Za-z0-9]{24}$/);
      expect(issuer.requests.some((r) => r.path === '/.well-known/jwks')).toBe(true);
    });

    it('accepts aud as an array and the role name in any case', async () => {
      const { status } = await login(await issuer.mint({ aud: ['other', AUDIENCE] }), 'CI');
      expect(status).toBe(200);
    });

    it.each([
      [
        'wrong audience',
        { aud: 'https://github.com/octo-org' },
        'ci',
        'error validating token: invalid audience (aud) claim: audience claim does not match any expected audience',
      ],
      [
        'sub mismatch',
        { aud: AUDIENCE },
        'pinned-sub',
        'error validating token: invalid subject (sub) claim',
      ],
      [
        'bound claim mismatch',
        { aud: AUDIENCE, repository: 'evil-org/octo-repo' },
        'ci',
        'error validating claims: claim "repository" does not match any associated bound claim values',
      ],
      [
        'bound claim outside the list',
        { aud: AUDIENCE, ref: 'refs/heads/feature' },
        'ci',
        'error validating claims: claim "ref" does not match any associated bound claim values',
      ],
      [
        'glob bound claim mismatch',
        { aud: AUDIENCE, sub: 'repo:evil/octo-repo:ref:refs/heads/main' },
        'glob',
        'error validating claims: claim "sub" does not match any associated bound claim values',
      ],
      ['unknown role', { aud: AUDIENCE }, 'nope', 'role "nope" could not be found'],
    ])('rejects %s with 400 and Vault wording', async (_name, claims, role, message) => {
      const { status, body } = await login(await issuer.mint(claims), role);
      expect(status).toBe(400);
      expect(body).toEqual({ errors: [message] });
    });

    it('accepts a glob bound claim that matches', async () => {
      expect((await login(await issuer.mint({ aud: AUDIENCE }), 'glob')).status).toBe(200);
    });

    it('rejects an expired token, beyond the 60 s clock-skew leeway only', async () => {
      const expired = await login(await issuer.mint({ aud: AUDIENCE }, { expiresInSeconds: -120 }));
      expect(expired).toEqual({
        status: 400,
        body: {
          errors: ['error validating token: invalid expiration time (exp) claim: token is expired'],
        },
      });
      const withinLeeway = await issuer.mint({ aud: AUDIENCE }, { expiresInSeconds: -30 });
      expect((await login(withinLeeway)).status).toBe(200);
    });

    it('rejects a token signed by a key the JWKS does not publish', async () => {
      const { status, body } = await login(
        await issuer.mint({ aud: AUDIENCE }, { foreignKey: true }),
      );
      expect(status).toBe(400);
      expect(body.errors).toEqual([
        'error validating token: error verifying token signature: failed to verify id token signature',
      ]);
    });

    it('rejects a token from another issuer, and a tampered payload', async () => {
      const stranger = await startOidcIssuer();
      try {
        const foreign = await login(await stranger.mint({ aud: AUDIENCE }));
        expect(foreign.status).toBe(400);
        expect(foreign.body.errors?.[0]).toMatch(/^error validating token: /);
      } finally {
        await stranger.close();
      }
      const [h, , s] = (await issuer.mint({ aud: AUDIENCE })).split('.');
      const payload = Buffer.from(JSON.stringify({ ...issuer.claims(), aud: AUDIENCE })).toString(
        'base64url',
      );
      const tampered = await login(`${h}.${payload}.${s}`);
      expect(tampered.body.errors).toEqual([
        'error validating token: error verifying token signature: failed to verify id token signature',
      ]);
    });

    it('answers missing role and missing token like Vault', async () => {
      expect((await call(vault, 'POST', 'auth/jwt/login', { body: { jwt: 'x' } })).body).toEqual({
        errors: ['missing role'],
      });
      expect((await call(vault, 'POST', 'auth/jwt/login', { body: { role: 'ci' } })).body).toEqual({
        errors: ['missing token'],
      });
    });

    it('refuses to create a jwt role without any bound constraint, as Vault does', () => {
      expect(() => vault.addJwtRole('loose', { token_policies: ['ci-read'] })).toThrow(
        /bound constraint/,
      );
    });
  });

  describe('tokens and policies', () => {
    it('needs a token: missing → 400, unknown → 403 invalid token', async () => {
      expect(await call(vault, 'GET', 'secret/data/ci/db')).toEqual({
        status: 400,
        body: { errors: ['missing client token'] },
      });
      expect(await call(vault, 'GET', 'secret/data/ci/db', { token: 'hvs.bogus' })).toEqual({
        status: 403,
        body: { errors: [INVALID_TOKEN_ERROR] },
      });
    });

    it('denies paths outside the policy with the 403 permission-denied body', async () => {
      const token = await loginToken();
      vault.addKvV2('secret', 'prod/db', { password: 'fixture-prod' });
      expect(await call(vault, 'GET', 'secret/data/prod/db', { token })).toEqual({
        status: 403,
        body: { errors: [PERMISSION_DENIED_ERROR] },
      });
    });

    it('looks up and revokes itself; a revoked token is invalid', async () => {
      const token = await loginToken();
      const lookup = await call(vault, 'GET', 'auth/token/lookup-self', { token });
      expect(lookup.status).toBe(200);
      expect(lookup.body.data).toMatchObject({
        id: token,
        policies: ['ci-read', 'default'],
        meta: { role: 'ci' },
        path: 'auth/jwt/login',
        type: 'service',
        creation_ttl: 600,
      });
      expect((await call(vault, 'POST', 'auth/token/revoke-self', { token })).status).toBe(204);
      expect((await call(vault, 'GET', 'auth/token/lookup-self', { token })).body).toEqual({
        errors: [INVALID_TOKEN_ERROR],
      });
    });

    it('expires tokens by their TTL on the emulator clock', async () => {
      let clock = Date.now();
      const local = await startVault({ issuer, now: () => clock });
      try {
        const token = local.issueToken({ ttlSeconds: 60 });
        expect((await call(local, 'GET', 'auth/token/lookup-self', { token })).status).toBe(200);
        clock += 61_000;
        expect((await call(local, 'GET', 'auth/token/lookup-self', { token })).status).toBe(403);
        expect(local.liveTokens()).toBe(0);
      } finally {
        await local.close();
      }
    });

    it('does not grant sys/leases/revoke through the default policy', async () => {
      const token = vault.issueToken({ policies: [] });
      expect(
        await call(vault, 'PUT', 'sys/leases/revoke', { token, body: { lease_id: 'x' } }),
      ).toEqual({
        status: 403,
        body: { errors: [PERMISSION_DENIED_ERROR] },
      });
    });
  });

  describe('KV', () => {
    it('reads KV v2 latest and a given version, with metadata', async () => {
      const token = await loginToken();
      const latest = await call(vault, 'GET', 'secret/data/ci/db', { token });
      expect(latest.status).toBe(200);
      expect(latest.body.mount_type).toBe('kv');
      expect(latest.body.data).toMatchObject({
        data: { username: 'app', password: 'fixture-v2-pass' },
        metadata: { version: 2, destroyed: false, deletion_time: '', custom_metadata: null },
      });
      const v1 = await call(vault, 'GET', 'secret/data/ci/db?version=1', { token });
      expect((v1.body.data as { data: unknown }).data).toEqual({
        username: 'app',
        password: 'fixture-v1-pass',
      });
    });

    it('answers 404 {"errors":[]} for a missing path or version', async () => {
      const token = await loginToken();
      expect(await call(vault, 'GET', 'secret/data/ci/missing', { token })).toEqual({
        status: 404,
        body: { errors: [] },
      });
      expect(await call(vault, 'GET', 'secret/data/ci/db?version=9', { token })).toEqual({
        status: 404,
        body: { errors: [] },
      });
      expect(await call(vault, 'GET', 'kv/ci/missing', { token })).toEqual({
        status: 404,
        body: { errors: [] },
      });
    });

    it('answers a deleted version with 404 and its metadata, as Vault does', async () => {
      const token = await loginToken();
      vault.addKvV2('secret', 'ci/rotating', { value: 'fixture-old' });
      vault.addKvV2('secret', 'ci/rotating', { value: 'fixture-new' });
      vault.deleteKvV2('secret', 'ci/rotating');
      const deleted = await call(vault, 'GET', 'secret/data/ci/rotating', { token });
      expect(deleted.status).toBe(404);
      expect(deleted.body.data).toMatchObject({
        data: null,
        metadata: { version: 2, destroyed: false },
      });
      expect(
        String(
          (deleted.body.data as { metadata: { deletion_time: string } }).metadata.deletion_time,
        ),
      ).not.toBe('');
      const older = await call(vault, 'GET', 'secret/data/ci/rotating?version=1', { token });
      expect(older.status).toBe(200);
    });

    it('warns on a v1-style path to a v2 mount', async () => {
      const { status, body } = await call(vault, 'GET', 'secret/ci/db', { token: vault.rootToken });
      expect(status).toBe(404);
      expect(body.warnings).toEqual([KV_V2_INVALID_PATH_WARNING]);
      expect(body.data).toBeNull();
    });

    it('reads KV v1 with the default lease duration', async () => {
      const token = await loginToken();
      const { status, body } = await call(vault, 'GET', 'kv/ci/api', { token });
      expect(status).toBe(200);
      expect(body).toMatchObject({
        data: { key: 'fixture-api-key' },
        lease_duration: 2764800,
        renewable: false,
      });
    });

    it('tells the KV version through sys/internal/ui/mounts', async () => {
      const token = await loginToken();
      const v2 = await call(vault, 'GET', 'sys/internal/ui/mounts/secret/data/ci/db', { token });
      expect(v2.body.data).toMatchObject({
        type: 'kv',
        path: 'secret/',
        options: { version: '2' },
      });
      const v1 = await call(vault, 'GET', 'sys/internal/ui/mounts/kv/ci/api', { token });
      expect(v1.body.data).toMatchObject({ type: 'kv', path: 'kv/', options: { version: '1' } });
    });
  });

  describe('dynamic database credentials', () => {
    it('issues leased credentials; revoke-self revokes the token and its leases', async () => {
      const token = await loginToken();
      const creds = await call(vault, 'GET', 'database/creds/readonly', { token });
      expect(creds.status).toBe(200);
      expect(creds.body).toMatchObject({
        renewable: true,
        lease_duration: 900,
        mount_type: 'database',
      });
      expect(creds.body.lease_id).toMatch(/^database\/creds\/readonly\/[A-Za-z0-9]{24}$/);
      const data = creds.body.data as { username: string; password: string };
      expect(data.username).toMatch(/^v-jwt-/);
      expect(data.password).toMatch(/^[A-Za-z0-9-]{20}$/);
      const leaseId = String(creds.body.lease_id);
      expect(vault.liveLeases()).toContain(leaseId);

      expect((await call(vault, 'POST', 'auth/token/revoke-self', { token })).status).toBe(204);
      expect(vault.liveLeases()).not.toContain(leaseId);
      expect(vault.revokedLeases).toContain(leaseId);
    });

    it('revokes a single lease through sys/leases/revoke when the policy allows it', async () => {
      const token = await loginToken();
      const { body } = await call(vault, 'GET', 'database/creds/readonly', { token });
      const leaseId = String(body.lease_id);
      expect(
        (await call(vault, 'PUT', 'sys/leases/revoke', { token, body: { lease_id: leaseId } }))
          .status,
      ).toBe(204);
      expect(vault.liveLeases()).not.toContain(leaseId);
      expect((await call(vault, 'GET', 'auth/token/lookup-self', { token })).status).toBe(200);
      // Revoking an unknown lease is not an error in Vault.
      expect(
        (await call(vault, 'PUT', 'sys/leases/revoke', { token, body: { lease_id: 'nope/1' } }))
          .status,
      ).toBe(204);
    });

    it('answers an unknown database role with 400', async () => {
      expect(await call(vault, 'GET', 'database/creds/nope', { token: vault.rootToken })).toEqual({
        status: 400,
        body: { errors: ['unknown role: nope'] },
      });
    });
  });

  describe('namespaces', () => {
    it('keeps mounts, roles and tokens inside their namespace', async () => {
      vault.enableJwtAuth('jwt', { issuer, namespace: 'team-a' });
      vault.addPolicy('a-read', { 'secret/data/*': ['read'] }, { namespace: 'team-a' });
      vault.addJwtRole(
        'ci',
        { bound_audiences: AUDIENCE, token_policies: ['a-read'] },
        { namespace: 'team-a' },
      );
      vault.addKvV2('secret', 'app', { value: 'fixture-team-a' }, { namespace: 'team-a' });

      const jwt = await issuer.mint({ aud: AUDIENCE });
      const inNs = await login(jwt, 'ci', { namespace: 'team-a' });
      expect(inNs.status).toBe(200);
      const token = String(inNs.body.auth?.client_token);
      expect(token).toMatch(/^hvs\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{5}$/);

      const read = await call(vault, 'GET', 'secret/data/app', { token, namespace: 'team-a' });
      expect((read.body.data as { data: unknown }).data).toEqual({ value: 'fixture-team-a' });
      // The same path addressed through the URL instead of the header.
      expect((await call(vault, 'GET', 'team-a/secret/data/app', { token })).status).toBe(200);

      // The root namespace does not see team-a's secret, nor accept its token.
      expect((await call(vault, 'GET', 'secret/data/app', { token: vault.rootToken })).status).toBe(
        404,
      );
      expect((await call(vault, 'GET', 'secret/data/app', { token })).body).toEqual({
        errors: [INVALID_TOKEN_ERROR],
      });
      // Another namespace has no such role.
      expect((await login(jwt, 'ci', { namespace: 'team-b' })).status).not.toBe(200);
      expect(
        vault.requests.some((r) => r.namespace === 'team-a' && r.path === '/v1/secret/data/app'),
      ).toBe(true);
    });
  });

  describe('latency and faults', () => {
    it('delays every response by the set latency', async () => {
      vault.setLatency(150);
      const started = Date.now();
      await call(vault, 'GET', 'auth/token/lookup-self', { token: vault.rootToken });
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    });

    it('answers 429 with Retry-After, 503, resets and hangs on demand', async () => {
      let calls = 0;
      vault.setFault((req) => {
        if (req.apiPath !== 'secret/data/ci/db') return undefined;
        calls += 1;
        return calls === 1
          ? { status: 429, headers: { 'retry-after': '2' }, body: { errors: ['rate limited'] } }
          : { status: 503, body: { errors: ['Vault is sealed'] } };
      });
      const first = await fetch(`${vault.url}/v1/secret/data/ci/db`, {
        headers: { 'x-vault-token': vault.rootToken },
      });
      expect(first.status).toBe(429);
      expect(first.headers.get('retry-after')).toBe('2');
      const second = await fetch(`${vault.url}/v1/secret/data/ci/db`, {
        headers: { 'x-vault-token': vault.rootToken },
      });
      expect(second.status).toBe(503);

      vault.setFault(() => 'reset');
      await expect(fetch(`${vault.url}/v1/sys/health`)).rejects.toThrow();

      vault.setFault(() => 'hang');
      const hung = fetch(`${vault.url}/v1/sys/health`, { signal: AbortSignal.timeout(200) });
      await expect(hung).rejects.toThrow();
      expect(vault.requests.slice(-2).map((r) => r.status)).toEqual([0, -1]);
    });
  });

  it('serves HTTPS with a given key and certificate', async () => {
    const { key, cert } = selfSignedLoopbackCertificate();
    const tlsVault = await startVault({ issuer, tls: { key, cert } });
    try {
      expect(tlsVault.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpsRequest(
          `${tlsVault.url}/v1/auth/token/lookup-self`,
          { ca: cert, headers: { 'x-vault-token': tlsVault.rootToken } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(status).toBe(200);
    } finally {
      await tlsVault.close();
    }
  });
});
