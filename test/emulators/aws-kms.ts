// AWS KMS (JSON 1.1, `X-Amz-Target: TrentService.<Operation>`) for the AWS emulator
// (aws.ts routes TrentService requests here): Encrypt, Decrypt and GenerateDataKey on
// symmetric keys, every request SigV4-signed (service `kms`) with session keys the
// emulator's STS issued, and each key's policy naming the roles allowed to use it — a
// role not in the key policy gets AccessDeniedException, as a key policy without an IAM
// delegation statement does.
// Wire format (AWS KMS API reference, Encrypt/Decrypt/GenerateDataKey; pinned by
// @aws-sdk/client-kms in __tests__/unit/emulators/aws-kms-official.test.ts):
//   Encrypt {"KeyId", "Plaintext": b64 (1 to 4096 bytes), "EncryptionContext"?} →
//     {"CiphertextBlob": b64, "KeyId": key ARN, "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}
//   Decrypt {"CiphertextBlob", "KeyId"?, "EncryptionContext"?} → {"KeyId", "Plaintext", …}
//   GenerateDataKey {"KeyId", "KeySpec": "AES_256"|"AES_128" | "NumberOfBytes"} →
//     {"CiphertextBlob", "Plaintext", "KeyId"}
// Errors are {"__type": code, "message"}. The ciphertext blob is this emulator's own
// (real blobs are opaque too): it carries the key id, so Decrypt finds the key without a
// KeyId, and a KeyId naming another key is IncorrectKeyException.
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { jsonReply, type Reply, type ServedRequest } from './http-server.js';
import { verifySigV4 } from './sigv4-verify.js';

export interface KmsKeyConfig {
  /** Role ARNs the key policy allows kms:Encrypt, kms:Decrypt and kms:GenerateDataKey. */
  roles: readonly string[];
  /** Aliases (`alias/NAME`) that name the key too. */
  aliases?: readonly string[];
}

export interface KmsSession {
  roleArn: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: number;
  /** `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`. */
  callerArn: string;
}

interface KmsKey {
  arn: string;
  id: string;
  material: Buffer;
  roles: Set<string>;
  aliases: Set<string>;
  enabled: boolean;
}

export interface KmsService {
  handle(request: ServedRequest): Reply;
  createKey(config: KmsKeyConfig): string;
  /** Disables a key (kms:Decrypt then answers DisabledException). */
  disableKey(arn: string): void;
  /** Changes who the key policy allows. */
  setKeyRoles(arn: string, roles: readonly string[]): void;
}

const BLOB_MAGIC = Buffer.from('KMSEMU1', 'ascii');

function kmsError(code: string, message: string, status = 400): Reply {
  return jsonReply(
    status,
    { __type: code, message },
    { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() },
  );
}

function kmsReply(value: unknown): Reply {
  return jsonReply(200, value, {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-requestid': randomUUID(),
  });
}

/** Encryption context as AAD: keys sorted, so the same map always gives the same bytes. */
function contextBytes(context: unknown): Buffer | string {
  if (context === undefined) return Buffer.alloc(0);
  if (typeof context !== 'object' || context === null || Array.isArray(context)) return 'invalid';
  const entries = Object.entries(context as Record<string, unknown>);
  if (entries.some(([, v]) => typeof v !== 'string')) return 'invalid';
  return Buffer.from(JSON.stringify(entries.sort(([a], [b]) => (a < b ? -1 : 1))), 'utf8');
}

function base64Blob(value: unknown): Buffer | undefined {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return undefined;
  return Buffer.from(value, 'base64');
}

export function createKmsService(options: {
  region: string;
  accountId: string;
  now: () => number;
  session(accessKeyId: string): KmsSession | undefined;
}): KmsService {
  const keys = new Map<string, KmsKey>();

  function findKey(keyId: string): KmsKey | undefined {
    for (const key of keys.values()) {
      if (key.arn === keyId || key.id === keyId) return key;
      const alias = keyId.startsWith('arn:')
        ? keyId.replace(`arn:aws:kms:${options.region}:${options.accountId}:`, '')
        : keyId;
      if (key.aliases.has(alias)) return key;
    }
    return undefined;
  }

  function denied(session: KmsSession, action: string, key: KmsKey): Reply {
    return kmsError(
      'AccessDeniedException',
      `User: ${session.callerArn} is not authorized to perform: ${action} on resource: ${key.arn} because no resource-based policy allows the ${action} action`,
    );
  }

  function resolve(
    session: KmsSession,
    keyId: unknown,
    action: string,
  ): { key: KmsKey } | { reply: Reply } {
    if (typeof keyId !== 'string' || keyId === '') {
      return {
        reply: kmsError(
          'ValidationException',
          "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null",
        ),
      };
    }
    const key = findKey(keyId);
    if (!key) return { reply: kmsError('NotFoundException', `Key '${keyId}' does not exist`) };
    if (!key.roles.has(session.roleArn)) return { reply: denied(session, action, key) };
    if (!key.enabled) return { reply: kmsError('DisabledException', `${key.arn} is disabled.`) };
    return { key };
  }

  function seal(key: KmsKey, plaintext: Buffer, aad: Buffer): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key.material, iv);
    cipher.setAAD(aad);
    const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([BLOB_MAGIC, Buffer.from(key.id, 'ascii'), iv, cipher.getAuthTag(), data]);
  }

  function encrypt(session: KmsSession, input: Record<string, unknown>): Reply {
    const found = resolve(session, input.KeyId, 'kms:Encrypt');
    if ('reply' in found) return found.reply;
    const plaintext = base64Blob(input.Plaintext);
    if (!plaintext || plaintext.length < 1 || plaintext.length > 4096) {
      return kmsError(
        'ValidationException',
        "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length between 1 and 4096",
      );
    }
    const aad = contextBytes(input.EncryptionContext);
    if (typeof aad === 'string')
      return kmsError('ValidationException', 'Invalid EncryptionContext');
    return kmsReply({
      CiphertextBlob: seal(found.key, plaintext, aad).toString('base64'),
      KeyId: found.key.arn,
      EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
    });
  }

  function generateDataKey(session: KmsSession, input: Record<string, unknown>): Reply {
    const found = resolve(session, input.KeyId, 'kms:GenerateDataKey');
    if ('reply' in found) return found.reply;
    let bytes: number;
    if (input.KeySpec === 'AES_256' && input.NumberOfBytes === undefined) bytes = 32;
    else if (input.KeySpec === 'AES_128' && input.NumberOfBytes === undefined) bytes = 16;
    else if (
      input.KeySpec === undefined &&
      typeof input.NumberOfBytes === 'number' &&
      Number.isInteger(input.NumberOfBytes) &&
      input.NumberOfBytes >= 1 &&
      input.NumberOfBytes <= 1024
    ) {
      bytes = input.NumberOfBytes;
    } else {
      return kmsError('ValidationException', 'Please specify either number of bytes or key spec.');
    }
    const aad = contextBytes(input.EncryptionContext);
    if (typeof aad === 'string')
      return kmsError('ValidationException', 'Invalid EncryptionContext');
    const plaintext = randomBytes(bytes);
    return kmsReply({
      CiphertextBlob: seal(found.key, plaintext, aad).toString('base64'),
      Plaintext: plaintext.toString('base64'),
      KeyId: found.key.arn,
    });
  }

  function decrypt(session: KmsSession, input: Record<string, unknown>): Reply {
    const blob = base64Blob(input.CiphertextBlob);
    const header = BLOB_MAGIC.length + 36;
    if (
      !blob ||
      blob.length < header + 28 ||
      !blob.subarray(0, BLOB_MAGIC.length).equals(BLOB_MAGIC)
    ) {
      return kmsError('InvalidCiphertextException', '');
    }
    const blobKeyId = blob.subarray(BLOB_MAGIC.length, header).toString('ascii');
    const key = findKey(blobKeyId);
    if (!key) return kmsError('InvalidCiphertextException', '');
    if (input.KeyId !== undefined) {
      const named = typeof input.KeyId === 'string' ? findKey(input.KeyId) : undefined;
      if (!named)
        return kmsError('NotFoundException', `Key '${String(input.KeyId)}' does not exist`);
      if (named !== key) {
        return kmsError(
          'IncorrectKeyException',
          'The key ID in the request does not identify a CMK that can perform this operation.',
        );
      }
    }
    const found = resolve(session, key.arn, 'kms:Decrypt');
    if ('reply' in found) return found.reply;
    const aad = contextBytes(input.EncryptionContext);
    if (typeof aad === 'string')
      return kmsError('ValidationException', 'Invalid EncryptionContext');
    const iv = blob.subarray(header, header + 12);
    const tag = blob.subarray(header + 12, header + 28);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.material, iv);
      decipher.setAAD(aad);
      decipher.setAuthTag(tag);
      const plaintext = Buffer.concat([
        decipher.update(blob.subarray(header + 28)),
        decipher.final(),
      ]);
      return kmsReply({
        KeyId: key.arn,
        Plaintext: plaintext.toString('base64'),
        EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      });
    } catch {
      // A changed blob or encryption context: KMS says nothing more.
      return kmsError('InvalidCiphertextException', '');
    }
  }

  return {
    handle(request) {
      const target = String(request.headers['x-amz-target']);
      const operation = target.slice('TrentService.'.length);
      const verdict = verifySigV4(
        {
          method: request.method,
          rawUrl: request.rawUrl,
          headers: request.headers,
          body: request.body,
        },
        {
          region: options.region,
          service: 'kms',
          now: options.now(),
          secretFor: (id) => options.session(id)?.secretAccessKey,
        },
      );
      if (!verdict.ok) return kmsError(verdict.failure.code, verdict.failure.message);
      const session = options.session(verdict.auth.accessKeyId)!;
      if (request.headers['x-amz-security-token'] !== session.sessionToken) {
        return kmsError(
          'UnrecognizedClientException',
          'The security token included in the request is invalid.',
        );
      }
      if (options.now() >= session.expiration) {
        return kmsError(
          'ExpiredTokenException',
          'The security token included in the request is expired',
        );
      }
      let input: Record<string, unknown>;
      try {
        const parsed: unknown = JSON.parse(request.body.toString('utf8') || '{}');
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
          throw new Error('not an object');
        input = parsed as Record<string, unknown>;
      } catch {
        return kmsError(
          'SerializationException',
          'Start of structure or map found where not expected.',
        );
      }
      switch (operation) {
        case 'Encrypt':
          return encrypt(session, input);
        case 'Decrypt':
          return decrypt(session, input);
        case 'GenerateDataKey':
          return generateDataKey(session, input);
        default:
          return kmsError('UnknownOperationException', '');
      }
    },
    createKey(config) {
      const id = randomUUID();
      const arn = `arn:aws:kms:${options.region}:${options.accountId}:key/${id}`;
      keys.set(arn, {
        arn,
        id,
        material: randomBytes(32),
        roles: new Set(config.roles),
        aliases: new Set(config.aliases ?? []),
        enabled: true,
      });
      return arn;
    },
    disableKey(arn) {
      const key = keys.get(arn);
      if (!key) throw new Error(`no key ${arn}`);
      key.enabled = false;
    },
    setKeyRoles(arn, roles) {
      const key = keys.get(arn);
      if (!key) throw new Error(`no key ${arn}`);
      key.roles = new Set(roles);
    },
  };
}
