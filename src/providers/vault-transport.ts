// How every Vault request goes out, whoever sends it (the provider, the keep-alive, `run`'s
// renewals): the namespace header, the `vault-headers` lines, the token, and the client
// certificate when Vault asks for mutual TLS.
import type { HttpClient } from '../net/http.js';
import type { VaultSettings } from '../core/settings.js';

export function vaultHeaders(
  vault: VaultSettings,
  token: string | undefined,
): Record<string, string> {
  const headers: Record<string, string> = {};
  // The user's headers first: the client's own (token, namespace) are set after them, and
  // the settings refuse those names anyway.
  for (const [name, value] of vault.headers ?? []) headers[name.toLowerCase()] = value;
  if (token) headers['x-vault-token'] = token;
  if (vault.namespace) headers['x-vault-namespace'] = vault.namespace;
  headers['content-type'] = 'application/json';
  return headers;
}

/** The client Vault requests go through: with the client certificate when one is set. */
export function vaultHttp(vault: VaultSettings, http: HttpClient): HttpClient {
  return vault.clientCertificate ? http.withClientCertificate(vault.clientCertificate) : http;
}

/** Registers the `vault-headers` values with the mask gate before any request sends them. */
export function admitVaultHeaders(
  vault: VaultSettings,
  admit: (value: string, what: string) => void,
): void {
  for (const [name, value] of vault.headers ?? [])
    admit(value, `the vault-headers value of ${name}`);
}
