// What the keep-alive tests share: a Vault whose tokens and leases live seconds, the steps of
// a job run one by one (main, a later step, post) sharing what a job shares, and helpers that
// read the keep-alive's sealed record and state without printing a value.
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openState } from '../../../src/core/ledger.js';
import type { KeepAliveRecord, KeepAliveState } from '../../../src/github/keep-alive/state.js';
import { SecretMasker } from '../../../test/support/runner.js';
import { startVaultFixture, type VaultFixture } from '../../../test/support/vault-fixture.js';

export const SHORT_ROLE = 'short';

/** A Vault whose `short` role's tokens live `ttl` s and whose `database/creds/short` leases too. */
export async function startShortLivedVault(
  ttl: number,
  maxTtl = 600,
  options: Parameters<typeof startVaultFixture>[0] = {},
): Promise<VaultFixture> {
  const f = await startVaultFixture(options);
  f.vault.addJwtRole(SHORT_ROLE, {
    bound_audiences: ['https://vault.example.com'],
    bound_claims: { repository: 'octo-org/octo-repo' },
    user_claim: 'repository',
    token_policies: ['ci-read'],
    token_ttl: ttl,
    token_max_ttl: maxTtl,
  });
  f.vault.addDatabaseRole('database', 'short', { ttlSeconds: ttl, maxTtlSeconds: maxTtl });
  return f;
}

export interface JobDirs {
  workspace: string;
  runnerTemp: string;
  masker: SecretMasker;
  close(): void;
}

export function jobDirs(): JobDirs {
  const workspace = mkdtempSync(join(tmpdir(), 'ka-ws-'));
  const runnerTemp = mkdtempSync(join(tmpdir(), 'ka-rt-'));
  return {
    workspace,
    runnerTemp,
    masker: new SecretMasker(),
    close() {
      rmSync(workspace, { recursive: true, force: true });
      rmSync(runnerTemp, { recursive: true, force: true });
    },
  };
}

/** A sealed state value main saved, opened with its saved key. */
export function opened(state: Record<string, string>, name: string): string | undefined {
  const key = state.seal_key;
  return key ? openState(Buffer.from(key, 'base64'), name, state[name]) : undefined;
}

/** The Vault token main recorded (what `vault: env` exports as VAULT_TOKEN). */
export function vaultToken(state: Record<string, string>): string {
  for (const name of Object.keys(state).filter((n) => n.startsWith('ledger_'))) {
    const entry = JSON.parse(opened(state, name) ?? '{}') as {
      provider?: string;
      kind?: string;
      data?: { token?: string };
    };
    if (entry.provider === 'vault' && entry.kind === 'token' && entry.data?.token)
      return entry.data.token;
  }
  throw new Error('no Vault token in the saved state');
}

export function keepAliveRecord(state: Record<string, string>): KeepAliveRecord {
  const text = opened(state, 'keep_alive');
  if (!text) throw new Error('main saved no keep-alive record');
  return JSON.parse(text) as KeepAliveRecord;
}

export function readKeepAliveState(dir: string): KeepAliveState {
  return JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as KeepAliveState;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check` holds, up to `ms`; returns whether it did. */
export async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += 50) {
    if (check()) return true;
    await sleep(50);
  }
  return check();
}
