// Connections opened ahead for a cloud provider's reads (SecretProvider.prepare): its reads
// go to servers other than its login's (Secret Manager after Google's STS, a key vault after
// Entra, Secrets Manager and Parameter Store after AWS STS), so their TLS handshakes can
// overlap the login instead of following it, and a server that offers HTTP/2 carries every
// read on that one connection (HttpClient.preconnect).
import type { Location } from '../core/plan/types.js';
import type { HttpClient } from '../net/http.js';

/** Reads that go out `size` to a call (AWS's batch reads): those `accepts` takes. */
export interface ReadBatching {
  size: number;
  accepts(location: Location): boolean;
}

/**
 * Opens connections to the servers `locations` are read from (`serverOf` a location's base
 * URL): one per call there (a read, or a batch of reads), and at least one for a server that
 * only a listing asks.
 */
export function preconnectReads(
  http: HttpClient,
  locations: readonly Location[],
  serverOf: (location: Location) => string,
  batching?: ReadBatching,
): void {
  const servers = new Map<string, { single: number; batched: number }>();
  for (const location of locations) {
    const base = serverOf(location);
    if (!URL.canParse(base)) continue; // the read itself says what is wrong
    const origin = new URL(base).origin;
    let reads = servers.get(origin);
    if (!reads) servers.set(origin, (reads = { single: 0, batched: 0 }));
    if (location.list) continue; // what it matches is known only when it answers
    if (batching?.accepts(location)) reads.batched++;
    else reads.single++;
  }
  for (const [origin, { single, batched }] of servers) {
    const calls = single + (batching ? Math.ceil(batched / batching.size) : 0);
    http.preconnect(origin, Math.max(1, calls));
  }
}
