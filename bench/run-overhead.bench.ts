// `oidc-secrets run` start-up cost: median wall time of
//   node dist/cli.cjs run -c FILE -- node -e ""
// against `node -e ""` run directly, interleaved in the same session so both see the same
// machine load. FILE resolves local: (the encrypted store), env: and file: lines, so the
// figure includes reading and authenticating the store and compiling the output masker.
// Target: < 50 ms added. The CLI keeps V8's compiled code between runs
// (src/cli/compile-cache.ts); the first run of a build has none, so that case is measured
// too, with the cache turned off.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LocalStore } from '../src/store/store.js';
import { median, ms, printTable } from './stats.js';

const CLI = resolve('dist/cli.cjs');
const RUNS = Number(process.env.BENCH_RUNS ?? 21);
const TARGET_MS = 50;

if (!existsSync(CLI)) {
  console.error(`${CLI} is missing: run npm run build first`);
  process.exit(1);
}

const dir = await mkdtemp(join(tmpdir(), 'bench-run-'));
try {
  const store = new LocalStore({
    storePath: join(dir, 'secrets.json.enc'),
    keyPath: join(dir, 'secrets.key'),
  });
  await store.set([
    ['BOT_TOKEN', `bench_${'a1'.repeat(20)}`],
    ['DB', JSON.stringify({ user: 'bench-user', password: 'bench-password-0123', port: 5432 })],
    ['TLS_KEY', `-----BEGIN KEY-----\n${'QkVOQ0g'.repeat(20)}\n-----END KEY-----\n`],
  ]);
  await writeFile(join(dir, 'token.txt'), `file-secret-${'9'.repeat(24)}\n`);
  const config = join(dir, '.oidc-secrets');
  await writeFile(
    config,
    [
      'BOT_TOKEN: local:BOT_TOKEN',
      'DB_*: local:DB',
      'TLS_KEY: local:TLS_KEY',
      'FROM_ENV: env:BENCH_SECRET',
      `FROM_FILE: file:${join(dir, 'token.txt')}`,
    ].join('\n') + '\n',
  );
  // A clean environment, as a runner or a shell gives one: variables such as this machine's
  // NODE_EXTRA_CA_CERTS (every node start then parses the whole CA bundle, ~30 ms) would
  // be paid twice by `run` (its own process and CMD's) and once by the baseline.
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    XDG_CACHE_HOME: join(dir, 'cache'),
    BENCH_SECRET: `env-secret-${'7'.repeat(24)}`,
  };

  const time = (args: string[], extraEnv: NodeJS.ProcessEnv = {}): number => {
    const started = performance.now();
    const result = spawnSync(process.execPath, args, {
      cwd: dir,
      env: { ...env, ...extraEnv },
      stdio: 'ignore',
    });
    const elapsed = performance.now() - started;
    if (result.status !== 0) throw new Error(`${args.join(' ')} exited with ${result.status}`);
    return elapsed;
  };
  const runArgs = [CLI, 'run', '-c', config, '--', process.execPath, '-e', ''];
  const cases = {
    direct: () => time(['-e', '']),
    version: () => time([CLI, '--version']),
    run: () => time(runArgs),
    uncached: () => time(runArgs, { OIDC_SECRETS_COMPILE_CACHE: '0' }),
  };
  const samples: Record<keyof typeof cases, number[]> = {
    direct: [],
    version: [],
    run: [],
    uncached: [],
  };
  for (const measure of Object.values(cases)) measure(); // warm the file and compile caches
  for (let i = 0; i < RUNS; i++) {
    for (const [name, measure] of Object.entries(cases)) {
      samples[name as keyof typeof cases].push(measure());
    }
  }
  const direct = median(samples.direct);
  const run = median(samples.run);
  const uncached = median(samples.uncached);
  const version = median(samples.version);
  const versus = (value: number) => `+${ms(value - direct)}`;
  printTable([
    ['case', `median of ${RUNS}`, 'vs node -e ""'],
    ['node -e ""', ms(direct), ''],
    ['node dist/cli.cjs --version', ms(version), versus(version)],
    ['node dist/cli.cjs run -c FILE -- node -e ""', ms(run), versus(run)],
    ["  the same, compile cache off (a build's first run)", ms(uncached), versus(uncached)],
  ]);
  const added = run - direct;
  console.log(
    `\nrun overhead: ${ms(added)} added (target < ${TARGET_MS} ms: ${added < TARGET_MS ? 'met' : 'NOT met'}); ` +
      `${ms(uncached - direct)} without the compile cache; ` +
      `of which the CLI's own process start-up (--version) is ${ms(version - direct)} over a bare node, ` +
      `and one node start-up is ${ms(direct)} on this machine`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
