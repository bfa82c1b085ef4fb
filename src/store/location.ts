// Where the store and its key live.
//
// store file: `-f PATH` (or `store-path`), else $OIDC_SECRETS_STORE, else ./secrets.json.enc
// key file:   `--key-file PATH`, else $OIDC_SECRETS_KEY_FILE, else beside the store file,
//             named after it: secrets.json.enc → secrets.key, prod.json.enc → prod.key,
//             other → other.key. Two stores in one directory never share (and never
//             rotate) each other's key.
import { basename, dirname, join, resolve } from 'node:path';

export const DEFAULT_STORE_FILE = 'secrets.json.enc';

export interface StoreLocation {
  storePath: string;
  keyPath: string;
}

export interface LocationChoice {
  file?: string | undefined;
  keyFile?: string | undefined;
  /** Where OIDC_SECRETS_STORE and OIDC_SECRETS_KEY_FILE are read: the front end's environment. */
  env: NodeJS.ProcessEnv;
  cwd?: string;
}

export function resolveStoreLocation(choice: LocationChoice): StoreLocation {
  const env = choice.env;
  const cwd = choice.cwd ?? process.cwd();
  const storePath = resolve(cwd, choice.file || env.OIDC_SECRETS_STORE || DEFAULT_STORE_FILE);
  const keyFile = choice.keyFile || env.OIDC_SECRETS_KEY_FILE;
  return { storePath, keyPath: keyFile ? resolve(cwd, keyFile) : keyPathBeside(storePath) };
}

export function keyPathBeside(storePath: string): string {
  const name = basename(storePath);
  const stem = name.endsWith('.json.enc')
    ? name.slice(0, -'.json.enc'.length)
    : name.endsWith('.enc')
      ? name.slice(0, -'.enc'.length)
      : name;
  return join(dirname(storePath), `${stem || name}.key`);
}

/** The lock, and the new key of a rotation in progress, sit beside the files they protect. */
export function lockPathFor(location: StoreLocation): string {
  return `${location.storePath}.lock`;
}

export function nextKeyPathFor(location: StoreLocation): string {
  return `${location.keyPath}.next`;
}
