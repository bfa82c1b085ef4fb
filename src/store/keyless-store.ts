// A keyless store (format-v2.ts): no key file; the data key is unwrapped through one of
// the store's recipients for each command, and every write re-seals under the same data
// key with the same wrapped copies (no key service call on a plain write). Changing the
// recipients is a read-modify-write under the store's lock, like every write:
// - add: the current data key wrapped for the new recipients too;
// - remove / rotate: a NEW data key, wrapped for every remaining recipient, and the
//   secrets re-encrypted under it, so a removed recipient (who may have kept the old data
//   key) cannot read anything written from then on. What it could read before, it may
//   have kept: rotate the secrets themselves for that.
// The file is meant to be committed: it is read whatever its mode (git checks files out
// 0644), and written 0600 like every store file.
import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { StoreError, assertSecretName, errnoCode } from './errors.js';
import { KEY_BYTES, type Secrets } from './format.js';
import {
  type KeylessEnvelope,
  type WrappedKey,
  openKeylessWith,
  parseKeyless,
  sealKeyless,
} from './format-v2.js';
import { type LockOptions, withLock } from './lock.js';
import { type StoreLocation, lockPathFor } from './location.js';
import { ioError, writePrivateFileAtomic } from './private-file.js';
import { parseRecipients, type Recipient } from './recipients/schemes.js';
import type { KeyAccess } from './recipients/types.js';
import { unwrapDataKey, wrapFor } from './recipients/unwrap.js';
import { backupTarget } from './backup-target.js';

const STORE = 'store file';
/** A store is a few KB; anything far larger is not one, and is not read whole. */
const MAX_STORE_BYTES = 64 * 1024 * 1024;

/** The store file's text whatever its mode (undefined when there is none); a regular file only. */
export function readStoreText(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw ioError(`cannot open ${STORE} ${path}`, error);
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) {
      throw new StoreError('STORE_IO', `${STORE} ${path} is not a regular file`, { file: path });
    }
    if (info.size > MAX_STORE_BYTES) {
      throw new StoreError('STORE_FORMAT', `${STORE} ${path} is too large to be a store`, {
        file: path,
      });
    }
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

interface Opened {
  envelope: KeylessEnvelope;
  secrets: Secrets;
  dataKey: Buffer;
  /** The recipient that opened it. */
  openedBy: string;
}

export interface RecipientChange {
  recipients: string[];
  /** True when the data key was replaced (remove, rotate). */
  rotated: boolean;
}

export class KeylessStore {
  readonly location: StoreLocation;

  constructor(
    location: StoreLocation,
    private readonly access: KeyAccess,
    private readonly lockOptions: LockOptions = {},
  ) {
    this.location = { storePath: resolve(location.storePath), keyPath: resolve(location.keyPath) };
  }

  /**
   * A new keyless store for `recipients`, holding `secrets` (empty, or a version-1 store's
   * secrets being migrated). Refuses to replace a store unless `replace` says it may (the
   * caller holds the lock and has read what it replaces).
   */
  static async create(
    location: StoreLocation,
    recipients: readonly string[],
    access: KeyAccess,
    options: { secrets?: Secrets; replace?: boolean; lockOptions?: LockOptions } = {},
  ): Promise<KeylessStore> {
    const parsed = parseRecipients(recipients, '--recipient');
    if (parsed.length === 0) {
      throw new StoreError('STORE_RECIPIENT', 'a keyless store needs at least one --recipient');
    }
    const store = new KeylessStore(location, access, options.lockOptions);
    await withLock(
      lockPathFor(store.location),
      async () => {
        if (!options.replace && readStoreText(store.location.storePath) !== undefined) {
          throw new StoreError(
            'STORE_EXISTS',
            `a store file exists at ${store.location.storePath} already: use \`store recipients add\` to change its recipients, or \`store migrate\` for a key-file store`,
            { file: store.location.storePath },
          );
        }
        const dataKey = randomBytes(KEY_BYTES);
        try {
          const wrapped = await wrapFor(parsed, dataKey, access);
          await store.write(options.secrets ?? new Map(), dataKey, wrapped);
        } finally {
          dataKey.fill(0);
        }
      },
      store.lockOptions,
    );
    return store;
  }

  /** The recipients in the header, without opening the store. */
  async recipients(): Promise<string[]> {
    return this.envelope().recipients.map((r) => r.recipient);
  }

  async readAll(): Promise<Secrets> {
    const opened = await this.open();
    opened.dataKey.fill(0);
    return opened.secrets;
  }

  async get(name: string): Promise<string | undefined> {
    assertSecretName(name);
    return (await this.readAll()).get(name);
  }

  async names(): Promise<string[]> {
    return [...(await this.readAll()).keys()].sort();
  }

  async exists(): Promise<boolean> {
    return (await stat(this.location.storePath).catch(() => undefined)) !== undefined;
  }

  async set(
    entries: Iterable<readonly [string, string]>,
  ): Promise<{ createdStore: boolean; createdKey: boolean }> {
    const changes = [...entries];
    for (const [name, value] of changes) {
      assertSecretName(name);
      if (value.length === 0) {
        throw new StoreError('STORE_VALUE', `the value for ${name} is empty: nothing to store`);
      }
    }
    await this.update(async (opened) => {
      for (const [name, value] of changes) opened.secrets.set(name, value);
      await this.write(opened.secrets, opened.dataKey, opened.envelope.recipients);
    });
    return { createdStore: false, createdKey: false };
  }

  async delete(name: string): Promise<boolean> {
    assertSecretName(name);
    return this.update(async (opened) => {
      if (!opened.secrets.delete(name)) return false;
      await this.write(opened.secrets, opened.dataKey, opened.envelope.recipients);
      return true;
    });
  }

  /** Wraps the current data key for more recipients. */
  async addRecipients(texts: readonly string[]): Promise<RecipientChange> {
    const added = parseRecipients(texts, '--recipient');
    return this.update(async (opened) => {
      const have = new Set(opened.envelope.recipients.map((r) => r.recipient));
      const already = added.filter((r) => have.has(r.text));
      if (already.length) {
        throw new StoreError(
          'STORE_RECIPIENT',
          `${already.map((r) => r.text).join(', ')} ${already.length === 1 ? 'is a recipient' : 'are recipients'} of ${this.location.storePath} already`,
        );
      }
      const wrapped = await wrapFor(added, opened.dataKey, this.access);
      const recipients = [...opened.envelope.recipients, ...wrapped];
      await this.write(opened.secrets, opened.dataKey, recipients);
      return { recipients: recipients.map((r) => r.recipient), rotated: false };
    });
  }

  /** Drops recipients, then rotates the data key for those that remain. */
  async removeRecipients(texts: readonly string[]): Promise<RecipientChange> {
    return this.update(async (opened) => {
      const current = opened.envelope.recipients.map((r) => r.recipient);
      const missing = texts.filter((t) => !current.includes(t));
      if (missing.length) {
        throw new StoreError(
          'STORE_RECIPIENT',
          `not a recipient of ${this.location.storePath}: ${missing.join(', ')} (its recipients: ${current.join(', ')})`,
        );
      }
      const remaining = current.filter((r) => !texts.includes(r));
      if (remaining.length === 0) {
        throw new StoreError(
          'STORE_RECIPIENT',
          `removing ${texts.join(', ')} would leave ${this.location.storePath} with no recipient: add another first`,
        );
      }
      return this.rewrap(opened, parseRecipients(remaining, 'recipient'));
    });
  }

  /** A new data key for the same recipients (what `store rotate-key` does here). */
  async rotateKey(): Promise<RecipientChange> {
    return this.update(async (opened) =>
      this.rewrap(
        opened,
        parseRecipients(
          opened.envelope.recipients.map((r) => r.recipient),
          'recipient',
        ),
      ),
    );
  }

  async backup(destination: string, options: { force?: boolean } = {}): Promise<string> {
    const target = await backupTarget(destination, this.location.storePath, options.force === true);
    await withLock(
      lockPathFor(this.location),
      async () => {
        // Parsed (not opened: that would need a key service) so a damaged file is not
        // copied without saying so.
        this.envelope();
        const text = readStoreText(this.location.storePath) ?? '';
        await writePrivateFileAtomic(target, text, 'backup file');
      },
      this.lockOptions,
    );
    return target;
  }

  private async rewrap(opened: Opened, recipients: Recipient[]): Promise<RecipientChange> {
    const dataKey = randomBytes(KEY_BYTES);
    try {
      const wrapped = await wrapFor(recipients, dataKey, this.access);
      await this.write(opened.secrets, dataKey, wrapped);
    } finally {
      dataKey.fill(0);
    }
    return { recipients: recipients.map((r) => r.text), rotated: true };
  }

  private envelope(): KeylessEnvelope {
    const text = readStoreText(this.location.storePath);
    if (text === undefined) throw this.notFound();
    return parseKeyless(text, this.location.storePath);
  }

  private async open(): Promise<Opened> {
    const envelope = this.envelope();
    const { dataKey, recipient } = await unwrapDataKey(
      envelope,
      this.location.storePath,
      this.access,
    );
    const secrets = openKeylessWith(envelope, dataKey, this.location.storePath, recipient);
    return { envelope, secrets, dataKey, openedBy: recipient };
  }

  private async update<T>(change: (opened: Opened) => Promise<T>): Promise<T> {
    return withLock(
      lockPathFor(this.location),
      async () => {
        const opened = await this.open();
        try {
          return await change(opened);
        } finally {
          opened.dataKey.fill(0);
        }
      },
      this.lockOptions,
    );
  }

  private async write(
    secrets: Secrets,
    dataKey: Buffer,
    recipients: readonly WrappedKey[],
  ): Promise<void> {
    await writePrivateFileAtomic(
      this.location.storePath,
      sealKeyless(secrets, dataKey, recipients),
      STORE,
    );
  }

  private notFound(): StoreError {
    return new StoreError(
      'STORE_NOT_FOUND',
      `no store file at ${this.location.storePath}: create a keyless one with \`oidc-secrets store init --recipient R\``,
      { file: this.location.storePath },
    );
  }
}

/** Opens a keyless store's text once (the action: one read for every `local:` line). */
export async function openKeylessText(
  text: string,
  storePath: string,
  access: KeyAccess,
): Promise<{ secrets: Secrets; openedBy: string; recipients: string[] }> {
  const envelope = parseKeyless(text, storePath);
  const { dataKey, recipient } = await unwrapDataKey(envelope, storePath, access);
  try {
    const secrets = openKeylessWith(envelope, dataKey, storePath, recipient);
    return {
      secrets,
      openedBy: recipient,
      recipients: envelope.recipients.map((r) => r.recipient),
    };
  } finally {
    dataKey.fill(0);
  }
}
