// The linear engine's DFA passes (re2-dfa.ts, LinearRegex in re2.ts): the reversed pattern
// marks where matches start, the forward DFA bounds a match's span, re2js finds the groups
// there. Whatever the passes do, every search must give exactly what re2js alone gives (its
// NFA from `lastIndex`), and the work must stay linear in the text, counted in DFA steps.
import fc from 'fast-check';
import { RE2JS } from 're2js';
import { parseScanConfig } from '../../../src/scan/config/config.js';
import {
  compileLinear,
  reversedRe2,
  translateRe2,
  type LinearRegex,
} from '../../../src/scan/config/re2.js';
import { Detector } from '../../../src/scan/detect/detector.js';

/** Every match of a global search: index, text and groups. */
function all(
  regex: { lastIndex: number; exec(t: string): RegExpExecArray | null },
  text: string,
): unknown[] {
  const out: unknown[] = [];
  regex.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = regex.exec(text)) !== null) {
    out.push([m.index, regex.lastIndex, ...m]);
    // Past an empty match by a whole code point, as String.prototype.matchAll does with `u`:
    // a search from inside a surrogate pair reads half a character (re2js' NFA takes the
    // lone half as a rune; the DFA passes never start a match there).
    if (m[0].length === 0)
      regex.lastIndex = m.index + (text.codePointAt(m.index)! > 0xffff ? 2 : 1);
  }
  return out;
}

// Rules of gitleaks' shapes, written here: an assignment with a bounded name and an unbounded
// value (no longest match: the forward DFA bounds the span), vendor prefixes, assertions at
// either end (where a cut text could fake a match), alternation order, lazy and greedy.
const PATTERNS = [
  String.raw`(?i)[\w.-]{0,12}?(?:key|secret|token)(?:[ \t\w.-]{0,6})[\s'"]{0,2}(?:=|:|=>)[\x60'"\s=]{0,3}([\w.=-]{4,40}|[a-z0-9][a-z0-9+/]{5,}={0,3})(?:[\x60'"\s;]|\\[nr]|$)`,
  String.raw`\b(tok_[A-Za-z0-9]{6,})(?:['"\s;]|$)`,
  String.raw`(?i)\b(?:pass|pwd)\w*\s*[:=]\s*(\S+)`,
  String.raw`(?m)^key=(\w+)$`,
  String.raw`\Akey|key\z`,
  String.raw`a\w*(?:\b|z)`,
  String.raw`(a+)(b*)\b`,
  String.raw`x+?y|x+`,
  String.raw`(?s)k.*?z`,
  String.raw`(?s)k.*z`,
  String.raw`(?:ab|a)(?:bc|c)?`,
  String.raw`(\d+)|([a-z]+)`,
  String.raw`\B\w{2}\B`,
  String.raw`[\x{1F511}é]+\w?`,
  String.raw`x*`,
  String.raw`(a|aa)+$`,
  // A span cut after the longest match would let `$` or `\b` hold at the cut: `ab` in `abbc`.
  String.raw`a(?:b+$|)`,
  String.raw`a(?:b+\b|)`,
];
const ALPHABET = [
  'a',
  'b',
  'c',
  'k',
  'x',
  'y',
  'z',
  'A',
  'K',
  'key',
  'KEY',
  'secret',
  'tok_',
  'pass',
  'pwd',
  '=',
  ': ',
  '"',
  "'",
  ';',
  '12',
  'aB9+/',
  '==',
  ' ',
  '\n',
  '\\n',
  '\t',
  '.',
  '-',
  'é',
  '🔑',
  '_',
];

describe('the DFA passes of the linear engine', () => {
  it.each(PATTERNS)('find what re2js alone finds: %s', (pattern) => {
    const fast = compileLinear(pattern, 'rule "t" regex');
    const nfa = compileLinear(pattern, 'rule "t" regex', { nfaOnly: true });
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...ALPHABET), { maxLength: 60 }), (pieces) => {
        const text = pieces.join('');
        expect(all(fast, text)).toEqual(all(nfa, text));
      }),
      { numRuns: 400 },
    );
    // The DFA passes ran (a pattern re2js' DFA could not take would search on the NFA, and
    // this test would prove nothing about the passes).
    expect(fast.work.steps).toBeGreaterThan(0);
  });

  it.each(PATTERNS)('try one place as re2js alone would (the sticky view): %s', (pattern) => {
    const sticky = compileLinear(pattern, 'rule "t" regex').sticky();
    const nfa = compileLinear(pattern, 'rule "t" regex', { nfaOnly: true });
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...ALPHABET), { maxLength: 30 }), (pieces) => {
        const text = pieces.join('');
        for (let at = 0; at <= text.length; at++) {
          nfa.lastIndex = at;
          const searched = nfa.exec(text);
          // The leftmost-first match from `at`, when it starts there, is the one anchored there.
          const expected = searched !== null && searched.index === at ? [...searched] : null;
          sticky.lastIndex = at;
          const m = sticky.exec(text);
          expect(m === null ? null : [...m]).toEqual(expected);
          if (m !== null) expect(sticky.lastIndex).toBe(at + m[0]!.length);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('give the same matches as re2js alone on long texts (windows of a real scan)', () => {
    const fast = compileLinear(PATTERNS[0]!, 'rule "t" regex');
    const nfa = compileLinear(PATTERNS[0]!, 'rule "t" regex', { nfaOnly: true });
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...ALPHABET), { minLength: 200, maxLength: 800 }),
        (p) => {
          const text = p.join('');
          expect(all(fast, text)).toEqual(all(nfa, text));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('stay linear on a pattern that is exponential for a backtracker, counted in DFA steps', () => {
    // `(a|aa)+$` over a^n b: a backtracking engine tries every way to split the a's.
    for (const pattern of [String.raw`(a|aa)+$`, String.raw`(x+x+)+y`]) {
      const steps: number[] = [];
      for (const n of [10_000, 80_000]) {
        const regex = compileLinear(pattern, 'rule "t" regex');
        const text = (pattern.startsWith('(a') ? 'a' : 'x').repeat(n) + 'b';
        regex.lastIndex = 0;
        expect(regex.exec(text)).toBeNull();
        steps.push(regex.work.steps);
      }
      // One backward pass: about one step a character, whatever the pattern.
      expect(steps[0]).toBeLessThanOrEqual(2 * 10_001);
      expect(steps[1]).toBeLessThanOrEqual(2 * 80_001);
    }
  });

  it('stay linear where every place starts a match (each span found once)', () => {
    const regex = compileLinear(String.raw`(a|aa)+b`, 'rule "t" regex');
    const text = 'aab'.repeat(20_000);
    let count = 0;
    regex.lastIndex = 0;
    while (regex.exec(text) !== null) count++;
    expect(count).toBe(20_000);
    // The backward pass plus each match's span.
    expect(regex.work.steps).toBeLessThanOrEqual(4 * text.length);
  });

  it('leave the DFA for re2js alone when it builds states too often, with the same matches', () => {
    // A window of up to 200 characters between two words: more DFA states than a text visits twice.
    const pattern = String.raw`(?is)\bkind:(.){0,200}?\bdata:\s*(\w+)`;
    const fast = compileLinear(pattern, 'rule "t" regex');
    const nfa = compileLinear(pattern, 'rule "t" regex', { nfaOnly: true });
    const words = ['kind:', 'data: ', 'secret', 'abc', '\n', ' ', 'x', 'KIND:'];
    let seed = 11;
    const next = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (let round = 0; round < 40; round++) {
      let text = '';
      while (text.length < 3000) text += words[Math.floor(next() * words.length)];
      expect(all(fast, text)).toEqual(all(nfa, text));
    }
  });
});

describe('reversedRe2', () => {
  const reverse = (s: string): string => Array.from(s).reverse().join('');
  const full = (pattern: string, text: string): boolean =>
    RE2JS.compile(`(?:${pattern})`).matcher(text).matches();

  it.each([
    String.raw`ab+c`,
    String.raw`(?i)Key=(\w+)`,
    String.raw`(?m)^a$\n^b$`,
    String.raw`\Aa|b\z`,
    String.raw`\bfoo\b|\Bo\B`,
    String.raw`[^a-c]{2,3}x?`,
    String.raw`(?s).{1,3}\n.`,
    String.raw`[\p{Greek}\d]+`,
    String.raw`\x{1F511}é`,
  ])('matches the reverse of what %s matches, assertions seen from the other side', (pattern) => {
    const reversed = reversedRe2(pattern, 'rule "t" regex');
    const pieces = [
      'a',
      'b',
      'c',
      'o',
      'f',
      'foo',
      'K',
      'key=',
      'x',
      '\n',
      ' ',
      '1',
      'λ',
      '🔑',
      'é',
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 8 }), (p) => {
        const text = p.join('');
        // Assertions need their context: match inside a frame of the same characters.
        for (const frame of [
          ['', ''],
          [' ', ' '],
          ['\n', '\n'],
          ['a', 'a'],
        ] as const) {
          const framed = frame[0] + text + frame[1];
          const forward = RE2JS.compile(pattern).matcher(framed);
          const backward = RE2JS.compile(reversed).matcher(reverse(framed));
          expect(backward.find()).toBe(forward.find());
        }
        expect(full(reversed, reverse(text))).toBe(full(pattern, text));
      }),
      { numRuns: 200 },
    );
  });
});

describe('required literals', () => {
  const required = (pattern: string): string[][] | null =>
    translateRe2(pattern, 'rule "t" regex').requiredLiterals();

  it('are the most selective lists every match holds a member of each of', () => {
    const passwords = required(
      String.raw`[\w.-]{0,50}?(?i:(?:db_passw(?:or)?d|pwd)[ \t]{0,5})=(\S+)`,
    );
    expect(passwords).toHaveLength(1);
    expect(passwords![0]).toEqual(expect.arrayContaining(['db_password', 'db_passwd', 'pwd']));
    expect(required(String.raw`(?i)\b(?:ghp|gho)_[0-9a-z]{36}`)?.map((l) => l.sort())).toEqual([
      ['gho_', 'ghp_'],
    ]);
    expect(required(String.raw`AKIA[A-Z0-9]{16}`)).toEqual([['akia']]);
    // Both branches hold three words, in either order: all three are required.
    const manifest = required(
      String.raw`(?i)(?:\bkind:\s*secret(?s:.){0,200}?\bdata:\s*(\w+)|\bdata:\s*(\w+)(?s:.){0,200}?\bkind:\s*secret)`,
    );
    expect(manifest?.map((l) => l.sort()).sort()).toEqual([['data:'], ['kind:'], ['secret']]);
    // A branch without a literal, or literals too short to select anything: no list.
    expect(required(String.raw`(?:key|\w+)=`)).toBeNull();
    expect(required(String.raw`(a|aa)+$`)).toBeNull();
  });

  it('turn away a text without every list, before any DFA step', () => {
    const regex = compileLinear(
      String.raw`(?i)\bkind:\s*secret(?s:.){0,40}?\bdata:\s*(\w+)`,
      'rule "t" regex',
    );
    regex.lastIndex = 0;
    expect(regex.exec('kind: Secret\nspec:\n  name: x\n'.repeat(50))).toBeNull();
    expect(regex.work.steps).toBe(0);
    regex.lastIndex = 0;
    expect(regex.exec('kind: Secret\ndata:\n  token: abc')?.[1]).toBe('token');
  });

  it('let a text without any of them end the search at once, Kelvin sign folded as RE2 folds it', () => {
    const regex = compileLinear(String.raw`(?i)key=(\w+)`, 'rule "t" regex');
    regex.lastIndex = 0;
    expect(regex.exec('nothing here '.repeat(1000))).toBeNull();
    expect(regex.work.steps).toBe(0);
    // U+212A KELVIN SIGN is `k` under RE2's (?i): the literal test must not turn it away.
    regex.lastIndex = 0;
    expect(regex.exec('\u212Aey=abc')?.[1]).toBe('abc');
  });
});

describe('a configured rule whose matches start with a keyword', () => {
  it('is tried at the keyword places only, a few DFA steps where no match starts', () => {
    const config = parseScanConfig(
      [
        '[[rules]]',
        'id = "tok"',
        "regex = '''\\b(tok_[a-z0-9]{8})(?:[^a-z0-9]|$)'''",
        'keywords = ["tok_"]',
      ].join('\n'),
      'test.toml',
    );
    const rule = config.rules[0]!;
    expect(rule.pattern!.engine).toBe('linear');
    const detector = new Detector(config);
    // A thousand places where the keyword stands but no token follows, and two tokens.
    const filler = Array.from({ length: 1000 }, (_, k) => `const tok_! = ${k}; // tok_`).join('\n');
    const text = `a = "tok_ab12cd34";\n${filler}\nb = "tok_zz99yy88";\n`;
    const found = detector.detect({ path: 'x.ts', text });
    expect(found.map((f) => [f.startLine, f.secret])).toEqual([
      [1, 'tok_ab12cd34'],
      [1002, 'tok_zz99yy88'],
    ]);
    // Anchored at each of the 2,002 places, the forward DFA dies within a few characters
    // (`tok_!`, `tok_` at a line's end); a window around each place would cost a backward
    // pass over twice the longest match (about 26 characters) instead.
    const steps = (rule.pattern!.regex as LinearRegex).work.steps;
    expect(steps).toBeGreaterThan(0);
    expect(steps).toBeLessThanOrEqual(2002 * 8 + 2 * 20);
  });
});
