// gitleaks' composite rules (`[[rules.required]]`, v8.28) and `skipReport`, and the config
// loader's warnings for keys it does not know. Rules and samples are our own, written in
// gitleaks' config format; values are obviously fake.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { compileConfig, parseScanConfig, validateConfig } from '../../../src/scan/config/config.js';
import { Detector } from '../../../src/scan/detect/detector.js';
import type { ScanConfig } from '../../../src/scan/types.js';

const linear = (toml: string): ScanConfig => parseScanConfig(toml, 'test.toml');
const native = (toml: string): ScanConfig =>
  compileConfig(validateConfig(parseToml(toml), 'test.toml'), 'test.toml', { native: () => true });

/** A primary client secret that counts only beside its client id (which is never reported). */
const composite = (bounds: string, idKeywords = '["acme_id"]'): string => `
[[rules]]
id = "acme-client-secret"
regex = '''acme_secret\\s*=\\s*"(sec_[a-z0-9]{12})"'''
keywords = ["acme_secret"]
[[rules.required]]
id = "acme-client-id"
${bounds}

[[rules]]
id = "acme-client-id"
regex = '''(cid_[a-z0-9]{8})'''
keywords = ${idKeywords}
skipReport = true
`;

const SECRET = 'acme_secret = "sec_fakefakefake"';
/** The id's match starts in column 1, like the secret's: columns are compared from there. */
const ID = 'cid_fake0000 # acme_id';

describe.each([
  ['linear engine', linear],
  ['native engine', native],
])('composite rules (%s)', (_engine, load) => {
  const found = (toml: string, text: string, path = 'app/config.py'): string[] =>
    new Detector(load(toml)).detect({ path, text }).map((f) => `${f.ruleId}@${f.matchLine}`);

  it('reports the primary beside its required part, and never the part itself', () => {
    expect(found(composite(''), `${ID}\n${SECRET}\n`)).toEqual(['acme-client-secret@2']);
  });

  it('without a required part in the fragment reports nothing', () => {
    expect(found(composite(''), `${SECRET}\n`)).toEqual([]);
  });

  it('without bounds, the part may be anywhere in the fragment', () => {
    const far = `${ID}\n${'# filler\n'.repeat(200)}${SECRET}\n`;
    expect(found(composite(''), far)).toEqual(['acme-client-secret@202']);
  });

  it('withinLines counts lines between match starts, both ways', () => {
    const toml = composite('withinLines = 2');
    expect(found(toml, `${ID}\n\n${SECRET}\n`)).toEqual(['acme-client-secret@3']);
    expect(found(toml, `${SECRET}\n\n${ID}\n`)).toEqual(['acme-client-secret@1']);
    expect(found(toml, `${ID}\n\n\n${SECRET}\n`)).toEqual([]);
  });

  it('withinColumns compares the columns where the matches start', () => {
    const toml = composite('withinColumns = 4');
    expect(found(toml, `${ID}\n    ${SECRET}\n`)).toEqual(['acme-client-secret@2']);
    expect(found(toml, `${ID}\n     ${SECRET}\n`)).toEqual([]);
  });

  it('both bounds make a rectangle', () => {
    const toml = composite('withinLines = 1\nwithinColumns = 0');
    expect(found(toml, `${ID}\n${SECRET}\n`)).toEqual(['acme-client-secret@2']);
    expect(found(toml, `${ID}\n\n${SECRET}\n`)).toEqual([]);
    expect(found(toml, `${ID}\n ${SECRET}\n`)).toEqual([]);
  });

  it('runs a required rule over the whole fragment even where its keywords do not occur', () => {
    // gitleaks calls the required rule directly (detect.go processRequiredRules), keywords or not.
    const toml = composite('', '["never-here"]');
    expect(found(toml, `id: cid_fake0000\n${SECRET}\n`)).toEqual(['acme-client-secret@2']);
  });

  it('a required part turned away by its own allowlist does not count', () => {
    const toml =
      composite('') +
      `[[rules.allowlists]]
regexes = ['''cid_fake0000''']
`;
    expect(found(toml, `${ID}\n${SECRET}\n`)).toEqual([]);
  });

  it('needs a finding of every required rule', () => {
    const toml = `
[[rules]]
id = "primary"
regex = '''prim_([a-z]{6})'''
keywords = ["prim_"]
[[rules.required]]
id = "part-a"
[[rules.required]]
id = "part-b"
withinLines = 0

[[rules]]
id = "part-a"
regex = '''parta_[a-z]{4}'''
keywords = ["parta_"]

[[rules]]
id = "part-b"
regex = '''partb_[a-z]{4}'''
keywords = ["partb_"]
skipReport = true
`;
    // part-a is reported on its own (no skipReport); part-b only helps.
    expect(found(toml, 'prim_abcdef parta_wxyz\n').sort()).toEqual(['part-a@1']);
    expect(found(toml, 'prim_abcdef parta_wxyz partb_wxyz\n').sort()).toEqual([
      'part-a@1',
      'primary@1',
    ]);
    expect(found(toml, 'prim_abcdef parta_wxyz\npartb_wxyz\n').sort()).toEqual(['part-a@1']);
  });

  it('a path-only primary needs its parts too', () => {
    const toml = `
[[rules]]
id = "keystore-with-password"
path = '''\\.jks$'''
[[rules.required]]
id = "store-password"

[[rules]]
id = "store-password"
regex = '''storepass=[a-z0-9]{8}'''
keywords = ["storepass"]
skipReport = true
`;
    expect(found(toml, 'storepass=fake1234\n', 'release.jks')).toEqual([
      'keystore-with-password@0',
    ]);
    expect(found(toml, 'nothing here\n', 'release.jks')).toEqual([]);
    expect(found(toml, '', 'release.jks')).toEqual([]);
  });
});

describe('composite rules in the config', () => {
  it('refuses a required rule that does not exist, naming both', () => {
    expect(() =>
      linear(`
[[rules]]
id = "primary"
regex = '''prim_[a-z]{6}'''
[[rules.required]]
id = "nowhere"
`),
    ).toThrow('rule "primary": [[rules.required]] rule "nowhere" does not exist');
  });

  it('refuses malformed parts, naming the rule and the field', () => {
    const rule = (part: string): string => `
[[rules]]
id = "primary"
regex = '''prim_[a-z]{6}'''
[[rules.required]]
${part}
`;
    expect(() => linear(rule('withinLines = 2'))).toThrow(
      'test.toml: rule "primary": required[0]: a required rule needs an `id`',
    );
    expect(() => linear(rule('id = "primary"\nwithinLines = -1'))).toThrow(
      'required[0].withinLines must be a whole number, 0 or more',
    );
    expect(() => linear(rule('id = "primary"\nwithinColumns = "3"'))).toThrow(
      'required[0].withinColumns must be a number',
    );
    expect(() =>
      linear(`
[[rules]]
id = "r"
regex = '''x'''
skipReport = "yes"
`),
    ).toThrow('rule "r": skipReport must be true or false');
  });

  it("keeps the base rule's parts when a file extends it without saying them", () => {
    const base = composite('withinLines = 1');
    const dir = mkdtempSync(join(tmpdir(), 'composite-'));
    writeFileSync(join(dir, 'base.toml'), base);
    const config = parseScanConfig(
      `[extend]
path = "base.toml"

[[rules]]
id = "acme-client-secret"
description = "overridden description"
`,
      'top.toml',
      dir,
    );
    const rule = config.rules.find((r) => r.id === 'acme-client-secret')!;
    expect(rule.description).toBe('overridden description');
    expect(rule.required).toEqual([{ id: 'acme-client-id', withinLines: 1 }]);
    expect(config.rules.find((r) => r.id === 'acme-client-id')!.skipReport).toBe(true);
  });
});

describe('unknown keys', () => {
  it('are warnings that name the key and where it is, with a hint for a near miss', () => {
    const config = linear(`
titel = "typo"
[extend]
useDefualt = true

[[rules]]
id = "r"
regex = '''tok_[a-z]{8}'''
keyword = ["tok_"]
[[rules.allowlists]]
stopword = ["example"]
regexes = ['''x''']
[[rules.required]]
id = "r"
withinLine = 2

[[allowlists]]
targetRule = ["r"]
paths = ['''vendor/''']
`);
    expect(config.warnings).toEqual([
      'test.toml: unknown key "titel" is ignored',
      'test.toml: [extend]: unknown key "useDefualt" is ignored',
      'test.toml: rule "r": unknown key "keyword" is ignored (did you mean "keywords"?)',
      'test.toml: rule "r": required[0]: unknown key "withinLine" is ignored (did you mean "withinLines"?)',
      'test.toml: rule "r": allowlists[0]: unknown key "stopword" is ignored (did you mean "stopwords"?)',
      'test.toml: allowlists[0]: unknown key "targetRule" is ignored (did you mean "targetRules"?)',
    ]);
  });

  it('a config that uses only known keys has no warnings', () => {
    expect(linear(composite('withinLines = 1\nwithinColumns = 2')).warnings).toEqual([]);
  });
});
