// What providers see of identity: a token for an audience (undefined: the issuer's default).
// The action's implementation is the runner's OIDC request endpoint (src/github/oidc.ts);
// another front end may bring its own.
export interface IdentitySource {
  idToken(audience?: string): Promise<string>;
}
