// What a recipient of a keyless store is (SPEC §3.1): a scheme (`aws-kms`, `age`, …) that
// wraps the store's data key for one key it names, and unwraps it again where that key is
// available. Cloud schemes reach their key service with the login of their provider,
// through KeyAccess: in the action and `run` that is the job's OIDC login (src/core/peers.ts);
// on a laptop, whatever identity the providers are given there.
import type { HttpClient } from '../../net/http.js';
import type { ProviderCredential } from '../../providers/types.js';
import type { WrappedKey } from '../format-v2.js';

/** The providers whose key services serve as recipients. */
export type KeyProvider = 'aws' | 'gcp' | 'azure' | 'vault';

export interface KeyAccess {
  readonly http: HttpClient;
  /** Why `provider` cannot log in here (its settings are missing), or undefined; no request. */
  unavailable(provider: KeyProvider): Promise<string | undefined>;
  /** The provider's credential, logging in first if nobody has yet. */
  credential(provider: KeyProvider): Promise<ProviderCredential>;
  /** Registers a credential (an unwrapped data key's text) with the mask gate. */
  admit(value: string, what: string): void;
  /** age identities (`AGE-SECRET-KEY-1…`) given here; empty when none. */
  readonly ageIdentities: readonly string[];
  /** How a person gives an age identity here, for messages (`--identity FILE or …`). */
  readonly ageHint: string;
  /**
   * The age implementation (the `age-encryption` package), loaded by the front ends that
   * serve people (the CLI). The action's bundles leave it out: it has no age identity to
   * open with, and the package would add ~240 KB to every step's start-up.
   */
  readonly agePackage?: (() => Promise<AgePackage>) | undefined;
}

/** What the keyless store uses of the `age-encryption` package. */
export type AgePackage = Pick<typeof import('age-encryption'), 'Encrypter' | 'Decrypter'>;

export interface Wrapped {
  wrapped: Buffer;
  keyVersion?: string;
}

export interface RecipientScheme {
  readonly scheme: string;
  /** The provider whose login reaches the key; none for age. */
  readonly provider?: KeyProvider;
  /** The recipient's shape, for messages: `aws-kms:arn:aws:kms:REGION:…`. */
  readonly expected: string;
  /** True when the part after `scheme:` has that shape. */
  valid(locator: string): boolean;
  wrap(locator: string, dataKey: Buffer, access: KeyAccess): Promise<Wrapped>;
  /**
   * The data key from this recipient's copy. Throws a StoreError naming the recipient
   * (a key service's refusal in its words); returns undefined when no identity available
   * here matches (age), so the next recipient is tried.
   */
  unwrap(locator: string, entry: WrappedKey, access: KeyAccess): Promise<Buffer | undefined>;
}

/**
 * The encryption context (AWS), additional authenticated data (GCP) or context (Vault
 * transit) every wrap is bound to: a ciphertext the same key made for another purpose does
 * not unwrap as a store's data key.
 */
export const WRAP_CONTEXT = 'oidc-secrets keyless store data key v2';
