// Opening a keyless store: which of its recipients can serve here, and the data key from
// the first that does. People's age identities are tried first (local, no request), then
// cloud recipients in file order whose provider is configured here; a refusal is kept and
// the next one tried. When none opens it, the error lists every recipient the store has
// (public identifiers: key ARNs, key names, age public keys — never key material) and why
// each could not serve.
import { StoreError } from '../errors.js';
import type { KeylessEnvelope, WrappedKey } from '../format-v2.js';
import { parseRecipient, type Recipient } from './schemes.js';
import type { KeyAccess } from './types.js';

export interface Unwrapped {
  dataKey: Buffer;
  /** The recipient that opened it. */
  recipient: string;
}

export async function unwrapDataKey(
  envelope: KeylessEnvelope,
  storePath: string,
  access: KeyAccess,
): Promise<Unwrapped> {
  const entries = envelope.recipients.map((entry, i) => ({
    entry,
    recipient: parseRecipient(entry.recipient, `recipient ${i + 1} of store file ${storePath}`),
  }));
  const notes: string[] = [];
  const ordered = [
    ...entries.filter((e) => !e.recipient.scheme.provider),
    ...entries.filter((e) => e.recipient.scheme.provider),
  ];
  const refusals: StoreError[] = [];
  for (const { entry, recipient } of ordered) {
    const why = await unavailable(recipient, access);
    if (why) {
      notes.push(`${recipient.text} (${why})`);
      continue;
    }
    try {
      const dataKey = await recipient.scheme.unwrap(recipient.locator, entry, access);
      if (dataKey) return { dataKey, recipient: recipient.text };
      notes.push(`${recipient.text} (no age identity given here matches it)`);
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
      refusals.push(error);
      notes.push(`${recipient.text} (refused, below)`);
    }
  }
  throw new StoreError(
    'STORE_UNWRAP',
    `no recipient available here can open the keyless store ${storePath}; its recipients:\n` +
      notes.map((n) => `  - ${n}`).join('\n') +
      refusals.map((r) => `\n${r.message}`).join(''),
    { file: storePath, ...(refusals[0] ? { cause: refusals[0] } : {}) },
  );
}

async function unavailable(recipient: Recipient, access: KeyAccess): Promise<string | undefined> {
  const provider = recipient.scheme.provider;
  if (provider) return access.unavailable(provider);
  return access.ageIdentities.length === 0 ? `no age identity: ${access.ageHint}` : undefined;
}

/** Wraps the data key for each recipient (in parallel: each is its own service). */
export async function wrapFor(
  recipients: readonly Recipient[],
  dataKey: Buffer,
  access: KeyAccess,
): Promise<WrappedKey[]> {
  return Promise.all(
    recipients.map(async (r) => {
      const provider = r.scheme.provider;
      const why = provider ? await access.unavailable(provider) : undefined;
      if (why) {
        throw new StoreError(
          'STORE_UNWRAP',
          `recipient ${r.text} cannot be reached from here to wrap the data key: ${why}`,
        );
      }
      const { wrapped, keyVersion } = await r.scheme.wrap(r.locator, dataKey, access);
      return { recipient: r.text, wrapped, ...(keyVersion ? { keyVersion } : {}) };
    }),
  );
}
