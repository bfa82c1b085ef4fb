// Runs the built CLI (dist/cli.cjs, or $OIDC_SECRETS_CLI) as a child process, as a user would.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const CLI = process.env.OIDC_SECRETS_CLI ?? resolve('dist/cli.cjs');

/** The CLI's compile cache (src/cli/compile-cache.ts) goes here, not into the user's home. */
const COMPILE_CACHE_HOME = mkdtempSync(join(tmpdir(), 'oidc-secrets-test-cache-'));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  /** Environment without the parent's SECRET_* and OIDC_SECRETS_* variables. */
  cleanEnv?: boolean;
}

/**
 * Waits until the CLI's bundles are old enough to be cached: a bundle written in the last two
 * seconds gets no compile cache entry (src/cli/compile-cache.ts), as right after a build.
 */
export async function bundlesSettled(): Promise<void> {
  const dir = join(dirname(CLI), 'cli');
  const newest = Math.max(...readdirSync(dir).map((f) => statSync(join(dir, f)).ctimeMs));
  const wait = 2100 - (Date.now() - newest);
  if (wait > 0) await new Promise((done) => setTimeout(done, wait));
}

export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith('SECRET_') && !name.startsWith('OIDC_SECRETS_'),
    ),
  );
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: { ...base, XDG_CACHE_HOME: COMPILE_CACHE_HOME, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', fail);
    child.on('close', (code, signal) =>
      done({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
    child.stdin.end(options.input ?? '');
  });
}

/** Assertion messages compare hashes, never values. */
export const sha = (text: string | undefined): string =>
  createHash('sha256')
    .update(text ?? '<undefined>')
    .digest('hex')
    .slice(0, 16);

/**
 * Compares command output with what is expected, without printing a secret when the
 * masking under test fails: on a mismatch, every word of 6+ token characters in the
 * actual output that the expected text does not contain is shown as <N chars>.
 */
export function expectOutput(actual: string, expected: string): void {
  if (actual === expected) return;
  const shown = actual.replace(/[A-Za-z0-9+/=_-]{6,}/g, (word) =>
    expected.includes(word) ? word : `<${word.length} chars>`,
  );
  throw new Error(
    `output differs (sha ${sha(actual)}, ${actual.length} chars)\nexpected: ${JSON.stringify(expected)}\nactual:   ${JSON.stringify(shown)}`,
  );
}
