// Renewing what a Vault login and dynamic reads created: the client token
// (`POST /v1/auth/token/renew-self`, body {"increment": seconds}, answered with the token's
// new `auth.lease_duration`) and each renewable lease (`PUT /v1/sys/leases/renew`, body
// {"lease_id", "increment"}, answered with the lease's new top-level `lease_duration`).
// Vault's API docs: "increment … Vault is not required to honor this request" — it caps the
// grant at the token's or the lease's max TTL, so a grant shorter than asked for means the
// maximum is reached and renewing again would buy nothing (api-docs/auth/token#renew-a-token-self,
// api-docs/system/leases#renew-lease).
import { HttpError, type HttpClient } from '../net/http.js';
import type { LedgerEntry } from '../core/ledger.js';
import type { Granted, Renewable } from '../core/renewal.js';
import type { VaultSettings } from '../core/settings.js';
import { vaultHeaders, vaultHttp } from './vault-transport.js';

interface RenewEnvelope {
  lease_duration?: number;
  renewable?: boolean;
  auth?: { lease_duration?: number; renewable?: boolean } | null;
  errors?: string[];
}

/** What can be renewed, from the ledger entries a Vault login and its reads recorded. */
export interface VaultRenewables {
  token: string;
  tokenLabel: string;
  tokenTtlSeconds: number;
  tokenRenewable: boolean;
  /** When the token's TTL started, epoch milliseconds. */
  tokenIssuedAt: number;
  leases: Array<{ id: string; ttlSeconds: number; renewable: boolean; issuedAt: number }>;
}

/** The Vault entries of a ledger worth renewing; undefined when there is no token. */
export function vaultRenewablesFrom(entries: readonly LedgerEntry[]): VaultRenewables | undefined {
  const vault = entries.filter((entry) => entry.provider === 'vault');
  const token = vault.filter((entry) => entry.kind === 'token').at(-1);
  if (!token?.data.token) return undefined;
  return {
    token: token.data.token,
    tokenLabel: token.label,
    tokenTtlSeconds: Number(token.data.ttl ?? 0) || 0,
    tokenRenewable: token.data.renewable === 'true',
    tokenIssuedAt: Number(token.data.issuedAt ?? 0) || Date.now(),
    leases: vault
      .filter((entry) => entry.kind === 'lease' && entry.data.leaseId)
      .map((entry) => ({
        id: entry.data.leaseId as string,
        ttlSeconds: Number(entry.data.ttl ?? 0) || 0,
        renewable: entry.data.renewable === 'true',
        issuedAt: Number(entry.data.issuedAt ?? 0) || Date.now(),
      })),
  };
}

/**
 * The renewable items: the token when it expires (a TTL of 0 never does) and is renewable,
 * and every renewable lease with a TTL. Each asks for its original TTL again.
 */
export function vaultRenewals(
  vault: VaultSettings,
  http: HttpClient,
  what: VaultRenewables,
  now: () => number = Date.now,
): Renewable[] {
  const client = vaultHttp(vault, http);
  const url = (path: string) => `${vault.url}/v1/${path}`;
  const items: Renewable[] = [];
  // What is left of a TTL granted at `issuedAt`: the first renewal comes at half of that.
  const left = (ttlSeconds: number, issuedAt: number) =>
    Math.max(0, ttlSeconds - (now() - issuedAt) / 1000);
  if (what.tokenRenewable && what.tokenTtlSeconds > 0) {
    const increment = what.tokenTtlSeconds;
    items.push({
      kind: 'token',
      label: `the Vault token (${what.tokenLabel})`,
      ttlSeconds: left(increment, what.tokenIssuedAt),
      async renew(): Promise<Granted> {
        const response = await send(client, {
          url: url('auth/token/renew-self'),
          method: 'POST',
          headers: vaultHeaders(vault, what.token),
          body: { increment },
          what: 'renew the vault token (auth/token/renew-self)',
        });
        const ttl = response.auth?.lease_duration ?? 0;
        return {
          ttlSeconds: ttl,
          atMaximum: ttl < increment || response.auth?.renewable === false,
        };
      },
    });
  }
  for (const lease of what.leases) {
    if (!lease.renewable || lease.ttlSeconds <= 0) continue;
    const increment = lease.ttlSeconds;
    items.push({
      kind: 'lease',
      label: lease.id,
      ttlSeconds: left(increment, lease.issuedAt),
      async renew(): Promise<Granted> {
        const response = await send(client, {
          url: url('sys/leases/renew'),
          method: 'PUT',
          headers: vaultHeaders(vault, what.token),
          body: { lease_id: lease.id, increment },
          what: `renew vault lease ${lease.id}`,
        });
        const ttl = response.lease_duration ?? 0;
        return { ttlSeconds: ttl, atMaximum: ttl < increment || response.renewable === false };
      },
    });
  }
  return items;
}

async function send(
  client: HttpClient,
  request: {
    url: string;
    method: 'POST' | 'PUT';
    headers: Record<string, string>;
    body: unknown;
    what: string;
  },
): Promise<RenewEnvelope> {
  try {
    const response = await client.request({ ...request, body: JSON.stringify(request.body) });
    return response.json<RenewEnvelope>();
  } catch (error) {
    if (error instanceof HttpError && error.status !== undefined) {
      // Vault's own words ("permission denied", "lease not found", "lease is not renewable").
      let reason = error.bodyExcerpt;
      try {
        const errors = (JSON.parse(error.bodyExcerpt) as RenewEnvelope).errors;
        if (Array.isArray(errors) && errors.length) reason = errors.join('; ');
      } catch {
        // not JSON: the scrubbed excerpt
      }
      throw new Error(
        `${request.what}: HTTP ${error.status}: ${reason.replace(/\s+/g, ' ').trim()}`,
        { cause: error },
      );
    }
    throw error;
  }
}
