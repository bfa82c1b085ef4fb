// Google application-default credentials' wire half, for the CLI outside Actions: a user's
// refresh token (`gcloud auth application-default login`) → an access token by the OAuth 2.0
// refresh grant at the token endpoint, and optionally → a service account's token by IAM
// Credentials generateAccessToken (`--impersonate-service-account`). The CLI reads the file.
//
// These tokens are not revoked at exit: revoking an access token at Google's revocation
// endpoint also revokes the refresh token it came from ("If the token is an access token and
// it has a corresponding refresh token, the refresh token will also be revoked", Google's
// OAuth 2.0 for web server apps guide), which would log the person out of ADC.
import { ActionError } from '../core/errors.js';
import { HttpError, type HttpClient, type HttpResponse } from '../net/http.js';
import type { GcpPersonal } from '../core/personal.js';
import { jsonStringField } from './error-body.js';
import type { ProviderDeps } from './types.js';

export interface AdcContext {
  http: HttpClient;
  /** The OAuth 2.0 base URL (gcp-oauth2 endpoint, default https://oauth2.googleapis.com). */
  oauth2: string;
  /** IAM Credentials' base URL. */
  iamcredentials: string;
  scope: string;
  admitCredential: ProviderDeps['admitCredential'];
}

export async function personalAccessToken(personal: GcpPersonal, adc: AdcContext): Promise<string> {
  if (personal.kind === 'authorized_user') return refresh(personal, adc);
  const source = await personalAccessToken(personal.from, adc);
  const what = `gcp impersonation of ${personal.serviceAccount} (generateAccessToken, ${personal.source})`;
  let response: HttpResponse;
  try {
    response = await adc.http.request({
      method: 'POST',
      url: `${adc.iamcredentials}/v1/projects/-/serviceAccounts/${encodeURIComponent(personal.serviceAccount)}:generateAccessToken`,
      headers: { authorization: `Bearer ${source}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        scope: [adc.scope],
        lifetime: '3600s',
        ...(personal.delegates.length
          ? { delegates: personal.delegates.map((d) => `projects/-/serviceAccounts/${d}`) }
          : {}),
      }),
      what,
    });
  } catch (error) {
    throw refused(
      error,
      what,
      `grant your account roles/iam.serviceAccountTokenCreator on ${personal.serviceAccount}`,
    );
  }
  const token = response.json<{ accessToken?: unknown }>().accessToken;
  if (typeof token !== 'string' || token === '')
    throw new ActionError('AUTH_FAILED', `${what}: the answer has no accessToken`);
  adc.admitCredential(token, `the access token of ${personal.serviceAccount}`);
  return token;
}

/**
 * The refresh grant (RFC 6749 §6) as Google's token endpoint takes it: a form POST of
 * grant_type=refresh_token, client_id, client_secret and refresh_token to /token, answered
 * with {"access_token", "expires_in", "scope", "token_type": "Bearer"}.
 */
async function refresh(
  user: Extract<GcpPersonal, { kind: 'authorized_user' }>,
  adc: AdcContext,
): Promise<string> {
  adc.admitCredential(user.refreshToken, `the refresh token in ${user.source}`);
  adc.admitCredential(user.clientSecret, `the OAuth client secret in ${user.source}`);
  const what = `gcp refresh of the user credentials in ${user.source}`;
  let response: HttpResponse;
  try {
    response = await adc.http.request({
      method: 'POST',
      url: `${adc.oauth2}/token`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: user.clientId,
        client_secret: user.clientSecret,
        refresh_token: user.refreshToken,
      }).toString(),
      what,
    });
  } catch (error) {
    throw refused(
      error,
      what,
      'the login has expired or was revoked: run `gcloud auth application-default login` again',
    );
  }
  const token = response.json<{ access_token?: unknown }>().access_token;
  if (typeof token !== 'string' || token === '')
    throw new ActionError('AUTH_FAILED', `${what}: the answer has no access_token`);
  adc.admitCredential(token, `the access token from ${user.source}`);
  return token;
}

function refused(error: unknown, what: string, hint: string): Error {
  if (!(error instanceof HttpError) || error.status === undefined || error.status >= 500)
    return error as Error;
  const body = error.bodyExcerpt;
  const oauth = jsonStringField(body, 'error');
  const description = jsonStringField(body, 'error_description');
  const message = jsonStringField(body, 'message');
  const reason = oauth ? `${oauth}${description ? `: ${description}` : ''}` : (message ?? body);
  return new ActionError(
    'AUTH_FAILED',
    `${what} was refused (HTTP ${error.status}): ${reason}\nHint: ${hint}.`,
  );
}
