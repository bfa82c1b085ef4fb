// The reporters of both front ends tell errors by type: a project error (OidcSecretsError,
// whatever its code) is reported by its message; a foreign error — a SyntaxError from
// JSON.parse, a Node argument error, both quoting their input — only by its class name.
// The workflow lint is replaced by one that throws, so the error reaches the scan action's
// and the scan command's own reporters from inside a real run.
import { jest } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let lintFailure: () => never = () => {
  throw new Error('set by each test');
};
jest.unstable_mockModule('../../../src/scan/lint/workflow-lint.js', () => ({
  lintWorkflows: () => lintFailure(),
  lintWorkflowText: () => ({ findings: [] }),
}));

const { OidcSecretsError } = await import('../../../src/core/errors.js');
const { FileCommandError } = await import('../../../src/github/commands.js');
const { StoreError } = await import('../../../src/store/errors.js');
const { reportError } = await import('../../../src/cli/report.js');
const { run: runScanAction } = await import('../../../src/github/scan.js');
const { runScanCommand } = await import('../../../src/cli/scan-command.js');

/** A value that stands for a secret: made at test time, never printed. */
const fake = `fake-${Math.random().toString(36).slice(2)}-value`;

function syntaxErrorQuoting(text: string): unknown {
  try {
    JSON.parse(`{"token": "${text}`);
  } catch (error) {
    return error;
  }
  throw new Error('JSON.parse accepted broken text');
}

function argumentErrorQuoting(text: string): unknown {
  try {
    readFileSync(join(tmpdir(), 'x'), { encoding: text as BufferEncoding });
  } catch (error) {
    return error;
  }
  throw new Error('readFileSync accepted the encoding');
}

/** What a function writes to stdout and stderr (not shown: the checks are booleans). */
async function captured(action: () => unknown): Promise<{ out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err += String(chunk);
    return true;
  });
  try {
    await action();
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
  return { out, err };
}

let workspace: string;
const saved = { cwd: process.cwd(), env: { ...process.env } };
beforeAll(() => {
  workspace = mkdtempSync(join(tmpdir(), 'reporters-'));
  writeFileSync(join(workspace, 'README.md'), '# nothing to find\n');
});
afterAll(() => rmSync(workspace, { recursive: true, force: true }));
beforeEach(() => {
  for (const name of Object.keys(process.env))
    if (name.startsWith('INPUT_') || name.startsWith('GITHUB_') || name === 'GITLEAKS_CONFIG')
      delete process.env[name];
});
afterEach(() => {
  process.chdir(saved.cwd);
  process.env = { ...saved.env };
});

/** The scan action in tree mode over a one-file workspace; its stdout (annotations). */
async function scanAction(): Promise<{ code: number; out: string }> {
  const env = { GITHUB_WORKSPACE: workspace };
  process.env.INPUT_MODE = 'tree';
  let code = -1;
  const { out } = await captured(async () => {
    code = await runScanAction(env);
  });
  return { code, out };
}

/** `oidc-secrets scan` in the workspace; its stderr. */
async function scanCommand(): Promise<{ code: number; err: string }> {
  process.chdir(workspace);
  let code = -1;
  const { err } = await captured(async () => {
    code = await runScanCommand([]);
  });
  return { code, err };
}

describe('the scan action', () => {
  it('reports a project error by its message, whatever its code', async () => {
    const message = 'GITHUB_OUTPUT is not set: is this running on a GitHub runner?';
    lintFailure = () => {
      throw new FileCommandError(message);
    };
    const { code, out } = await scanAction();
    expect(code).toBe(1);
    expect(out).toContain(`::error title=oidc-secrets scan::${message}`);
    expect(out).not.toContain('unexpected failure');
  });

  it('reduces a foreign error to its class name', async () => {
    const error = syntaxErrorQuoting(fake);
    lintFailure = () => {
      throw error;
    };
    const { code, out } = await scanAction();
    // The leak check first: a failing `toContain` would print what was written.
    expect(out.includes(fake)).toBe(false);
    expect(code).toBe(1);
    expect(out).toContain('::error title=oidc-secrets scan::unexpected failure: SyntaxError');
  });
});

describe('the scan command', () => {
  it('reports a project error by its message, whatever its code', async () => {
    const message = 'the store is locked by another process';
    lintFailure = () => {
      throw new StoreError('STORE_LOCKED', message);
    };
    const { code, err } = await scanCommand();
    expect(code).toBe(2);
    expect(err).toBe(`oidc-secrets scan: ${message}\n`);
  });

  it('reduces a foreign error to its class name', async () => {
    for (const error of [syntaxErrorQuoting(fake), argumentErrorQuoting(fake)]) {
      lintFailure = () => {
        throw error;
      };
      const { code, err } = await scanCommand();
      expect(err.includes(fake)).toBe(false);
      expect(code).toBe(2);
      expect(err).toMatch(/^oidc-secrets scan: unexpected failure: (SyntaxError|TypeError);/);
    }
  });
});

describe('the CLI reporter (store and run)', () => {
  it('reports a project error by its message', async () => {
    const { err } = await captured(() =>
      reportError(new OidcSecretsError('INTERRUPTED', 'interrupted')),
    );
    expect(err).toBe('oidc-secrets: error: interrupted\n');
  });

  it('reports a system error by its message, which names the path', async () => {
    let enoent: unknown;
    try {
      readFileSync(join(workspace, 'no-such-file'));
    } catch (error) {
      enoent = error;
    }
    const { err } = await captured(() => reportError(enoent));
    expect(err).toContain('oidc-secrets: error: ENOENT');
    expect(err).toContain('no-such-file');
  });

  it('reduces a foreign error, even one with a code, to its class name', async () => {
    // Node's own argument error comes from another realm under jest; the first one is made
    // here, as the CLI's bundle would see it (an Error with a string code).
    const inRealm = Object.assign(new TypeError(`The argument is invalid. Received '${fake}'`), {
      code: 'ERR_INVALID_ARG_VALUE',
    });
    for (const [error, kind] of [
      [inRealm, 'TypeError'],
      [syntaxErrorQuoting(fake), 'SyntaxError'],
      [argumentErrorQuoting(fake), 'TypeError'],
    ] as const) {
      const { err } = await captured(() => reportError(error));
      expect(err.includes(fake)).toBe(false);
      expect(err).toContain(`oidc-secrets: unexpected internal error (${kind})`);
    }
  });
});
