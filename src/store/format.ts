// The store file: a small versioned JSON envelope around one AES-256-GCM ciphertext.
//
//   {"v":1,"alg":"A256GCM","kid":"<16 hex>","iv":"<b64>","tag":"<b64>","data":"<b64>"}
//
// - a fresh random 96-bit IV on every write (never reused under a key: 2^-32 collision
//   odds only after ~2^32 writes, far beyond a local store's life);
// - the header (v, alg, kid) is the GCM additional authenticated data, so a changed
//   header fails authentication like a changed ciphertext;
// - `kid` is a fingerprint of the key (not the key), so a wrong key can be told from a
//   modified file and an interrupted rotate-key can find its new key (see store.ts);
// - parsing is strict (exact fields, canonical base64): flipping any byte of the file
//   fails with an error instead of being read past.
// The plaintext is `{"v":1,"secrets":{NAME:VALUE,…}}` with names sorted.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { SECRET_NAME, StoreError } from './errors.js';

export const STORE_VERSION = 1;
/** The keyless store's format (format-v2.ts): a data key wrapped once per recipient. */
export const KEYLESS_VERSION = 2;
const ALG = 'A256GCM';
export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const ENVELOPE_FIELDS = ['v', 'alg', 'kid', 'iv', 'tag', 'data'] as const;

export type Secrets = Map<string, string>;

/** A key's public fingerprint: 64 bits of a domain-separated SHA-256, not enough to help an attacker. */
export function keyId(key: Buffer): string {
  return createHash('sha256')
    .update('oidc-secrets store key id\0')
    .update(key)
    .digest('hex')
    .slice(0, 16);
}

function additionalData(kid: string): Buffer {
  return Buffer.from(JSON.stringify({ v: STORE_VERSION, alg: ALG, kid }), 'utf8');
}

/** The plaintext both versions encrypt: `{"v":1,"secrets":{…}}`, names sorted. */
export function plaintextOf(secrets: ReadonlyMap<string, string>): Buffer {
  const sorted = Object.fromEntries([...secrets.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  return Buffer.from(JSON.stringify({ v: STORE_VERSION, secrets: sorted }), 'utf8');
}

/** Encrypts the whole map under `key` with a fresh IV; returns the file's text. */
export function sealSecrets(secrets: ReadonlyMap<string, string>, key: Buffer): string {
  assertKeyLength(key);
  const plaintext = plaintextOf(secrets);
  const kid = keyId(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(kid));
  const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  plaintext.fill(0);
  const envelope = {
    v: STORE_VERSION,
    alg: ALG,
    kid,
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
  return JSON.stringify(envelope) + '\n';
}

export interface Envelope {
  kid: string;
  iv: Buffer;
  tag: Buffer;
  data: Buffer;
}

/**
 * A store file's one JSON line as an object (both formats), and the error that says the file
 * is damaged, for the caller's own checks of its fields.
 */
export function parseStoreLine(
  text: string,
  storePath: string,
): { record: Record<string, unknown>; damaged: (detail: string) => StoreError } {
  const damaged = (detail: string): StoreError =>
    new StoreError(
      'STORE_FORMAT',
      `store file ${storePath} is damaged (${detail}): it was modified or truncated; restore it from a backup`,
      { file: storePath },
    );
  if (!text.endsWith('\n') || text.indexOf('\n') !== text.length - 1) {
    throw damaged('expected one JSON line');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw damaged('not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw damaged('not a JSON object');
  }
  return { record: parsed as Record<string, unknown>, damaged };
}

/** Parses the envelope without decrypting: enough to learn which key it was written under. */
export function parseEnvelope(text: string, storePath: string): Envelope {
  const { record, damaged } = parseStoreLine(text, storePath);
  if (record.v === KEYLESS_VERSION) {
    throw new StoreError(
      'STORE_FORMAT',
      `store file ${storePath} is a keyless store (format version ${KEYLESS_VERSION}): it opens through its recipients, not a key`,
      { file: storePath },
    );
  }
  const fields = Object.keys(record);
  if (fields.length !== ENVELOPE_FIELDS.length || ENVELOPE_FIELDS.some((f) => !(f in record))) {
    throw damaged(`expected exactly the fields ${ENVELOPE_FIELDS.join(', ')}`);
  }
  if (record.v !== STORE_VERSION) {
    if (typeof record.v === 'number' && Number.isInteger(record.v) && record.v > STORE_VERSION) {
      throw new StoreError(
        'STORE_FORMAT',
        `store file ${storePath} has format version ${record.v}; this oidc-secrets reads versions ${STORE_VERSION} and ${KEYLESS_VERSION}: upgrade oidc-secrets`,
        { file: storePath },
      );
    }
    throw damaged('unknown format version');
  }
  if (record.alg !== ALG) throw damaged(`expected alg ${ALG}`);
  if (typeof record.kid !== 'string' || !/^[0-9a-f]{16}$/.test(record.kid)) {
    throw damaged('bad key id');
  }
  const iv = strictBase64(record.iv, IV_BYTES);
  const tag = strictBase64(record.tag, TAG_BYTES);
  const data = strictBase64(record.data);
  if (!iv) throw damaged('bad iv');
  if (!tag) throw damaged('bad tag');
  if (!data) throw damaged('bad data');
  return { kid: record.kid, iv, tag, data };
}

/** Decrypts and authenticates a store file's text; any change to it fails here. */
export function openSecrets(text: string, key: Buffer, storePath: string): Secrets {
  assertKeyLength(key);
  const envelope = parseEnvelope(text, storePath);
  const authFailed = (detail: string): StoreError =>
    new StoreError(
      'STORE_AUTH',
      `store file ${storePath} failed authentication: it was modified or the key is wrong (${detail})`,
      { file: storePath },
    );
  if (envelope.kid !== keyId(key)) {
    throw authFailed(`it names key id ${envelope.kid}, the key given has id ${keyId(key)}`);
  }
  let plaintext: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, envelope.iv, {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(additionalData(envelope.kid));
    decipher.setAuthTag(envelope.tag);
    plaintext = Buffer.concat([decipher.update(envelope.data), decipher.final()]);
  } catch {
    throw authFailed('the key ids match, so the file was most likely modified');
  }
  try {
    return parsePlaintext(plaintext, storePath);
  } finally {
    plaintext.fill(0);
  }
}

export function parsePlaintext(plaintext: Buffer, storePath: string): Secrets {
  // Authenticated, so written with this key: a shape error here means another program
  // (or a newer version) wrote it, not an attacker.
  const unreadable = (detail: string): StoreError =>
    new StoreError(
      'STORE_FORMAT',
      // No cause: a parse error of the decrypted text would quote secrets.
      `store file ${storePath} decrypted but its content is not a version-${STORE_VERSION} store (${detail})`,
      { file: storePath },
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(plaintext.toString('utf8'));
  } catch {
    throw unreadable('not JSON');
  }
  const body = parsed as { v?: unknown; secrets?: unknown } | null;
  if (typeof body !== 'object' || body === null || body.v !== STORE_VERSION) {
    throw unreadable('unknown version');
  }
  const secrets = body.secrets;
  if (typeof secrets !== 'object' || secrets === null || Array.isArray(secrets)) {
    throw unreadable('no secrets object');
  }
  const map: Secrets = new Map();
  for (const [name, value] of Object.entries(secrets as Record<string, unknown>)) {
    if (!SECRET_NAME.test(name) || typeof value !== 'string') {
      throw unreadable('an entry is not NAME → string');
    }
    map.set(name, value);
  }
  return map;
}

export function strictBase64(value: unknown, bytes?: number): Buffer | undefined {
  // Buffer.from(…, 'base64') skips characters it does not know, so a flipped byte could
  // decode to the same bytes: accept only the canonical encoding.
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return undefined;
  const decoded = Buffer.from(value, 'base64');
  if (decoded.toString('base64') !== value) return undefined;
  if (bytes !== undefined && decoded.length !== bytes) return undefined;
  return decoded;
}

export function assertKeyLength(key: Buffer): void {
  if (key.length !== KEY_BYTES) {
    throw new StoreError(
      'STORE_KEY_FORMAT',
      `a store key is ${KEY_BYTES} bytes, got ${key.length}`,
    );
  }
}
