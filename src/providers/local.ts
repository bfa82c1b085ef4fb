// `local:NAME` — a secret of the encrypted store of SPEC §3, the same file the CLI's
// `store` commands write.
//
// Inputs: `store-path` is the store file (relative paths from GITHUB_WORKSPACE; default
// $OIDC_SECRETS_STORE or secrets.json.enc). `store-key` is either the key itself (44
// base64 characters or 64 hex digits, typically `${{ secrets.STORE_KEY }}`) or the path of
// a key file; empty means the key file beside the store (secrets.json.enc → secrets.key).
// Key text is registered with the mask gate before use, like any credential.
import { ActionError } from '../core/errors.js';
import { StoreError } from '../store/errors.js';
import type { Secrets } from '../store/format.js';
import { isKeyText, parseKey } from '../store/key.js';
import { resolveStoreLocation } from '../store/location.js';
import { LocalStore, readStoreWithKey } from '../store/store.js';
import type { ProviderFactory } from './types.js';

export const createLocalProvider: ProviderFactory = (context) => {
  const base = context.env.GITHUB_WORKSPACE ?? process.cwd();
  const { path, key } = context.config.store;
  let secrets: Promise<Secrets> | undefined;

  // The whole store is one file: read and authenticate it once for every local: line.
  const load = (): Promise<Secrets> => {
    secrets ??= (async () => {
      try {
        if (key && isKeyText(key)) {
          context.admitCredential(key.trim(), 'the store key (store-key)');
          const location = resolveStoreLocation({ file: path, env: context.env, cwd: base });
          return await readStoreWithKey(location.storePath, parseKey(key, 'store-key'));
        }
        const location = resolveStoreLocation({
          file: path,
          keyFile: key,
          env: context.env,
          cwd: base,
        });
        return await new LocalStore(location).readAll();
      } catch (error) {
        throw fromStore(error);
      }
    })();
    return secrets;
  };

  return {
    name: 'local',
    async login() {
      await load();
    },
    async read(location) {
      const value = (await load()).get(location.locator);
      if (value === undefined) {
        const file = resolveStoreLocation({ file: path, env: context.env, cwd: base }).storePath;
        throw new ActionError(
          'SECRET_NOT_FOUND',
          `local:${location.locator}: no secret of that name in the store ${file} (add it with \`oidc-secrets store set ${location.locator}\`)`,
        );
      }
      return { value };
    },
  };
};

/**
 * Store errors name files and key ids only, so their messages and codes carry over as they
 * are: said to be the store's, with the inputs that choose it when it was not found.
 */
function fromStore(error: unknown): unknown {
  if (!(error instanceof StoreError)) return error;
  const hint =
    error.code === 'STORE_NOT_FOUND' || error.code === 'STORE_KEY_NOT_FOUND'
      ? ' (inputs store-path and store-key)'
      : '';
  return new StoreError(error.code, `local store: ${error.message}${hint}`, {
    file: error.file,
    cause: error,
  });
}
