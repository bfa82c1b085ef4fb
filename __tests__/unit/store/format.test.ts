import { createHash } from 'node:crypto';
import { StoreError } from '../../../src/store/errors.js';
import { keyId, openSecrets, parseEnvelope, sealSecrets } from '../../../src/store/format.js';
import { generateKey, isKeyText, parseKey, encodeKey } from '../../../src/store/key.js';

const PATH = '/tmp/test/secrets.json.enc';
const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

function errorCode(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return error instanceof StoreError ? error.code : `not a StoreError: ${String(error)}`;
  }
  return undefined;
}

describe('store format', () => {
  const key = generateKey();
  const secrets = new Map([
    ['DB_PASSWORD', `pw-${sha('a').slice(0, 20)}`],
    ['TLS_KEY', `-----BEGIN KEY-----\n${sha('b')}\n-----END KEY-----\n`],
    ['UNICODE', 'ünïcødé ✓ 🔑'],
  ]);

  it('round-trips a map of secrets', () => {
    const opened = openSecrets(sealSecrets(secrets, key), key, PATH);
    expect([...opened.keys()].sort()).toEqual([...secrets.keys()].sort());
    for (const [name, value] of secrets) expect(sha(opened.get(name)!)).toBe(sha(value));
  });

  it('never stores plaintext, and uses a fresh IV on every write', () => {
    const a = sealSecrets(secrets, key);
    const b = sealSecrets(secrets, key);
    expect(a).not.toBe(b);
    expect(parseEnvelope(a, PATH).iv.equals(parseEnvelope(b, PATH).iv)).toBe(false);
    for (const value of secrets.values()) expect(a.includes(value)).toBe(false);
    expect(a.includes('DB_PASSWORD')).toBe(false); // names are encrypted too
  });

  it('detects a flip of any single byte of the file', () => {
    const text = sealSecrets(new Map([['A', 'value-of-a']]), key);
    const bytes = Buffer.from(text);
    const seen = new Set<string>();
    for (let i = 0; i < bytes.length; i++) {
      for (const bit of [0x01, 0x80]) {
        const copy = Buffer.from(bytes);
        copy[i]! ^= bit;
        const code = errorCode(() => openSecrets(copy.toString('latin1'), key, PATH));
        expect({ byte: i, bit, code }).toEqual({
          byte: i,
          bit,
          code: expect.stringMatching(/^STORE_(AUTH|FORMAT)$/),
        });
        seen.add(code!);
      }
    }
    expect(seen).toEqual(new Set(['STORE_AUTH', 'STORE_FORMAT']));
  });

  it('says what happened when the ciphertext was modified', () => {
    const envelope = JSON.parse(sealSecrets(secrets, key)) as { data: string };
    const data = Buffer.from(envelope.data, 'base64');
    data[0]! ^= 1;
    const modified = JSON.stringify({ ...envelope, data: data.toString('base64') }) + '\n';
    expect(() => openSecrets(modified, key, PATH)).toThrow(
      `store file ${PATH} failed authentication: it was modified or the key is wrong (the key ids match, so the file was most likely modified)`,
    );
  });

  it('refuses a wrong key, naming both key ids and never the key', () => {
    const other = generateKey();
    const text = sealSecrets(secrets, key);
    let message = '';
    try {
      openSecrets(text, other, PATH);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('failed authentication: it was modified or the key is wrong');
    expect(message).toContain(keyId(key));
    expect(message).toContain(keyId(other));
    expect(message.includes(other.toString('base64'))).toBe(false);
  });

  it('refuses a wrong key even when the key id is rewritten to match', () => {
    const other = generateKey();
    const envelope = JSON.parse(sealSecrets(secrets, key)) as Record<string, unknown>;
    const forged = JSON.stringify({ ...envelope, kid: keyId(other) }) + '\n';
    expect(errorCode(() => openSecrets(forged, other, PATH))).toBe('STORE_AUTH');
  });

  it('tells a newer format from a damaged one', () => {
    const envelope = JSON.parse(sealSecrets(secrets, key)) as Record<string, unknown>;
    expect(() => openSecrets(JSON.stringify({ ...envelope, v: 3 }) + '\n', key, PATH)).toThrow(
      /format version 3; this oidc-secrets reads versions 1 and 2: upgrade/,
    );
    // Version 2 is the keyless store (format-v2.ts), which no key opens.
    expect(() => openSecrets(JSON.stringify({ ...envelope, v: 2 }) + '\n', key, PATH)).toThrow(
      /is a keyless store \(format version 2\): it opens through its recipients/,
    );
    expect(() => openSecrets('', key, PATH)).toThrow(/is damaged/);
    expect(() => openSecrets(JSON.stringify({ ...envelope, extra: 1 }) + '\n', key, PATH)).toThrow(
      /is damaged \(expected exactly the fields/,
    );
  });
});

describe('store key text', () => {
  it('accepts base64 and hex, and tells key text from a path', () => {
    const key = generateKey();
    expect(parseKey(encodeKey(key), 'k').equals(key)).toBe(true);
    expect(parseKey(key.toString('hex'), 'k').equals(key)).toBe(true);
    expect(isKeyText(encodeKey(key))).toBe(true);
    expect(isKeyText('/etc/oidc-secrets/secrets.key')).toBe(false);
  });

  it('refuses anything that is not 256 bits, without quoting it', () => {
    const short = generateKey().subarray(0, 16).toString('base64');
    let message = '';
    try {
      parseKey(short, 'key file /x/secrets.key');
    } catch (error) {
      message = (error as Error).message;
      expect((error as StoreError).code).toBe('STORE_KEY_FORMAT');
    }
    expect(message).toMatch(/^key file \/x\/secrets.key does not hold a 256-bit store key/);
    expect(message.includes(short)).toBe(false);
  });
});
