// loginHint against Vault's own wording of each JWT login rejection (vault-plugin-auth-jwt,
// hashicorp/cap): every rejection gets the hint about the condition that failed. The time
// and signature messages end in "claim" too, so their order matters.
import { wordSettings } from '../../../src/core/settings.js';
import { ACTION_WORDS } from '../../../src/github/inputs.js';
import { loginHint } from '../../../src/providers/vault.js';

describe('loginHint', () => {
  it.each([
    ['role "ci" could not be found', /vault-role input names a role that does not exist/],
    [
      'error validating token: invalid expiration time (exp) claim: token is expired',
      /token had expired when Vault checked it/,
    ],
    ['error validating token: invalid not before (nbf) claim: token not yet valid', /clock skew/],
    [
      'error validating token: invalid issued at (iat) claim: token issued in the future',
      /clock skew/,
    ],
    ['error validating token: invalid issuer (iss) claim', /could not verify the token/],
    [
      'error validating token: error verifying token signature: failed to verify id token signature',
      /could not verify the token/,
    ],
    [
      'error validating token: invalid audience (aud) claim: audience claim does not match any expected audience',
      /bound_audiences does not contain the token's aud/,
    ],
    ['error validating token: invalid subject (sub) claim', /bound_subject does not match/],
    [
      'error validating claims: claim "environment" does not match any associated bound claim values',
      /bound_claims does not match/,
    ],
    ['error validating claims: claim "repository" is missing', /bound_claims does not match/],
  ])('%s', (reason, hint) => {
    // The hint names settings; the action words them as its inputs.
    expect(wordSettings(loginHint(reason), ACTION_WORDS)).toMatch(hint);
  });
});
