import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MaskGate } from '../../../src/core/mask.js';
import { runActionPipeline } from '../../../test/support/pipeline.js';
import { LocalStore } from '../../../src/store/store.js';

const sha = (text: string | undefined): string =>
  createHash('sha256')
    .update(text ?? '<undefined>')
    .digest('hex')
    .slice(0, 16);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'local-provider-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs `secrets` through the real road with the given store inputs; returns name → value. */
async function resolve(secrets: string, inputs: Record<string, string>) {
  const masks: string[] = [];
  const gate = new MaskGate({ add: (v) => masks.push(v) }, () => {});
  const run = await runActionPipeline(secrets, inputs, { GITHUB_WORKSPACE: dir }, gate);
  const codes = run.errors.map((e) => e.code);
  if (run.errors.length) return { errors: run.messages, codes, masks, values: new Map() };
  return { errors: [], codes, masks, values: new Map(run.secrets.map((s) => [s.name, s.value])) };
}

describe('local: provider', () => {
  const token = `tok_${'9f'.repeat(16)}`;
  const json = JSON.stringify({ user: 'svc-user', password: 'pw-0123456789' });

  beforeEach(async () => {
    const store = new LocalStore({
      storePath: join(dir, 'secrets.json.enc'),
      keyPath: join(dir, 'secrets.key'),
    });
    await store.set([
      ['BOT_TOKEN', token],
      ['DB', json],
    ]);
  });

  it('reads the store with the key file beside it (relative to GITHUB_WORKSPACE)', async () => {
    const { values, masks, errors } = await resolve(
      'BOT: local:BOT_TOKEN\nDB_*: local:DB\nPASS: local:DB#password',
      { 'store-path': 'secrets.json.enc' },
    );
    expect(errors).toEqual([]);
    expect(sha(values.get('BOT'))).toBe(sha(token));
    expect(sha(values.get('DB_USER'))).toBe(sha('svc-user'));
    expect(sha(values.get('PASS'))).toBe(sha('pw-0123456789'));
    expect(masks.map(sha)).toEqual(
      expect.arrayContaining([token, 'svc-user', 'pw-0123456789'].map(sha)),
    );
  });

  it('takes the key as text in store-key, and masks it', async () => {
    const keyText = (await readFile(join(dir, 'secrets.key'), 'utf8')).trim();
    const { values, masks, errors } = await resolve('BOT: local:BOT_TOKEN', {
      'store-path': join(dir, 'secrets.json.enc'),
      'store-key': keyText,
    });
    expect(errors).toEqual([]);
    expect(sha(values.get('BOT'))).toBe(sha(token));
    expect(masks.map(sha)).toContain(sha(keyText));
  });

  it('takes a key file path in store-key', async () => {
    const { values } = await resolve('BOT: local:BOT_TOKEN', {
      'store-path': 'secrets.json.enc',
      'store-key': join(dir, 'secrets.key'),
    });
    expect(sha(values.get('BOT'))).toBe(sha(token));
  });

  it('names the line, the store and what is wrong', async () => {
    const missing = await resolve('X: local:NOPE', { 'store-path': 'secrets.json.enc' });
    expect(missing.errors).toEqual([
      `secrets line 1: local:NOPE: no secret of that name in the store ${join(dir, 'secrets.json.enc')} (add it with \`oidc-secrets store set NOPE\`)`,
    ]);
    const wrongKey = await resolve('X: local:BOT_TOKEN', {
      'store-path': 'secrets.json.enc',
      'store-key': Buffer.alloc(32, 7).toString('base64'),
    });
    expect(wrongKey.errors[0]).toMatch(
      /^secrets line 1: local store: store file .* failed authentication: it was modified or the key is wrong/,
    );
    await chmod(join(dir, 'secrets.key'), 0o644);
    const open = await resolve('X: local:BOT_TOKEN', { 'store-path': 'secrets.json.enc' });
    expect(open.errors[0]).toContain('run chmod 600');
    const none = await resolve('X: local:BOT_TOKEN', { 'store-path': 'other.json.enc' });
    expect(none.errors[0]).toContain(`no store file at ${join(dir, 'other.json.enc')}`);
    // Worded by the action: the provider names the settings local.storePath and local.storeKey.
    expect(none.errors[0]).toContain('(the store-path input and the store-key input)');
  });

  it("keeps the store's own error code (no translation table)", async () => {
    const wrongKey = await resolve('X: local:BOT_TOKEN', {
      'store-path': 'secrets.json.enc',
      'store-key': Buffer.alloc(32, 7).toString('base64'),
    });
    expect(wrongKey.codes).toEqual(['STORE_AUTH']);
    const none = await resolve('A: local:NOPE\nB: local:BOT_TOKEN', {
      'store-path': 'other.json.enc',
    });
    expect(none.codes).toEqual(['STORE_NOT_FOUND']);
    await chmod(join(dir, 'secrets.key'), 0o644);
    const open = await resolve('X: local:BOT_TOKEN', { 'store-path': 'secrets.json.enc' });
    expect(open.codes).toEqual(['STORE_PERMISSIONS']);
  });
});
