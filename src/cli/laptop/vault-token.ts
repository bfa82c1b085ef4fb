// The person's Vault token, where the vault CLI keeps it: VAULT_TOKEN, else the file the
// default token helper writes on `vault login` (~/.vault-token).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ActionError } from '../../core/errors.js';
import type { VaultPersonal } from '../../core/personal.js';

export async function findVaultToken(
  env: NodeJS.ProcessEnv,
  home: string,
): Promise<VaultPersonal | undefined> {
  const fromEnv = (env.VAULT_TOKEN ?? '').trim();
  if (fromEnv) return { token: fromEnv, source: 'VAULT_TOKEN' };
  if (!home) return undefined;
  let text: string;
  try {
    text = await readFile(join(home, '.vault-token'), 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT') return undefined;
    throw new ActionError('INPUT_INVALID', `cannot read ~/.vault-token (${code ?? 'error'})`);
  }
  const token = text.trim();
  return token ? { token, source: '~/.vault-token' } : undefined;
}
