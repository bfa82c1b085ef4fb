// The recipient schemes (SPEC §3.1) and the parsing of `SCHEME:LOCATOR`. A recipient that
// is not valid is described by its position and scheme, never quoted whole: what was typed
// where a public key belongs may be a private one.
import { StoreError } from '../errors.js';
import { ageScheme } from './age.js';
import { awsKms } from './aws-kms.js';
import { azureKv } from './azure-kv.js';
import { gcpKms } from './gcp-kms.js';
import type { RecipientScheme } from './types.js';
import { vaultTransit } from './vault-transit.js';

export const SCHEMES: readonly RecipientScheme[] = [
  awsKms,
  gcpKms,
  azureKv,
  vaultTransit,
  ageScheme,
];

export interface Recipient {
  /** As written: `aws-kms:arn:aws:kms:…`. */
  text: string;
  scheme: RecipientScheme;
  locator: string;
}

const SHOWN_SCHEME = /^[a-z][a-z0-9-]{0,19}$/;

/** Parses one recipient; `where` says which (`--recipient 2`, `recipient 1 of store file X`). */
export function parseRecipient(text: string, where: string): Recipient {
  const colon = text.indexOf(':');
  const known = SCHEMES.map((s) => `${s.scheme}:`).join(', ');
  const given = colon > 0 ? text.slice(0, colon) : '';
  const scheme = SCHEMES.find((s) => s.scheme === given);
  if (!scheme) {
    const named = SHOWN_SCHEME.test(given) ? `the unknown scheme ${given}:` : 'no known scheme';
    const hint = /^age1/.test(text) ? ' (an age public key is written age:age1…)' : '';
    throw new StoreError(
      'STORE_RECIPIENT',
      `${where} has ${named}; expected one of ${known}${hint}`,
    );
  }
  const locator = text.slice(colon + 1);
  if (!scheme.valid(locator)) {
    throw new StoreError(
      'STORE_RECIPIENT',
      `${where} (${scheme.scheme}:…) is not valid: expected ${scheme.expected}`,
    );
  }
  return { text, scheme, locator };
}

/** Several recipients, refusing duplicates; each named by its position. */
export function parseRecipients(texts: readonly string[], what: string): Recipient[] {
  const recipients = texts.map((text, i) =>
    parseRecipient(text.trim(), texts.length > 1 ? `${what} ${i + 1}` : what),
  );
  const seen = new Set<string>();
  for (const r of recipients) {
    if (seen.has(r.text)) {
      throw new StoreError('STORE_RECIPIENT', `recipient ${r.text} is given twice`);
    }
    seen.add(r.text);
  }
  return recipients;
}
