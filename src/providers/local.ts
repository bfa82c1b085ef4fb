// `local:NAME` — a secret of the encrypted store of SPEC §3, the same file the CLI's
// `store` commands write.
//
// The front end resolves where the store and its key are (the action: `store-path` from
// the workspace, default $OIDC_SECRETS_STORE or secrets.json.enc; `store-key` either the
// key itself — 44 base64 characters or 64 hex digits, typically `${{ secrets.STORE_KEY }}`
// — or the path of a key file; empty means the key file beside the store). Key text is
// registered with the mask gate before use, like any credential.
import { SecretNotFoundError } from '../core/not-found.js';
import { labelled, named, type LocalSettings } from '../core/settings.js';
import { StoreError } from '../store/errors.js';
import type { Secrets } from '../store/format.js';
import { parseKey } from '../store/key.js';
import { LocalStore, readStoreWithKey } from '../store/store.js';
import { KEYLESS_VERSION } from '../store/format.js';
import { declaredVersion, parseKeyless } from '../store/format-v2.js';
import { openKeylessText, readStoreText } from '../store/keyless-store.js';
import { keyAccessFromPeers } from '../store/recipients/access.js';
import type { ProviderDeps, ProviderModule, SecretProvider } from './types.js';

function createLocalProvider(store: LocalSettings, context: ProviderDeps): SecretProvider {
  let secrets: Promise<Secrets> | undefined;

  // The whole store is one file: read and authenticate it once for every local: line.
  const load = (): Promise<Secrets> => {
    secrets ??= (async () => {
      try {
        const keyless = await openKeyless();
        if (keyless) return keyless;
        if (store.keyText) {
          context.admitCredential(store.keyText.trim(), 'the store key');
          return await readStoreWithKey(
            store.storePath,
            parseKey(store.keyText, labelled('local.storeKey')),
          );
        }
        return await new LocalStore({
          storePath: store.storePath,
          keyPath: store.keyPath,
        }).readAll();
      } catch (error) {
        throw fromStore(error);
      }
    })();
    return secrets;
  };

  /**
   * A keyless store (SPEC §3.1) opens through its recipients: a cloud recipient through its
   * provider's login in this same step (shared with that provider's own lines), so no
   * store key is needed. Undefined for a key-file store.
   */
  const openKeyless = async (): Promise<Secrets | undefined> => {
    const text = readStoreText(store.storePath);
    if (text === undefined || declaredVersion(text) !== KEYLESS_VERSION) return undefined;
    if (store.keyText) {
      context.admitCredential(store.keyText.trim(), 'the store key');
      const cloud = parseKeyless(text, store.storePath).recipients.some(
        (r) => !r.recipient.startsWith('age:'),
      );
      if (store.requireOidc && cloud) {
        const say = context.log.notice ?? context.log.info;
        say(
          `local store: ${store.storePath} is a keyless store: it opens through its recipients with this job's OIDC login, so ${named('local.storeKey')} is not used. Remove it, and delete the repository secret it comes from.`,
        );
      }
    }
    const opened = await openKeylessText(
      text,
      store.storePath,
      keyAccessFromPeers({
        http: context.http,
        peers: context.peers,
        admit: context.admitCredential,
        ageIdentities: store.ageIdentities,
        ageHint: store.ageHint,
        agePackage: store.agePackage,
      }),
    );
    context.log.debug(
      `local store: opened ${store.storePath} through recipient ${opened.openedBy}`,
    );
    return opened.secrets;
  };

  return {
    name: 'local',
    async login() {
      await load();
    },
    async read(location) {
      const value = (await load()).get(location.locator);
      if (value === undefined) {
        throw new SecretNotFoundError(
          `local:${location.locator}: no secret of that name in the store ${store.storePath} (add it with \`oidc-secrets store set ${location.locator}\`)`,
        );
      }
      return { value };
    },
  };
}

export const localProvider: ProviderModule<LocalSettings> = {
  check: () => [],
  create: createLocalProvider,
};

/**
 * Store errors name files and key ids only, so their messages and codes carry over as they
 * are: said to be the store's, with the inputs that choose it when it was not found.
 */
function fromStore(error: unknown): unknown {
  if (!(error instanceof StoreError)) return error;
  const hint =
    error.code === 'STORE_NOT_FOUND' || error.code === 'STORE_KEY_NOT_FOUND'
      ? ` (${named('local.storePath')} and ${named('local.storeKey')})`
      : '';
  return new StoreError(error.code, `local store: ${error.message}${hint}`, {
    file: error.file,
    cause: error,
  });
}
