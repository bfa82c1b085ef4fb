// The age identities a person gives the CLI for keyless stores: `--identity FILE` (any
// number), else $OIDC_SECRETS_AGE_IDENTITY — the identity itself (AGE-SECRET-KEY-1…) or the
// path of an identity file. The identity text is masked like any credential when the CLI
// runs on a runner; it never enters a message.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadBundle } from './compile-cache.js';
import type { AgePackage } from '../store/recipients/types.js';
import { StoreError, errnoCode } from '../store/errors.js';
import { parseAgeIdentities } from '../store/recipients/age.js';

export const AGE_HINT = 'give one with --identity FILE or OIDC_SECRETS_AGE_IDENTITY';

/**
 * The age implementation, from its own bundle beside the command's (dist/cli/age.cjs, built
 * from src/entries/cli-age.ts), through the same compile cache as the commands: `run` and
 * `store` on a key-file store never load its ~240 KB. Bundled code only (like dispatch.ts).
 */
export function loadAge(): Promise<AgePackage> {
  const bundle = loadBundle(join(__dirname, 'age.cjs'));
  process.once('exit', bundle.save);
  return Promise.resolve(bundle.exports as AgePackage);
}

export function readAgeIdentities(
  files: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd = process.cwd(),
): string[] {
  if (files.length > 0) return files.flatMap((file) => identitiesInFile(resolve(cwd, file)));
  const given = env.OIDC_SECRETS_AGE_IDENTITY?.trim();
  if (!given) return [];
  if (given.startsWith('AGE-SECRET-KEY-')) {
    return parseAgeIdentities(given, 'OIDC_SECRETS_AGE_IDENTITY');
  }
  return identitiesInFile(resolve(cwd, given), 'OIDC_SECRETS_AGE_IDENTITY names');
}

function identitiesInFile(path: string, what = 'age identity file'): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new StoreError(
      'STORE_IO',
      `${what} ${path} cannot be read: ${errnoCode(error) ?? 'error'}`,
      { file: path },
    );
  }
  return parseAgeIdentities(text, `age identity file ${path}`);
}
