// The road from a plan to fetched values: every provider logs in at once, and each one's
// reads start the moment its own login is done, bounded by one limiter across providers.
// The critical path is OIDC token → slowest login → one parallel round of reads.
// Every value passes the mask gate as it arrives, before anything else sees it.
import { ActionError, OidcSecretsError, describeError } from './errors.js';
import { Limiter } from './limiter.js';
import { isAbsence } from './not-found.js';
import { listRound, matchLocation, type Expansion } from './listing-round.js';
import { createPeers } from './peers.js';
import type { MaskGate } from './mask.js';
export type { Expansion } from './listing-round.js';
import type { ProviderCreator } from '../providers/registry.js';
import type { ProviderSettings } from './settings.js';
import type { FetchedSecret, ProviderDeps, SecretProvider } from '../providers/types.js';
import type { Location, Plan, ProviderName } from './plan/types.js';

/** What happened to one read, for the summary and the audit log — never the value. */
export interface ReadRecord {
  location: Location;
  /**
   * `plain`: a literal, passed through unmasked; `absent`: an `?optional` secret that does
   * not exist (its lines are left out).
   */
  outcome: 'ok' | 'failed' | 'plain' | 'absent';
  durationMs: number;
  leaseId?: string;
  leaseTtlSeconds?: number;
  error?: string;
  /** For a match of a listing line: the listing's location key. */
  listedBy?: string;
  /** For a listing: how many secrets it matched. */
  matches?: number;
}

export interface RoadResult {
  /** Values by location key, for every read that succeeded. */
  values: Map<string, string>;
  records: ReadRecord[];
  /** One error per failed login or read; empty when everything resolved. */
  errors: ActionError[];
  providers: Map<ProviderName, SecretProvider>;
  /** The matches of each listing, by the listing's location key (SPEC §1.1b). */
  expansions: Map<string, Expansion[]>;
}

export interface RoadDependencies {
  settings: ProviderSettings;
  deps: ProviderDeps;
  gate: MaskGate;
  concurrency: number;
  createProvider: ProviderCreator;
  /**
   * For a provider no secrets line uses (a login for later steps' credentials): what its
   * login errors start with ("credentials line 2").
   */
  loginLabels?: ReadonlyMap<ProviderName, string>;
}

export async function resolvePlan(plan: Plan, deps: RoadDependencies): Promise<RoadResult> {
  const limiter = new Limiter(deps.concurrency);
  const result: RoadResult = {
    values: new Map(),
    records: [],
    errors: [],
    providers: new Map(),
    expansions: new Map(),
  };
  const originOf = (location: Location) => ({
    label: `secrets line${location.lines.length > 1 ? 's' : ''} ${location.lines.join(', ')} (${location.provider}:${location.locator})`,
    // Masked now; a warning about a short string waits to name the variable holding it.
    deferShortWarning: true,
  });

  const listedBy = new Map<Location, string>();
  const arrive = (location: Location, started: number, outcome: FetchedSecret | Error) => {
    const durationMs = Math.round(Date.now() - started);
    const listing = listedBy.get(location);
    if (outcome instanceof Error) {
      if (location.optional && isAbsence(outcome)) {
        result.records.push({ location, outcome: 'absent', durationMs, error: outcome.message });
        return;
      }
      result.errors.push(attributed(outcome, location));
      result.records.push({
        location,
        outcome: 'failed',
        durationMs,
        error: outcome.message,
        ...(listing ? { listedBy: listing } : {}),
      });
      return;
    }
    if (location.provider === 'plain') {
      // A literal the workflow wrote in the open: no secret, never masked (SPEC §1.1a).
      result.values.set(location.key, outcome.value);
      result.records.push({ location, outcome: 'plain', durationMs });
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
      ...(listing ? { listedBy: listing } : {}),
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
      provider = await peers.ready(name, locations);
    } catch (error) {
      const lines = locations.flatMap((l) => l.lines).sort((a, b) => a - b);
      const label = lines.length
        ? `secrets line${lines.length > 1 ? 's' : ''} ${lines.join(', ')}`
        : (deps.loginLabels?.get(name) ?? name);
      result.errors.push(asActionError(error, label));
      return;
    }
    const readAll = (toRead: readonly Location[]) => {
      const batchSize = provider.readBatch ? Math.max(1, provider.batchSize ?? 1) : 1;
      const groups: Location[][] = [];
      for (let i = 0; i < toRead.length; i += batchSize)
        groups.push(toRead.slice(i, i + batchSize));
      return Promise.all(
        groups.map((group) =>
          limiter.run(async () => {
            const started = Date.now();
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
    // Reads start at once; listings take one round of their own, then every match of every
    // listing of this provider is read in one more round (batched where the provider batches).
    const expandAll = async (listings: readonly Location[]) => {
      if (listings.length === 0) return;
      const known = new Set(plan.locations.map((l) => l.key));
      const listed = await Promise.all(
        listings.map((listing) => limiter.run(() => listRound(provider, listing))),
      );
      const toRead: Location[] = [];
      listed.forEach((outcome, i) => {
        const listing = listings[i] as Location;
        result.records.push(outcome.record);
        if (outcome.error) {
          result.errors.push(attributed(outcome.error, listing));
          return;
        }
        const expansions: Expansion[] = [];
        for (const match of outcome.matches) {
          const location = matchLocation(listing, match);
          expansions.push({ relativeName: match.relativeName, key: location.key });
          if (known.has(location.key)) continue; // read by another line or listing already
          known.add(location.key);
          listedBy.set(location, listing.key);
          if (match.value) arrive(location, Date.now(), match.value);
          else toRead.push(location);
        }
        result.expansions.set(listing.key, expansions);
      });
      await readAll(toRead);
    };
    await Promise.all([
      readAll(locations.filter((l) => !l.list)),
      expandAll(locations.filter((l) => l.list)),
    ]);
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
