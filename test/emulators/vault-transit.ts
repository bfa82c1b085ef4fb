// Vault's transit secrets engine, as much as the keyless store uses, for the Vault emulator
// (vault.ts routes a transit mount's requests here after its token and policy checks):
// `POST {mount}/encrypt/{name}` {"plaintext": b64} → {"data": {"ciphertext": "vault:v1:…",
// "key_version": 1}}; `POST {mount}/decrypt/{name}` {"ciphertext"} → {"data": {"plaintext":
// b64}} (Vault HTTP API, secret/transit). Keys are aes256-gcm96: the ciphertext after
// `vault:vN:` is base64 of nonce ‖ ciphertext ‖ tag, as Vault lays it out. Error texts are
// Vault's (builtin/logical/transit path_encrypt.go / path_decrypt.go): an unknown key on
// decrypt is `encryption key not found`, a bad ciphertext `invalid ciphertext: …`, and
// `cipher: message authentication failed` when it does not authenticate.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface TransitKey {
  versions: Buffer[];
}

export type TransitResult =
  { ok: true; data: Record<string, unknown> } | { ok: false; status: number; errors: string[] };

const fail = (status: number, ...errors: string[]): TransitResult => ({
  ok: false,
  status,
  errors,
});

function base64(value: unknown): Buffer | undefined {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return undefined;
  return Buffer.from(value, 'base64');
}

export function newTransitKey(): TransitKey {
  return { versions: [randomBytes(32)] };
}

/** `rest` is the path inside the mount (`encrypt/NAME`); only updates (POST/PUT) are served. */
export function transitRequest(
  keys: Map<string, TransitKey>,
  rest: string,
  body: Record<string, unknown>,
): TransitResult {
  const [operation, name, ...more] = rest.split('/');
  if (more.length || !name || (operation !== 'encrypt' && operation !== 'decrypt')) {
    return fail(404, `no handler for route "${rest}". route entry not found.`);
  }
  const key = keys.get(name);
  if (operation === 'encrypt') {
    if (!key) return fail(400, 'encryption key not found');
    const plaintext = base64(body.plaintext);
    if (plaintext === undefined) return fail(400, 'failed to base64-decode plaintext');
    const version = key.versions.length;
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key.versions[version - 1]!, nonce);
    const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const sealed = Buffer.concat([nonce, data, cipher.getAuthTag()]).toString('base64');
    return { ok: true, data: { ciphertext: `vault:v${version}:${sealed}`, key_version: version } };
  }
  if (!key) return fail(400, 'encryption key not found');
  const ciphertext = typeof body.ciphertext === 'string' ? body.ciphertext : '';
  const match = /^vault:v(\d+):(.*)$/.exec(ciphertext);
  if (!match) return fail(400, 'invalid ciphertext: no prefix');
  const material = key.versions[Number(match[1]) - 1];
  const sealed = base64(match[2]);
  if (!material || !sealed || sealed.length < 28)
    return fail(400, 'invalid ciphertext: invalid key version');
  try {
    const decipher = createDecipheriv('aes-256-gcm', material, sealed.subarray(0, 12));
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    const plaintext = Buffer.concat([
      decipher.update(sealed.subarray(12, sealed.length - 16)),
      decipher.final(),
    ]);
    return { ok: true, data: { plaintext: plaintext.toString('base64') } };
  } catch {
    return fail(400, 'cipher: message authentication failed');
  }
}
