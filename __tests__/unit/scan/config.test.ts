// Reading .gitleaks.toml as gitleaks does: rules, allowlists in both forms, [extend].
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadScanConfig,
  parseScanConfig,
  ScanConfigError,
} from '../../../src/scan/config/config.js';
import { builtinConfig } from '../../../src/scan/config/rules.js';

const parse = (toml: string) => parseScanConfig(toml, '.gitleaks.toml');

function error(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('a config without [extend] replaces the built-in rules', () => {
  it('keeps its rules, keywords lower-cased, allowlists in the old and new forms', () => {
    const cfg = parse(`
title = "custom"
[[rules]]
id = "internal-token"
description = "Internal service token"
regex = '''(?i)itk_([a-z0-9]{24})'''
secretGroup = 1
entropy = 3.5
keywords = ["ITK_"]
tags = ["internal"]
[rules.allowlist]
regexes = ['''^0+$''']

[[rules]]
id = "other"
regex = '''oth_[0-9]{6}'''
[[rules.allowlists]]
paths = ['''test/''']
[[rules.allowlists]]
stopwords = ["dummy"]

[allowlist]
paths = ['''\\.lock$''']
`);
    expect(cfg.rules.map((r) => r.id)).toEqual(['internal-token', 'other']);
    const [first, second] = cfg.rules;
    expect(first).toMatchObject({
      secretGroup: 1,
      entropy: 3.5,
      keywords: ['itk_'],
      tags: ['internal'],
    });
    expect(first!.allowlists).toHaveLength(1);
    expect(second!.allowlists).toHaveLength(2);
    expect(cfg.allowlists).toHaveLength(1);
    expect(cfg.source).toBe('.gitleaks.toml');
  });

  it('[[allowlists]] with targetRules attach to those rules only', () => {
    const cfg = parse(`
[[rules]]
id = "a"
regex = '''a_[0-9]{4}'''
[[rules]]
id = "b"
regex = '''b_[0-9]{4}'''
[[allowlists]]
targetRules = ["b"]
regexes = ['''^b_0''']
`);
    expect(cfg.allowlists).toHaveLength(0);
    expect(cfg.rules.find((r) => r.id === 'a')!.allowlists).toHaveLength(0);
    expect(cfg.rules.find((r) => r.id === 'b')!.allowlists).toHaveLength(1);
  });
});

describe('[extend]', () => {
  const builtinIds = builtinConfig().rules!.map((r) => r.id);

  it('useDefault adds the built-in rules; a rule with a built-in id is merged into it', () => {
    const cfg = parse(`
[extend]
useDefault = true
disabledRules = ["jwt"]

[[rules]]
id = "github-pat"
entropy = 4.2
keywords = ["gh-token"]
[[rules.allowlists]]
regexes = ['''^ghp_0''']

[[rules]]
id = "internal-token"
regex = '''itk_[a-z0-9]{24}'''
keywords = ["itk_"]
`);
    const ids = cfg.rules.map((r) => r.id);
    expect(ids).toContain('internal-token');
    expect(ids).not.toContain('jwt');
    expect(ids).toHaveLength(builtinIds.length); // one disabled, one added
    expect([...ids].sort()).toEqual(ids); // gitleaks orders rules by id
    const pat = cfg.rules.find((r) => r.id === 'github-pat')!;
    // The file's entropy wins, keywords and allowlists add up, the built-in regex stays.
    expect(pat.entropy).toBe(4.2);
    expect(pat.keywords).toEqual(['ghp_', 'gh-token']);
    expect(pat.allowlists.length).toBe(
      1 + (builtinConfig().rules!.find((r) => r.id === 'github-pat')!.allowlists?.length ?? 0),
    );
    expect(pat.pattern!.regex.source).toContain('ghp_');
    // The built-in global allowlists come along.
    expect(cfg.allowlists.length).toBe(builtinConfig().allowlists!.length);
    expect(cfg.source).toBe('.gitleaks.toml (extending the built-in rules)');
  });

  it('path extends another file, relative to the extending one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scan-config-'));
    try {
      writeFileSync(
        join(dir, 'base.toml'),
        `[[rules]]\nid = "base"\nregex = '''base_[0-9]{4}'''\n`,
      );
      writeFileSync(
        join(dir, '.gitleaks.toml'),
        `[extend]\npath = "base.toml"\n[[rules]]\nid = "mine"\nregex = '''mine_[0-9]{4}'''\n`,
      );
      const cfg = loadScanConfig({ root: dir });
      expect(cfg.rules.map((r) => r.id)).toEqual(['base', 'mine']);
      expect(cfg.configFile).toBe('.gitleaks.toml');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds .gitleaks.toml at the root, GITLEAKS_CONFIG, or falls back to the built-in rules', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scan-config-'));
    try {
      expect(loadScanConfig({ root: dir }).source).toBe('built-in');
      writeFileSync(join(dir, 'other.toml'), `[[rules]]\nid = "x"\nregex = '''x_[0-9]{4}'''\n`);
      expect(
        loadScanConfig({ root: dir, env: { GITLEAKS_CONFIG: join(dir, 'other.toml') } }).rules,
      ).toHaveLength(1);
      expect(() => loadScanConfig({ root: dir, configPath: join(dir, 'missing.toml') })).toThrow(
        /does not exist/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('errors name the rule or key, never quote a regex', () => {
  it.each([
    ['not TOML', 'rules = [', /not valid TOML/],
    ['a rule without id', '[[rules]]\nregex = "x"', /rules\[0\]: a rule needs an `id`/],
    ['a rule without regex or path', '[[rules]]\nid = "r"', /rule "r": needs a regex or a path/],
    [
      'an untranslatable regex',
      `[[rules]]\nid = "r"\nregex = '''a(?=b)'''`,
      /rule "r" regex: .*lookaround/,
    ],
    [
      'a secretGroup beyond the groups',
      `[[rules]]\nid = "r"\nregex = '''(a)b'''\nsecretGroup = 2`,
      /rule "r": secretGroup 2 does not exist/,
    ],
    [
      'an empty allowlist',
      `[[rules]]\nid = "r"\nregex = "a"\n[[rules.allowlists]]\ndescription = "x"`,
      /needs at least one of/,
    ],
    [
      'an unknown condition',
      `[[rules]]\nid = "r"\nregex = "a"\n[[rules.allowlists]]\ncondition = "XOR"\nregexes = ["a"]`,
      /unknown condition "XOR"/,
    ],
    [
      'an unknown regexTarget',
      `[[rules]]\nid = "r"\nregex = "a"\n[[rules.allowlists]]\nregexTarget = "file"\nregexes = ["a"]`,
      /unknown regexTarget "file"/,
    ],
    [
      'useDefault and path together',
      '[extend]\nuseDefault = true\npath = "x.toml"',
      /cannot both be set/,
    ],
    [
      'a remote extend',
      '[extend]\nurl = "https://example.com/x.toml"',
      /extend.url is not supported/,
    ],
    [
      'a target rule that does not exist',
      '[[allowlists]]\ntargetRules = ["nope"]\nregexes = ["a"]',
      /target rule "nope" does not exist/,
    ],
    [
      'a wrongly typed field',
      `[[rules]]\nid = "r"\nregex = "a"\nkeywords = "a"`,
      /rule "r": keywords must be an array of strings/,
    ],
  ])('%s', (_name, toml, message) => {
    const err = error(() => parse(toml));
    expect(err).toBeInstanceOf(ScanConfigError);
    expect(err.message).toMatch(message);
  });

  it('the regex of a bad rule is not in the message', () => {
    const marker = 'AKIA' + 'Z'.repeat(16);
    const err = error(() => parse(`[[rules]]\nid = "r"\nregex = '''${marker}(?=x)'''`));
    expect(err.message.includes(marker)).toBe(false);
  });
});

describe('the built-in rule set', () => {
  it('compiles, and every content rule has keywords, a description and a unique id', () => {
    const raw = builtinConfig();
    const ids = raw.rules!.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of raw.rules!) {
      // A path-only rule (the file is the finding) has no content to find keywords in.
      if (rule.regex) expect(rule.keywords?.length).toBeGreaterThan(0);
      else expect(rule.path).toBeTruthy();
      expect(rule.description).toBeTruthy();
    }
    expect(() => parse('[extend]\nuseDefault = true')).not.toThrow();
  });
});

describe('which engine runs a pattern', () => {
  it('the built-in patterns run natively (audited); a configured one runs on the linear engine', () => {
    const cfg = parse(`
[extend]
useDefault = true

[[rules]]
id = "github-pat"
regex = '''ghp_[0-9a-zA-Z]{36}(a|aa)+$'''

[[rules]]
id = "mine"
regex = '''(a|aa)+$'''
path = '''(x|xx)+y'''
[[rules.allowlists]]
regexes = ['''(b|bb)+$''']
paths = ['''(c|cc)+$''']
`);
    const rule = (id: string) => cfg.rules.find((r) => r.id === id)!;
    expect(rule('aws-access-key-id').pattern!.engine).toBe('native');
    expect(rule('aws-access-key-id').pattern!.regex).toBeInstanceOf(RegExp);
    // A built-in rule whose regex a config replaces is no longer the audited pattern.
    expect(rule('github-pat').pattern!.engine).toBe('linear');
    expect(rule('mine').pattern!.engine).toBe('linear');
    expect(rule('mine').path).not.toBeInstanceOf(RegExp);
    const allow = rule('mine').allowlists[0]!;
    for (const test of [...allow.regexes, ...allow.paths]) expect(test).not.toBeInstanceOf(RegExp);
    // What would take V8 exponential time is answered at once.
    expect(allow.anyRegex!.test('b'.repeat(5000) + '!')).toBe(false);
    expect(allow.anyPath!.test('c'.repeat(5000))).toBe(true);
    expect(rule('mine').path!.test('x'.repeat(5000))).toBe(false);
  });

  it('a configured pattern equal to a built-in one keeps the native engine', () => {
    const builtin = builtinConfig().rules!.find((r) => r.id === 'github-pat')!;
    const cfg = parse(`[[rules]]\nid = "copy"\nregex = '''${builtin.regex}'''\n`);
    expect(cfg.rules[0]!.pattern!.engine).toBe('native');
  });

  it('joins configured allowlist regexes with different flags into one linear test', () => {
    const cfg = parse(`
[[rules]]
id = "r"
regex = '''tok_[a-z]+'''
[[rules.allowlists]]
regexes = ['''(?i)^TOK_ABC''', '''xyz$''']
`);
    const test = cfg.rules[0]!.allowlists[0]!.anyRegex!;
    expect(test.test('tok_abcdef')).toBe(true);
    expect(test.test('tok_defxyz')).toBe(true);
    expect(test.test('TOK_xyzz')).toBe(false);
    expect(test.test('x_tok_abc')).toBe(false);
  });
});

describe('an audited pattern keeps the native engine only in the use it was audited for', () => {
  it('a built-in allowlist regex used as a rule regex runs on the linear engine', () => {
    const allowlistRegex = builtinConfig().allowlists!.find((a) => a.regexes)!.regexes![0]!;
    const cfg = parse(`[[rules]]\nid = "r"\nregex = '''${allowlistRegex}'''\n`);
    expect(cfg.rules[0]!.pattern!.engine).toBe('linear');
  });
});
