// What the step benchmarks share: the environment the Actions runner gives a JavaScript
// action step, timing of one process from spawn to exit, and the floor to compare with.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from './stats.js';

export function stepEnvironment(
  inputs: Record<string, string>,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), 'oidc-secrets-bench-'));
  const file = (name: string) => {
    const path = join(dir, name);
    writeFileSync(path, '');
    return path;
  };
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REPOSITORY: 'octo-org/octo-repo',
    GITHUB_RUN_ID: '1',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_WORKSPACE: dir,
    RUNNER_TEMP: dir,
    GITHUB_ENV: file('env'),
    GITHUB_OUTPUT: file('output'),
    GITHUB_STATE: file('state'),
    GITHUB_STEP_SUMMARY: file('summary'),
    ...extra,
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  return env;
}

/** Wall time of one node process from spawn to exit; rejects (without values) on failure. */
export function timeProcess(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const elapsed = performance.now() - started;
      if (code === 0) resolvePromise(elapsed);
      else {
        // Only error annotations: the output also holds ::add-mask:: lines with values.
        const errors = output.split('\n').filter((line) => line.startsWith('::error'));
        reject(
          new Error(`${args.join(' ')} exited with ${code}: ${errors.join('\n').slice(0, 800)}`),
        );
      }
    });
  });
}

/** `count` timings after one warm-up run (file cache, the emulators' JWKS caches). */
export async function samples(count: number, once: () => Promise<number>): Promise<number[]> {
  await once();
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(await once());
  return out;
}

/**
 * Medians of several cases measured in turn (one of each per round, after one warm-up
 * round), so that every case sees the same machine load: other processes share the cores,
 * and a case measured alone in a quiet minute would flatter it.
 */
export async function interleavedMedians<K extends string>(
  count: number,
  cases: Record<K, () => Promise<number>>,
): Promise<Record<K, number>> {
  const names = Object.keys(cases) as K[];
  const times = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<
    K,
    number[]
  >;
  for (let round = -1; round < count; round++) {
    for (const name of names) {
      const elapsed = await cases[name]();
      if (round >= 0) times[name].push(elapsed);
    }
  }
  return Object.fromEntries(names.map((name) => [name, median(times[name])])) as Record<K, number>;
}

/** A bare node start-up, `node -e ""`: what the step's own overhead is compared with. */
export function timeNodeStart(): Promise<number> {
  return timeProcess(['-e', ''], { PATH: process.env.PATH });
}

/**
 * Scripts for the floor: `floor` makes three sequential round trips on one keep-alive
 * connection to the URL it is given (OIDC token, login, one parallel round of reads);
 * `secureFloor` the same over one TLS connection; `empty` is node start-up alone.
 */
export function floorScripts(): { floor: string; secureFloor: string; empty: string } {
  const dir = mkdtempSync(join(tmpdir(), 'oidc-secrets-floor-'));
  const floor = join(dir, 'floor.mjs');
  const secureFloor = join(dir, 'secure-floor.mjs');
  const empty = join(dir, 'empty.mjs');
  writeFileSync(
    floor,
    `import http from 'node:http';
const agent = new http.Agent({ keepAlive: true });
const get = (url) => new Promise((ok, fail) => http.get(url, { agent }, (res) => { res.resume(); res.on('end', ok); }).on('error', fail));
for (let i = 0; i < 3; i++) await get(process.argv[2]);
agent.destroy();
`,
  );
  // The same over TLS (one handshake, then the three round trips on that connection), with
  // the server's CA read from the file named by the second argument.
  writeFileSync(
    secureFloor,
    `import https from 'node:https';
import { readFileSync } from 'node:fs';
const agent = new https.Agent({ keepAlive: true, ca: readFileSync(process.argv[3], 'utf8') });
const get = (url) => new Promise((ok, fail) => https.get(url, { agent }, (res) => { res.resume(); res.on('end', ok); }).on('error', fail));
for (let i = 0; i < 3; i++) await get(process.argv[2]);
agent.destroy();
`,
  );
  writeFileSync(empty, '');
  return { floor, secureFloor, empty };
}
