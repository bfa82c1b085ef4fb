// Where `store backup` writes, the same for key-file and keyless stores: a file, or a
// directory to put the store file's name in; never the store itself; an existing file only
// with --force.
import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { StoreError } from './errors.js';

export async function backupTarget(
  destination: string,
  storePath: string,
  force: boolean,
): Promise<string> {
  let target = resolve(destination);
  const info = await stat(target).catch(() => undefined);
  if (info?.isDirectory()) target = join(target, basename(storePath));
  if (target === storePath) {
    throw new StoreError('STORE_EXISTS', `backup ${target} is the store file itself`);
  }
  if (!force && (await stat(target).catch(() => undefined))) {
    throw new StoreError(
      'STORE_EXISTS',
      `backup ${target} already exists: choose another path or pass --force to replace it`,
    );
  }
  return target;
}
