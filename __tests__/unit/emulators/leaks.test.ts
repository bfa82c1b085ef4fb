import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  describeSecret,
  expectNoLeak,
  findLeaks,
  findLeaksInDir,
  fingerprint,
  leakCandidates,
  secretsOf,
} from '../../../test/support/leaks.js';

const fixture = (label: string) => `${label}-${randomBytes(9).toString('base64url')}`;

describe('leak checks', () => {
  it('finds a whole value, a line of a multi-line value and a JSON leaf', () => {
    const whole = fixture('whole');
    const lineA = fixture('line');
    const pem = `-----BEGIN KEY-----\n${lineA}\n${fixture('other')}\n-----END KEY-----\n`;
    const leaf = fixture('leaf');
    const json = JSON.stringify({ db: { password: leaf, port: 5432, tls: true } }, null, 2);

    const log = `a ${whole} b\nc ${lineA} d\ne ${leaf} f\nport 5432`;
    const findings = findLeaks(log, [whole, pem, json]);
    expect(findings.map((f) => [f.secret, f.kind])).toEqual([
      [0, 'value'],
      [1, 'line'],
      [2, 'leaf'],
      [2, 'leaf'],
    ]);
    expect(findings[0]).toMatchObject({ sha256: fingerprint(whole), length: whole.length });
  });

  it('ignores lines made only of punctuation and booleans/null leaves', () => {
    const candidates = leakCandidates('{\n  "on": true,\n  "off": null,\n  "n": 7\n}');
    expect(candidates.map((c) => (c.kind === 'line' ? c.text : `${c.kind}:${c.text}`))).toEqual([
      'value:{\n  "on": true,\n  "off": null,\n  "n": 7\n}',
      '"on": true,',
      '"off": null,',
      '"n": 7',
      'leaf:7',
    ]);
    expect(findLeaks('{ } [ ] , true null', ['{\n}\n'])).toEqual([]);
  });

  it('accepts already-parsed objects and collects fixture leaves', () => {
    const password = fixture('pw');
    expect(findLeaks(`x${password}x`, [{ nested: [{ password }] }])).toHaveLength(1);
    expect(secretsOf({ a: 'one', b: [2, { c: 'three' }], d: false }, 'four')).toEqual([
      'one',
      '2',
      'three',
      'four',
    ]);
  });

  it('fails with a message that names leaks by hash and length, never by value', () => {
    const secret = fixture('never-printed');
    let message = '';
    try {
      expectNoLeak(`log line with ${secret}`, [secret]);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(`sha256:${fingerprint(secret)}`);
    expect(message).toContain(`(${secret.length} chars)`);
    expect(message.includes(secret)).toBe(false);
    expect(describeSecret(secret).includes(secret)).toBe(false);
    expect(() => expectNoLeak('clean log', [secret])).not.toThrow();
  });

  it('scans a directory tree and reports relative paths', () => {
    const dir = mkdtempSync(join(tmpdir(), 'leaks-'));
    try {
      const secret = fixture('on-disk');
      mkdirSync(join(dir, 'sub'));
      writeFileSync(join(dir, 'sub', 'dump.txt'), `x=${secret}\n`);
      writeFileSync(join(dir, 'clean.txt'), 'nothing here');
      const findings = findLeaksInDir(dir, [secret]);
      expect(findings.map((f) => f.where)).toEqual([join('sub', 'dump.txt')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
