// The Vault emulator's lifetimes, driven by our own renewal client (src/providers/
// vault-renew.ts) on the emulator's clock: a renewal is capped at the max TTL counted from
// issue (with Vault's warning), an expired lease is "lease not found", an expired token is
// refused with Vault's 403, and revoked leases die with their token.
import { afterEach, expect, it } from '@jest/globals';
import { createHttpClient } from '../../../src/core/context.js';
import { MaskGate } from '../../../src/core/mask.js';
import { vaultRenewals } from '../../../src/providers/vault-renew.js';
import {
  INVALID_TOKEN_ERROR,
  startVault,
  type VaultEmulator,
} from '../../../test/emulators/vault.js';

let vault: VaultEmulator | undefined;
afterEach(async () => {
  await vault?.close();
});

const http = () =>
  createHttpClient(
    {
      concurrency: 4,
      retries: 0,
      timeoutSeconds: 5,
      caCertificate: undefined,
      requireOidc: true,
      allowUntrustedEvents: false,
      revoke: true,
    },
    new MaskGate({ add: () => undefined }, () => undefined),
    {},
  );

it('caps renewals at the max TTL, then refuses the expired lease and token as Vault does', async () => {
  let clock = 1_000_000;
  vault = await startVault({ now: () => clock });
  vault.addDatabaseRole('database', 'ro', { ttlSeconds: 10, maxTtlSeconds: 15 });
  vault.addPolicy('db', { 'database/creds/*': ['read'] });
  const token = vault.issueToken({ policies: ['db'], ttlSeconds: 10 });
  const read = await fetch(`${vault.url}/v1/database/creds/ro`, {
    headers: { 'x-vault-token': token },
  });
  const lease = (await read.json()) as {
    lease_id: string;
    lease_duration: number;
    renewable: boolean;
  };
  expect(lease).toMatchObject({ lease_duration: 10, renewable: true });

  const client = http();
  try {
    const items = vaultRenewals(
      { url: vault.url, role: '', authPath: 'jwt', namespace: '', audience: '' },
      client,
      {
        token,
        tokenLabel: 'test',
        tokenTtlSeconds: 10,
        tokenRenewable: true,
        tokenIssuedAt: clock,
        leases: [{ id: lease.lease_id, ttlSeconds: 10, renewable: true, issuedAt: clock }],
      },
      () => clock,
    );
    const [tokenItem, leaseItem] = items;
    clock += 5_000;
    await expect(tokenItem?.renew()).resolves.toEqual({ ttlSeconds: 10, atMaximum: false });
    await expect(leaseItem?.renew()).resolves.toEqual({ ttlSeconds: 10, atMaximum: false });
    // 8 s later the lease's max (15 s from issue) leaves 2 s: granted, and known as final.
    clock += 8_000;
    await expect(leaseItem?.renew()).resolves.toEqual({ ttlSeconds: 2, atMaximum: true });
    const renewed = await fetch(`${vault.url}/v1/sys/leases/renew`, {
      method: 'PUT',
      headers: { 'x-vault-token': token },
      body: JSON.stringify({ lease_id: lease.lease_id, increment: 10 }),
    });
    const body = (await renewed.json()) as { lease_duration: number; warnings: string[] };
    expect(body.lease_duration).toBe(2);
    expect(body.warnings[0]).toMatch(
      /exceeded the effective max_ttl .*TTL value is capped accordingly/,
    );
    await expect(tokenItem?.renew()).resolves.toEqual({ ttlSeconds: 10, atMaximum: false });
    clock += 3_000;
    await expect(leaseItem?.renew()).rejects.toThrow('HTTP 400: lease not found');
    // The token (renewed at +13 s for 10 s) expired at +23 s: Vault's invalid-token 403.
    clock += 8_000;
    await expect(tokenItem?.renew()).rejects.toThrow(
      'HTTP 403: 2 errors occurred: * permission denied * invalid token',
    );
    const lookup = await fetch(`${vault.url}/v1/auth/token/lookup-self`, {
      headers: { 'x-vault-token': token },
    });
    expect(lookup.status).toBe(403);
    expect(((await lookup.json()) as { errors: string[] }).errors).toEqual([INVALID_TOKEN_ERROR]);
  } finally {
    client.close();
  }
});
