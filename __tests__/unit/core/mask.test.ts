import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { jsonLeaves, MaskGate, singleLineEncodings } from '../../../src/core/mask.js';
import { MaskAutomaton, maskText } from '../../../src/core/mask-stream.js';
import { leakCandidates } from '../../../test/support/leaks.js';
import {
  expressionStringEscape,
  jsonStringEscape,
  trimDoubleQuotes,
  uriDataEscape,
  xmlDataEscape,
} from '../../../test/support/runner.js';

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

/**
 * The masks of `run` and `redact` (src/cli/resolve-secrets.ts): every string the gate
 * registered, and the encodings of each that the runner would derive.
 */
function cliMasks(values: readonly string[]): Set<string> {
  const masks = new Set<string>();
  const g = new MaskGate({ add: (v) => masks.add(v) }, () => {});
  values.forEach((v, i) => g.admitValue(v, { label: `secrets line ${i + 1}` }));
  for (const mask of [...masks])
    for (const encoded of singleLineEncodings(mask)) masks.add(encoded);
  return masks;
}

/** Python's html.escape (and most HTML escapers but for the apostrophe's spelling). */
const htmlEscape = (text: string) => xmlDataEscape(text).replace(/&apos;/g, '&#x27;');

/** Encoders of the runner's SecretMasker (test/support/runner.ts), and an HTML one. */
const ENCODERS: ReadonlyArray<[string, (text: string) => string]> = [
  ['Uri.EscapeDataString', uriDataEscape],
  ['SecurityElement.Escape', xmlDataEscape],
  ['html.escape', htmlEscape],
  ['ExpressionStringEscape', expressionStringEscape],
  ['JsonConvert.ToString', jsonStringEscape],
  ['TrimDoubleQuotes', trimDoubleQuotes],
];

/**
 * Every single-line encoded form of a value, of its lines and of its JSON leaves that the
 * CLI's masker leaves (partly) readable, named by encoder, kind and digest: never the text.
 */
function unmaskedForms(values: readonly string[]): string[] {
  const masks = new MaskAutomaton(cliMasks(values));
  const found: string[] = [];
  for (const value of values) {
    for (const candidate of leakCandidates(value)) {
      if (candidate.text.trim() === '') continue;
      for (const [name, encode] of ENCODERS) {
        const printed = encode(candidate.text);
        // Printed as lines, each line is a candidate; '' is what cannot be encoded.
        if (printed === '' || /[\r\n]/.test(printed)) continue;
        if (maskText(printed, masks) !== '***')
          found.push(`${name} of a ${candidate.kind} sha256:${digest(candidate.text)}`);
      }
    }
  }
  return found;
}

describe('the CLI masker: the encoded forms the runner derives (URI, XML, JSON, expression, quotes)', () => {
  const hex = () => randomBytes(12).toString('hex');

  it('masks the strict percent-encoded and XML-escaped forms of a value, its lines and leaves', () => {
    const values = [
      `x<y>&z'${hex()}`,
      `pa(ss)*!${hex()}~`,
      `it's a "q" ${hex()}`,
      JSON.stringify({ user: `u'${hex()}`, pass: `p&<${hex()}>"`, n: 5432 }),
      `line'one(${hex()})\n  <two>&"${hex()}"  \n{\n`,
      `"quoted-${hex()}"`,
      `sep\u2028arated\u2029-${hex()}`,
    ];
    expect(unmaskedForms(values)).toEqual([]);
  });

  it('masks them for any value (property)', () => {
    const alphabet = fc.constantFrom(
      ...['a', 'Z', '0', ' ', "'", '"', '<', '>', '&', '(', ')', '*', '!', '~', '%', '\n'],
      ...['é', '€', '🔑', '{', '}', ':', ',', '\u2028', '\u0085'],
    );
    const text = fc.array(alphabet, { minLength: 1, maxLength: 24 }).map((cs) => cs.join(''));
    const json = fc
      .dictionary(fc.constantFrom('k', 'user', 'p'), text, { minKeys: 1 })
      .chain((o) => fc.constantFrom(JSON.stringify(o), JSON.stringify(o, null, 2)));
    fc.assert(
      fc.property(fc.array(fc.oneof(text, json), { minLength: 1, maxLength: 3 }), (values) => {
        expect(unmaskedForms(values)).toEqual([]);
      }),
      {
        numRuns: 1000,
        // fast-check would print the counterexample: name it by seed and path instead.
        reporter: (run) => {
          if (run.failed)
            throw new Error(
              `failed (seed ${run.seed}, path ${run.counterexamplePath ?? ''}): ` +
                (run.errorInstance instanceof Error ? run.errorInstance.message : 'no error'),
            );
        },
      },
    );
  });

  it('admits a JSON leaf with a lone surrogate (written to a log as U+FFFD)', () => {
    const value = `{"k":"\\ud800${hex()}\\n${hex()}"}`;
    expect(() => cliMasks([value])).not.toThrow();
    expect(unmaskedForms([value])).toEqual([]);
  });

  it('keeps a multi-line value line by line: no mask holds a line break', () => {
    const masks = cliMasks([`a'b<${hex()}>\n"c"&d${hex()}\n`]);
    expect([...masks].filter((m) => /[\r\n]/.test(m)).map(digest)).toEqual([]);
  });
});
