// What the step benchmarks share: the environment the Actions runner gives a JavaScript
// action step, timing of one process from spawn to exit, and the floor to compare with.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
 * Scripts for the floor: `floor` makes three sequential round trips on one keep-alive
 * connection to the URL it is given (OIDC token, login, one parallel round of reads);
 * `empty` is node start-up alone.
 */
export function floorScripts(): { floor: string; empty: string } {
  const dir = mkdtempSync(join(tmpdir(), 'oidc-secrets-floor-'));
  const floor = join(dir, 'floor.mjs');
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
  writeFileSync(empty, '');
  return { floor, empty };
}
