// `azure-kv:VAULT/keys/NAME`: the data key wrapped by an RSA key in Azure Key Vault
// (REST 7.4): `POST {vault}/keys/NAME/VERSION/wrapkey` {"alg": "RSA-OAEP-256", "value":
// base64url} answers {"kid": "…/keys/NAME/VERSION", "value": base64url}; `unwrapkey` is the
// reverse. The wrap first reads the key (`GET {vault}/keys/NAME`) for its current version,
// kept as the copy's keyVersion: unwrapping must name the version that wrapped (a rotated
// key keeps its old versions). Errors are {"error": {"code", "message"}}. The access token
// is the `azure` provider's (Entra federated credential, Key Vault resource).
import { jsonStringField } from '../../providers/error-body.js';
import { StoreError } from '../errors.js';
import { malformed, refused } from './refusal.js';
import type { KeyAccess, RecipientScheme } from './types.js';

const API_VERSION = '7.4';
const ALG = 'RSA-OAEP-256';
const LOCATOR = /^([a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9])\/keys\/([a-zA-Z0-9-]{1,127})$/;
const VERSION = /^[0-9a-zA-Z]{1,64}$/;

const errorWords = (body: string) => ({
  code: jsonStringField(body, 'code'),
  message: jsonStringField(body, 'message'),
});

const base64url = (bytes: Buffer) => bytes.toString('base64url');

function fromBase64url(value: unknown): Buffer | undefined {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]+$/.test(value)) return undefined;
  return Buffer.from(value, 'base64url');
}

async function call(
  locator: string,
  method: 'GET' | 'POST',
  path: string,
  operation: string,
  body: Record<string, string> | undefined,
  access: KeyAccess,
): Promise<Record<string, unknown>> {
  const recipient = `azure-kv:${locator}`;
  const [, vault, name] = LOCATOR.exec(locator) ?? [];
  const credential = await access.credential('azure');
  if (credential.provider !== 'azure') throw malformed(recipient, 'Key Vault', 'login');
  const url = new URL(`${credential.vaultUrl(vault ?? '')}/keys/${name ?? ''}${path}`);
  url.searchParams.set('api-version', API_VERSION);
  try {
    const response = await access.http.request({
      method,
      url,
      headers: {
        authorization: `Bearer ${credential.accessToken}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
      what: `${recipient}: Key Vault ${operation}`,
    });
    return response.json<Record<string, unknown>>();
  } catch (error) {
    throw refused(recipient, 'Key Vault', operation, error, errorWords);
  }
}

/** The version at the end of a key id `https://…/keys/NAME/VERSION`. */
function versionOf(kid: unknown): string | undefined {
  if (typeof kid !== 'string') return undefined;
  const version = kid.split('/').pop();
  return version && VERSION.test(version) ? version : undefined;
}

export const azureKv: RecipientScheme = {
  scheme: 'azure-kv',
  provider: 'azure',
  expected: 'azure-kv:VAULT/keys/NAME, an RSA key in Key Vault such as my-vault/keys/ci-store',
  valid: (locator) => LOCATOR.test(locator),

  async wrap(locator, dataKey, access) {
    const key = await call(locator, 'GET', '', 'get key', undefined, access);
    const version = versionOf((key.key as { kid?: unknown } | undefined)?.kid);
    if (!version) throw malformed(`azure-kv:${locator}`, 'Key Vault', 'get key');
    const answer = await call(
      locator,
      'POST',
      `/${version}/wrapkey`,
      'wrapKey',
      { alg: ALG, value: base64url(dataKey) },
      access,
    );
    const wrapped = fromBase64url(answer.value);
    if (!wrapped) throw malformed(`azure-kv:${locator}`, 'Key Vault', 'wrapKey');
    return { wrapped, keyVersion: version };
  },

  async unwrap(locator, entry, access) {
    if (entry.keyVersion === undefined || !VERSION.test(entry.keyVersion)) {
      throw new StoreError(
        'STORE_FORMAT',
        `recipient azure-kv:${locator}: its copy names no key version`,
      );
    }
    const answer = await call(
      locator,
      'POST',
      `/${entry.keyVersion}/unwrapkey`,
      'unwrapKey',
      { alg: ALG, value: base64url(entry.wrapped) },
      access,
    );
    const text = typeof answer.value === 'string' ? answer.value : undefined;
    if (text) access.admit(text, `the data key unwrapped by azure-kv:${locator}`);
    const key = fromBase64url(text);
    if (!key) throw malformed(`azure-kv:${locator}`, 'Key Vault', 'unwrapKey');
    return key;
  },
};
