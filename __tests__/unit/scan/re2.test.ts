// RE2 → JavaScript: what gitleaks' Go regexes mean must be what the translated ones match.
import fc from 'fast-check';
import {
  compileLinear,
  compileRe2,
  RegexTranslationError,
  translateRe2,
} from '../../../src/scan/config/re2.js';

const re = (pattern: string, flags = '') => compileRe2(pattern, 'rule "t" regex', flags);
const matches = (pattern: string, text: string): string | null =>
  re(pattern).exec(text)?.[0] ?? null;

describe('inline flags', () => {
  it('a leading (?i) folds the whole pattern (the JS i flag)', () => {
    const t = translateRe2('(?i)secret_[a-z]+', 'r');
    expect(t.flags).toContain('i');
    expect(matches('(?i)secret_[a-z]+', 'SECRET_ABC')).toBe('SECRET_ABC');
  });

  it('(?i) in the middle folds only what follows, within its group', () => {
    expect(matches('ab(?i)cd', 'abCD')).toBe('abCD');
    expect(matches('ab(?i)cd', 'ABcd')).toBeNull();
    expect(matches('(?:x(?i)y)z', 'xYz')).toBe('xYz');
    expect(matches('(?:x(?i)y)z', 'xYZ')).toBeNull();
  });

  it('(?i:…) groups and (?-i) clearing', () => {
    expect(matches('(?i:ab)c', 'ABc')).toBe('ABc');
    expect(matches('(?i:ab)c', 'ABC')).toBeNull();
    expect(matches('(?i)a(?-i)b', 'Ab')).toBe('Ab');
    expect(matches('(?i)a(?-i)b', 'AB')).toBeNull();
    expect(matches('(?i)a(?-i:B)c', 'aBC')).toBe('aBC');
    expect(matches('(?i)a(?-i:B)c', 'abc')).toBeNull();
  });

  it('folds classes inside a partly case-insensitive pattern', () => {
    expect(matches('k(?i)[a-c]+', 'kAbC')).toBe('kAbC');
    expect(matches('K(?i)[^a]', 'KA')).toBeNull();
    expect(matches('(?-i:x)(?i)[[:upper:]]', 'xq')).toBe('xq');
  });

  it('a flag set by (?i) lasts to the end of the group across alternatives, as in RE2', () => {
    expect(matches('(?:a(?i)b|c)', 'C')).toBe('C');
  });

  it('(?s) lets . cross lines; without it . excludes only \\n (JS would also exclude \\r)', () => {
    expect(matches('a.b', 'a\nb')).toBeNull();
    expect(matches('(?s)a.b', 'a\nb')).toBe('a\nb');
    expect(matches('a.b', 'a\rb')).toBe('a\rb');
    expect(matches('a.b', 'a\u2028b')).toBe('a\u2028b');
  });

  it('^ and $ are text anchors unless (?m)', () => {
    expect(matches('^b', 'a\nb')).toBeNull();
    expect(matches('(?m)^b', 'a\nb')).toBe('b');
    expect(matches('a$', 'a\nb')).toBeNull();
    expect(matches('(?m)a$', 'a\nb')).toBe('a');
    expect(matches('(?m)a$', 'a\rb')).toBeNull(); // RE2's multi-line $ is before \n only
  });

  it('(?U) swaps greedy and lazy', () => {
    expect(matches('(?U)a+', 'aaa')).toBe('a');
    expect(matches('(?U)a+?', 'aaa')).toBe('aaa');
  });
});

describe('escapes and classes', () => {
  it('\\A and \\z anchor the text', () => {
    expect(matches('key\\z', 'a key')).toBe('key');
    expect(matches('key\\z', 'key\n')).toBeNull();
    expect(matches('\\Akey', 'key x')).toBe('key');
    expect(matches('\\Akey', 'x key')).toBeNull();
  });

  it('POSIX classes, negated ones and ones mixed with other items', () => {
    expect(matches('[[:alnum:]]+', '--ab12--')).toBe('ab12');
    expect(matches('[[:^digit:]]+', '12ab34')).toBe('ab');
    expect(matches('[x[:digit:]]+', 'ax9x1b')).toBe('x9x1');
    expect(matches('[^[:space:]]+', ' a-b ')).toBe('a-b');
    expect(matches('[[:punct:]]+', 'a!?b')).toBe('!?');
    expect(matches('[[:xdigit:]]+', 'xyzBEEF')).toBe('BEEF');
  });

  it('Perl classes have their RE2 (ASCII) meaning', () => {
    expect(matches('\\s+', 'a\t \nb')).toBe('\t \n');
    expect(matches('a\\sb', 'a\u00a0b')).toBeNull(); // JS \s would match a no-break space
    expect(matches('a\\sb', 'a\u000bb')).toBeNull(); // RE2 \s has no vertical tab
    expect(matches('\\w+', 'éab_1')).toBe('ab_1');
    expect(matches('[\\d-]+', 'x12-3y')).toBe('12-3');
  });

  it('octal, \\x{…}, \\Q…\\E and escaped punctuation', () => {
    expect(matches('\\101\\x{42}\\x43', 'ABC')).toBe('ABC');
    expect(matches('\\Qa.b*c\\E+', 'a.b*cc')).toBe('a.b*cc');
    expect(matches('\\Qa.b\\E', 'axb')).toBeNull();
    expect(matches('\\$\\{', '${')).toBe('${');
    expect(matches('[]a]+', 'x]a]')).toBe(']a]');
    expect(matches('a{,2}', 'a{,2}')).toBe('a{,2}'); // not a repeat in RE2: literal
  });

  it('Unicode classes use the u flag', () => {
    const t = translateRe2('\\p{Greek}+', 'r');
    expect(t.flags).toContain('u');
    expect(matches('\\p{Greek}+', 'abc αβγ')).toBe('αβγ');
    expect(matches('\\pL+', '12éa')).toBe('éa');
  });

  it('named groups count as capture groups', () => {
    const t = translateRe2('(?P<id>a)(b)(?:c)(?<x>d)', 'r');
    expect(t.groups).toBe(3);
    expect(re('(?P<id>a)(b)').exec('ab')?.[2]).toBe('b');
  });
});

describe('refusals', () => {
  it.each([
    ['\\C', /any byte/],
    ['(a)\\1', /backreference/],
    ['a(?=b)', /lookaround/],
    ['a**', /nested repetition/],
    ['(ab', /missing closing/],
    ['ab)', /unmatched/],
    ['[a', /missing closing `\]`/],
    ['\\p{NotAScript}', /not known/],
    ['[[:nope:]]', /unknown POSIX class/],
    ['a{2000}', /over 1000/],
  ])('%s is refused with an error naming the rule', (pattern, reason) => {
    let error: unknown;
    try {
      translateRe2(pattern, 'rule "my-rule" regex');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(RegexTranslationError);
    expect((error as Error).message).toMatch(/^rule "my-rule" regex: /);
    expect((error as Error).message).toMatch(reason);
  });

  it('never quotes the pattern (an allowlist regex may hold a literal secret)', () => {
    const secret = 'AKIA' + 'Q'.repeat(16);
    expect(() => translateRe2(`${secret}(?=x)`, 'allowlists[0]: regexes[0]')).toThrow(
      RegexTranslationError,
    );
    try {
      translateRe2(`${secret}(?=x)`, 'allowlists[0]: regexes[0]');
    } catch (err) {
      expect((err as Error).message.includes(secret)).toBe(false);
    }
  });
});

describe('analysis used by the matcher', () => {
  it('where a match may hold a line break', () => {
    expect(translateRe2('ghp_[A-Za-z0-9]{36}', 'r').newlines).toBe('never');
    expect(translateRe2('\\b(x[a-z]{4})(?:[^a-z]|$)', 'r').newlines).toBe('edges');
    expect(translateRe2('(?:^|[^a-z])x[a-z]{4}', 'r').newlines).toBe('edges');
    expect(translateRe2('-----BEGIN[\\s\\S]*?-----END', 'r').newlines).toBe('inside');
    expect(translateRe2('a\\s{0,3}b', 'r').newlines).toBe('inside');
  });

  it('the longest match', () => {
    expect(translateRe2('ghp_[A-Za-z0-9]{36}', 'r').maxLength).toBe(40);
    expect(translateRe2('a(?:bc|d){0,3}', 'r').maxLength).toBe(7);
    expect(translateRe2('a+', 'r').maxLength).toBe(Infinity);
  });

  it('the literals every match starts with', () => {
    expect(translateRe2('\\b((?:AKIA|ASIA)[A-Z2-7]{16})\\b', 'r').leadingLiterals).toEqual([
      'akia',
      'asia',
    ]);
    expect(translateRe2('(?i)(?:key|passw(?:or)?d)[a-z]*', 'r').leadingLiterals).toEqual([
      'key',
      'passw',
    ]);
    expect(translateRe2('xox[bp]-', 'r').leadingLiterals).toEqual(['xoxb-', 'xoxp-']);
    expect(translateRe2('[A-Za-z]+://', 'r').leadingLiterals).toBeNull();
    expect(translateRe2('a?b', 'r').leadingLiterals).toBeNull();
  });

  it('the source in parts, one per item of the top-level concatenation', () => {
    const t = translateRe2('(?i)(?:key|pwd)[\\w.-]{0,5}?[=:]"?([a-z0-9]{8}|x+)(?:"|$)', 'r');
    expect(t.parts.join('')).toBe(t.source);
    expect(t.parts).toHaveLength(6);
    expect(t.parts[0]).toBe('(?:key|pwd)');
    expect(translateRe2('a|b', 'r').parts).toEqual(['a|b']);
  });
});

describe('literal text', () => {
  it('any literal string, escaped with \\Q…\\E, matches itself and only at its place', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 20 }), (s) => {
        fc.pre(!s.includes('\\E'));
        const r = re(`\\Q${s}\\E`);
        return r.exec(`<${s}>`)?.[0] === s;
      }),
    );
  });
});

// The linear engine (re2js) runs configured patterns as written; the translation above is the
// reference both must agree with on the syntax gitleaks' configs use.
describe('the linear engine agrees with the translation', () => {
  const PATTERNS = [
    String.raw`(?i)\b(tok_[a-z0-9]{8})\b`,
    String.raw`(?i)(?:key|pass)[a-z_]{0,5}[ \t]{0,2}[=:][ \t]{0,2}([a-z0-9]{6,12})`,
    String.raw`(?P<name>[[:alpha:]]+)=(?P<value>[[:digit:]]{2,})`,
    String.raw`(?<word>\w+)\z`,
    String.raw`^ab|cd$`,
    String.raw`(?m)^x[^\n]*$`,
    String.raw`(?s)a.{0,3}b`,
    String.raw`a.b`,
    String.raw`(?:^|[^a-z])(q~[a-z]{4})(?:[^a-z]|$)`,
    String.raw`(a|aa)+$`,
    String.raw`x(y)?z`,
    String.raw`(?i)ab(?-i)c`,
    String.raw`[\x{1F511}é]+`,
    String.raw`\Qa.b\E+`,
  ];
  const ALPHABET = [
    'a',
    'b',
    'c',
    'd',
    'x',
    'y',
    'z',
    'A',
    'B',
    'Q',
    'tok_',
    'key=',
    'Pass: ',
    '=',
    '12',
    ' ',
    '\n',
    '\r',
    '\t',
    '~',
    'q~',
    '.',
    'é',
    '🔑',
    '_',
    'TOK_',
  ];

  /** Every match of a global search: index, text and groups (undefined when not taking part). */
  const all = (
    regex: { lastIndex: number; exec(t: string): RegExpExecArray | null },
    text: string,
  ) => {
    const out: unknown[] = [];
    regex.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = regex.exec(text)) !== null) {
      out.push([m.index, ...m]);
      if (m[0].length === 0) regex.lastIndex = m.index + 1;
    }
    return out;
  };

  it.each(PATTERNS)('%s', (pattern) => {
    const linear = compileLinear(pattern, 'rule "t" regex');
    // Over code points (`u`), as RE2 runs over runes: `.` or `[^a-z]` takes a whole astral
    // character, never half of its surrogate pair.
    const translated = compileRe2(pattern, 'rule "t" regex', 'gu');
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...ALPHABET), { maxLength: 40 }), (pieces) => {
        const text = pieces.join('');
        expect(all(linear, text)).toEqual(all(translated, text));
        expect(linear.test(text)).toBe(translated.test(((translated.lastIndex = 0), text)));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses what RE2 refuses, naming the rule and not quoting the pattern', () => {
    for (const pattern of ['(?=x)y', String.raw`(a)\1`, 'a{2,1}', '(']) {
      expect(() => compileLinear(pattern, 'rule "r" regex')).toThrow(RegexTranslationError);
      expect(() => compileLinear(pattern, 'rule "r" regex')).toThrow(/^rule "r" regex: /);
    }
  });
});
