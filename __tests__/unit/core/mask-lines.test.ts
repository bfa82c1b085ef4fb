// Multi-line values (SPEC §1.2): only lines of pure JSON structure, and ASCII
// punctuation shorter than 4 characters, are left unregistered. Any other line, symbols and
// emoji included, can be a secret and becomes a mask.
import { MaskGate } from '../../../src/core/mask.js';

function admit(value: string) {
  const masks: string[] = [];
  const warnings: string[] = [];
  new MaskGate({ add: (v) => masks.push(v) }, (w) => warnings.push(w)).admitValue(value, {
    label: 'secrets line 1 (X)',
  });
  return { masks, warnings };
}

describe('lines of a multi-line value', () => {
  it.each([
    ['symbols', '#$%&*+=!?~^|<>@'],
    ['symbols with dashes', '-=+*-#-'],
    ['emoji', '🔑🐉🌶️🦄'],
    ['one emoji', '🔑'],
    ['unicode punctuation', '«»¿¡§¶†‡'],
    ['a long run of slashes and dots', '/./././.'],
    ['quotes around symbols', '"%$#@!"'],
    ['PEM armour', '-----BEGIN OPENSSH PRIVATE KEY-----'],
  ])('masks a line of %s', (_what, line) => {
    const { masks } = admit(`user: app\n${line}\n`);
    expect(masks).toContain(line);
  });

  it.each([
    ['braces', '{'],
    ['closing', '},'],
    ['brackets and commas', '],['],
    ['a quoted empty key', '"": "",'],
    ['dashes', '---'],
    ['a YAML list dash', '-'],
    ['short punctuation', '});'],
    ['two characters', '*/'],
  ])('leaves %s unregistered', (_what, line) => {
    const { masks } = admit(`first-line-value\n${line}\nlast-line-value`);
    expect(masks).not.toContain(line);
    expect(masks).toContain('first-line-value');
    expect(masks).toContain('last-line-value');
  });
});
