// The Vault emulator's transit engine (test/emulators/vault-transit.ts) over plain HTTP, as
// Vault's API reference describes it (Vault has no official JavaScript client; its HTTP API
// docs are the pin, as for the rest of the Vault emulator): POST /v1/transit/encrypt/:name
// {"plaintext": base64} → {"data": {"ciphertext": "vault:v1:…", "key_version": 1}};
// POST /v1/transit/decrypt/:name {"ciphertext"} → {"data": {"plaintext": base64}}; errors
// {"errors": […]}; ACL policies checked first (403 "1 error occurred:\n\t* permission denied").
import { randomBytes } from 'node:crypto';
import { startVault, type VaultEmulator } from '../../../test/emulators/vault.js';

let vault: VaultEmulator;
let token = '';

beforeAll(async () => {
  vault = await startVault();
  vault.addTransitKey('transit', 'ci-store');
  vault.addTransitKey('transit', 'other');
  vault.addPolicy('store', {
    'transit/encrypt/ci-store': ['update'],
    'transit/decrypt/ci-store': ['update'],
  });
  token = vault.issueToken({ policies: ['store'] });
});
afterAll(() => vault.close());

interface TransitAnswer {
  data: { ciphertext: string; key_version: number; plaintext: string };
  errors?: string[];
}

async function post(path: string, body: unknown, as = token) {
  const response = await fetch(`${vault.url}/v1/${path}`, {
    method: 'POST',
    headers: { 'x-vault-token': as, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as TransitAnswer };
}

describe('Vault transit (emulator)', () => {
  it('encrypts to vault:v1: and decrypts back', async () => {
    const plaintext = randomBytes(32).toString('base64');
    const encrypted = await post('transit/encrypt/ci-store', { plaintext });
    expect(encrypted.status).toBe(200);
    expect(encrypted.json.data.ciphertext).toMatch(/^vault:v1:[A-Za-z0-9+/]+=*$/);
    expect(encrypted.json.data.key_version).toBe(1);
    const decrypted = await post('transit/decrypt/ci-store', {
      ciphertext: encrypted.json.data.ciphertext,
    });
    expect(decrypted.status).toBe(200);
    expect(decrypted.json.data.plaintext === plaintext).toBe(true);
  });

  it('refuses a key the token policy does not name, and a changed ciphertext', async () => {
    const denied = await post('transit/decrypt/other', { ciphertext: 'vault:v1:AAAA' });
    expect(denied.status).toBe(403);
    expect(denied.json.errors).toEqual(['1 error occurred:\n\t* permission denied\n\n']);
    const { json } = await post('transit/encrypt/ci-store', { plaintext: 'aGVsbG8=' });
    const sealed = Buffer.from(json.data.ciphertext.slice('vault:v1:'.length), 'base64');
    sealed[sealed.length - 1]! ^= 1;
    const changed = await post('transit/decrypt/ci-store', {
      ciphertext: `vault:v1:${sealed.toString('base64')}`,
    });
    expect(changed.status).toBe(400);
    expect(changed.json.errors).toEqual(['cipher: message authentication failed']);
  });
});
