// checkExport refuses an env export that no environment variable can hold (Linux: 128 KiB
// for NAME=value and its NUL; Windows: 32 767 characters), naming the line, never the value.
import { ActionError } from '../../../src/core/errors.js';
import { checkExport } from '../../../src/github/export.js';

const secret = (value: string, line = 3) => ({ name: 'BIG', value, line });

function refusal(run: () => void): ActionError {
  try {
    run();
  } catch (error) {
    if (error instanceof ActionError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('checkExport size limit', () => {
  it('accepts the largest value Linux can pass, refuses one byte more', () => {
    const fits = 131_072 - 'BIG='.length - 1;
    expect(() => checkExport([secret('x'.repeat(fits))], ['env'], 'linux')).not.toThrow();
    const error = refusal(() => checkExport([secret('x'.repeat(fits + 1))], ['env'], 'linux'));
    expect(error.code).toBe('EXPORT_FAILED');
    expect(error.line).toBe(3);
    expect(error.message).toMatch(
      /^secrets line 3: BIG is too large for an environment variable \(at most 131072 bytes on this runner\).*export: files/,
    );
    expect(error.message).not.toContain('xxxx');
  });

  it('counts UTF-8 bytes on Linux and characters on Windows', () => {
    const emoji = '🔑'.repeat(20_000); // 80 000 bytes, 40 000 UTF-16 characters
    expect(() => checkExport([secret(emoji)], ['env'], 'linux')).not.toThrow();
    expect(refusal(() => checkExport([secret(emoji)], ['env'], 'win32')).message).toMatch(
      /at most 32767 characters/,
    );
  });

  it('does not apply to files, outputs or none', () => {
    const big = 'x'.repeat(1 << 20);
    for (const mode of ['files', 'outputs', 'none'] as const)
      expect(() => checkExport([secret(big)], [mode], 'linux')).not.toThrow();
  });
});

describe('checkExport total size (SPEC §1.4a)', () => {
  const many = (count: number, bytes: number) =>
    Array.from({ length: count }, (_, i) => ({
      name: `BIG_${String(i).padStart(2, '0')}`,
      value: 'v'.repeat(bytes),
      line: i + 1,
    }));
  const small = { PATH: '/usr/bin:/bin', HOME: '/home/runner' };

  it('refuses 20 values of 120 KiB that each fit, naming the largest lines, never a value', () => {
    const error = refusal(() => checkExport(many(20, 120 * 1024), ['env'], 'linux', small));
    expect(error.code).toBe('EXPORT_FAILED');
    expect(error.line).toBe(1);
    expect(error.message).toMatch(
      /^secrets: export env would add 2401 KiB to an environment that already holds 1 KiB; .*Argument list too long/,
    );
    expect(error.message).toContain('Largest: line 1 BIG_00 (121 KiB), line 2 BIG_01 (121 KiB)');
    expect(error.message).toContain('and 15 more');
    expect(error.message).toContain('Use export: files');
    expect(error.message).not.toContain('vvvv');
  });

  it('accepts what leaves room for the environment already there and for arguments', () => {
    expect(() => checkExport(many(10, 100 * 1024), ['env'], 'linux', small)).not.toThrow();
  });

  it("counts the runner's own environment", () => {
    const crowded = { ...small, EARLIER: 'e'.repeat(120 * 1024) };
    for (let i = 0; i < 15; i++) crowded[`EARLIER_${i}` as 'EARLIER'] = 'e'.repeat(120 * 1024);
    const error = refusal(() => checkExport(many(1, 100 * 1024), ['env'], 'linux', crowded));
    expect(error.message).toMatch(
      /would add 101 KiB to an environment that already holds 1921 KiB/,
    );
    // A variable the export replaces is not counted twice.
    expect(() =>
      checkExport([{ name: 'EARLIER', value: 'x', line: 1 }], ['env'], 'linux', crowded),
    ).not.toThrow();
  });

  it('is tighter on macOS, and absent on Windows (no limit on the whole block)', () => {
    expect(() => checkExport(many(10, 100 * 1024), ['env'], 'darwin', small)).toThrow(
      /Argument list too long/,
    );
    expect(() => checkExport(many(20, 30 * 1024), ['env'], 'win32', small)).not.toThrow();
  });

  it('counts only the NAME_FILE paths for export: files', () => {
    expect(() => checkExport(many(20, 120 * 1024), ['files'], 'linux', small)).not.toThrow();
  });
});
