// credential_process (src/github/credentials/process.ts) without the network: the cached
// answer and its contract, when a cached session is too close to its end to hand out, and
// the files it refuses to trust. Keys here are generated per run and never printed.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../../src/github/credentials/process.js';
import { freshCachedSession, writeCache } from '../../../src/github/credentials/process-files.js';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'credential-process-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const session = (expiresInMs: number, now: number) => ({
  accessKeyId: 'ASIA' + randomBytes(8).toString('hex').toUpperCase(),
  secretAccessKey: randomBytes(30).toString('base64'),
  sessionToken: randomBytes(60).toString('base64'),
  expiration: new Date(now + expiresInMs).toISOString(),
});

function settingsFile(cache: string): string {
  const path = join(dir, 'aws-profile-default.json');
  writeFileSync(
    path,
    JSON.stringify({
      version: 1,
      profile: 'default',
      road: {
        roleArn: 'arn:aws:iam::123456789012:role/x',
        chain: [],
        sessionName: 'gha-1-1',
        durationSeconds: 900,
        sessionPolicyArns: [],
        sessionTags: [],
        region: 'eu-west-1',
        // Nothing listens here: a call that went to the network would fail.
        stsBase: 'http://127.0.0.1:9',
        audience: 'sts.amazonaws.com',
      },
      oidc: { requestUrl: 'http://127.0.0.1:9/token', requestToken: 'fake-request-token' },
      http: { timeoutSeconds: 2, retries: 0 },
      cache,
    }),
    { mode: 0o600 },
  );
  return path;
}

function io(now: number) {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: {
      stdout: (t: string) => (out.stdout += t),
      stderr: (t: string) => (out.stderr += t),
      now: () => now,
    },
  };
}

describe('credential_process', () => {
  it('answers from the cache with the AWS CLI contract (Version 1, the keys, Expiration)', async () => {
    const now = Date.now();
    const cache = join(dir, 'cache.json');
    const cached = session(3600_000, now);
    writeCache(cache, cached, now);
    const { out, io: streams } = io(now + 60_000);
    expect(await run([settingsFile(cache)], {}, streams)).toBe(0);
    expect(out.stderr).toBe('');
    const answer = JSON.parse(out.stdout) as Record<string, unknown>;
    expect(Object.keys(answer)).toEqual([
      'Version',
      'AccessKeyId',
      'SecretAccessKey',
      'SessionToken',
      'Expiration',
    ]);
    expect(answer.Version).toBe(1);
    expect(answer.AccessKeyId === cached.accessKeyId).toBe(true);
    expect(answer.Expiration).toBe(cached.expiration);
  });

  it('hands out a session until five minutes before its end, or a third of a short life', () => {
    const now = Date.now();
    const cache = join(dir, 'cache.json');
    writeCache(cache, session(3600_000, now), now);
    expect(freshCachedSession(cache, now + 3600_000 - 301_000)).toBeDefined();
    expect(freshCachedSession(cache, now + 3600_000 - 299_000)).toBeUndefined();
    writeCache(cache, session(3000, now), now);
    expect(freshCachedSession(cache, now + 1500)).toBeDefined();
    expect(freshCachedSession(cache, now + 2100)).toBeUndefined();
  });

  it('mints when the cache is stale, and says why it failed without a credential', async () => {
    const now = Date.now();
    const cache = join(dir, 'cache.json');
    const stale = session(1000, now - 10_000);
    writeCache(cache, stale, now - 10_000);
    const { out, io: streams } = io(now);
    expect(await run([settingsFile(cache)], {}, streams)).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/^oidc-secrets credential_process \(profile default\): /);
    for (const secret of [stale.secretAccessKey, stale.sessionToken, 'fake-request-token'])
      expect(out.stderr.includes(secret)).toBe(false);
  });

  it('refuses settings or a cache that others may read', async () => {
    const now = Date.now();
    const cache = join(dir, 'cache.json');
    writeCache(cache, session(3600_000, now), now);
    chmodSync(cache, 0o644);
    expect(freshCachedSession(cache, now)).toBeUndefined();
    const file = settingsFile(cache);
    chmodSync(file, 0o644);
    const { out, io: streams } = io(now);
    expect(await run([file], {}, streams)).toBe(1);
    expect(out.stderr).toMatch(/readable by others/);
    expect(await run([], {}, streams)).toBe(1);
  });
});
