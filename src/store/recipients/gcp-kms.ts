// `gcp-kms:projects/P/locations/L/keyRings/K/cryptoKeys/C`: the data key wrapped by Cloud
// KMS (REST v1, cloudkms.googleapis.com): `POST /v1/{name}:encrypt` {"plaintext": b64,
// "additionalAuthenticatedData": b64} answers {"name", "ciphertext": b64, …};
// `POST /v1/{name}:decrypt` {"ciphertext", "additionalAuthenticatedData"} answers
// {"plaintext": b64, "plaintextCrc32c": int64 string}. The CRC32C is checked, as Google's
// guide on data integrity asks of clients. Errors are {"error": {"code", "message",
// "status"}}. The access token is the `gcp` provider's (Workload Identity Federation).
import { crc32c } from '../../providers/gcp.js';
import { jsonStringField } from '../../providers/error-body.js';
import { strictBase64 } from '../format.js';
import { malformed, refused } from './refusal.js';
import { WRAP_CONTEXT, type KeyAccess, type RecipientScheme } from './types.js';

const ID = '[A-Za-z0-9_-]{1,63}';
const KEY_NAME = new RegExp(
  `^projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/locations/[a-z0-9-]+/keyRings/${ID}/cryptoKeys/${ID}$`,
);
const AAD = Buffer.from(WRAP_CONTEXT, 'utf8').toString('base64');

const errorWords = (body: string) => ({
  code: jsonStringField(body, 'status'),
  message: jsonStringField(body, 'message'),
});

async function call(
  name: string,
  operation: 'encrypt' | 'decrypt',
  body: Record<string, string>,
  access: KeyAccess,
): Promise<Record<string, unknown>> {
  const recipient = `gcp-kms:${name}`;
  const credential = await access.credential('gcp');
  if (credential.provider !== 'gcp') throw malformed(recipient, 'Cloud KMS', 'login');
  const base = (credential.kmsEndpoint ?? 'https://cloudkms.googleapis.com').replace(/\/+$/, '');
  try {
    const response = await access.http.request({
      method: 'POST',
      url: `${base}/v1/${name}:${operation}`,
      headers: {
        authorization: `Bearer ${credential.accessToken}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
      what: `${recipient}: cloudkms ${operation}`,
    });
    return response.json<Record<string, unknown>>();
  } catch (error) {
    throw refused(recipient, 'Cloud KMS', operation, error, errorWords);
  }
}

export const gcpKms: RecipientScheme = {
  scheme: 'gcp-kms',
  provider: 'gcp',
  expected: 'gcp-kms:projects/PROJECT/locations/LOCATION/keyRings/RING/cryptoKeys/KEY',
  valid: (locator) => KEY_NAME.test(locator),

  async wrap(name, dataKey, access) {
    const answer = await call(
      name,
      'encrypt',
      { plaintext: dataKey.toString('base64'), additionalAuthenticatedData: AAD },
      access,
    );
    const wrapped = strictBase64(answer.ciphertext);
    if (!wrapped || wrapped.length === 0)
      throw malformed(`gcp-kms:${name}`, 'Cloud KMS', 'encrypt');
    return { wrapped };
  },

  async unwrap(name, entry, access) {
    const answer = await call(
      name,
      'decrypt',
      { ciphertext: entry.wrapped.toString('base64'), additionalAuthenticatedData: AAD },
      access,
    );
    const plaintext = typeof answer.plaintext === 'string' ? answer.plaintext : undefined;
    if (plaintext) access.admit(plaintext, `the data key unwrapped by gcp-kms:${name}`);
    const key = strictBase64(plaintext);
    if (!key) throw malformed(`gcp-kms:${name}`, 'Cloud KMS', 'decrypt');
    const crc = answer.plaintextCrc32c;
    if (crc !== undefined && String(crc) !== String(crc32c(key))) {
      throw malformed(`gcp-kms:${name}`, 'Cloud KMS', 'decrypt (plaintextCrc32c does not match)');
    }
    return key;
  },
};
