// A stand-in GitHub OIDC issuer for the cloud emulator tests until test/emulators/oidc-issuer.ts
// lands: an RS256 key, its JWKS served over real HTTP, and `mint(claims)`.
import { SignJWT, exportJWK, generateKeyPair, type JWTPayload } from 'jose';
import { startHttpServer, jsonReply } from '../../../test/emulators/http-server.js';

export interface TestIssuer {
  issuer: string;
  jwksUrl: string;
  mint(claims?: JWTPayload, options?: { key?: 'other'; lifetime?: number }): Promise<string>;
  close(): Promise<void>;
}

export async function startTestIssuer(): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const other = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const server = await startHttpServer(() => jsonReply(200, { keys: [jwk] }));
  const issuer = server.url;
  return {
    issuer,
    jwksUrl: `${issuer}/.well-known/jwks`,
    async mint(claims = {}, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      const lifetime = options.lifetime ?? 300;
      return new SignJWT({
        iss: issuer,
        sub: 'repo:octo-org/octo-repo:ref:refs/heads/main',
        repository: 'octo-org/octo-repo',
        repository_owner: 'octo-org',
        ref: 'refs/heads/main',
        iat: now - 5,
        nbf: now - 5,
        exp: now + lifetime,
        ...claims,
      })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'JWT' })
        .sign(options.key === 'other' ? other.privateKey : privateKey);
    },
    close: () => server.close(),
  };
}
