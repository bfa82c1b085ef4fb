// The audit log is appended to a regular file only, never through a link an earlier step
// planted, and never to a FIFO (which would block the step).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAudit } from '../../../src/core/audit.js';
import type { ReadRecord } from '../../../src/core/resolve.js';

const posix = process.platform !== 'win32';
const record: ReadRecord = {
  location: { key: 'env:A', provider: 'env', locator: 'A', options: {}, lines: [1] },
  outcome: 'ok',
  durationMs: 1,
};
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'audit-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (path: string) => () => writeAudit(path, [record], {}, (t) => t);

describe('audit-log file', () => {
  it('appends one JSON line per read', () => {
    const path = join(dir, 'audit.jsonl');
    write(path)();
    write(path)();
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { reference: string }).reference)).toEqual([
      'env:A',
      'env:A',
    ]);
  });

  (posix ? it : it.skip)(
    'refuses a symbolic link, naming the file, and leaves its target alone',
    () => {
      const target = join(dir, 'bashrc');
      writeFileSync(target, 'original\n');
      const path = join(dir, 'audit.jsonl');
      symlinkSync(target, path);
      expect(write(path)).toThrow(
        `input audit-log: ${path} is a symbolic link; refusing to write the audit log through it`,
      );
      expect(readFileSync(target, 'utf8')).toBe('original\n');
    },
  );

  (posix ? it : it.skip)('refuses a FIFO at once', () => {
    const path = join(dir, 'fifo');
    execFileSync('mkfifo', [path]);
    expect(write(path)).toThrow(/^input audit-log: /);
  });

  it('refuses a directory', () => {
    expect(write(dir)).toThrow(/^input audit-log: /);
  });
});
