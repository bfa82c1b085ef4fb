// The keyless store file (format version 2): the secrets under a random 256-bit data key,
// and that data key wrapped once per recipient (a cloud KMS key, a Vault transit key, an
// age public key), so no key file exists and any one recipient opens the store.
//
//   {"v":2,"alg":"A256GCM","kid":"<16 hex>",
//    "recipients":[{"recipient":"aws-kms:arn:…","wrapped":"<b64>"}, …],
//    "iv":"<b64>","tag":"<b64>","data":"<b64>"}
//
// - the header (v, alg, kid and the whole recipients list, in file order) is the AES-GCM
//   additional data: a recipient added, removed or swapped, or a wrapped key changed,
//   fails authentication like a changed ciphertext. Only someone holding the data key
//   (someone who could open the store anyway) can write a header that authenticates;
// - `kid` is the data key's public fingerprint (format.ts keyId): a wrapped key that
//   unwraps to some other key is told apart from a damaged ciphertext before decrypting;
// - `keyVersion` (optional) is the key version a service wrapped under when unwrapping
//   must name it (Azure Key Vault); it is part of the authenticated header too;
// - parsing is strict (exact fields, canonical base64), like version 1;
// - the plaintext is version 1's: `{"v":1,"secrets":{NAME:VALUE,…}}`.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { StoreError } from './errors.js';
import {
  KEYLESS_VERSION,
  type Secrets,
  assertKeyLength,
  keyId,
  parsePlaintext,
  parseStoreLine,
  plaintextOf,
  strictBase64,
} from './format.js';

const ALG = 'A256GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FIELDS = ['v', 'alg', 'kid', 'recipients', 'iv', 'tag', 'data'] as const;
/** Far above any real team, far below what would make a header a burden to parse. */
const MAX_RECIPIENTS = 256;
const MAX_WRAPPED_BYTES = 16 * 1024;

/** One recipient's copy of the data key, as the file holds it. */
export interface WrappedKey {
  /** The recipient as the user wrote it (`aws-kms:arn:…`, `age:age1…`). */
  recipient: string;
  /** The wrapped data key: opaque bytes only the recipient's key service or identity opens. */
  wrapped: Buffer;
  /** The key version the service wrapped under, where unwrapping needs it. */
  keyVersion?: string;
}

export interface KeylessEnvelope {
  kid: string;
  recipients: WrappedKey[];
  iv: Buffer;
  tag: Buffer;
  data: Buffer;
}

interface WrappedJson {
  recipient: string;
  wrapped: string;
  keyVersion?: string;
}

function recipientsJson(recipients: readonly WrappedKey[]): WrappedJson[] {
  return recipients.map((r) => ({
    recipient: r.recipient,
    wrapped: r.wrapped.toString('base64'),
    ...(r.keyVersion !== undefined ? { keyVersion: r.keyVersion } : {}),
  }));
}

/** The authenticated header: everything but iv, tag and data, serialised canonically. */
function additionalData(kid: string, recipients: readonly WrappedKey[]): Buffer {
  return Buffer.from(
    JSON.stringify({ v: KEYLESS_VERSION, alg: ALG, kid, recipients: recipientsJson(recipients) }),
    'utf8',
  );
}

/** The version a store file's text declares, without checking anything else. */
export function declaredVersion(text: string): number | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    const v = (parsed as { v?: unknown } | null)?.v;
    return typeof v === 'number' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Encrypts the map under the data key with a fresh IV, the recipients' copies in the header. */
export function sealKeyless(
  secrets: ReadonlyMap<string, string>,
  dataKey: Buffer,
  recipients: readonly WrappedKey[],
): string {
  assertKeyLength(dataKey);
  if (recipients.length === 0) {
    throw new StoreError('STORE_RECIPIENT', 'a keyless store needs at least one recipient');
  }
  const kid = keyId(dataKey);
  const plaintext = plaintextOf(secrets);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', dataKey, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(kid, recipients));
  const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  plaintext.fill(0);
  return (
    JSON.stringify({
      v: KEYLESS_VERSION,
      alg: ALG,
      kid,
      recipients: recipientsJson(recipients),
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    }) + '\n'
  );
}

/** Parses the file without decrypting: enough to list its recipients. */
export function parseKeyless(text: string, storePath: string): KeylessEnvelope {
  const { record, damaged } = parseStoreLine(text, storePath);
  if (typeof record.v === 'number' && Number.isInteger(record.v) && record.v > KEYLESS_VERSION) {
    throw new StoreError(
      'STORE_FORMAT',
      `store file ${storePath} has format version ${record.v}; this oidc-secrets reads versions 1 and ${KEYLESS_VERSION}: upgrade oidc-secrets`,
      { file: storePath },
    );
  }
  const fields = Object.keys(record);
  if (fields.length !== FIELDS.length || FIELDS.some((f) => !(f in record))) {
    throw damaged(`expected exactly the fields ${FIELDS.join(', ')}`);
  }
  if (record.v !== KEYLESS_VERSION) throw damaged('unknown format version');
  if (record.alg !== ALG) throw damaged(`expected alg ${ALG}`);
  if (typeof record.kid !== 'string' || !/^[0-9a-f]{16}$/.test(record.kid)) {
    throw damaged('bad key id');
  }
  const list = record.recipients;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_RECIPIENTS) {
    throw damaged(`expected a list of 1 to ${MAX_RECIPIENTS} recipients`);
  }
  const recipients = list.map((item, index) => parseWrapped(item, index, damaged));
  const iv = strictBase64(record.iv, IV_BYTES);
  const tag = strictBase64(record.tag, TAG_BYTES);
  const data = strictBase64(record.data);
  if (!iv) throw damaged('bad iv');
  if (!tag) throw damaged('bad tag');
  if (!data) throw damaged('bad data');
  return { kid: record.kid, recipients, iv, tag, data };
}

function parseWrapped(
  item: unknown,
  index: number,
  damaged: (detail: string) => StoreError,
): WrappedKey {
  const bad = (detail: string) => damaged(`recipient ${index + 1}: ${detail}`);
  if (typeof item !== 'object' || item === null || Array.isArray(item)) throw bad('not an object');
  const entry = item as Record<string, unknown>;
  const keys = Object.keys(entry);
  const allowed = ['recipient', 'wrapped', 'keyVersion'];
  if (keys.some((k) => !allowed.includes(k)) || !('recipient' in entry) || !('wrapped' in entry)) {
    throw bad('expected the fields recipient, wrapped and optionally keyVersion');
  }
  // Printable ASCII only: a recipient is shown in messages and must not carry controls.
  if (typeof entry.recipient !== 'string' || !/^[\x21-\x7e]{1,2048}$/.test(entry.recipient)) {
    throw bad('bad recipient');
  }
  const wrapped = strictBase64(entry.wrapped);
  if (!wrapped || wrapped.length === 0 || wrapped.length > MAX_WRAPPED_BYTES) {
    throw bad('bad wrapped key');
  }
  if (
    'keyVersion' in entry &&
    (typeof entry.keyVersion !== 'string' || !/^[\x21-\x7e]{1,256}$/.test(entry.keyVersion))
  ) {
    throw bad('bad keyVersion');
  }
  return {
    recipient: entry.recipient,
    wrapped,
    ...(typeof entry.keyVersion === 'string' ? { keyVersion: entry.keyVersion } : {}),
  };
}

/** Decrypts with a data key that one recipient gave back; any change to the file fails here. */
export function openKeylessWith(
  envelope: KeylessEnvelope,
  dataKey: Buffer,
  storePath: string,
  recipient: string,
): Secrets {
  assertKeyLength(dataKey);
  const authFailed = (detail: string): StoreError =>
    new StoreError('STORE_AUTH', `store file ${storePath} failed authentication: ${detail}`, {
      file: storePath,
    });
  if (keyId(dataKey) !== envelope.kid) {
    throw authFailed(
      `recipient ${recipient} unwrapped a key with id ${keyId(dataKey)}, the file names ${envelope.kid}: its wrapped key was replaced or modified`,
    );
  }
  let plaintext: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', dataKey, envelope.iv, {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(additionalData(envelope.kid, envelope.recipients));
    decipher.setAuthTag(envelope.tag);
    plaintext = Buffer.concat([decipher.update(envelope.data), decipher.final()]);
  } catch {
    throw authFailed(
      'the data key is right, so its header (the recipients) or its ciphertext was modified',
    );
  }
  try {
    return parsePlaintext(plaintext, storePath);
  } finally {
    plaintext.fill(0);
  }
}
