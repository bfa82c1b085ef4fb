// checkExport refuses an env export that no environment variable can hold (Linux: 128 KiB
// for NAME=value and its NUL; Windows: 32 767 characters), naming the line, never the value.
import { ActionError } from '../../../src/errors.js';
import { checkExport } from '../../../src/export.js';

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
