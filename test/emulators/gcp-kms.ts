// Cloud KMS (REST v1) for the GCP emulator (gcp.ts routes `…/cryptoKeys/C:encrypt` and
// `:decrypt` here): symmetric keys whose IAM members hold roles/cloudkms.cryptoKeyEncrypterDecrypter,
// the caller being the token the emulator's STS or IAM Credentials issued.
// Wire format (cloud.google.com/kms/docs/reference/rest/v1/projects.locations.keyRings.cryptoKeys,
// encrypt and decrypt; pinned by @google-cloud/kms in REST mode in
// __tests__/unit/emulators/gcp-kms-official.test.ts):
//   encrypt {"plaintext": b64, "additionalAuthenticatedData"?: b64} → {"name": "…/cryptoKeyVersions/N",
//     "ciphertext": b64, "ciphertextCrc32c": int64 string, "verifiedPlaintextCrc32c": false,
//     "verifiedAdditionalAuthenticatedDataCrc32c": false, "protectionLevel": "SOFTWARE"}
//   decrypt {"ciphertext", "additionalAuthenticatedData"?} → {"plaintext": b64,
//     "plaintextCrc32c": int64 string, "usedPrimary": true, "protectionLevel": "SOFTWARE"}
// A denial is 403 PERMISSION_DENIED "Permission 'cloudkms.cryptoKeyVersions.useToDecrypt'
// denied on resource '…' (or it may not exist)."; a ciphertext that does not decrypt is
// 400 INVALID_ARGUMENT "Decryption failed: the ciphertext is invalid.".
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Reply, ServedRequest } from './http-server.js';

export interface GcpKmsCaller {
  members: Set<string>;
}

interface CryptoKey {
  material: Buffer;
  members: Set<string>;
}

const KEY_PATH =
  /projects\/([^/]+)\/locations\/([^/]+)\/keyRings\/([^/]+)\/cryptoKeys\/([^/:]+):(encrypt|decrypt)$/;

export function isKmsPath(path: string): boolean {
  return KEY_PATH.test(path);
}

function base64(value: unknown): Buffer | undefined {
  if (value === undefined) return Buffer.alloc(0);
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return undefined;
  return Buffer.from(value, 'base64');
}

export function createGcpKms(parts: {
  projectId: string;
  projectNumber: string;
  crc32c(data: Uint8Array): number;
  googleError(code: number, status: string, message: string): Reply;
  permissionDenied(permission: string, message: string, domain: string): Reply;
}) {
  const keys = new Map<string, CryptoKey>();
  const canonical = (project: string, rest: string) =>
    project === parts.projectId || project === parts.projectNumber
      ? `projects/${parts.projectId}/${rest}`
      : undefined;

  return {
    addKey(name: string, members: readonly string[]): void {
      keys.set(name, { material: randomBytes(32), members: new Set(members) });
    },
    handle(request: ServedRequest, path: string, who: GcpKmsCaller): Reply {
      const m = KEY_PATH.exec(path)!;
      const operation = m[5] as 'encrypt' | 'decrypt';
      const rest = `locations/${m[2]}/keyRings/${m[3]}/cryptoKeys/${m[4]}`;
      const name = canonical(m[1]!, rest) ?? `projects/${m[1]}/${rest}`;
      const key = keys.get(name);
      const permission =
        operation === 'encrypt'
          ? 'cloudkms.cryptoKeyVersions.useToEncrypt'
          : 'cloudkms.cryptoKeyVersions.useToDecrypt';
      if (!key || ![...key.members].some((member) => who.members.has(member))) {
        return parts.permissionDenied(
          permission,
          `Permission '${permission}' denied on resource '${name}' (or it may not exist).`,
          'cloudkms.googleapis.com',
        );
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(request.body.toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        return parts.googleError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
      }
      const aad = base64(body.additionalAuthenticatedData);
      if (!aad)
        return parts.googleError(
          400,
          'INVALID_ARGUMENT',
          'Invalid value at additional_authenticated_data',
        );
      if (operation === 'encrypt') {
        const plaintext = base64(body.plaintext);
        if (!plaintext || plaintext.length === 0) {
          return parts.googleError(400, 'INVALID_ARGUMENT', 'Plaintext is empty.');
        }
        const iv = randomBytes(12);
        const cipher = createCipheriv('aes-256-gcm', key.material, iv);
        cipher.setAAD(aad);
        const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
        const ciphertext = Buffer.concat([iv, data, cipher.getAuthTag()]);
        return jsonOk({
          name: `${name}/cryptoKeyVersions/1`,
          ciphertext: ciphertext.toString('base64'),
          ciphertextCrc32c: String(parts.crc32c(ciphertext)),
          verifiedPlaintextCrc32c: false,
          verifiedAdditionalAuthenticatedDataCrc32c: false,
          protectionLevel: 'SOFTWARE',
        });
      }
      const ciphertext = base64(body.ciphertext);
      const invalid = () =>
        parts.googleError(400, 'INVALID_ARGUMENT', 'Decryption failed: the ciphertext is invalid.');
      if (!ciphertext || ciphertext.length < 28) return invalid();
      try {
        const decipher = createDecipheriv('aes-256-gcm', key.material, ciphertext.subarray(0, 12));
        decipher.setAAD(aad);
        decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
        const plaintext = Buffer.concat([
          decipher.update(ciphertext.subarray(12, ciphertext.length - 16)),
          decipher.final(),
        ]);
        return jsonOk({
          plaintext: plaintext.toString('base64'),
          plaintextCrc32c: String(parts.crc32c(plaintext)),
          usedPrimary: true,
          protectionLevel: 'SOFTWARE',
        });
      } catch {
        return invalid();
      }
    },
  };
}

function jsonOk(value: unknown): Reply {
  return {
    status: 200,
    headers: { 'content-type': 'application/json; charset=UTF-8' },
    body: JSON.stringify(value),
  };
}
