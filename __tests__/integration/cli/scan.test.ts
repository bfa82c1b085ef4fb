// `oidc-secrets scan` is the pre-check engine's own command (src/cli/scan-command.ts): these only
// check that the CLI dispatches to it, with its exit codes.
import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, runCli } from './cli-process.js';

let dir: string;
beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-scan-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** An AWS access key id shape, random so that no rule allowlists it as an example. */
const fakeAwsKeyId = (): string =>
  'AKIA' +
  Array.from({ length: 16 }, () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[randomInt(32)]).join('');

describe('oidc-secrets scan', () => {
  it('has --help', async () => {
    const result = await runCli(['scan', '--help'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: oidc-secrets scan /);
    expect((await runCli(['help', 'scan'], { cwd: dir })).stdout).toMatch(
      /^Usage: oidc-secrets scan /,
    );
  });

  it('exits 0 on a clean tree and 1 when it finds a credential, showing it redacted', async () => {
    await writeFile(join(dir, 'app.js'), 'console.log("hello");\n');
    const clean = await runCli(['scan'], { cwd: dir });
    expect(clean.code).toBe(0);
    const key = fakeAwsKeyId();
    await writeFile(join(dir, 'config.js'), `const accessKeyId = "${key}";\n`);
    const found = await runCli(['scan', '.'], { cwd: dir });
    expect(found.code).toBe(1);
    expect(found.stdout.includes(key)).toBe(false);
    expect(found.stdout).toContain('config.js');
  });

  it('exits 2 when the scan cannot run', async () => {
    const result = await runCli(['scan', '--base', 'HEAD~1'], { cwd: dir });
    expect(result.code).toBe(2);
  });
});
