// Undoing a ledger: each provider revokes its own entries (Vault: leases, then the token);
// the files directory is removed. Used by post, and by main right after a failure.
import { rmSync } from 'node:fs';
import { describeError } from './errors.js';
import type { LedgerEntry } from './ledger.js';
import type { ProviderCreator } from './providers/registry.js';
import type { ProviderContext, RevocationResult } from './providers/types.js';
import { PROVIDERS, type ProviderName } from './spec/types.js';

export interface RevokeOptions {
  removeFiles: boolean;
}

export async function revokeEntries(
  entries: readonly LedgerEntry[],
  context: ProviderContext,
  createProvider: ProviderCreator,
  options: RevokeOptions,
): Promise<RevocationResult[]> {
  const byProvider = new Map<string, LedgerEntry[]>();
  for (const entry of entries) {
    const list = byProvider.get(entry.provider) ?? [];
    list.push(entry);
    byProvider.set(entry.provider, list);
  }
  const results = await Promise.all(
    [...byProvider].map(async ([provider, list]): Promise<RevocationResult[]> => {
      if (provider === 'files') return options.removeFiles ? list.map(removeDirectory) : [];
      if (!(PROVIDERS as readonly string[]).includes(provider)) {
        return list.map((entry) => ({
          entry,
          outcome: 'failed',
          detail: `unknown provider ${provider}`,
        }));
      }
      try {
        const revoker = await createProvider(provider as ProviderName, context);
        if (!revoker.revoke) return [];
        return await revoker.revoke(list);
      } catch (error) {
        return list.map((entry) => ({
          entry,
          outcome: 'failed' as const,
          detail: describeError(error),
        }));
      }
    }),
  );
  const flat = results.flat();
  for (const result of flat) {
    const what = `${result.entry.provider} ${result.entry.kind} ${result.entry.label}`;
    if (result.outcome === 'failed') {
      context.log.warning(`could not revoke ${what}: ${result.detail ?? 'unknown error'}`);
    } else {
      context.log.info(
        `${result.outcome === 'revoked' ? 'revoked' : 'already gone'}: ${what}${result.detail ? ` (${result.detail})` : ''}`,
      );
    }
  }
  return flat;
}

function removeDirectory(entry: LedgerEntry): RevocationResult {
  const path = entry.data.path;
  if (!path) return { entry, outcome: 'failed', detail: 'no path recorded' };
  try {
    rmSync(path, { recursive: true, force: true });
    return { entry, outcome: 'revoked', detail: 'files directory removed' };
  } catch (error) {
    return { entry, outcome: 'failed', detail: describeError(error) };
  }
}
