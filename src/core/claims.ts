// The OIDC token's non-secret claims, for the messages that explain a rejected token
// (SPEC §1.6). Decoding only: the provider is the one that verifies.
import { decodeJwt } from 'jose';

export const SHOWN_CLAIMS = [
  'iss',
  'aud',
  'sub',
  'repository',
  'ref',
  'environment',
  'job_workflow_ref',
] as const;

export type ShownClaims = Partial<Record<(typeof SHOWN_CLAIMS)[number], string>> & { exp?: number };

export function shownClaims(token: string): ShownClaims {
  let payload: Record<string, unknown>;
  try {
    payload = decodeJwt(token);
  } catch {
    return {};
  }
  const claims: ShownClaims = {};
  for (const name of SHOWN_CLAIMS) {
    const value = payload[name];
    if (typeof value === 'string') claims[name] = value;
    else if (Array.isArray(value)) claims[name] = value.join(', ');
  }
  if (typeof payload.exp === 'number') claims.exp = payload.exp;
  return claims;
}

/** One line per claim, for an error message. */
export function formatClaims(claims: ShownClaims): string {
  return SHOWN_CLAIMS.filter((name) => claims[name] !== undefined)
    .map((name) => `  ${name}: ${claims[name]}`)
    .join('\n');
}
