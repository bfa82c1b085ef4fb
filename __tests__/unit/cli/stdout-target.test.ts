// Whether `read`'s stdout is the step's own (masks on stdout) or captured (masks on stderr).
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from '@jest/globals';
import { stdoutIsParents } from '../../../src/cli/stdout-target.js';

const root = mkdtempSync(join(tmpdir(), 'proc-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function fd1(pid: string, target: string): void {
  mkdirSync(join(root, pid, 'fd'), { recursive: true });
  symlinkSync(target, join(root, pid, 'fd', '1'));
}

it('is true only when both name the same pipe, and false when it cannot tell', () => {
  fd1('self', 'pipe:[4242]');
  fd1('100', 'pipe:[4242]');
  fd1('200', 'pipe:[5151]');
  expect(stdoutIsParents(root, 100)).toBe(true);
  expect(stdoutIsParents(root, 200)).toBe(false);
  // A parent already gone, or a system without /proc.
  expect(stdoutIsParents(root, 300)).toBe(false);
  expect(stdoutIsParents(join(root, 'none'), 100)).toBe(false);
});
