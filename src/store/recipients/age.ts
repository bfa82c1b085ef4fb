// `age:age1…`: the data key encrypted to an age public key with the `age-encryption`
// package (Filippo Valsorda's typage, the reference TypeScript implementation; nothing of
// age is written by hand here; the front end hands it over, see KeyAccess.agePackage), so a person opens the store with their own age identity
// (`--identity FILE` or OIDC_SECRETS_AGE_IDENTITY). The wrapped bytes are a whole binary
// age file whose payload is the 32-byte data key: `age -d -i key.txt` opens it too.
// Native X25519 (`age1…`) and post-quantum hybrid (`age1pq1…`) recipients are accepted.
import { StoreError } from '../errors.js';
import type { AgePackage, KeyAccess, RecipientScheme } from './types.js';

function agePackage(access: KeyAccess, locator: string): Promise<AgePackage> {
  if (!access.agePackage) {
    throw new StoreError(
      'STORE_RECIPIENT',
      `recipient age:${locator}: age recipients are for people: wrap and open them with the oidc-secrets CLI`,
    );
  }
  return access.agePackage();
}

const RECIPIENT = /^age1(?:pq1)?[02-9ac-hj-np-z]{50,2000}$/;
const IDENTITY = /^AGE-SECRET-KEY-(?:PQ-)?1[02-9AC-HJ-NP-Z]{50,4000}$/;

/**
 * The identities in an identity file's text (age-keygen's format: `#` comments, one
 * `AGE-SECRET-KEY-1…` a line). `source` names the file or variable in errors; a line is
 * never quoted, it could be a key.
 */
export function parseAgeIdentities(text: string, source: string): string[] {
  const identities: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (!IDENTITY.test(line)) {
      throw new StoreError(
        'STORE_RECIPIENT',
        `${source} line ${index + 1} is not an age identity: expected AGE-SECRET-KEY-1… (as age-keygen writes), # comments and blank lines`,
      );
    }
    identities.push(line);
  });
  if (identities.length === 0) {
    throw new StoreError('STORE_RECIPIENT', `${source} holds no age identity (AGE-SECRET-KEY-1…)`);
  }
  return identities;
}

export const ageScheme: RecipientScheme = {
  scheme: 'age',
  expected: 'age:age1…, an age public key (age-keygen -y KEYFILE prints it)',
  valid: (locator) => RECIPIENT.test(locator),

  async wrap(locator, dataKey, access) {
    const age = await agePackage(access, locator);
    const encrypter = new age.Encrypter();
    try {
      encrypter.addRecipient(locator);
    } catch {
      throw new StoreError(
        'STORE_RECIPIENT',
        `recipient age:${locator} is not a valid age public key`,
      );
    }
    return { wrapped: Buffer.from(await encrypter.encrypt(new Uint8Array(dataKey))) };
  },

  async unwrap(locator, entry, access) {
    if (access.ageIdentities.length === 0) return undefined;
    const age = await agePackage(access, locator);
    const decrypter = new age.Decrypter();
    for (const identity of access.ageIdentities) decrypter.addIdentity(identity);
    try {
      return Buffer.from(await decrypter.decrypt(new Uint8Array(entry.wrapped)));
    } catch (error) {
      // The package's words for "not mine" (typage: "no identity matched any of the file's
      // recipients"): the next recipient is tried. Anything else is a damaged copy.
      if (error instanceof Error && /no identity matched/.test(error.message)) return undefined;
      throw new StoreError(
        'STORE_AUTH',
        `recipient age:${locator}: its wrapped key does not open with the identity given (${error instanceof Error ? error.name : 'error'}): it was modified`,
      );
    }
  },
};
