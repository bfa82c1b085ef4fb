import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import {
  startOidcIssuer,
  subjectFor,
  type OidcIssuer,
} from '../../../test/emulators/oidc-issuer.js';

/** What @actions/core's getIDToken sends: URL + `&audience=…`, bearer request token. */
async function requestIdToken(issuer: OidcIssuer, audience?: string, bearer = issuer.requestToken) {
  const url =
    audience === undefined
      ? issuer.requestUrl
      : `${issuer.requestUrl}&audience=${encodeURIComponent(audience)}`;
  return fetch(url, { headers: { authorization: `Bearer ${bearer}`, accept: 'application/json' } });
}

describe('OIDC issuer emulator', () => {
  let issuer: OidcIssuer;

  beforeAll(async () => {
    issuer = await startOidcIssuer();
  });
  afterAll(async () => {
    await issuer.close();
  });

  it('publishes discovery and a JWKS that verifies its tokens over HTTP', async () => {
    const discovery = (await (
      await fetch(`${issuer.url}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    expect(discovery.issuer).toBe(issuer.issuer);
    expect(discovery.jwks_uri).toBe(issuer.jwksUrl);
    expect(discovery.id_token_signing_alg_values_supported).toEqual(['RS256']);

    const jwks = (await (await fetch(issuer.jwksUrl)).json()) as {
      keys: Array<Record<string, unknown>>;
    };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: issuer.kid });
    expect(jwks.keys[0]).not.toHaveProperty('d');

    const token = await issuer.mint();
    const { payload, protectedHeader } = await jwtVerify(
      token,
      createRemoteJWKSet(new URL(issuer.jwksUrl)),
      {
        issuer: issuer.issuer,
      },
    );
    expect(protectedHeader).toMatchObject({ alg: 'RS256', kid: issuer.kid, typ: 'JWT' });
    expect(payload.sub).toBe('repo:octo-org/octo-repo:ref:refs/heads/main');
  });

  it('answers a token request without audience with the owner URL as aud and the full claim set', async () => {
    const response = await requestIdToken(issuer);
    expect(response.status).toBe(200);
    const { value } = (await response.json()) as { value: string };
    const claims = decodeJwt(value);
    expect(claims.aud).toBe('https://github.com/octo-org');
    expect(claims.iss).toBe(issuer.issuer);
    for (const name of [
      'repository',
      'repository_owner',
      'repository_id',
      'repository_owner_id',
      'ref',
      'ref_type',
      'sha',
      'workflow',
      'workflow_ref',
      'job_workflow_ref',
      'event_name',
      'run_id',
      'run_number',
      'run_attempt',
      'actor',
      'actor_id',
      'runner_environment',
      'jti',
    ]) {
      expect(typeof claims[name]).toBe('string');
    }
    expect(claims.exp! - claims.iat!).toBe(300);
    expect(claims.nbf!).toBeLessThanOrEqual(claims.iat!);
    expect(issuer.tokenRequests.at(-1)).toEqual({ status: 200 });
  });

  it('puts the requested audience in aud, URL-decoded', async () => {
    const response = await requestIdToken(issuer, 'https://vault.example.com/ci?x=1&y');
    const { value } = (await response.json()) as { value: string };
    expect(decodeJwt(value).aud).toBe('https://vault.example.com/ci?x=1&y');
    expect(issuer.tokenRequests.at(-1)).toEqual({
      audience: 'https://vault.example.com/ci?x=1&y',
      status: 200,
    });
  });

  it('refuses a wrong or missing bearer with 401 and a body', async () => {
    const wrong = await requestIdToken(issuer, 'sts.amazonaws.com', 'not-the-token');
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { message: string }).message).toMatch(/not authorized/);
    const missing = await fetch(issuer.requestUrl);
    expect(missing.status).toBe(401);
    expect(issuer.tokenRequests.filter((r) => r.status === 401)).toHaveLength(2);
  });

  it('exposes the runner variables', () => {
    expect(issuer.env()).toEqual({
      ACTIONS_ID_TOKEN_REQUEST_URL: issuer.requestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: issuer.requestToken,
    });
    expect(new URL(issuer.requestUrl).searchParams.get('api-version')).toBe('2.0');
  });

  it('derives sub from environment, pull_request and ref, and in the immutable form', async () => {
    issuer.setClaims({ environment: 'production' });
    expect(decodeJwt(await issuer.mint()).sub).toBe(
      'repo:octo-org/octo-repo:environment:production',
    );
    issuer.setClaims({ environment: undefined });
    expect(decodeJwt(await issuer.mint({ event_name: 'pull_request' })).sub).toBe(
      'repo:octo-org/octo-repo:pull_request',
    );
    issuer.setImmutableSubject(true);
    expect(decodeJwt(await issuer.mint()).sub).toBe(
      'repo:octo-org@123/octo-repo@456:ref:refs/heads/main',
    );
    issuer.setImmutableSubject(false);
    expect(
      subjectFor({ repository: 'a/b', repository_owner: 'a', ref: 'refs/tags/v1' }, false),
    ).toBe('repo:a/b:ref:refs/tags/v1');
  });

  it('mints expired tokens and forgeries under the published kid on request', async () => {
    const expired = decodeJwt(await issuer.mint({}, { expiresInSeconds: -600 }));
    expect(expired.exp!).toBeLessThan(Date.now() / 1000);
    const forged = await issuer.mint({}, { foreignKey: true });
    expect(decodeProtectedHeader(forged).kid).toBe(issuer.kid);
    await expect(
      jwtVerify(forged, createRemoteJWKSet(new URL(issuer.jwksUrl))),
    ).rejects.toMatchObject({
      code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    });
  });

  it('keeps old keys in the JWKS across a rotation', async () => {
    const before = await issuer.mint();
    await issuer.rotateKey();
    const after = await issuer.mint();
    const keys = createRemoteJWKSet(new URL(issuer.jwksUrl));
    await expect(jwtVerify(before, keys)).resolves.toBeDefined();
    await expect(jwtVerify(after, keys)).resolves.toBeDefined();
    expect(decodeProtectedHeader(before).kid).not.toBe(decodeProtectedHeader(after).kid);
  });
});
