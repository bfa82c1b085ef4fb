// The keyless store (format 2) with age recipients, which need no network: any one
// recipient opens it, remove rotates the data key, the header is authenticated, a
// version-1 store migrates, and no message holds key material.
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpClient } from '../../../src/net/http.js';
import { StoreError } from '../../../src/store/errors.js';
import { keyId } from '../../../src/store/format.js';
import { parseKeyless } from '../../../src/store/format-v2.js';
import { KeylessStore, readStoreText } from '../../../src/store/keyless-store.js';
import type { StoreLocation } from '../../../src/store/location.js';
import { keyAccessFromPeers } from '../../../src/store/recipients/access.js';
import { parseRecipient } from '../../../src/store/recipients/schemes.js';
import type { KeyAccess } from '../../../src/store/recipients/types.js';
import { LocalStore } from '../../../src/store/store.js';

let dir: string;
let location: StoreLocation;
const http = new HttpClient({
  timeoutMs: 1000,
  retries: 0,
  maxSockets: 1,
  userAgent: 't',
  env: {},
});
afterAll(() => http.close());

const admitted: string[] = [];
function access(identities: string[]): KeyAccess {
  return keyAccessFromPeers({
    http,
    peers: undefined,
    admit: (value) => admitted.push(value),
    ageIdentities: identities,
    ageHint: 'give one with --identity FILE',
    agePackage: () => import('age-encryption'),
  });
}

async function person(): Promise<{ identity: string; recipient: string }> {
  const identity = await generateX25519Identity();
  return { identity, recipient: `age:${await identityToRecipient(identity)}` };
}

async function failure(promise: Promise<unknown>): Promise<StoreError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof StoreError) return error;
    throw error;
  }
  throw new Error('expected a StoreError');
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyless-test-'));
  location = { storePath: join(dir, 'secrets.json.enc'), keyPath: join(dir, 'secrets.key') };
  admitted.length = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const value = () => `v-${Math.random().toString(36).slice(2)}-${Date.now()}`;

describe('KeylessStore with age recipients', () => {
  it('any one recipient opens it; no key file is written', async () => {
    const alice = await person();
    const bob = await person();
    await KeylessStore.create(location, [alice.recipient, bob.recipient], access([]));
    const secret = value();
    await new KeylessStore(location, access([alice.identity])).set([['API_KEY', secret]]);
    expect(await new KeylessStore(location, access([bob.identity])).get('API_KEY')).toBe(secret);
    expect(await new KeylessStore(location, access([alice.identity])).get('API_KEY')).toBe(secret);
    await expect(readFile(location.keyPath)).rejects.toThrow();
    const text = readStoreText(location.storePath) ?? '';
    expect(text).not.toContain(secret);
    expect(parseKeyless(text, location.storePath).recipients.map((r) => r.recipient)).toEqual([
      alice.recipient,
      bob.recipient,
    ]);
  });

  it('a removed recipient cannot read later writes: remove rotates the data key', async () => {
    const alice = await person();
    const bob = await person();
    await KeylessStore.create(location, [alice.recipient, bob.recipient], access([]));
    const asAlice = new KeylessStore(location, access([alice.identity]));
    await asAlice.set([['OLD', value()]]);
    const before = parseKeyless(readStoreText(location.storePath) ?? '', location.storePath);
    // Bob could have kept the data key of the version he could read.
    const bobsCopy = await bobUnwraps(bob.identity, before);

    const change = await asAlice.removeRecipients([bob.recipient]);
    expect(change).toEqual({ recipients: [alice.recipient], rotated: true });
    const later = value();
    await asAlice.set([['LATER', later]]);

    const after = parseKeyless(readStoreText(location.storePath) ?? '', location.storePath);
    expect(after.kid).not.toBe(before.kid);
    expect(keyId(bobsCopy)).toBe(before.kid);
    // The data key is never written in clear, in any encoding.
    const written = readStoreText(location.storePath) ?? '';
    for (const encoding of ['base64', 'hex', 'base64url'] as const) {
      expect(written.includes(bobsCopy.toString(encoding))).toBe(false);
    }
    const error = await failure(new KeylessStore(location, access([bob.identity])).readAll());
    expect(error.code).toBe('STORE_UNWRAP');
    expect(error.message).toContain(alice.recipient);
    expect(error.message).not.toContain(bob.identity);
    // The old data key opens nothing new.
    const { openKeylessWith } = await import('../../../src/store/format-v2.js');
    expect(() => openKeylessWith(after, bobsCopy, location.storePath, bob.recipient)).toThrow(
      StoreError,
    );
  });

  it('add wraps the same data key for a new recipient', async () => {
    const alice = await person();
    const carol = await person();
    await KeylessStore.create(location, [alice.recipient], access([]));
    const secret = value();
    const asAlice = new KeylessStore(location, access([alice.identity]));
    await asAlice.set([['K', secret]]);
    const kid = parseKeyless(readStoreText(location.storePath) ?? '', location.storePath).kid;
    expect(await asAlice.addRecipients([carol.recipient])).toEqual({
      recipients: [alice.recipient, carol.recipient],
      rotated: false,
    });
    expect(parseKeyless(readStoreText(location.storePath) ?? '', location.storePath).kid).toBe(kid);
    expect(await new KeylessStore(location, access([carol.identity])).get('K')).toBe(secret);
    const again = await failure(asAlice.addRecipients([carol.recipient]));
    expect(again.code).toBe('STORE_RECIPIENT');
  });

  it('refuses to remove the last recipient', async () => {
    const alice = await person();
    await KeylessStore.create(location, [alice.recipient], access([]));
    const error = await failure(
      new KeylessStore(location, access([alice.identity])).removeRecipients([alice.recipient]),
    );
    expect(error.code).toBe('STORE_RECIPIENT');
  });

  describe('the header is authenticated', () => {
    async function tampered(change: (file: Record<string, unknown>) => void): Promise<StoreError> {
      const alice = await person();
      const mallory = await person();
      await KeylessStore.create(location, [alice.recipient, mallory.recipient], access([]));
      await new KeylessStore(location, access([alice.identity])).set([['K', value()]]);
      const file = JSON.parse(await readFile(location.storePath, 'utf8')) as Record<
        string,
        unknown
      >;
      change(file);
      await writeFile(location.storePath, JSON.stringify(file) + '\n', { mode: 0o600 });
      return failure(new KeylessStore(location, access([alice.identity])).readAll());
    }
    const recipientsOf = (file: Record<string, unknown>) =>
      file.recipients as Array<{ recipient: string; wrapped: string }>;

    it('a recipient dropped from the list', async () => {
      const error = await tampered((file) => {
        file.recipients = recipientsOf(file).slice(0, 1);
      });
      expect(error.code).toBe('STORE_AUTH');
    });

    it('the recipients reordered', async () => {
      const error = await tampered((file) => {
        file.recipients = [...recipientsOf(file)].reverse();
      });
      expect(error.code).toBe('STORE_AUTH');
    });

    it("a recipient's name changed", async () => {
      const other = await person();
      const error = await tampered((file) => {
        recipientsOf(file)[1]!.recipient = other.recipient;
      });
      expect(error.code).toBe('STORE_AUTH');
    });

    it("another recipient's wrapped key changed", async () => {
      const error = await tampered((file) => {
        const entry = recipientsOf(file)[1]!;
        const bytes = Buffer.from(entry.wrapped, 'base64');
        bytes[bytes.length - 1]! ^= 1;
        entry.wrapped = bytes.toString('base64');
      });
      expect(error.code).toBe('STORE_AUTH');
    });

    it('an extra field', async () => {
      const error = await tampered((file) => {
        file.extra = 1;
      });
      expect(error.code).toBe('STORE_FORMAT');
    });
  });

  it('migrates a version-1 store; the old key no longer opens it', async () => {
    const alice = await person();
    const secret = value();
    const old = new LocalStore(location);
    await old.set([['DB_PASSWORD', secret]]);
    const secrets = await old.readAll();
    await KeylessStore.create(location, [alice.recipient], access([]), { secrets, replace: true });
    expect(await new KeylessStore(location, access([alice.identity])).get('DB_PASSWORD')).toBe(
      secret,
    );
    const error = await failure(new LocalStore(location).readAll());
    expect(error.code).toBe('STORE_FORMAT');
    expect(error.message).toMatch(/keyless store/);
  });

  it('says which recipients exist when none available here opens it, never key material', async () => {
    const alice = await person();
    await KeylessStore.create(location, [alice.recipient], access([]));
    const error = await failure(new KeylessStore(location, access([])).readAll());
    expect(error.code).toBe('STORE_UNWRAP');
    expect(error.message).toContain(alice.recipient);
    expect(error.message).toContain('--identity FILE');
    const file = parseKeyless(readStoreText(location.storePath) ?? '', location.storePath);
    expect(error.message).not.toContain(file.recipients[0]!.wrapped.toString('base64'));
  });

  it('a store file that exists is not replaced by init', async () => {
    const alice = await person();
    await KeylessStore.create(location, [alice.recipient], access([]));
    expect((await failure(KeylessStore.create(location, [alice.recipient], access([])))).code).toBe(
      'STORE_EXISTS',
    );
  });
});

describe('recipients', () => {
  it('an unknown scheme is named with the known ones', () => {
    expect(() => parseRecipient('aws-ksm:arn:aws:kms:us-east-1:1:key/x', '--recipient')).toThrow(
      /unknown scheme aws-ksm:; expected one of aws-kms:, gcp-kms:, azure-kv:, vault-transit:, age:/,
    );
  });

  it('a malformed locator says what is expected without quoting it', () => {
    const typed = 'aws-kms:AKIAEXAMPLEEXAMPLE';
    try {
      parseRecipient(typed, '--recipient');
      throw new Error('expected an error');
    } catch (error) {
      expect((error as Error).message).toMatch(/aws-kms:arn:aws:kms:REGION:ACCOUNT:key\/KEY_ID/);
      expect((error as Error).message).not.toContain('AKIAEXAMPLE');
    }
  });

  it('an age secret key typed as a recipient is never quoted', async () => {
    const identity = await generateX25519Identity();
    for (const typed of [identity, `age:${identity}`]) {
      try {
        parseRecipient(typed, '--recipient');
        throw new Error('expected an error');
      } catch (error) {
        expect(error).toBeInstanceOf(StoreError);
        expect((error as Error).message).not.toContain(identity.slice(15));
      }
    }
  });

  it('accepts each scheme', () => {
    for (const text of [
      'aws-kms:arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      'gcp-kms:projects/my-proj/locations/global/keyRings/ci/cryptoKeys/store',
      'azure-kv:my-vault/keys/ci-store',
      'vault-transit:transit/keys/ci-store',
    ]) {
      expect(parseRecipient(text, '--recipient').text).toBe(text);
    }
  });
});

async function bobUnwraps(
  identity: string,
  envelope: ReturnType<typeof parseKeyless>,
): Promise<Buffer> {
  const { Decrypter } = await import('age-encryption');
  for (const entry of envelope.recipients) {
    const decrypter = new Decrypter();
    decrypter.addIdentity(identity);
    try {
      return Buffer.from(await decrypter.decrypt(new Uint8Array(entry.wrapped)));
    } catch {
      // not his copy
    }
  }
  throw new Error('bob opens no copy');
}
