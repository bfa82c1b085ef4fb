// `oidc-secrets store get NAME` on a keyless store opened through an age recipient, against
// the same command on a key-file store holding the same secrets: median wall time of the
// built CLI, the two interleaved in one session so both see the same machine load. The
// difference is the age unwrap (X25519 and ChaCha20-Poly1305 in JavaScript, the
// age-encryption package loaded on first use) on top of the same AES-GCM open.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { HttpClient } from '../src/net/http.js';
import { KeylessStore } from '../src/store/keyless-store.js';
import { keyAccessFromPeers } from '../src/store/recipients/access.js';
import { LocalStore } from '../src/store/store.js';
import { median, ms, printTable } from './stats.js';

const CLI = resolve('dist/cli.cjs');
const RUNS = Number(process.env.BENCH_RUNS ?? 21);

if (!existsSync(CLI)) {
  console.error(`${CLI} is missing: run npm run build first`);
  process.exit(1);
}

const secrets: Array<[string, string]> = [
  ['BOT_TOKEN', `bench_${'a1'.repeat(20)}`],
  ['DB', JSON.stringify({ user: 'bench-user', password: 'bench-password-0123', port: 5432 })],
  ['TLS_KEY', `-----BEGIN KEY-----\n${'QkVOQ0g'.repeat(20)}\n-----END KEY-----\n`],
];

const dir = await mkdtemp(join(tmpdir(), 'bench-keyless-'));
const http = new HttpClient({
  timeoutMs: 1000,
  retries: 0,
  maxSockets: 1,
  userAgent: 'b',
  env: {},
});
try {
  const keyFileDir = join(dir, 'key-file');
  const keylessDir = join(dir, 'keyless');
  for (const d of [keyFileDir, keylessDir]) spawnSync('mkdir', ['-p', d]);
  await new LocalStore({
    storePath: join(keyFileDir, 'secrets.json.enc'),
    keyPath: join(keyFileDir, 'secrets.key'),
  }).set(secrets);

  const identity = await generateX25519Identity();
  const identityFile = join(dir, 'me.txt');
  await writeFile(identityFile, `${identity}\n`, { mode: 0o600 });
  // Two more people, as a team's store has: the unwrap tries the identity on each copy.
  const team = await Promise.all([1, 2].map(() => generateX25519Identity()));
  const recipients = await Promise.all(
    [identity, ...team].map(async (i) => `age:${await identityToRecipient(i)}`),
  );
  const location = {
    storePath: join(keylessDir, 'secrets.json.enc'),
    keyPath: join(keylessDir, 'secrets.key'),
  };
  const access = keyAccessFromPeers({
    http,
    peers: undefined,
    admit: () => undefined,
    ageIdentities: [identity],
    agePackage: () => import('age-encryption'),
  });
  await KeylessStore.create(location, recipients, access);
  await new KeylessStore(location, access).set(secrets);

  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    XDG_CACHE_HOME: join(dir, 'cache'),
  };
  const time = (cwd: string, extra: NodeJS.ProcessEnv): number => {
    const started = performance.now();
    const result = spawnSync(process.execPath, [CLI, 'store', 'get', 'BOT_TOKEN'], {
      cwd,
      env: { ...env, ...extra },
      encoding: 'utf8',
    });
    const elapsed = performance.now() - started;
    if (result.status !== 0) throw new Error(`store get failed: ${result.stderr}`);
    return elapsed;
  };

  // Warm the compile cache of the store bundle, then interleave.
  time(keyFileDir, {});
  time(keylessDir, { OIDC_SECRETS_AGE_IDENTITY: identityFile });
  const keyFile: number[] = [];
  const keyless: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    keyFile.push(time(keyFileDir, {}));
    keyless.push(time(keylessDir, { OIDC_SECRETS_AGE_IDENTITY: identityFile }));
  }
  const base = median(keyFile);
  const age = median(keyless);
  printTable([
    ['store get BOT_TOKEN', 'median', 'ratio'],
    ['key-file store (format 1)', ms(base), '1.00'],
    ['keyless store, age recipient (1 of 3)', ms(age), (age / base).toFixed(2)],
  ]);
  console.log(`(${RUNS} interleaved runs each; the keyless store adds ${ms(age - base)})`);
} finally {
  http.close();
  await rm(dir, { recursive: true, force: true });
}
