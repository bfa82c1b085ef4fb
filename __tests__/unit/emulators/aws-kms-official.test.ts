// The AWS KMS routes of the AWS emulator (test/emulators/aws-kms.ts) pinned to the AWS SDK
// for JavaScript v3 (@aws-sdk/client-kms): Encrypt, Decrypt and GenerateDataKey signed with
// the session the SDK got from the emulator's STS, and the errors the SDK recognises (a
// role outside the key policy, a ciphertext for another key, a changed ciphertext).
import { randomBytes } from 'node:crypto';
import {
  DecryptCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  IncorrectKeyException,
  InvalidCiphertextException,
  KMSClient,
  KMSServiceException,
  NotFoundException,
} from '@aws-sdk/client-kms';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { startAws, type AwsEmulator } from '../../../test/emulators/aws.js';
import { startOidcIssuer, type OidcIssuer } from '../../../test/emulators/oidc-issuer.js';

const ROLE = 'arn:aws:iam::123456789012:role/gha-store';
const OTHER = 'arn:aws:iam::123456789012:role/gha-other';
const REGION = 'eu-west-1';
const CONTEXT = { purpose: 'test' };

let issuer: OidcIssuer;
let aws: AwsEmulator;
let keyArn: string;
let otherKeyArn: string;

beforeAll(async () => {
  issuer = await startOidcIssuer();
  aws = await startAws({ issuer: issuer.issuer, jwksUrl: issuer.jwksUrl, region: REGION });
  aws.addRole(ROLE, { subjectPatterns: ['repo:octo-org/octo-repo:*'] });
  aws.addRole(OTHER, { subjectPatterns: ['repo:octo-org/octo-repo:*'] });
  keyArn = aws.createKmsKey({ roles: [ROLE], aliases: ['alias/ci-store'] });
  otherKeyArn = aws.createKmsKey({ roles: [ROLE] });
});

afterAll(async () => {
  await aws.close();
  await issuer.close();
});

async function kms(role = ROLE): Promise<KMSClient> {
  const sts = new STSClient({
    region: REGION,
    endpoint: aws.url,
    maxAttempts: 1,
    credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' },
  });
  const { Credentials } = await sts.send(
    new AssumeRoleWithWebIdentityCommand({
      RoleArn: role,
      RoleSessionName: 'gha-1-1',
      WebIdentityToken: await issuer.mint({ aud: 'sts.amazonaws.com' }),
      DurationSeconds: 900,
    }),
  );
  return new KMSClient({
    region: REGION,
    endpoint: aws.url,
    maxAttempts: 1,
    credentials: {
      accessKeyId: Credentials!.AccessKeyId!,
      secretAccessKey: Credentials!.SecretAccessKey!,
      sessionToken: Credentials!.SessionToken!,
    },
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('@aws-sdk/client-kms against the KMS emulator', () => {
  it('Encrypt then Decrypt round-trips, with the key ARN in both answers', async () => {
    const client = await kms();
    const plaintext = randomBytes(32);
    const encrypted = await client.send(
      new EncryptCommand({ KeyId: keyArn, Plaintext: plaintext, EncryptionContext: CONTEXT }),
    );
    expect(encrypted.KeyId).toBe(keyArn);
    expect(encrypted.EncryptionAlgorithm).toBe('SYMMETRIC_DEFAULT');
    expect(encrypted.CiphertextBlob).toBeInstanceOf(Uint8Array);
    const decrypted = await client.send(
      new DecryptCommand({
        CiphertextBlob: encrypted.CiphertextBlob,
        KeyId: keyArn,
        EncryptionContext: CONTEXT,
      }),
    );
    expect(decrypted.KeyId).toBe(keyArn);
    expect(Buffer.from(decrypted.Plaintext!).equals(plaintext)).toBe(true);
    // Without a KeyId the key comes from the blob, as for symmetric keys.
    const bare = await client.send(
      new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: CONTEXT }),
    );
    expect(Buffer.from(bare.Plaintext!).equals(plaintext)).toBe(true);
  });

  it('Encrypt by alias', async () => {
    const client = await kms();
    const answer = await client.send(
      new EncryptCommand({ KeyId: 'alias/ci-store', Plaintext: randomBytes(16) }),
    );
    expect(answer.KeyId).toBe(keyArn);
  });

  it('GenerateDataKey answers a plaintext key and its ciphertext', async () => {
    const client = await kms();
    const answer = await client.send(
      new GenerateDataKeyCommand({ KeyId: keyArn, KeySpec: 'AES_256', EncryptionContext: CONTEXT }),
    );
    expect(answer.Plaintext).toHaveLength(32);
    const back = await client.send(
      new DecryptCommand({ CiphertextBlob: answer.CiphertextBlob, EncryptionContext: CONTEXT }),
    );
    expect(Buffer.from(back.Plaintext!).equals(Buffer.from(answer.Plaintext!))).toBe(true);
  });

  it('a role not in the key policy gets AccessDeniedException', async () => {
    const client = await kms(OTHER);
    const error = await rejection(
      client.send(new EncryptCommand({ KeyId: keyArn, Plaintext: randomBytes(8) })),
    );
    expect(error).toBeInstanceOf(KMSServiceException);
    expect((error as KMSServiceException).name).toBe('AccessDeniedException');
    expect((error as Error).message).toMatch(
      /assumed-role\/gha-other\/gha-1-1 is not authorized to perform: kms:Encrypt on resource: arn:aws:kms:/,
    );
  });

  it('a wrong encryption context or a changed blob is InvalidCiphertextException', async () => {
    const client = await kms();
    const { CiphertextBlob } = await client.send(
      new EncryptCommand({ KeyId: keyArn, Plaintext: randomBytes(8), EncryptionContext: CONTEXT }),
    );
    expect(
      await rejection(
        client.send(
          new DecryptCommand({ CiphertextBlob, EncryptionContext: { purpose: 'other' } }),
        ),
      ),
    ).toBeInstanceOf(InvalidCiphertextException);
    const changed = Buffer.from(CiphertextBlob!);
    changed[changed.length - 1]! ^= 1;
    expect(
      await rejection(
        client.send(new DecryptCommand({ CiphertextBlob: changed, EncryptionContext: CONTEXT })),
      ),
    ).toBeInstanceOf(InvalidCiphertextException);
  });

  it('a KeyId that is not the blob key is IncorrectKeyException; an unknown one NotFoundException', async () => {
    const client = await kms();
    const { CiphertextBlob } = await client.send(
      new EncryptCommand({ KeyId: keyArn, Plaintext: randomBytes(8) }),
    );
    expect(
      await rejection(client.send(new DecryptCommand({ CiphertextBlob, KeyId: otherKeyArn }))),
    ).toBeInstanceOf(IncorrectKeyException);
    expect(
      await rejection(
        client.send(
          new EncryptCommand({
            KeyId: `arn:aws:kms:${REGION}:123456789012:key/00000000-0000-0000-0000-000000000000`,
            Plaintext: randomBytes(8),
          }),
        ),
      ),
    ).toBeInstanceOf(NotFoundException);
  });
});
