import { createHash } from 'node:crypto';
import { jsonLeaves, MaskGate, singleLineEncodings } from '../../../src/core/mask.js';

const digest = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 12);

function gate() {
  const masks: string[] = [];
  const warnings: string[] = [];
  const g = new MaskGate({ add: (v) => masks.push(v) }, (w) => warnings.push(w));
  return { g, masks, warnings };
}

describe('MaskGate', () => {
  it('registers a single-line value whole, once', () => {
    const { g, masks } = gate();
    g.admitValue('s3cr3t-value', { label: 'line 1' });
    g.admitValue('s3cr3t-value', { label: 'line 2' });
    expect(masks.map(digest)).toEqual([digest('s3cr3t-value')]);
  });

  it('registers a multi-line value by line, never whole, skipping punctuation-only lines', () => {
    const { g, masks } = gate();
    const pem =
      '-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34\r\n  GkxFhD90vcNLYLInFEX6  \n-----END KEY-----\n';
    g.admitValue(pem, { label: 'line 1' });
    expect(masks).not.toContain(pem);
    expect(masks).toContain('MIIBOgIBAAJBAKj34');
    expect(masks).toContain('GkxFhD90vcNLYLInFEX6');
    expect(masks).toContain('-----BEGIN KEY-----');
    expect(masks.every((m) => !m.includes('\n'))).toBe(true);
    // encodings of the whole value, single-line
    expect(masks).toContain(JSON.stringify(pem).slice(1, -1));
    const base64 = Buffer.from(pem).toString('base64');
    expect(masks.some((m) => m.length > 20 && base64.includes(m))).toBe(true);
  });

  it('skips lines of a pretty-printed JSON that are only braces, masks its leaves', () => {
    const { g, masks } = gate();
    const json = JSON.stringify(
      { user: 'app-user', nested: { pass: 'p4ss-w0rd', port: 5432, ok: true }, list: ['alpha1'] },
      null,
      2,
    );
    g.admitValue(json, { label: 'line 1' });
    expect(masks).not.toContain('{');
    expect(masks).not.toContain('},');
    expect(masks).not.toContain('true');
    for (const leaf of ['app-user', 'p4ss-w0rd', '5432', 'alpha1']) expect(masks).toContain(leaf);
  });

  it('masks big JSON integers as written', () => {
    expect(jsonLeaves('{"n": 12345678901234567890}')).toContain('12345678901234567890');
  });

  it('warns about short values naming the origin, never the value', () => {
    const { g, masks, warnings } = gate();
    g.admitValue('{"pin":"42"}', { label: 'secrets line 7 (X_*)' });
    expect(masks).toContain('42');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('secrets line 7 (X_*)');
    expect(warnings[0]).not.toContain('42');
  });

  it('redacts registered values from messages, longest first', () => {
    const { g } = gate();
    g.admitCredential('abcdef123456', 'token');
    g.admitCredential('abcdef', 'other');
    expect(g.redact('x abcdef123456 y abcdef z')).toBe('x *** y *** z');
  });

  it('derives base64 variants that match the value at every byte alignment', () => {
    const value = 'line one\nline two of the secret\n';
    const variants = singleLineEncodings(value);
    for (const prefix of ['', 'a', 'ab', 'abc']) {
      const encoded = Buffer.from(prefix + value + 'tail').toString('base64');
      expect(variants.some((v) => v.length > 8 && encoded.includes(v))).toBe(true);
    }
  });
});
