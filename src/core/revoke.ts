// Undoing a ledger: each provider revokes its own entries (Vault: leases, then the token);
// the files directory is removed. Used by post, and by main right after a failure.
import { lstatSync, realpathSync, rmSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { describeError } from './errors.js';
import type { LedgerEntry } from './ledger.js';
import type { ProviderCreator } from '../providers/registry.js';
import type { ProviderSettings } from './settings.js';
import type { ProviderDeps, RevocationResult } from '../providers/types.js';
import { PROVIDERS, type ProviderName } from './plan/types.js';

export interface RevokeOptions {
  /** Remove the files directory; it must be a direct child of runnerTemp. */
  removeFiles: boolean;
  runnerTemp?: string | undefined;
}

/** What revoking needs: each provider's settings and dependencies. */
export interface RevokeContext {
  settings: ProviderSettings;
  deps: ProviderDeps;
}

export async function revokeEntries(
  entries: readonly LedgerEntry[],
  context: RevokeContext,
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
      if (provider === 'files') {
        if (!options.removeFiles) return [];
        return list.map((entry) => removeDirectory(entry, options.runnerTemp));
      }
      if (!(PROVIDERS as readonly string[]).includes(provider)) {
        return list.map((entry) => ({
          entry,
          outcome: 'failed',
          detail: `unknown provider ${provider}`,
        }));
      }
      try {
        const revoker = await createProvider(
          provider as ProviderName,
          context.settings,
          context.deps,
        );
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
      context.deps.log.warning(`could not revoke ${what}: ${result.detail ?? 'unknown error'}`);
    } else {
      context.deps.log.info(
        `${result.outcome === 'revoked' ? 'revoked' : 'already gone'}: ${what}${result.detail ? ` (${result.detail})` : ''}`,
      );
    }
  }
  return flat;
}

/** The name export.ts gives the files directory: mkdtemp's six random characters. */
const FILES_DIRECTORY_NAME = /^oidc-secrets-[A-Za-z0-9]{6}$/;

/**
 * Removes the files directory main made, and nothing else: a direct child of RUNNER_TEMP
 * named as main names it, a real directory (not a link) owned by this user, whose real
 * parent is RUNNER_TEMP's real path. The ledger's seal already keeps out planted entries;
 * this holds even if one got through, so that no state can point post at the workspace.
 */
function removeDirectory(entry: LedgerEntry, runnerTemp: string | undefined): RevocationResult {
  const path = entry.data.path;
  if (!path) return { entry, outcome: 'failed', detail: 'no path recorded' };
  const refused = (why: string): RevocationResult => ({
    entry,
    outcome: 'failed',
    detail: `not removed: ${why}`,
  });
  if (!runnerTemp) return refused('RUNNER_TEMP is not set');
  if (!isAbsolute(path) || resolve(dirname(path)) !== resolve(runnerTemp)) {
    return refused('it is not a directory directly inside RUNNER_TEMP');
  }
  if (!FILES_DIRECTORY_NAME.test(basename(path))) {
    return refused('its name is not one this action gives its files directory');
  }
  try {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return refused('it is a symbolic link');
    if (!stat.isDirectory()) return refused('it is not a directory');
    const uid = process.getuid?.();
    if (uid !== undefined && stat.uid !== uid) return refused('it belongs to another user');
    if (dirname(realpathSync(path)) !== realpathSync(runnerTemp)) {
      return refused('its real path is not inside RUNNER_TEMP');
    }
    rmSync(path, { recursive: true, force: true });
    return { entry, outcome: 'revoked', detail: 'files directory removed' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { entry, outcome: 'already-gone', detail: 'the files directory was gone' };
    }
    return { entry, outcome: 'failed', detail: describeError(error) };
  }
}
