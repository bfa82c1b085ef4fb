// Vault with the person's own token (VAULT_TOKEN or ~/.vault-token, found by the CLI): checked
// with `auth/token/lookup-self` before any read, so an expired or revoked token is reported
// once, naming where it came from, instead of as a 403 on every path. The token is the
// person's: it is never recorded for revocation (leases read with it still are).
import { ActionError } from '../core/errors.js';
import { HttpError } from '../net/http.js';
import type { VaultPersonal } from '../core/personal.js';
import type { ProviderDeps } from './types.js';

interface LookupSelf {
  data?: { display_name?: unknown; ttl?: unknown; policies?: unknown } | null;
}

/** Checks the token; resolves to what the debug log may show about it (never the token). */
export async function checkPersonalToken(
  personal: VaultPersonal,
  request: { url: string; headers: Record<string, string> },
  deps: Pick<ProviderDeps, 'http' | 'log'>,
): Promise<void> {
  const what = `vault token check (auth/token/lookup-self, the token from ${personal.source})`;
  try {
    const response = await deps.http.request({
      method: 'GET',
      url: request.url,
      headers: request.headers,
      what,
    });
    // Vault's token lookup answers data.display_name, data.policies and data.ttl (seconds
    // left; 0 for a root token that never expires).
    const data = response.json<LookupSelf>().data ?? {};
    const policies = Array.isArray(data.policies) ? data.policies.join(', ') : '';
    deps.log.debug(
      `vault: using the token from ${personal.source} (${String(data.display_name ?? 'token')}, policies ${policies || 'none'}, ttl ${String(data.ttl ?? '?')}s)`,
    );
  } catch (error) {
    if (error instanceof HttpError && error.status === 403) {
      throw new ActionError(
        'AUTH_FAILED',
        `${what} was refused (HTTP 403): the token has expired, was revoked or belongs to another Vault; run \`vault login\` again (it writes ~/.vault-token) or set VAULT_TOKEN`,
      );
    }
    throw error;
  }
}
