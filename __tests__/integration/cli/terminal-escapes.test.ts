// The CLI's terminal output shows data as text (issue 11): a lock file written by someone
// else, a store path, a name — none of it may carry an escape sequence to the terminal
// (recolour, clear, retitle, move the cursor) or, in a CI step, a workflow command.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli-process.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-escapes-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** C0 controls but tab and line feed, DEL, C1 controls (CSI is U+009B), bidi overrides. */
const TERMINAL_CONTROL = /(?![\t\n])[\p{Cc}\u202a-\u202e\u2066-\u2069]/u;

describe('terminal output', () => {
  it('a lock holder full of escape sequences is shown as text', async () => {
    expect((await runCli(['store', 'set', 'A', '-'], { cwd: dir, input: 'value-a\n' })).code).toBe(
      0,
    );
    // A live-looking lock held by "another host" whose name is a terminal attack.
    const host =
      '\u001b]0;pwned-title\u0007\u001b[2J\u001b[31mevil\u009b1m\u202eosoh\r::error::pwned';
    await writeFile(
      join(dir, 'secrets.json.enc.lock'),
      JSON.stringify({ pid: process.pid, host, created: Date.now(), nonce: 'n' }),
    );
    const result = await runCli(['store', 'set', 'B', '-'], { cwd: dir, input: 'value-b\n' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/the store is locked by process \d+ on /);
    expect(result.stderr).toContain('pwned-title');
    expect(result.stderr).not.toMatch(TERMINAL_CONTROL);
    expect(result.stderr.split('\n').some((line) => line.trimStart().startsWith('::'))).toBe(false);
  }, 30_000);
});
