// One small interface for every secret source. A provider knows its wire protocol and
// nothing about GitHub: it gets its own settings object and ProviderDeps (the HTTP client,
// an identity source, the mask gate's admit and the ledger's record), so either front end
// can drive the same providers with its own sinks.
import type { HttpClient } from '../net/http.js';
import type { IdentitySource } from '../core/identity.js';
import type { ActionError } from '../core/errors.js';
import type { LedgerEntry } from '../core/ledger.js';
import type { Location, ProviderName } from '../core/plan/types.js';
import type { PeerProviders } from '../core/peers.js';

export interface Lease {
  id: string;
  ttlSeconds: number;
  renewable: boolean;
}

export interface FetchedSecret {
  /** The value as text; binary values arrive base64-encoded. */
  value: string;
  lease?: Lease;
}

export interface Logger {
  info(message: string): void;
  warning(message: string): void;
  debug(message: string): void;
  /** A notice annotation where the front end has them; info otherwise. */
  notice?(message: string): void;
}

export interface ProviderDeps {
  readonly http: HttpClient;
  readonly identity: IdentitySource;
  /** Registers a credential with the mask gate: call it before the credential is used. */
  admitCredential(value: string, what: string): void;
  /** Records something post must undo, the moment it exists. */
  record(entry: LedgerEntry): void;
  readonly log: Logger;
  /**
   * The other providers of this run, each logged in once for all who ask: the keyless
   * store opens through the login of its recipient's provider (src/core/peers.ts).
   */
  readonly peers?: PeerProviders;
}

export interface RevocationResult {
  entry: LedgerEntry;
  outcome: 'revoked' | 'already-gone' | 'failed';
  detail?: string;
}

export interface SecretProvider {
  readonly name: ProviderName;
  /** Exchanges the OIDC token for a provider credential; a no-op for sources without one. */
  login(): Promise<void>;
  /**
   * Told before login what the road will read through this provider: its locations, the
   * listings among them (`list`) read once a listing answers. One that reads a secret per
   * request may open connections to where they are served while it logs in.
   */
  prepare?(locations: readonly Location[]): void;
  /** Reads one location. Errors are ActionErrors that name the location, never the value. */
  read(location: Location): Promise<FetchedSecret>;
  /**
   * Reads several locations in one request where the provider has a batch API. The road
   * groups at most `batchSize` locations per call; a result is a secret or the error for
   * that location.
   */
  readBatch?(locations: readonly Location[]): Promise<Array<FetchedSecret | Error>>;
  readonly batchSize?: number;
  /**
   * Variables the provider exports to later steps itself, after every line resolved: the
   * AWS session for aws-export-credentials. Their values passed the mask gate at login.
   */
  sessionVariables?(): Record<string, string>;
  /** Undoes ledger entries of this provider (post step, or main after a failure). */
  revoke?(entries: readonly LedgerEntry[]): Promise<RevocationResult[]>;
  list?(request: ListRequest): Promise<ListedSecret[]>;
  /**
   * After login: the credential it obtained, lent to the keyless store to call this cloud's
   * key service (KMS, Key Vault keys, Vault transit). It passed the mask gate at login.
   */
  credential?(): ProviderCredential | undefined;
}

/** What a provider module exports: a pure check of its settings, and its factory. */
export interface ProviderModule<S> {
  /**
   * Every problem with the settings, without a request: the pipeline runs the checks of
   * every provider a plan uses before any token is minted. Errors name settings.
   */
  check(settings: S): ActionError[];
  create(settings: S, deps: ProviderDeps): SecretProvider;
}

/** One `*` locator to expand (SPEC §1.1b): what a provider's `list` is asked. */
export interface ListRequest {
  /** The locator before the `*` (e.g. `secret/data/app/`, `prod/app/api-`). */
  prefix: string;
  options: Readonly<Record<string, string>>;
  /** At most this many matches are wanted; a provider may stop after max + 1. */
  max: number;
}

/** One match of a listing. */
export interface ListedSecret {
  /** The match's name relative to the listed prefix (becomes NAME_<relative>). */
  relativeName: string;
  /** The locator to read it with, in the provider's canonical form. */
  locator: string;
  /** The value, when the listing call already returned it (SSM by path, Kubernetes). */
  value?: FetchedSecret;
}

/** A provider's login as the keyless store's recipients use it (src/store/recipients/). */
export type ProviderCredential =
  | {
      provider: 'aws';
      accessKeyId: string;
      secretAccessKey: string;
      sessionToken: string;
      /** The `aws-kms` endpoint override, when one is set. */
      kmsEndpoint?: string | undefined;
    }
  | { provider: 'gcp'; accessToken: string; kmsEndpoint?: string | undefined }
  | { provider: 'azure'; accessToken: string; vaultUrl(vault: string): string }
  | { provider: 'vault'; url: string; token: string; namespace: string };
