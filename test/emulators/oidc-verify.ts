// The part every cloud emulator shares: checking a GitHub OIDC token the way a cloud's
// federation endpoint does. The signature is verified against the issuer's JWKS fetched over
// HTTP (jose's remote key set, cached like a real relying party caches it); the result says
// *which* check failed so that each emulator can answer with its own provider's error.
import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  jwtVerify,
  type JWTPayload,
} from 'jose';

export type OidcFailureReason =
  /** Not a JWT at all. */
  | 'malformed'
  /** `iss` is not an issuer this cloud account trusts. */
  | 'issuer'
  /** The JWKS could not be fetched, or holds no key with the token's `kid`. */
  | 'keys'
  /** A key was found but the signature does not verify. */
  | 'signature'
  /** `exp` is in the past (or `nbf` in the future). */
  | 'expired';

export type OidcVerdict =
  | { ok: true; claims: GithubClaims }
  | { ok: false; reason: OidcFailureReason; detail: string; claims?: GithubClaims };

/** The claims a GitHub Actions OIDC token carries (all optional: a forged token may lack any). */
export interface GithubClaims extends JWTPayload {
  repository?: string;
  repository_owner?: string;
  repository_id?: string;
  ref?: string;
  environment?: string;
  job_workflow_ref?: string;
  workflow_ref?: string;
  event_name?: string;
  [claim: string]: unknown;
}

export interface OidcVerifierOptions {
  /** Issuers this account trusts (`https://token.actions.githubusercontent.com` in production). */
  issuers: readonly string[];
  /** JWKS location per issuer; defaults to `<issuer>/.well-known/jwks` as GitHub publishes it. */
  jwksUrl?: (issuer: string) => string;
  /** The emulator's clock in epoch milliseconds. */
  now: () => number;
}

export interface OidcVerifier {
  verify(token: string): Promise<OidcVerdict>;
}

export function createOidcVerifier(options: OidcVerifierOptions): OidcVerifier {
  const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
  const keySetFor = (issuer: string) => {
    let set = keySets.get(issuer);
    if (!set) {
      const url = options.jwksUrl?.(issuer) ?? `${issuer.replace(/\/$/, '')}/.well-known/jwks`;
      set = createRemoteJWKSet(new URL(url), { timeoutDuration: 5000, cooldownDuration: 0 });
      keySets.set(issuer, set);
    }
    return set;
  };

  return {
    async verify(token: string): Promise<OidcVerdict> {
      let claims: GithubClaims;
      try {
        decodeProtectedHeader(token);
        claims = decodeJwt(token) as GithubClaims;
      } catch (error) {
        return { ok: false, reason: 'malformed', detail: (error as Error).message };
      }
      const issuer = typeof claims.iss === 'string' ? claims.iss : '';
      if (!options.issuers.includes(issuer)) {
        return {
          ok: false,
          reason: 'issuer',
          detail: `untrusted issuer ${issuer || '(none)'}`,
          claims,
        };
      }
      try {
        await jwtVerify(token, keySetFor(issuer), {
          algorithms: ['RS256'],
          currentDate: new Date(options.now()),
          clockTolerance: 0,
        });
        return { ok: true, claims };
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === 'ERR_JWT_EXPIRED')
          return { ok: false, reason: 'expired', detail: 'token expired', claims };
        if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') {
          return { ok: false, reason: 'expired', detail: (error as Error).message, claims };
        }
        if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') {
          return {
            ok: false,
            reason: 'signature',
            detail: 'signature verification failed',
            claims,
          };
        }
        if (
          code === 'ERR_JWS_INVALID' ||
          code === 'ERR_JWT_INVALID' ||
          code === 'ERR_JOSE_ALG_NOT_ALLOWED'
        ) {
          return { ok: false, reason: 'malformed', detail: (error as Error).message, claims };
        }
        // No matching kid, a JWKS that cannot be fetched or parsed: the key could not be found.
        return { ok: false, reason: 'keys', detail: (error as Error).message, claims };
      }
    },
  };
}

/** `StringLike` of IAM condition keys: `*` any run of characters, `?` one character. */
export function stringLike(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, 's').test(value);
}

/** `aud` as a list, whether the token carries one string or an array. */
export function audiences(claims: JWTPayload): string[] {
  if (typeof claims.aud === 'string') return [claims.aud];
  return Array.isArray(claims.aud)
    ? claims.aud.filter((a): a is string => typeof a === 'string')
    : [];
}
