// Where gitleaks' behaviour is the contract: rules whose keyword need not lie inside the match
// (gitleaks' Airtable, Facebook and Sourcegraph rules name the service in `keywords` but match
// only the token). Rules and samples are our own, in gitleaks' format; values are fake.
import { parse as parseToml } from 'smol-toml';
import { compileConfig, parseScanConfig, validateConfig } from '../../../src/scan/config/config.js';
import { translateRe2 } from '../../../src/scan/config/re2.js';
import { builtinConfig } from '../../../src/scan/config/rules.js';
import { Detector } from '../../../src/scan/detect/detector.js';
import type { ScanConfig } from '../../../src/scan/types.js';

const linear = (toml: string): ScanConfig => parseScanConfig(toml, 'test.toml');
const native = (toml: string): ScanConfig =>
  compileConfig(validateConfig(parseToml(toml), 'test.toml'), 'test.toml', { native: () => true });

const TOKEN_RULE = `
[[rules]]
id = "service-pat"
regex = '''\\b(pat[a-zA-Z0-9]{14}\\.[a-f0-9]{64})\\b'''
keywords = ["acmetable"]
`;
const token = `pat${'Fake'.repeat(3)}Xy.${'0f'.repeat(32)}`;

describe.each([
  ['linear engine', linear],
  ['native engine', native],
])('a keyword outside the match (%s)', (_engine, load) => {
  const find = (text: string): number[] =>
    new Detector(load(TOKEN_RULE)).detect({ path: 'a.env', text }).map((f) => f.matchLine);

  it('finds the token anywhere in the fragment that holds the keyword', () => {
    const text = `# acmetable settings\n${'x = 1\n'.repeat(40)}TOKEN=${token}\n`;
    expect(find(text)).toEqual([42]);
  });

  it('finds it before the keyword too, and far from it', () => {
    const text = `TOKEN=${token}\n${'y'.repeat(200_000)}\nservice: acmetable\n`;
    expect(find(text)).toEqual([1]);
  });

  it('finds nothing where the keyword is absent, as gitleaks', () => {
    expect(find(`TOKEN=${token}\n`)).toEqual([]);
  });
});

describe('alwaysContains (which rules may be searched near their keywords only)', () => {
  const contains = (pattern: string, words: string[]): boolean =>
    translateRe2(pattern, 'test').alwaysContains(words);

  it.each([
    ['ops_eyJ[a-zA-Z0-9+/]{250,}', ['ops_']],
    ['(?i)[\\w.-]{0,50}?(?:adafruit)(?:[ \\t\\w.-]{0,20})=([a-z0-9_-]{32})', ['adafruit']],
    [
      '(?i)secret[_.-]?access[_.-]?key=([a-z]{40})',
      ['secret_access', 'secretaccess', 'secret-access', 'secret.access'],
    ],
    ['\\b(xox[pe](?:-[0-9]{8,14}){2,3}-[A-Za-z0-9]{28,40})\\b', ['xoxp-', 'xoxe-']],
    ['(?:ghp|gho)_[A-Za-z0-9]{36}', ['ghp_', 'gho_']],
    ['(?i)(?:atlassian|confluence|jira)[ =]+([a-z0-9]{24})', ['atlassian', 'confluence', 'jira']],
  ])('%s holds one of %j', (pattern, words) => {
    expect(contains(pattern, words)).toBe(true);
  });

  it.each([
    ['\\b(pat[a-zA-Z0-9]{14}\\.[a-f0-9]{64})\\b', ['airtable']],
    ['(?:ghp|gho)_[A-Za-z0-9]{36}', ['ghp_']],
    ['secret[_.-]?access', ['secret_access']],
    ['(?:key)?[a-z]{8}', ['key']],
    ['a.b', ['a.b']],
  ])('%s does not always hold one of %j', (pattern, words) => {
    expect(contains(pattern, words)).toBe(false);
  });

  it('holds for every built-in rule (they keep their narrow windows)', () => {
    const rules = compileConfig(builtinConfig(), 'built-in').rules;
    const wide = rules.filter(
      (r) => r.pattern && r.keywords.length > 0 && !r.pattern.keywordsInside,
    );
    expect(wide.map((r) => r.id)).toEqual([]);
  });
});

describe('a match that spans lines', () => {
  const SPANNING = `
[[rules]]
id = "yaml-password"
regex = '''(?i)password:[ \\t]*\\n[ \\t]+([a-z0-9]{16})'''
keywords = ["password"]
`;

  it.each([
    ['linear engine', linear],
    ['native engine', native],
  ])('is reported on the line where the match starts, like its fingerprint (%s)', (_e, load) => {
    const text = 'db:\n  password:\n    fakefakefake0000\n';
    const [finding] = new Detector(load(SPANNING)).detect({ path: 'values.yaml', text });
    expect(finding).toMatchObject({
      startLine: 2,
      startColumn: 3,
      endLine: 3,
      matchLine: 2,
      globalFingerprint: 'values.yaml:yaml-password:2',
    });
  });
});
