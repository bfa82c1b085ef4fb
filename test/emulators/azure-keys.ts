// Key Vault keys, as much as the keyless store uses, for the Azure emulator (azure.ts routes
// `{vault}/keys/…` here after checking the bearer token as for secrets): RSA keys with
// `GET keys/{name}[/{version}]`, `POST keys/{name}/{version}/wrapkey` and `…/unwrapkey`.
// Wire format (Key Vault REST 7.x, Keys: Get Key, Wrap Key, Unwrap Key; pinned by
// @azure/keyvault-keys CryptographyClient in __tests__/unit/emulators/azure-keys-official.test.ts):
//   GET → {"key": {"kid", "kty": "RSA", "key_ops": […], "n", "e"}, "attributes": {…}}
//   wrapkey/unwrapkey {"alg": "RSA-OAEP-256"|"RSA-OAEP"|"RSA1_5", "value": base64url} →
//     {"kid": "{vault}/keys/{name}/{version}", "value": base64url}
// Permissions: an access policy's key permissions (get, wrapKey, unwrapKey) per app; a denial
// is 403 Forbidden/AccessDenied in the words Key Vault uses for secrets ("does not have keys
// unwrapKey permission on key vault …"). An unwrap that fails to decrypt answers 400
// BadParameter; Key Vault's exact wording for it is not public.
import {
  constants,
  generateKeyPairSync,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { jsonReply, type Reply, type ServedRequest } from './http-server.js';

export interface VaultKeyVersion {
  version: string;
  publicKey: KeyObject;
  privateKey: KeyObject;
  created: number;
}

export interface KeyVaultKeys {
  keys: Map<string, VaultKeyVersion[]>;
  /** clientId → the key permissions it holds (get, wrapKey, unwrapKey). */
  grants: Map<string, Set<string>>;
}

function keyError(status: number, code: string, message: string, inner?: string): Reply {
  const error: Record<string, unknown> = { code, message };
  if (inner) error.innererror = { code: inner };
  return jsonReply(status, { error }, { 'content-type': 'application/json; charset=utf-8' });
}

export function newKeyVersion(now: number): VaultKeyVersion {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { version: randomBytes(16).toString('hex'), publicKey, privateKey, created: now };
}

const PADDING: Record<string, { padding: number; oaepHash?: string }> = {
  'RSA-OAEP-256': { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
  'RSA-OAEP': { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
  RSA1_5: { padding: constants.RSA_PKCS1_PADDING },
};

export function keyRequest(
  request: ServedRequest,
  vault: { name: string; location: string; keys: KeyVaultKeys },
  rest: string[],
  vaultUrl: string,
  who: { appId: string; caller: string },
): Reply {
  const [name, version, operation, ...more] = rest;
  if (!name || more.length) return keyError(400, 'BadParameter', 'The request URI is not valid.');
  const permission =
    operation === undefined
      ? 'get'
      : operation === 'wrapkey'
        ? 'wrapKey'
        : operation === 'unwrapkey'
          ? 'unwrapKey'
          : undefined;
  const method = operation === undefined ? 'GET' : 'POST';
  if (!permission || request.method !== method) {
    return keyError(400, 'BadParameter', 'The request URI is not valid.');
  }
  if (!vault.keys.grants.get(who.appId)?.has(permission)) {
    return keyError(
      403,
      'Forbidden',
      `The user, group or application '${who.caller}' does not have keys ${permission} permission on key vault '${vault.name};location=${vault.location}'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287`,
      'AccessDenied',
    );
  }
  const versions = vault.keys.keys.get(name);
  const found =
    version === undefined || version === ''
      ? versions?.at(-1)
      : versions?.find((v) => v.version === version);
  if (!found) {
    return keyError(
      404,
      'KeyNotFound',
      `A key with (name/id) ${version ? `${name}/${version}` : name} was not found in this key vault. If you recently deleted this key you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
    );
  }
  const kid = `${vaultUrl}/keys/${name}/${found.version}`;
  if (permission === 'get') {
    const jwk = found.publicKey.export({ format: 'jwk' });
    return jsonReply(
      200,
      {
        key: {
          kid,
          kty: 'RSA',
          key_ops: ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey'],
          n: jwk.n,
          e: jwk.e,
        },
        attributes: {
          enabled: true,
          created: Math.floor(found.created / 1000),
          updated: Math.floor(found.created / 1000),
          recoveryLevel: 'Recoverable+Purgeable',
          recoverableDays: 90,
        },
      },
      { 'content-type': 'application/json; charset=utf-8' },
    );
  }
  let body: { alg?: unknown; value?: unknown };
  try {
    body = JSON.parse(request.body.toString('utf8')) as { alg?: unknown; value?: unknown };
  } catch {
    return keyError(400, 'BadParameter', 'The request body is not valid JSON.');
  }
  const padding = typeof body.alg === 'string' ? PADDING[body.alg] : undefined;
  if (!padding) {
    return keyError(400, 'BadParameter', `Invalid algorithm: ${String(body.alg)}`);
  }
  if (typeof body.value !== 'string' || !/^[A-Za-z0-9_-]+$/.test(body.value)) {
    return keyError(400, 'BadParameter', 'Property value is required.');
  }
  const input = Buffer.from(body.value, 'base64url');
  try {
    const output =
      permission === 'wrapKey'
        ? publicEncrypt({ key: found.publicKey, ...padding }, input)
        : privateDecrypt({ key: found.privateKey, ...padding }, input);
    return jsonReply(
      200,
      { kid, value: output.toString('base64url') },
      { 'content-type': 'application/json; charset=utf-8' },
    );
  } catch {
    return keyError(400, 'BadParameter', 'The parameter is incorrect.');
  }
}
