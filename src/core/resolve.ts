// The road from a plan to fetched values: every provider logs in at once, and each one's
// reads start the moment its own login is done, bounded by one limiter across providers.
// The critical path is OIDC token → slowest login → one parallel round of reads.
// Every value passes the mask gate as it arrives, before anything else sees it.
import { ActionError, OidcSecretsError, describeError } from './errors.js';
import { Limiter } from './limiter.js';
import { createPeers } from './peers.js';
import type { MaskGate } from './mask.js';
import type { ProviderCreator } from '../providers/registry.js';
import type { ProviderSettings } from './settings.js';
import type { FetchedSecret, ProviderDeps, SecretProvider } from '../providers/types.js';
import type { Location, Plan, ProviderName } from './plan/types.js';

/** What happened to one read, for the summary and the audit log — never the value. */
export interface ReadRecord {
  location: Location;
  outcome: 'ok' | 'failed';
  durationMs: number;
  leaseId?: string;
  leaseTtlSeconds?: number;
  error?: string;
}

export interface RoadResult {
  /** Values by location key, for every read that succeeded. */
  values: Map<string, string>;
  records: ReadRecord[];
  /** One error per failed login or read; empty when everything resolved. */
  errors: ActionError[];
  providers: Map<ProviderName, SecretProvider>;
}

export interface RoadDependencies {
  settings: ProviderSettings;
  deps: ProviderDeps;
  gate: MaskGate;
  concurrency: number;
  createProvider: ProviderCreator;
}

export async function resolvePlan(plan: Plan, deps: RoadDependencies): Promise<RoadResult> {
  const limiter = new Limiter(deps.concurrency);
  const result: RoadResult = { values: new Map(), records: [], errors: [], providers: new Map() };
  const originOf = (location: Location) => ({
    label: `secrets line${location.lines.length > 1 ? 's' : ''} ${location.lines.join(', ')} (${location.provider}:${location.locator})`,
    // Masked now; a warning about a short string waits to name the variable holding it.
    deferShortWarning: true,
  });

  const arrive = (location: Location, started: number, outcome: FetchedSecret | Error) => {
    const durationMs = Math.round(performance.now() - started);
    if (outcome instanceof Error) {
      result.errors.push(attributed(outcome, location));
      result.records.push({ location, outcome: 'failed', durationMs, error: outcome.message });
      return;
    }
    deps.gate.admitValue(outcome.value, originOf(location));
    result.values.set(location.key, outcome.value);
    result.records.push({
      location,
      outcome: 'ok',
      durationMs,
      ...(outcome.lease
        ? { leaseId: outcome.lease.id, leaseTtlSeconds: outcome.lease.ttlSeconds }
        : {}),
    });
  };

  // Logins are shared with whoever else needs them (the keyless store's recipients).
  const peers = createPeers(deps.settings, deps.deps, deps.createProvider, (name, provider) =>
    result.providers.set(name, provider),
  );

  const runProvider = async (name: ProviderName) => {
    const locations = plan.locations.filter((l) => l.provider === name);
    let provider: SecretProvider;
    try {
      provider = await peers.ready(name);
    } catch (error) {
      const lines = locations.flatMap((l) => l.lines).sort((a, b) => a - b);
      result.errors.push(
        asActionError(error, `secrets line${lines.length > 1 ? 's' : ''} ${lines.join(', ')}`),
      );
      return;
    }
    const batchSize = provider.readBatch ? Math.max(1, provider.batchSize ?? 1) : 1;
    const groups: Location[][] = [];
    for (let i = 0; i < locations.length; i += batchSize)
      groups.push(locations.slice(i, i + batchSize));
    await Promise.all(
      groups.map((group) =>
        limiter.run(async () => {
          const started = performance.now();
          if (provider.readBatch && group.length > 1) {
            try {
              const outcomes = await provider.readBatch(group);
              group.forEach((location, i) =>
                arrive(location, started, outcomes[i] ?? new Error('no result')),
              );
            } catch (error) {
              group.forEach((location) => arrive(location, started, toError(error)));
            }
            return;
          }
          const location = group[0] as Location;
          try {
            arrive(location, started, await provider.read(location));
          } catch (error) {
            arrive(location, started, toError(error));
          }
        }),
      ),
    );
  };

  await Promise.all(plan.providers.map(runProvider));
  result.errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return result;
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function asActionError(error: unknown, where: string): ActionError {
  // Any project error keeps its code (a store error its STORE_ code): only the line is added.
  if (error instanceof OidcSecretsError) {
    const attributedError = new ActionError(error.code, `${where}: ${error.message}`);
    return attributedError;
  }
  return new ActionError('READ_FAILED', `${where}: ${describeError(error)}`);
}

/** Names the input line(s) a failed read belongs to. */
function attributed(error: Error, location: Location): ActionError {
  const lines = location.lines;
  const where = `secrets line${lines.length > 1 ? 's' : ''} ${lines.join(', ')}`;
  const wrapped = asActionError(error, where);
  return new ActionError(wrapped.code, wrapped.message, lines[0]);
}
