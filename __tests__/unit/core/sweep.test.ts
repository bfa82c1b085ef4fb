import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprintValues, sweepWorkspace } from '../../../src/core/sweep.js';

describe('sweep', () => {
  it('finds files holding a value, a line of one, or its base64 — and only those', () => {
    const value = `tok-${randomBytes(12).toString('hex')}`;
    const pemLine = randomBytes(30).toString('base64');
    const pem = `-----BEGIN KEY-----\n${pemLine}\n-----END KEY-----\n`;
    const root = mkdtempSync(join(tmpdir(), 'sweep-'));
    mkdirSync(join(root, 'sub/deeper'), { recursive: true });
    mkdirSync(join(root, '.git'));
    writeFileSync(join(root, 'clean.txt'), 'nothing here\n'.repeat(1000));
    writeFileSync(join(root, 'sub/deeper/leak.log'), `prefix ${value} suffix`);
    writeFileSync(join(root, 'sub/b64.txt'), `x=${Buffer.from(value).toString('base64')}\n`);
    writeFileSync(join(root, 'key-line.txt'), `${pemLine}`);
    writeFileSync(join(root, 'edge.txt'), value);
    writeFileSync(join(root, '.git/ignored'), value);
    writeFileSync(join(root, 'almost.txt'), value.slice(0, -1) + 'Z');

    const report = sweepWorkspace(root, fingerprintValues([value, pem, 'short']));
    expect(report.files).toEqual([
      'edge.txt',
      'key-line.txt',
      'sub/b64.txt',
      'sub/deeper/leak.log',
    ]);
    expect(report.scannedFiles).toBe(6);
  });

  it('keeps no value in its fingerprints', () => {
    const value = `secret-${randomBytes(16).toString('hex')}`;
    expect(JSON.stringify(fingerprintValues([value])).includes(value)).toBe(false);
  });
});
