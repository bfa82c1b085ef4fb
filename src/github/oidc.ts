// The job's GitHub OIDC token, as the runner mints it: one request per distinct audience,
// shared by every provider that asks for it, masked the moment it arrives.
import { ActionError } from '../core/errors.js';
import type { IdentitySource } from '../core/identity.js';
import type { HttpClient } from '../net/http.js';

export interface OidcRequestEnvironment {
  requestUrl: string | undefined;
  requestToken: string | undefined;
}

export function oidcRequestEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): OidcRequestEnvironment {
  return {
    requestUrl: env.ACTIONS_ID_TOKEN_REQUEST_URL,
    requestToken: env.ACTIONS_ID_TOKEN_REQUEST_TOKEN,
  };
}

export class GitHubOidc implements IdentitySource {
  private readonly cache = new Map<string, Promise<string>>();

  constructor(
    private readonly http: HttpClient,
    private readonly request: OidcRequestEnvironment,
    private readonly admitCredential: (value: string, what: string) => void,
  ) {}

  idToken(audience?: string): Promise<string> {
    const key = audience ?? '';
    let pending = this.cache.get(key);
    if (!pending) {
      pending = this.fetch(audience);
      // A failed fetch is not cached: a later caller (post, a retry) may succeed.
      pending.catch(() => this.cache.delete(key));
      this.cache.set(key, pending);
    }
    return pending;
  }

  private async fetch(audience: string | undefined): Promise<string> {
    const { requestUrl, requestToken } = this.request;
    if (!requestUrl || !requestToken) {
      throw new ActionError(
        'OIDC_UNAVAILABLE',
        'this job cannot mint a GitHub OIDC token: give the job `permissions: id-token: write` ' +
          '(ACTIONS_ID_TOKEN_REQUEST_URL is not set; pull requests from forks never get one)',
      );
    }
    const url = new URL(requestUrl);
    if (audience) url.searchParams.set('audience', audience);
    const response = await this.http.request({
      method: 'GET',
      url,
      headers: { authorization: `Bearer ${requestToken}` },
      what: `GitHub OIDC token request${audience ? ` (audience ${audience})` : ''}`,
    });
    let token: unknown;
    try {
      token = response.json<{ value?: unknown }>().value;
    } catch {
      token = undefined;
    }
    if (typeof token !== 'string' || token.split('.').length !== 3) {
      throw new ActionError(
        'OIDC_UNAVAILABLE',
        'the GitHub OIDC token endpoint answered without a token',
      );
    }
    this.admitCredential(token, 'the GitHub OIDC token');
    return token;
  }
}
