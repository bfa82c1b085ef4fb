// The typed form of the `secrets` input: what the user asked for, before anything is fetched.

export const PROVIDERS = ['vault', 'aws', 'gcp', 'azure', 'local', 'env', 'file', 'ssm'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/** One `PROVIDER:LOCATOR[?OPTIONS][#SELECTOR]` reference. */
export interface SecretRef {
  provider: ProviderName;
  /** The locator in canonical form (e.g. a GCP locator always ends in /versions/V). */
  locator: string;
  options: Readonly<Record<string, string>>;
  /** Dot path into a JSON value; empty when the whole value is meant. */
  selector: readonly string[];
  /** Identity of the thing to fetch: one request per distinct key. */
  key: string;
  /** A `PREFIX*` locator: list the matches, then read each (SPEC §1.1b). */
  list?: true;
}

/** One non-blank, non-comment line of the `secrets` input. */
export interface SecretLine {
  /** 1-based line number in the input, for every message about this line. */
  line: number;
  /** The variable name, or for `NAME_*` the prefix including its trailing underscore. */
  name: string;
  /** `NAME_*`: flatten a JSON object into one variable per leaf. */
  flatten: boolean;
  ref: SecretRef;
}

/** A distinct thing to fetch, with every line that refers to it. */
export interface Location {
  key: string;
  provider: ProviderName;
  locator: string;
  options: Readonly<Record<string, string>>;
  lines: readonly number[];
  /** A listing (SPEC §1.1b): its matches are read after it. */
  list?: true;
}

export interface Plan {
  lines: readonly SecretLine[];
  /** Distinct locations, in the order they first appear. */
  locations: readonly Location[];
  /** The providers the plan needs, in the order they first appear. */
  providers: readonly ProviderName[];
}

/** A human label for a line, safe for logs: its number and name only. */
export function lineLabel(line: Pick<SecretLine, 'line' | 'name' | 'flatten'>): string {
  return `secrets line ${line.line} (${line.flatten ? line.name + '*' : line.name})`;
}

export function refLabel(ref: Pick<SecretRef, 'provider' | 'locator'>): string {
  return `${ref.provider}:${ref.locator}`;
}
