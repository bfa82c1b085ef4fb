// The listing round of a `PREFIX*` line (SPEC §1.1b): ask the provider for the matches,
// bound them by `?max`, refuse zero unless `?optional`, and turn each match into a location
// the read round can fetch. The road (resolve.ts) runs every listing of a provider in one
// parallel round, then reads every match in one more.
import { ActionError } from './errors.js';
import { listMax, listPrefix, providerListOptions } from './plan/listing.js';
import type { Location } from './plan/types.js';
import type { ReadRecord } from './resolve.js';
import type { ListedSecret, SecretProvider } from '../providers/types.js';

/** One match of a listing line: the name it exports under, and the location it is read at. */
export interface Expansion {
  relativeName: string;
  key: string;
}

export interface ListOutcome {
  record: ReadRecord;
  matches: ListedSecret[];
  error?: Error;
}

/** Lists one `PREFIX*` location; never throws (a failure is the outcome's error). */
export async function listRound(provider: SecretProvider, listing: Location): Promise<ListOutcome> {
  const started = Date.now();
  const label = `${listing.provider}:${listing.locator}`;
  const done = (matches: ListedSecret[], error?: Error): ListOutcome => ({
    matches,
    record: {
      location: listing,
      outcome: error ? 'failed' : 'ok',
      durationMs: Math.round(Date.now() - started),
      matches: matches.length,
      ...(error ? { error: error.message } : {}),
    },
    ...(error ? { error } : {}),
  });
  if (!provider.list) {
    return done(
      [],
      new ActionError('REFERENCE_INVALID', `${label}: ${listing.provider} references cannot list`),
    );
  }
  const max = listMax(listing.options);
  let matches: ListedSecret[];
  try {
    matches = await provider.list({
      prefix: listPrefix(listing),
      options: providerListOptions(listing.options),
      max,
    });
  } catch (error) {
    return done([], error instanceof Error ? error : new Error(String(error)));
  }
  if (matches.length > max) {
    // A provider may stop paging once it has max + 1: then "at least" is all we know.
    const count = matches.length === max + 1 ? `at least ${max + 1}` : String(matches.length);
    return done(
      [],
      new ActionError(
        'READ_FAILED',
        `${label}: ${count} secrets match, more than ?max=${max} allows; narrow the prefix or raise ?max`,
      ),
    );
  }
  if (matches.length === 0) {
    // Every line that lists it says ?optional (plan.ts): no match is then no error, and the
    // lines are absent as any ?optional line whose secret is not there (SPEC §1.1a: a notice
    // naming each line, "absent" in the summary).
    if (listing.optional) {
      const none = done([]);
      return {
        ...none,
        record: { ...none.record, outcome: 'absent', error: `${label}: no secret matches` },
      };
    }
    return done(
      [],
      new ActionError(
        'SECRET_NOT_FOUND',
        `${label}: no secret matches (add ?optional when none is fine)`,
      ),
    );
  }
  return done(matches);
}

/** The location a match is read at: the listing's lines, the provider's canonical locator. */
export function matchLocation(listing: Location, match: ListedSecret): Location {
  return {
    key: `${listing.provider}:${match.locator}`,
    provider: listing.provider,
    locator: match.locator,
    options: {},
    lines: listing.lines,
  };
}
