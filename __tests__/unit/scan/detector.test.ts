// The detector against gitleaks' semantics: the same findings as running each triggered
// rule's regex over the whole fragment (what gitleaks does), and gitleaks' secret group,
// entropy, allowlist, gitleaks:allow and path rules.
import fc from 'fast-check';
import { parse as parseToml } from 'smol-toml';
import { compileConfig, parseScanConfig, validateConfig } from '../../../src/scan/config/config.js';
import { Detector, unionGate } from '../../../src/scan/detect/detector.js';
import { compileRe2 } from '../../../src/scan/config/re2.js';
import type { Finding, ScanConfig } from '../../../src/scan/types.js';
import { sha, tokens } from './helpers.js';

const config = (toml: string): ScanConfig => parseScanConfig(toml, 'test.toml');
/** The same config with every pattern on V8's engine, as the built-in rules run. */
const nativeConfig = (toml: string): ScanConfig =>
  compileConfig(validateConfig(parseToml(toml), 'test.toml'), 'test.toml', { native: () => true });
const configOn = { linear: config, native: nativeConfig };

/** The secrets a detector finds in one text (test fixtures are fake values). */
const secretsFinder =
  (d: Detector) =>
  (text: string, path = 'src/a.ts', commit?: string): string[] =>
    d.detect({ path, text, commit }).map((f) => f.secret);

/** Findings in a form that compares well (and hashes the secret in assertion messages). */
const summary = (findings: Finding[]): string[] =>
  findings.map((f) => `${f.ruleId}@${f.startLine}:${f.startColumn}:${sha(f.secret)}`).sort();

// Rules of every shape the detector treats differently: anchored on a keyword, windowed on one
// line, windowed with line breaks at the edges, spanning lines, anchored to the text's start,
// without keywords.
const SHAPES = `
[[rules]]
id = "prefixed"
regex = '''\\b(tok_[a-z0-9]{8})\\b'''
keywords = ["tok_"]

[[rules]]
id = "assignment"
regex = '''(?i)(?:key|pass)[a-z_]{0,5}[ \\t]{0,2}[=:][ \\t]{0,2}([a-z0-9]{6,12})'''
keywords = ["key", "pass"]

# Same keywords and the same leading parts as "assignment", values it cannot match: tried
# together through one gate.
[[rules]]
id = "assignment-hex"
regex = '''(?i)(?:key|pass)[a-z_]{0,5}[ \\t]{0,2}[=:][ \\t]{0,2}([0-9a-f]{4}-[0-9a-f]{4})\\b'''
keywords = ["pass", "key"]

# Same keywords as "prefixed" but other flags: no gate (one regex cannot hold both).
[[rules]]
id = "prefixed-any-case"
regex = '''(?i)\\b(tok_[a-z]{8})'''
keywords = ["tok_"]

[[rules]]
id = "userinfo"
regex = '''[a-z]{2,6}://[a-z]+:([a-z0-9]{4,})@host'''
keywords = ["://"]

[[rules]]
id = "edges"
regex = '''(?:^|[^a-z])(q~[a-z]{4})(?:[^a-z]|$)'''
keywords = ["q~"]

[[rules]]
id = "block"
regex = '''BEGIN\\n[a-z\\n]{4,40}?\\nEND'''
keywords = ["begin"]

[[rules]]
id = "anchored-text"
regex = '''^HEAD[a-z]{3}'''
keywords = ["head"]

[[rules]]
id = "unkeyed"
regex = '''zz[0-9]{3}'''
`;

/** What gitleaks does: every rule whose keyword occurs runs over the whole text. */
function reference(cfg: ScanConfig, text: string): string[] {
  const out: string[] = [];
  const lower = text.toLowerCase();
  for (const rule of cfg.rules) {
    if (rule.keywords.length > 0 && !rule.keywords.some((k) => lower.includes(k))) continue;
    const { regex: compiled, engine } = rule.pattern!;
    // A configured pattern's source is its RE2 text: the reference runs its JS translation,
    // over code points (`u`) as RE2 runs over runes: a `[^a-z]` takes a whole astral character
    // (as gitleaks does), not half of its surrogate pair.
    const regex =
      engine === 'linear'
        ? compileRe2(compiled.source, rule.id, 'gu')
        : new RegExp(compiled.source, compiled.flags);
    for (const m of text.matchAll(regex)) {
      if (m[0].length === 0) continue;
      let matched = m[0];
      while (matched.endsWith('\n')) matched = matched.slice(0, -1);
      const secret = m.slice(1).find((g) => g) ?? matched;
      const secretAt = m.index + matched.indexOf(secret);
      const lineOf = (offset: number): number => text.slice(0, offset).split('\n').length;
      // A match that starts on an earlier line than its secret is reported where it starts.
      const at = lineOf(secretAt) === lineOf(m.index) ? secretAt : m.index;
      const line = lineOf(at);
      // lastIndexOf(…, -1) would look at offset 0 itself: a match at the text's start is on
      // a line that starts there.
      const lineStart = at === 0 ? 0 : text.lastIndexOf('\n', at - 1) + 1;
      const column = at - lineStart + 1;
      out.push(`${rule.id}@${line}:${column}:${sha(secret)}`);
    }
  }
  return out.sort();
}

const PIECES = [
  'tok_abcd1234',
  'tok_ABCD1234',
  'xtok_abcd1234',
  'key = abc123def',
  'KEY: abcdef99',
  'passwd=zz123',
  'pass_x : 123456',
  'key=dead-beef',
  'PASS: 0123-abcd ',
  'key=deadbeef',
  'key_id = 1234567890',
  'tok_abcdefgh',
  'https://user:s3cr3t@host',
  'ftp://a:bcde@host',
  '://x:yyyy@host',
  'q~abcd',
  'aq~abcd',
  'BEGIN\nabcd\nef\nEND',
  'BEGIN\nab\nEND',
  'HEADabc',
  'zz123',
  ' ',
  '\n',
  '\t',
  'x',
  '=',
  '-',
];

describe.each(['native', 'linear'] as const)(
  'the detector (%s engine) finds what gitleaks would',
  (engine) => {
    const cfg = configOn[engine](SHAPES);
    const detector = new Detector(cfg);

    it('on any text made of rule-shaped pieces (JavaScript walk)', () => {
      fc.assert(
        fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 60 }), (pieces) => {
          const text = pieces.join('');
          expect(summary(detector.detect({ path: 'f.txt', text }))).toEqual(reference(cfg, text));
        }),
        { numRuns: 400 },
      );
    });

    it('on the bytes of a UTF-8 file, decoded by the detector', () => {
      fc.assert(
        fc.property(
          fc.array(fc.constantFrom(...PIECES, 'é', '日本', '🔑'), {
            minLength: 300,
            maxLength: 900,
          }),
          (pieces) => {
            const text = pieces.join('');
            const bytes = Buffer.from(text, 'utf8');
            expect(summary(detector.detectFile('f.txt', bytes))).toEqual(reference(cfg, text));
          },
        ),
        { numRuns: 30 },
      );
    });

    it('on the bytes of large ASCII files, through the WebAssembly walk', () => {
      fc.assert(
        fc.property(
          fc.array(fc.constantFrom(...PIECES), { minLength: 400, maxLength: 1200 }),
          (pieces) => {
            const text = pieces.join('');
            expect(summary(detector.detectFile('f.txt', Buffer.from(text, 'latin1')))).toEqual(
              reference(cfg, text),
            );
          },
        ),
        { numRuns: 40 },
      );
    });
  },
);

describe('the gate of rules tried at the same places', () => {
  const cfg = nativeConfig(SHAPES);
  const rule = (id: string) => cfg.rules.find((r) => r.id === id)!.pattern!;

  it('shares the leading parts and matches exactly where one of the rules matches', () => {
    const gate = unionGate([rule('assignment'), rule('assignment-hex')])!;
    expect(gate.source.match(/\(\?:key\|pass\)/g)).toHaveLength(1);
    expect(gate.sticky).toBe(true);
    const sticky = [rule('assignment'), rule('assignment-hex')].map(
      (p) => new RegExp(p.regex.source, p.regex.flags.replace('g', 'y')),
    );
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 30 }), (pieces) => {
        const text = pieces.join('');
        for (let at = 0; at < text.length; at++) {
          gate.lastIndex = at;
          const any = sticky.some((r) => ((r.lastIndex = at), r.test(text)));
          expect(gate.test(text)).toBe(any);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('none for rules whose flags differ', () => {
    expect(unionGate([rule('prefixed'), rule('prefixed-any-case')])).toBeNull();
  });
});

describe('gitleaks semantics', () => {
  it('secretGroup picks the group; without it the first non-empty group is the secret', () => {
    const cfg = config(`
[[rules]]
id = "two-groups"
regex = '''(a+)?(id)=([0-9]{4})'''
secretGroup = 3
keywords = ["id="]
[[rules]]
id = "first-group"
regex = '''(x+)?(y+)=([0-9]{4})'''
keywords = ["y="]
`);
    const found = new Detector(cfg).detect({ path: 'f', text: 'id=1234 yy=9876' });
    expect(found.map((f) => [f.ruleId, f.secret, f.startColumn])).toEqual([
      ['two-groups', '1234', 4],
      ['first-group', 'yy', 9],
    ]);
  });

  it('an entropy floor drops low-entropy secrets', () => {
    const cfg = config(`
[[rules]]
id = "e"
regex = '''tok_([a-zA-Z0-9]{16})'''
entropy = 3.0
keywords = ["tok_"]
`);
    const d = new Detector(cfg);
    expect(d.detect({ path: 'f', text: 'tok_aaaaaaaaaaaaaaaa' })).toHaveLength(0);
    expect(d.detect({ path: 'f', text: 'tok_aB3dE5gH7jK9mN1p' })).toHaveLength(1);
  });

  it('gitleaks:allow on the line silences the finding', () => {
    const d = new Detector(config(SHAPES));
    expect(d.detect({ path: 'f', text: 'tok_abcd1234 // gitleaks:allow' })).toHaveLength(0);
    expect(d.detect({ path: 'f', text: 'tok_abcd1234\n// gitleaks:allow' })).toHaveLength(1);
    const strict = new Detector(config(SHAPES), { ignoreAllowComments: true });
    expect(strict.detect({ path: 'f', text: 'tok_abcd1234 // gitleaks:allow' })).toHaveLength(1);
  });

  it('rule and global allowlists: regexes on secret, match or line; stopwords; paths; commits', () => {
    const cfg = config(`
[[rules]]
id = "t"
regex = '''(?:tok|key)_([a-z0-9]{8})'''
keywords = ["tok_", "key_"]
[[rules.allowlists]]
regexes = ['''^0000''']
[[rules.allowlists]]
regexTarget = "match"
regexes = ['''^key_''']
[[rules.allowlists]]
regexTarget = "line"
regexes = ['''fixture''']
[[rules.allowlists]]
stopwords = ["dead"]

[[allowlists]]
paths = ['''(^|/)testdata/''']
[[allowlists]]
commits = ["ABC123"]
`);
    const secrets = secretsFinder(new Detector(cfg));
    expect(secrets('tok_12345678')).toEqual(['12345678']);
    expect(secrets('tok_00001234')).toEqual([]); // regex on the secret
    expect(secrets('key_12345678')).toEqual([]); // regex on the match
    expect(secrets('tok_12345678 // fixture')).toEqual([]); // regex on the line
    expect(secrets('tok_99dead99')).toEqual([]); // stopword in the secret
    expect(secrets('tok_12345678', 'pkg/testdata/a.ts')).toEqual([]); // global path
    expect(secrets('tok_12345678', 'src/a.ts', 'abc123')).toEqual([]); // global commit, any case
  });

  it('stopwords are plain text, any case, even with regex characters in them', () => {
    const cfg = config(`
[[rules]]
id = "t"
regex = '''tok_([a-z0-9.*+()|-]{8})'''
keywords = ["tok_"]
[[rules.allowlists]]
stopwords = ["a.b", "(x)", "Q|R"]
`);
    const secrets = secretsFinder(new Detector(cfg));
    expect(secrets('tok_12a.b345')).toEqual([]);
    expect(secrets('tok_12axb345')).toEqual(['12axb345']); // '.' is not "any character"
    expect(secrets('tok_1(x)2345')).toEqual([]);
    expect(secrets('tok_1x234567')).toEqual(['1x234567']);
    expect(secrets('tok_12q|r345')).toEqual([]); // compared in lower case
    expect(secrets('tok_12q34567')).toEqual(['12q34567']); // '|' is not an alternation
  });

  it('condition = "AND" with a stopword needs the stopword too', () => {
    const cfg = config(`
[[rules]]
id = "t"
regex = '''tok_([a-z0-9]{8})'''
keywords = ["tok_"]
[[rules.allowlists]]
condition = "AND"
paths = ['''\\.md$''']
stopwords = ["dead"]
`);
    const d = new Detector(cfg);
    expect(d.detect({ path: 'README.md', text: 'tok_00dead00' })).toHaveLength(0);
    expect(d.detect({ path: 'README.md', text: 'tok_00beef00' })).toHaveLength(1);
    expect(d.detect({ path: 'a.ts', text: 'tok_00dead00' })).toHaveLength(1);
  });

  it('condition = "AND" needs every check that is set', () => {
    const cfg = config(`
[[rules]]
id = "t"
regex = '''tok_([a-z0-9]{8})'''
keywords = ["tok_"]
[[rules.allowlists]]
condition = "AND"
paths = ['''\\.md$''']
regexes = ['''^1''']
`);
    const d = new Detector(cfg);
    expect(d.detect({ path: 'README.md', text: 'tok_12345678' })).toHaveLength(0);
    expect(d.detect({ path: 'README.md', text: 'tok_22345678' })).toHaveLength(1);
    expect(d.detect({ path: 'a.ts', text: 'tok_12345678' })).toHaveLength(1);
  });

  it('a rule path limits the rule; a path-only rule reports the file', () => {
    const cfg = config(`
[[rules]]
id = "env-only"
regex = '''tok_([a-z0-9]{8})'''
path = '''\\.env$'''
keywords = ["tok_"]
[[rules]]
id = "keystore"
path = '''\\.(?:jks|p12)$'''
`);
    const d = new Detector(cfg);
    expect(d.detect({ path: 'a.ts', text: 'tok_12345678' })).toHaveLength(0);
    expect(d.detect({ path: 'prod.env', text: 'tok_12345678' }).map((f) => f.ruleId)).toEqual([
      'env-only',
    ]);
    const file = d.detect({ path: 'certs/app.p12', text: '' });
    expect(file.map((f) => [f.ruleId, f.globalFingerprint])).toEqual([
      ['keystore', 'certs/app.p12:keystore:0'],
    ]);
  });

  it('the config file itself is not scanned', () => {
    const cfg = { ...config(SHAPES), configFile: '.gitleaks.toml' };
    expect(new Detector(cfg).detect({ path: '.gitleaks.toml', text: 'tok_12345678' })).toHaveLength(
      0,
    );
  });

  it('maps diff lines to file lines and fingerprints with and without the commit', () => {
    const d = new Detector(config(SHAPES));
    const [f] = d.detect({
      path: 'src/app.ts',
      commit: 'c0ffee',
      text: 'nothing here\n  tok_abcd1234',
      lineNumbers: [10, 42],
    });
    expect(f).toMatchObject({
      startLine: 42,
      startColumn: 3,
      endColumn: 15,
      matchLine: 42,
      fingerprint: 'c0ffee:src/app.ts:prefixed:42',
      globalFingerprint: 'src/app.ts:prefixed:42',
    });
  });

  it('a generic rule says nothing where a specific rule already found the secret', () => {
    const cfg = config(`
[[rules]]
id = "github-pat"
regex = '''(ghp_[A-Za-z0-9]{36})'''
keywords = ["ghp_"]
[[rules]]
id = "generic-api-key"
regex = '''(?i)token\\s*=\\s*"([^"]+)"'''
keywords = ["token"]
`);
    const token = tokens.githubPat();
    const found = new Detector(cfg).detect({
      path: 'a',
      text: `token = "${token}"\ntoken = "other-value-123"`,
    });
    expect(found.map((f) => f.ruleId)).toEqual(['github-pat', 'generic-api-key']);
  });
});
