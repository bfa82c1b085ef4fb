// The one writer (src/github/commands.ts) and what shares its escaping (summary cells, the
// CLI's terminal text): no text given to it comes out as a command, a second line, markup
// or a terminal escape — checked with the test runner's parser, which follows actions/runner.
import { jest } from '@jest/globals';
import { terminalText } from '../../../src/cli/report.js';
import { openState, readLedger, sealState, Ledger } from '../../../src/core/ledger.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  addMask,
  annotate,
  codeCell,
  fileCommand,
  FileCommandBatch,
  info,
  logLine,
  tableCell,
} from '../../../src/github/commands.js';
import { runnerState } from '../../../src/github/state.js';
import { parseWorkflowCommand } from '../../../test/support/runner.js';

/** Splits output as the runner's .NET reader does: at LF, CR or CRLF. */
const runnerLines = (text: string) => text.split(/\r\n|\r|\n/).filter((l) => l !== '');

const HOSTILE = [
  '::set-env name=X::y',
  '  ::add-mask::pwned',
  '\u2028::error::pwned',
  '\u3000\u00a0::warning::pwned',
  'text ##[add-mask]pwned',
  '::ADD-MASK::pwned',
  'a\n::error::pwned',
  'a\r::add-mask::pwned',
  'a\r\n##[warning]pwned',
  '%0A::warning::pwned',
  'a\u0085::notice::pwned',
  '\u200b::add-mask::pwned',
  '\u001b[31mred\u001b[0m \u009b2J \u202eevil',
];

function captureStdout(write: () => void): string {
  let out = '';
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    out += String(chunk);
    return true;
  });
  try {
    write();
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe('plain log lines', () => {
  it.each(HOSTILE)('%j is one line and no command', (text) => {
    const out = captureStdout(() => info(`oidc-secrets: ${text}`));
    const lines = runnerLines(out);
    expect(lines).toHaveLength(1);
    expect(parseWorkflowCommand(lines[0]!)).toBeUndefined();
    const bare = runnerLines(captureStdout(() => info(text)));
    expect(bare).toHaveLength(1);
    expect(parseWorkflowCommand(bare[0]!)).toBeUndefined();
  });

  it('shows controls and separators as escapes, keeps ordinary text as it is', () => {
    expect(logLine('a\nb\rc\u2028d\u001be')).toBe('a\\nb\\rc\\u2028d\\u001be');
    expect(logLine('::x::y')).toBe('%3A:x::y');
    expect(logLine('see ##[x]')).toBe('see ##%5Bx]');
    expect(logLine('revoked: vault lease database/creds/readonly/abc (ok) 100%')).toBe(
      'revoked: vault lease database/creds/readonly/abc (ok) 100%',
    );
  });
});

describe('annotations', () => {
  it.each(HOSTILE)('%j stays inside one annotation', (text) => {
    const out = captureStdout(() =>
      annotate('warning', `oops: ${text}`, { file: text, title: text }),
    );
    const lines = runnerLines(out);
    expect(lines).toHaveLength(1);
    const parsed = parseWorkflowCommand(lines[0]!);
    expect(parsed?.command).toBe('warning');
    expect(parsed?.properties.file).toBe(text);
    expect(parsed?.properties.title).toBe(text);
    expect(parsed?.data.startsWith('oops: ')).toBe(true);
  });
});

describe('job summary cells', () => {
  const nasty = 'a|b\nc\r\n<img src=x onerror=alert(1)>&amp;`code`\u2028![i](https://x/y.png)';
  it('a table cell is one cell of text: no HTML, no image, no line break', () => {
    const cell = tableCell(nasty);
    expect(cell).not.toMatch(/[\r\n\u2028]/);
    expect(cell).not.toMatch(/<|>/);
    expect(cell).not.toMatch(/(^|[^\\])\|/);
    expect(cell).not.toMatch(/(^|[^\\])\[/);
    expect(cell).toContain('&lt;img');
    expect(cell).toContain('&amp;amp;');
  });

  it('a code span holds any backticks and pipes', () => {
    expect(codeCell('plain')).toBe('`plain`');
    expect(codeCell('a`b')).toBe('``a`b``');
    expect(codeCell('`x`')).toBe('`` `x` ``');
    const cell = codeCell(nasty);
    expect(cell).not.toMatch(/[\r\n]/);
    expect(cell).not.toMatch(/(^|[^\\])\|/);
  });
});

describe('CLI terminal text', () => {
  it('escapes ESC, CSI, other controls and bidi overrides; keeps line feeds and tabs', () => {
    const text = terminalText(
      'holder \u001b]0;title\u0007 \u001b[2J\u009b1m \u202eevil\tok\nnext\rover',
    );
    expect(text).not.toMatch(/(?![\t\n])[\p{Cc}\u202e]/u);
    expect(text).toBe(
      'holder \\u001b]0;title\\u0007 \\u001b[2J\\u009b1m \\u202eevil\tok\nnext\\rover',
    );
  });
});

describe('the sealed ledger', () => {
  function mainRun(): Record<string, string> {
    const state: Record<string, string> = {};
    const ledger = new Ledger((name, value) => {
      state[name] = value;
    });
    ledger.saveKey();
    ledger.record({ provider: 'vault', kind: 'token', label: 'token a', data: { token: 'x' } });
    ledger.record({ provider: 'files', kind: 'dir', label: '/tmp/d', data: { path: '/tmp/d' } });
    return state;
  }
  const env = (state: Record<string, string>, planted: Record<string, string> = {}) =>
    runnerState({
      ...planted,
      ...Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v])),
    });

  it('post reads back what main sealed', () => {
    const saved = readLedger(env(mainRun()));
    expect(saved.pending.map((e) => e.label)).toEqual(['token a', '/tmp/d']);
    expect(saved.rejected).toBe(0);
  });

  it('ignores planted entries, a planted key, and planted revoked marks', () => {
    const state = mainRun();
    const forged = JSON.stringify({
      provider: 'files',
      kind: 'dir',
      label: 'x',
      data: { path: '/' },
    });
    const saved = readLedger(
      env(state, {
        STATE_seal_key: Buffer.alloc(32).toString('base64'), // replaced by main's own
        STATE_ledger_00003: forged,
        STATE_ledger_00004: `${'A'.repeat(43)}.${forged}`,
        STATE_revoked_00001: 'true',
      }),
    );
    expect(saved.pending.map((e) => e.label)).toEqual(['token a', '/tmp/d']);
    expect(saved.revokedByMain).toEqual([]);
    expect(saved.rejected).toBe(3);
  });

  it('a seal is bound to its state name', () => {
    const key = Buffer.alloc(32, 7);
    const sealed = sealState(key, 'ledger_00001', 'v');
    expect(openState(key, 'ledger_00001', sealed)).toBe('v');
    expect(openState(key, 'ledger_00002', sealed)).toBeUndefined();
    expect(openState(Buffer.alloc(32, 8), 'ledger_00001', sealed)).toBeUndefined();
  });
});

describe('the job summary table', () => {
  it('shows a location full of markup and pipes as text in its code span', async () => {
    const { planSecrets } = await import('../../../src/core/plan/plan.js');
    const { summaryMarkdown } = await import('../../../src/github/summary.js');
    const plan = planSecrets('APP: file:a`|<img src=x>|b.txt\n');
    const markdown = summaryMarkdown({
      plan,
      records: [],
      secrets: [],
      masked: 0,
      exportModes: ['env'],
      failed: true,
    });
    const row = markdown.split('\n').find((line) => line.startsWith('| APP |'));
    expect(row).toBeDefined();
    // Five cells: no pipe in the location ends its cell, and the code span holds the backtick.
    expect(row!.split(/(?<!\\)\|/).length - 2).toBe(5);
    expect(row).toContain('``a`\\|<img src=x>\\|b.txt``');
  });
});

describe('file commands gathered in a batch', () => {
  it('reach the file only at flush, as one append per file, each value in its own block', () => {
    const dir = mkdtempSync(join(tmpdir(), 'batch-'));
    const envFile = join(dir, 'env');
    const outputFile = join(dir, 'output');
    writeFileSync(envFile, 'EARLIER=1\n');
    writeFileSync(outputFile, '');
    const saved = { env: process.env.GITHUB_ENV, output: process.env.GITHUB_OUTPUT };
    process.env.GITHUB_ENV = envFile;
    process.env.GITHUB_OUTPUT = outputFile;
    try {
      const batch = new FileCommandBatch();
      batch.add('GITHUB_ENV', 'A', 'first\nsecond');
      batch.add('GITHUB_OUTPUT', 'B', 'b-value');
      batch.add('GITHUB_ENV', 'C', 'c-value');
      // Nothing before flush: an error in between leaves later steps nothing half-written.
      expect(readFileSync(envFile, 'utf8')).toBe('EARLIER=1\n');
      expect(readFileSync(outputFile, 'utf8')).toBe('');
      batch.flush();
      const blocks = (text: string) =>
        [...text.matchAll(/^(\w+)<<(ghadelimiter_[\w-]+)\n([\s\S]*?)\n\2\n/gm)].map((m) => [
          m[1],
          m[3],
        ]);
      expect(blocks(readFileSync(envFile, 'utf8'))).toEqual([
        ['A', 'first\nsecond'],
        ['C', 'c-value'],
      ]);
      expect(readFileSync(envFile, 'utf8').startsWith('EARLIER=1\n')).toBe(true);
      expect(blocks(readFileSync(outputFile, 'utf8'))).toEqual([['B', 'b-value']]);
      // A second flush writes nothing again.
      batch.flush();
      expect(blocks(readFileSync(envFile, 'utf8'))).toHaveLength(2);
      // A file command the runner did not give is refused when the value is added.
      delete process.env.GITHUB_OUTPUT;
      expect(() => batch.add('GITHUB_OUTPUT', 'D', 'd')).toThrow(/GITHUB_OUTPUT is not set/);
    } finally {
      for (const [name, value] of [
        ['GITHUB_ENV', saved.env],
        ['GITHUB_OUTPUT', saved.output],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('mask lines', () => {
  const capture = () => {
    const writes: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      writes.push(String(chunk));
      return true;
    });
    return { writes, restore: () => spy.mockRestore() };
  };

  it('are gathered within an event-loop turn and written together at its end', async () => {
    const out = capture();
    try {
      for (let i = 0; i < 50; i++) addMask(`fake-value-${i}-not-a-secret`);
      expect(out.writes).toEqual([]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(out.writes).toHaveLength(1);
      const lines = runnerLines(out.writes[0]!);
      expect(lines).toHaveLength(50);
      expect(lines.map((line) => parseWorkflowCommand(line)?.command)).toEqual(
        Array(50).fill('add-mask'),
      );
    } finally {
      out.restore();
    }
  });

  it('always precede what this process writes next: a log line, an annotation, a file command', () => {
    const dir = mkdtempSync(join(tmpdir(), 'masks-first-'));
    const saved = process.env.GITHUB_ENV;
    process.env.GITHUB_ENV = join(dir, 'env');
    const out = capture();
    try {
      addMask('fake-first-not-a-secret');
      info('a line after it');
      addMask('fake-second-not-a-secret');
      annotate('warning', 'an annotation after it');
      addMask('fake-third-not-a-secret');
      expect(out.writes.join('')).not.toContain('fake-third');
      // A file command reaches later steps: the masks for it are written before it is.
      fileCommand('GITHUB_ENV', 'THIRD', 'fake-third-not-a-secret');
      const lines = runnerLines(out.writes.join(''));
      expect(lines.map((line) => parseWorkflowCommand(line)?.command ?? 'text')).toEqual([
        'add-mask',
        'text',
        'add-mask',
        'warning',
        'add-mask',
      ]);
    } finally {
      out.restore();
      if (saved === undefined) delete process.env.GITHUB_ENV;
      else process.env.GITHUB_ENV = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
