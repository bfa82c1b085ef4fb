// Seed 001's references (SPEC §1.1a): `secret:KEY` is the store, `plain:TEXT` and bare values
// are literals, `WORD:` that names no provider is refused with the closest one; the options
// every provider takes (`optional`, `decode=base64`) ride on the reference but stay out of
// what is fetched; selectors take quoted keys and JSON Pointers.
import { ActionError, ActionErrors } from '../../../src/core/errors.js';
import { planSecrets } from '../../../src/core/plan/plan.js';
import { parseReference, parseSelector, selectorText } from '../../../src/core/plan/reference.js';

const ref = (text: string) => parseReference(text, 'secrets line 4 (DB)', 4);

function refusal(text: string): string {
  try {
    ref(text);
  } catch (error) {
    if (error instanceof ActionError) return error.message;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('secret: and literals', () => {
  it('reads secret:KEY as the local store, sharing one read with local:KEY', () => {
    expect(ref('secret:API_KEY')).toMatchObject({ provider: 'local', locator: 'API_KEY' });
    const plan = planSecrets('A: secret:API_KEY\nB: local:API_KEY');
    expect(plan.locations).toHaveLength(1);
    expect(plan.providers).toEqual(['local']);
  });

  it.each([
    ['INFO', 'INFO'],
    ['8080', '8080'],
    ['hello world', 'hello world'],
    ['1234567890:ABCdef', '1234567890:ABCdef'], // starts with a digit: no WORD
    ['https://hooks.example.test/x?a=b#c', 'https://hooks.example.test/x?a=b#c'],
    ['postgresql://localhost/dev', 'postgresql://localhost/dev'],
    ['plain:mailto:ops@example.test', 'mailto:ops@example.test'],
    ['plain:a#b?c=d', 'a#b?c=d'],
    ['plain:vault:secret/data/x', 'vault:secret/data/x'],
  ])('reads %s as the literal %s (no options, no selector)', (text, literal) => {
    expect(ref(text)).toEqual({
      provider: 'plain',
      locator: literal,
      options: {},
      selector: [],
      key: `plain:${literal}`,
    });
  });

  it('plans the seed "Mixed References" block as written', () => {
    const plan = planSecrets(
      [
        'API_KEY: secret:OPENAI_API_KEY',
        'HOME_DIR: env:HOME',
        'SSH_KEY: file:/etc/secrets/ssh_key',
        'LOG_LEVEL: INFO',
      ].join('\n'),
    );
    expect(plan.lines.map((l) => [l.name, l.ref.provider, l.ref.locator])).toEqual([
      ['API_KEY', 'local', 'OPENAI_API_KEY'],
      ['HOME_DIR', 'env', 'HOME'],
      ['SSH_KEY', 'file', '/etc/secrets/ssh_key'],
      ['LOG_LEVEL', 'plain', 'INFO'],
    ]);
  });

  it.each([
    ['vualt:x', 'vualt', 'vault'],
    ['secrets:API_KEY', 'secrets', 'secret'],
    ['evn:HOME', 'evn', 'env'],
    ['dotnev:.env', 'dotnev', 'dotenv'],
    ['mailto:ops@example.test', 'mailto', 'vault'],
  ])('refuses %s naming %s and the closest provider %s', (text, word, closest) => {
    const message = refusal(text);
    expect(message).toMatch(
      new RegExp(
        `^secrets line 4 \\(DB\\): unknown provider '${word}' \\((did you mean|the closest provider is) '${closest}'\\??\\)`,
      ),
    );
    expect(message).toContain('plain:WORD:TEXT');
  });

  it('refuses the line in a plan, naming it, and plans nothing', () => {
    let errors: ActionError[] = [];
    try {
      planSecrets('OK: INFO\nBAD: vualt:secret/data/x');
    } catch (error) {
      errors = error instanceof ActionErrors ? error.errors : [error as ActionError];
    }
    expect(errors.map((e) => [e.line, e.code])).toEqual([[2, 'REFERENCE_INVALID']]);
    expect(errors[0]?.message).toMatch(/^secrets line 2 \(BAD\): unknown provider 'vualt'/);
  });
});

describe('options every provider takes', () => {
  it.each([
    'vault:secret/data/x',
    'aws:prod/app',
    'gcp:projects/p/secrets/s',
    'azure:my-vault/name',
    'local:KEY',
    'secret:KEY',
    'env:HOME',
    'file:a.txt',
    'dotenv:.env',
  ])('%s takes ?optional and ?decode=base64, kept out of the key', (text) => {
    const plain = ref(text);
    const both = ref(`${text}?optional&decode=base64`);
    expect(both.options).toMatchObject({ optional: 'true', decode: 'base64' });
    expect(both.key).toBe(plain.key);
    expect(ref(`${text}?optional=true`).options.optional).toBe('true');
  });

  it('keeps the fetch options in the key next to them', () => {
    const r = ref('vault:secret/data/x?version=2&optional');
    expect(r.options).toEqual({ version: '2', optional: 'true' });
    expect(r.key).toBe('vault:secret/data/x?version=2');
  });

  it('refuses other values, naming the line', () => {
    expect(refusal('env:HOME?decode=hex')).toBe(
      'secrets line 4 (DB): env:HOME: option decode must be base64 (the only encoding decoded)',
    );
    expect(refusal('env:HOME?optional=false')).toMatch(/option optional is a flag/);
    expect(refusal('env:HOME?optinal')).toMatch(/unknown option/);
    // Names of Object.prototype are no options either.
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty'])
      expect(refusal(`vault:secret/data/x?${name}=1`)).toMatch(/unknown option/);
  });

  it('a location is optional only when every line using it is', () => {
    const plan = planSecrets(
      'A: env:X?optional\nB: env:X?optional#k\nC: env:Y?optional\nD: env:Y\nE: env:Z',
    );
    const byLocator = Object.fromEntries(plan.locations.map((l) => [l.locator, l]));
    expect(byLocator.X?.optional).toBe(true);
    expect(byLocator.Y?.optional).toBeUndefined();
    expect(byLocator.Z?.optional).toBeUndefined();
    // What is fetched carries no line options.
    for (const location of plan.locations) expect(location.options).toEqual({});
  });
});

describe('selectors', () => {
  const sel = (text: string) => parseSelector(text, 'secrets line 4 (DB)', 4);

  it.each([
    ['password', ['password']],
    ['items.0.key', ['items', '0', 'key']],
    ['"tls.crt"', ['tls.crt']],
    ['data."my key".x', ['data', 'my key', 'x']],
    ['"a\\"b".c', ['a"b', 'c']],
    ['"back\\\\slash"', ['back\\slash']],
    ['/tls.crt/0', ['tls.crt', '0']],
    ['/a~1b/m~0n', ['a/b', 'm~n']],
    ['/~01', ['~1']],
    ['/', ['']],
  ])('%s → %j', (text, segments) => {
    expect(sel(text)).toEqual(segments);
  });

  it('round-trips through selectorText', () => {
    for (const segments of [['a', 'b'], ['tls.crt'], ['my key', 'x'], ['a"b\\c']])
      expect(sel(selectorText(segments))).toEqual(segments);
  });

  it.each(['a..b', '"open', '"".x', '"a"b', '/a~2', 'x y'])(
    'refuses %s without echoing it',
    (text) => {
      let message = '';
      try {
        sel(text);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/^secrets line 4 \(DB\): the selector after '#'/);
      expect(message).not.toContain(text);
    },
  );

  it('a reference carries the parsed selector', () => {
    expect(ref('vault:secret/data/tls#"tls.crt"').selector).toEqual(['tls.crt']);
    expect(ref('vault:secret/data/tls#/tls.crt/0').selector).toEqual(['tls.crt', '0']);
  });
});
