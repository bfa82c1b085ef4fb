// `vault-transit:MOUNT/keys/NAME`: the data key wrapped by Vault's transit engine (Vault
// HTTP API, secret/transit): `POST /v1/MOUNT/encrypt/NAME` {"plaintext": b64} answers
// {"data": {"ciphertext": "vault:v1:…"}}; `POST /v1/MOUNT/decrypt/NAME` {"ciphertext"}
// answers {"data": {"plaintext": b64}}. Errors are {"errors": [string, …]}. The Vault token
// is the one the `vault` provider's JWT login obtained (X-Vault-Token, X-Vault-Namespace).
import { jsonStringField } from '../../providers/error-body.js';
import { strictBase64 } from '../format.js';
import { malformed, refused } from './refusal.js';
import type { KeyAccess, RecipientScheme } from './types.js';

const SEGMENT = '[A-Za-z0-9_.-]+';
const LOCATOR = new RegExp(`^(${SEGMENT}(?:/${SEGMENT})*)/keys/(${SEGMENT})$`);

/** Vault's `{"errors": ["…"]}`: the first one, which is what Vault means. */
const errorWords = (body: string) => {
  const match = /"errors"\s*:\s*\[\s*"((?:[^"\\]|\\.)*)/.exec(body);
  let message: string | undefined;
  if (match) {
    try {
      message = JSON.parse(`"${match[1] ?? ''}"`) as string;
    } catch {
      message = match[1];
    }
  }
  return { message: message ?? jsonStringField(body, 'error') };
};

async function call(
  locator: string,
  operation: 'encrypt' | 'decrypt',
  body: Record<string, string>,
  access: KeyAccess,
): Promise<Record<string, unknown>> {
  const recipient = `vault-transit:${locator}`;
  const [, mount, name] = LOCATOR.exec(locator) ?? [];
  const credential = await access.credential('vault');
  if (credential.provider !== 'vault') throw malformed(recipient, 'Vault', 'login');
  try {
    const response = await access.http.request({
      method: 'POST',
      url: `${credential.url}/v1/${mount ?? ''}/${operation}/${name ?? ''}`,
      headers: {
        'content-type': 'application/json',
        'x-vault-token': credential.token,
        ...(credential.namespace ? { 'x-vault-namespace': credential.namespace } : {}),
      },
      body: JSON.stringify(body),
      what: `${recipient}: transit ${operation}`,
    });
    const data = response.json<{ data?: Record<string, unknown> }>().data;
    return data ?? {};
  } catch (error) {
    throw refused(recipient, 'Vault', `transit ${operation}`, error, errorWords);
  }
}

export const vaultTransit: RecipientScheme = {
  scheme: 'vault-transit',
  provider: 'vault',
  expected: 'vault-transit:MOUNT/keys/NAME, a transit key such as transit/keys/ci-store',
  valid: (locator) => LOCATOR.test(locator),

  async wrap(locator, dataKey, access) {
    const data = await call(locator, 'encrypt', { plaintext: dataKey.toString('base64') }, access);
    if (typeof data.ciphertext !== 'string' || !/^vault:v\d+:/.test(data.ciphertext)) {
      throw malformed(`vault-transit:${locator}`, 'Vault', 'transit encrypt');
    }
    return { wrapped: Buffer.from(data.ciphertext, 'utf8') };
  },

  async unwrap(locator, entry, access) {
    const ciphertext = entry.wrapped.toString('utf8');
    const data = await call(locator, 'decrypt', { ciphertext }, access);
    const plaintext = typeof data.plaintext === 'string' ? data.plaintext : undefined;
    if (plaintext) access.admit(plaintext, `the data key unwrapped by vault-transit:${locator}`);
    const key = strictBase64(plaintext);
    if (!key) throw malformed(`vault-transit:${locator}`, 'Vault', 'transit decrypt');
    return key;
  },
};
