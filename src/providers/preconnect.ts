// Connections opened ahead for a cloud provider's reads (SecretProvider.prepare): its reads
// go to servers other than its login's (Secret Manager after Google's STS, a key vault after
// Entra), so their TLS handshakes can overlap the login instead of following it, and a
// server that offers HTTP/2 carries every read on that one connection (HttpClient.preconnect).
import type { Location } from '../core/plan/types.js';
import type { HttpClient } from '../net/http.js';

/**
 * Opens connections to the servers `locations` are read from (`serverOf` a location's base
 * URL): one per read there, and at least one for a server that only a listing asks.
 */
export function preconnectReads(
  http: HttpClient,
  locations: readonly Location[],
  serverOf: (location: Location) => string,
): void {
  const reads = new Map<string, number>();
  for (const location of locations) {
    const base = serverOf(location);
    if (!URL.canParse(base)) continue; // the read itself says what is wrong
    const origin = new URL(base).origin;
    reads.set(origin, (reads.get(origin) ?? 0) + (location.list ? 0 : 1));
  }
  for (const [origin, count] of reads) http.preconnect(origin, Math.max(1, count));
}
