// The typed form of the `secrets` input: what the user asked for, before anything is fetched.

export const PROVIDERS = [
  'vault',
  'aws',
  'gcp',
  'azure',
  'local',
  'env',
  'file',
  'dotenv',
  'plain',
  'k8s',
  'ssm',
] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/** One `PROVIDER:LOCATOR[?OPTIONS][#SELECTOR]` reference. */
export interface SecretRef {
  provider: ProviderName;
  /** The locator in canonical form (e.g. a GCP locator always ends in /versions/V). */
  locator: string;
  /**
   * The options as written, the line-level ones included: `optional` (present: on) and
   * `decode` (`base64`), which change what the line does with a value, not what is fetched.
   */
  options: Readonly<Record<string, string>>;
  /** Keys (and array indexes) into a JSON value; empty when the whole value is meant. */
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
  /** The options that choose what is fetched (never the line-level `optional`, `decode`). */
  options: Readonly<Record<string, string>>;
  lines: readonly number[];
  /** Every line that refers to it is `?optional`: a secret that does not exist is no error. */
  optional?: boolean;
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
