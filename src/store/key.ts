// The store key: 32 random bytes kept in their own file as one line of base64. Hex (64
// digits) is accepted too, for keys made with `openssl rand -hex 32`.
import { randomBytes } from 'node:crypto';
import { StoreError } from './errors.js';
import { KEY_BYTES } from './format.js';

export function generateKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

export function encodeKey(key: Buffer): string {
  return key.toString('base64') + '\n';
}

const BASE64_KEY = /^[A-Za-z0-9+/]{43}=$/;
const HEX_KEY = /^[0-9a-fA-F]{64}$/;

/** True when `text` is a key itself rather than, say, the path of a key file. */
export function isKeyText(text: string): boolean {
  const trimmed = text.trim();
  return BASE64_KEY.test(trimmed) || HEX_KEY.test(trimmed);
}

/** Decodes key text; `source` (a file path or an input name) goes into the error, the text never does. */
export function parseKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  if (HEX_KEY.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (BASE64_KEY.test(trimmed)) {
    const key = Buffer.from(trimmed, 'base64');
    if (key.length === KEY_BYTES && key.toString('base64') === trimmed) return key;
  }
  throw new StoreError(
    'STORE_KEY_FORMAT',
    `${source} does not hold a 256-bit store key: expected 44 base64 characters or 64 hex digits on one line`,
  );
}
