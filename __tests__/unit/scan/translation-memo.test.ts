// The RE2 translations the CLI keeps between scans (translation-memo.ts): a translation read
// back from its stored form is the translation itself, and rules compiled from stored
// translations find what freshly compiled rules find.
import { compileConfig } from '../../../src/scan/config/config.js';
import { translateRe2 } from '../../../src/scan/config/re2.js';
import { builtinConfig } from '../../../src/scan/config/rules.js';
import {
  stopUsingTranslations,
  translate,
  translationsToSave,
  useTranslations,
  type TranslationRecords,
} from '../../../src/scan/config/translation-memo.js';
import { Detector } from '../../../src/scan/detect/detector.js';
import type { RawAllowlist } from '../../../src/scan/types.js';
import { sha, tokens } from './helpers.js';

afterEach(() => stopUsingTranslations());

/** Every pattern of the built-in config, with the keyword lists its rule asks about. */
function builtinPatterns(): { pattern: string; words: string[] }[] {
  const out: { pattern: string; words: string[] }[] = [];
  const allowlist = (a: RawAllowlist): void => {
    for (const p of [...(a.paths ?? []), ...(a.regexes ?? [])]) out.push({ pattern: p, words: [] });
  };
  const raw = builtinConfig();
  for (const rule of raw.rules ?? []) {
    if (rule.regex)
      out.push({ pattern: rule.regex, words: (rule.keywords ?? []).map((k) => k.toLowerCase()) });
    if (rule.path) out.push({ pattern: rule.path, words: [] });
    for (const a of rule.allowlists ?? []) allowlist(a);
  }
  for (const a of raw.allowlists ?? []) allowlist(a);
  return out;
}

const fields = (t: ReturnType<typeof translateRe2>, words: string[]) => ({
  source: t.source,
  flags: t.flags,
  newlines: t.newlines,
  maxLength: t.maxLength,
  anchorsText: t.anchorsText,
  groups: t.groups,
  parts: t.parts,
  leadingLiterals: t.leadingLiterals,
  contains: t.alwaysContains(words),
});

describe('stored RE2 translations', () => {
  it('read back from JSON, every built-in pattern translates as translateRe2 does', () => {
    const patterns = builtinPatterns();
    useTranslations({});
    for (const { pattern, words } of patterns) translate(pattern, 'p').alwaysContains(words);
    const stored = translationsToSave();
    expect(stored).toBeDefined();
    useTranslations(JSON.parse(JSON.stringify(stored)) as TranslationRecords);
    for (const { pattern, words } of patterns) {
      expect(fields(translate(pattern, 'p'), words)).toEqual(
        fields(translateRe2(pattern, 'p'), words),
      );
    }
    // Nothing new was asked: nothing to store again.
    expect(translationsToSave()).toBeUndefined();
    // A new question about a stored pattern is answered by translating, and stored.
    const { pattern } = patterns.find((p) => p.words.length > 0)!;
    expect(translate(pattern, 'p').alwaysContains(['no-such-word'])).toBe(
      translateRe2(pattern, 'p').alwaysContains(['no-such-word']),
    );
    expect(translationsToSave()).toBeDefined();
  });

  it('rules compiled from stored translations find what fresh ones find', () => {
    const text = [
      `token = "${tokens.githubPat()}"`,
      `aws_access_key_id = ${tokens.awsKeyId()}`,
      `slack: ${tokens.slackBot()}`,
      `password: ${tokens.password()}`,
      `data: ${Buffer.from(`api_key = ${tokens.stripeLive()}`).toString('base64')}`,
    ].join('\n');
    const findings = () =>
      new Detector(compileConfig(builtinConfig(), 'built-in'), { maxDecodeDepth: 2 })
        .detect({ path: 'config/app.env', text })
        .map(
          (f) => `${f.ruleId}@${f.startLine}:${f.startColumn}:${f.decoded ?? ''}:${sha(f.secret)}`,
        );
    const fresh = findings();
    expect(fresh.length).toBeGreaterThanOrEqual(5);
    useTranslations({});
    findings();
    useTranslations(JSON.parse(JSON.stringify(translationsToSave())) as TranslationRecords);
    expect(findings()).toEqual(fresh);
  });
});
