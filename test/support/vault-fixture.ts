// What the Vault-backed tests share: an OIDC issuer and a Vault emulator set up the way a
// security team would (a JWT role bound to the repository, a read policy, a database
// engine for dynamic leases), inputs for the action, and small helpers that never print a
// value (hashes and lengths only).
import { createHash, randomBytes } from 'node:crypto';
import {
  startOidcIssuer,
  type OidcIssuer,
  type OidcIssuerOptions,
} from '../emulators/oidc-issuer.js';
import { startVault, type VaultEmulator, type VaultOptions } from '../emulators/vault.js';
import type { JobResult, StepResult } from './runner.js';

export const VAULT_AUDIENCE = 'https://vault.example.com';
export const VAULT_ROLE = 'ci';

export const sha = (text: string | undefined): string =>
  createHash('sha256')
    .update(text ?? '<undefined>')
    .digest('hex')
    .slice(0, 16);

/** A fixture value that is obviously fake and unique to this run. */
export const fake = (prefix: string, bytes = 12): string =>
  `${prefix}-${randomBytes(bytes).toString('hex')}`;

export interface VaultFixture {
  issuer: OidcIssuer;
  vault: VaultEmulator;
  /** Inputs of the action for this Vault, plus `extra`. */
  inputs(secrets: string, extra?: Record<string, string>): Record<string, string>;
  close(): Promise<void>;
}

export async function startVaultFixture(
  options: { issuer?: OidcIssuerOptions; vault?: Omit<VaultOptions, 'issuer'> } = {},
): Promise<VaultFixture> {
  const issuer = await startOidcIssuer(options.issuer);
  const vault = await startVault({ issuer, ...options.vault });
  vault.addPolicy('ci-read', {
    'secret/data/ci/*': ['read'],
    'kv/*': ['read'],
    'database/creds/*': ['read'],
    'sys/leases/revoke': ['update'],
  });
  vault.addJwtRole(VAULT_ROLE, {
    bound_audiences: [VAULT_AUDIENCE],
    bound_claims: { repository: 'octo-org/octo-repo' },
    user_claim: 'repository',
    token_policies: ['ci-read'],
    token_ttl: 600,
  });
  vault.addDatabaseRole('database', 'readonly', { ttlSeconds: 900 });
  return {
    issuer,
    vault,
    inputs: (secrets, extra = {}) => ({
      'vault-url': vault.url,
      'vault-role': VAULT_ROLE,
      'vault-audience': VAULT_AUDIENCE,
      secrets,
      ...extra,
    }),
    async close() {
      await vault.close();
      await issuer.close();
    },
  };
}

export const errorsOf = (step: StepResult | undefined): string[] =>
  (step?.annotations ?? []).filter((a) => a.level === 'error').map((a) => a.message);

export const warningsOf = (step: StepResult | undefined): string[] =>
  (step?.annotations ?? []).filter((a) => a.level === 'warning').map((a) => a.message);

/** Nothing left behind in Vault once post ran. */
export function expectNothingLive(vault: VaultEmulator): void {
  expect(vault.liveLeases()).toEqual([]);
  expect(vault.liveTokens()).toBe(0);
}

/** A failed main step exported nothing at all. */
export function expectNothingExported(job: JobResult): void {
  expect(job.main.env).toEqual({});
  expect(job.main.outputs).toEqual({});
  expect(job.user).toBeUndefined();
}
