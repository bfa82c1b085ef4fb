// `aws-kms:KEY_ARN`: the data key wrapped by AWS KMS `Encrypt` and opened by `Decrypt`
// (JSON 1.1 protocol: POST /, `X-Amz-Target: TrentService.Encrypt`, SigV4 for service
// `kms` in the key's region). Wire format (AWS KMS API reference, Encrypt/Decrypt):
//   Encrypt {"KeyId", "Plaintext": b64, "EncryptionContext": {…}} → {"CiphertextBlob": b64, "KeyId"}
//   Decrypt {"KeyId", "CiphertextBlob": b64, "EncryptionContext": {…}} → {"Plaintext": b64, "KeyId"}
// "If the ciphertext was encrypted under a symmetric CMK, the KeyId parameter is optional
// … specifying the CMK is always recommended": it is always sent, so a ciphertext swapped
// in from another key fails instead of opening with a key we did not name. The
// EncryptionContext binds every copy to this purpose (types.ts WRAP_CONTEXT).
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256, signPost } from '../../providers/aws-sts.js';
import { jsonStringField } from '../../providers/error-body.js';
import type { ProviderCredential } from '../../providers/types.js';
import { strictBase64 } from '../format.js';
import { malformed, refused } from './refusal.js';
import { WRAP_CONTEXT, type RecipientScheme } from './types.js';

const KEY_ARN =
  /^arn:(aws|aws-cn|aws-us-gov):kms:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):(key\/[A-Za-z0-9-]{1,128}|alias\/[A-Za-z0-9/_-]{1,250})$/;

const CONTEXT = { purpose: WRAP_CONTEXT };

function regionOf(arn: string): string {
  return KEY_ARN.exec(arn)?.[2] ?? '';
}

function endpointFor(region: string, credential: ProviderCredential & { provider: 'aws' }) {
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return credential.kmsEndpoint ?? `https://kms.${region}.${suffix}`;
}

const errorWords = (body: string) => {
  const type = jsonStringField(body, '__type')?.split('#').pop();
  const message = jsonStringField(body, 'message') ?? jsonStringField(body, 'Message');
  return { code: type, message };
};

async function call(
  arn: string,
  operation: 'Encrypt' | 'Decrypt',
  input: Record<string, unknown>,
  access: Parameters<RecipientScheme['wrap']>[2],
): Promise<Record<string, unknown>> {
  const recipient = `aws-kms:${arn}`;
  const credential = await access.credential('aws');
  if (credential.provider !== 'aws') throw malformed(recipient, 'AWS', 'login');
  const region = regionOf(arn);
  const base = endpointFor(region, credential);
  const url = new URL(base.endsWith('/') ? base : `${base}/`);
  const signer = new SignatureV4({
    service: 'kms',
    region,
    credentials: {
      accessKeyId: credential.accessKeyId,
      secretAccessKey: credential.secretAccessKey,
      sessionToken: credential.sessionToken,
    },
    sha256: NodeSha256,
  });
  const body = JSON.stringify(input);
  const headers = await signPost(
    signer,
    url,
    {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `TrentService.${operation}`,
    },
    body,
  );
  try {
    const response = await access.http.request({
      method: 'POST',
      url,
      headers,
      body,
      what: `${recipient}: kms:${operation}`,
    });
    return response.json<Record<string, unknown>>();
  } catch (error) {
    throw refused(recipient, 'AWS KMS', `kms:${operation}`, error, errorWords);
  }
}

export const awsKms: RecipientScheme = {
  scheme: 'aws-kms',
  provider: 'aws',
  expected: 'aws-kms:arn:aws:kms:REGION:ACCOUNT:key/KEY_ID (or alias/NAME), a KMS key ARN',
  valid: (locator) => KEY_ARN.test(locator),

  async wrap(arn, dataKey, access) {
    const answer = await call(
      arn,
      'Encrypt',
      { KeyId: arn, Plaintext: dataKey.toString('base64'), EncryptionContext: CONTEXT },
      access,
    );
    const wrapped = strictBase64(answer.CiphertextBlob);
    if (!wrapped || wrapped.length === 0) throw malformed(`aws-kms:${arn}`, 'AWS KMS', 'Encrypt');
    return { wrapped };
  },

  async unwrap(arn, entry, access) {
    const answer = await call(
      arn,
      'Decrypt',
      { KeyId: arn, CiphertextBlob: entry.wrapped.toString('base64'), EncryptionContext: CONTEXT },
      access,
    );
    const plaintext = typeof answer.Plaintext === 'string' ? answer.Plaintext : undefined;
    if (plaintext) access.admit(plaintext, `the data key unwrapped by aws-kms:${arn}`);
    const key = strictBase64(plaintext);
    if (!key) throw malformed(`aws-kms:${arn}`, 'AWS KMS', 'Decrypt');
    return key;
  },
};
