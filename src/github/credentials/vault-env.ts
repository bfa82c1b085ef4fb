// `vault: env` (SPEC §1.7): the variables the vault CLI and most Vault clients read. The
// token is the step's own (masked at login, revoked by post); the CA, when ca-certificate
// is set, goes to a 0600 file because VAULT_CACERT names a file. Beside them, the record by
// which a later oidc-secrets step of this job recognises the exported token as this job's
// own under require-oidc (src/core/job-vault-token.ts).
import { join } from 'node:path';
import { ActionError } from '../../core/errors.js';
import { VAULT_TOKEN_RECORD, vaultTokenRecord } from '../../core/job-vault-token.js';
import type { Settings } from '../../core/settings.js';
import { writePrivateFile } from './private-dir.js';

export function vaultVariables(
  settings: Settings,
  token: string | undefined,
  dir: string | undefined,
  env: NodeJS.ProcessEnv,
): Array<[string, string]> {
  const vault = settings.providers.vault;
  if (!token)
    throw new ActionError('AUTH_FAILED', 'credentials: vault: env has no Vault token to export');
  const variables: Array<[string, string]> = [
    ['VAULT_ADDR', vault.url],
    ['VAULT_TOKEN', token],
  ];
  if (vault.namespace) variables.push(['VAULT_NAMESPACE', vault.namespace]);
  if (dir) writePrivateFile(join(dir, VAULT_TOKEN_RECORD), vaultTokenRecord(token, env));
  const ca = settings.pipeline.caCertificate;
  if (ca && dir) {
    const caFile = join(dir, 'vault-ca.pem');
    writePrivateFile(caFile, ca);
    variables.push(['VAULT_CACERT', caFile]);
  }
  return variables;
}
