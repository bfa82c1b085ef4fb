// Duplicates are reported as gitleaks reports them (see src/scan/detect/dedup.ts for the
// source it follows): a generic rule's finding is dropped only when a specific rule's finding
// that starts on the same line has a secret containing its secret; everything else is
// reported. Rules and samples are our own, in gitleaks' format; values are generated here and
// assertions carry their hashes, never the values.
import { compileConfig, parseScanConfig } from '../../../src/scan/config/config.js';
import { builtinConfig } from '../../../src/scan/config/rules.js';
import { Detector } from '../../../src/scan/detect/detector.js';
import { dropShadowedGeneric, isGenericRule } from '../../../src/scan/detect/dedup.js';
import type { Finding } from '../../../src/scan/types.js';
import { B62, random, sha, tokens } from './helpers.js';

const SPECIFIC = `
[[rules]]
id = "acme-api-token"
description = "Acme API token"
regex = '''\\b(acme_[A-Za-z0-9]{24})'''
keywords = ["acme_"]
`;
const GENERIC = (id: string): string => `
[[rules]]
id = "${id}"
description = "A credential assigned to a name"
regex = '''(?i)(?:token|secret)[ \\t]*[:=][ \\t]*["']?([A-Za-z0-9_]{16,64})'''
keywords = ["token", "secret"]
`;

const detector = (toml: string, maxDecodeDepth = 0): Detector =>
  new Detector(parseScanConfig(toml, 'test.toml'), { maxDecodeDepth });
/** rule@line:column#hash-of-secret, in the order reported. */
const shape = (findings: Finding[]): string[] =>
  findings.map((f) => `${f.ruleId}@${f.matchLine}:${f.startColumn}#${sha(f.secret)}`);
const ids = (findings: Finding[]): string[] => findings.map((f) => f.ruleId).sort();
const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('a generic rule and a specific one on the same secret (gitleaks filter)', () => {
  const d = detector(SPECIFIC + GENERIC('generic-credential'));
  const body = (): string => random(B62, 20) + '0aZ9';

  it('drops the generic finding at the same place', () => {
    const token = `acme_${body()}`;
    const found = d.detect({ path: 'a.env', text: `token = "${token}"\n` });
    expect(shape(found)).toEqual([`acme-api-token@1:10#${sha(token)}`]);
  });

  it('drops it where the specific secret holds it elsewhere on the line', () => {
    // The two do not overlap: gitleaks compares the secrets' text on the match's line.
    const b = body();
    const text = `ACME=acme_${b} # secret: ${b}\n`;
    expect(ids(d.detect({ path: 'a.env', text }))).toEqual(['acme-api-token']);
    expect(ids(d.detectFile('a.env', Buffer.from(text)))).toEqual(['acme-api-token']);
  });

  it('keeps it where it overlaps the specific secret without lying inside it', () => {
    // The generic secret runs past the token: it says something the token finding does not.
    const b = body();
    const text = `token=acme_${b}EXTRA\n`;
    const found = d.detect({ path: 'a.env', text });
    expect(shape(found)).toEqual([
      `generic-credential@1:7#${sha(`acme_${b}EXTRA`)}`,
      `acme-api-token@1:7#${sha(`acme_${b}`)}`,
    ]);
  });

  it('keeps it on another line, even with the same secret', () => {
    const b = body();
    const found = d.detect({ path: 'a.env', text: `ACME=acme_${b}\nsecret: ${b}\n` });
    expect(shape(found)).toEqual([
      `acme-api-token@1:6#${sha(`acme_${b}`)}`,
      `generic-credential@2:9#${sha(b)}`,
    ]);
  });

  it('treats a rule as generic when its id holds "generic" anywhere, in any case', () => {
    const token = `acme_${body()}`;
    const text = `token = "${token}"\n`;
    for (const id of ['team-GENERIC-credential', 'credential-Generic', 'generic']) {
      const found = detector(SPECIFIC + GENERIC(id)).detect({ path: 'a.env', text });
      expect(ids(found)).toEqual(['acme-api-token']);
    }
    // Without the word the rule is specific: both are reported, as gitleaks does.
    const found = detector(SPECIFIC + GENERIC('credential-assignment')).detect({
      path: 'a.env',
      text,
    });
    expect(ids(found)).toEqual(['acme-api-token', 'credential-assignment']);
  });
});

describe('what gitleaks does not deduplicate', () => {
  it('reports two generic rules on one secret', () => {
    const d = detector(GENERIC('generic-one') + GENERIC('generic-two'));
    const value = random(B62, 30);
    const found = d.detect({ path: 'a.env', text: `token: ${value}\n` });
    expect(shape(found).sort()).toEqual([
      `generic-one@1:8#${sha(value)}`,
      `generic-two@1:8#${sha(value)}`,
    ]);
  });

  it('reports two specific rules on one secret', () => {
    const d = detector(SPECIFIC + SPECIFIC.replace('id = "acme-api-token"', 'id = "acme-legacy"'));
    const token = `acme_${random(B62, 24)}`;
    const found = d.detect({ path: 'a.env', text: `ACME=${token}\n` });
    expect(ids(found)).toEqual(['acme-api-token', 'acme-legacy']);
  });

  it('reports the same secret twice in one fragment, also twice on one line', () => {
    const d = detector(SPECIFIC);
    const token = `acme_${random(B62, 24)}`;
    const text = `a=${token} b=${token}\nc=${token}\n`;
    expect(shape(d.detect({ path: 'a.env', text }))).toEqual([
      `acme-api-token@1:3#${sha(token)}`,
      `acme-api-token@1:${6 + token.length}#${sha(token)}`,
      `acme-api-token@2:3#${sha(token)}`,
    ]);
  });
});

describe('findings from decoding and from the plain text', () => {
  const d = detector(SPECIFIC + GENERIC('generic-credential'), 2);

  it('reports a plain match once, though the decoded pass reads it again', () => {
    const token = `acme_${random(B62, 24)}`;
    const text = `ACME=${token} note=${b64('nothing to see in this note')}\n`;
    expect(shape(d.detect({ path: 'a.env', text }))).toEqual([`acme-api-token@1:6#${sha(token)}`]);
  });

  it('drops a decoded generic finding that a plain specific finding on its line holds', () => {
    // gitleaks filters the plain and the decoded passes' findings together.
    const b = random(B62, 24);
    const text = `ACME=acme_${b} blob=${b64(`token: ${b}`)}\n`;
    expect(ids(d.detect({ path: 'a.env', text }))).toEqual(['acme-api-token']);
  });

  it('compares decoded findings by the line of their encoded run', () => {
    // Two lines once decoded, one line in the file: gitleaks' StartLine is the run's line.
    const b = random(B62, 24);
    const text = `config: ${b64(`acme_${b}\ntoken: ${b}\n`)}\n`;
    const found = d.detect({ path: 'a.yaml', text });
    expect(found.map((f) => [f.ruleId, f.matchLine, f.decoded])).toEqual([
      ['acme-api-token', 1, 'base64'],
    ]);
  });
});

describe('the built-in rules', () => {
  const d = new Detector(compileConfig(builtinConfig(), 'built-in'));

  it('drop a generic finding whose secret a GitHub token on the line holds', () => {
    const pat = tokens.githubPat();
    const text = `GITHUB_TOKEN=${pat}  # api_key: ${pat.slice(4)}\n`;
    const found = d.detect({ path: 'ci.env', text });
    expect(shape(found)).toEqual([`github-pat@1:14#${sha(pat)}`]);
  });
});

describe('dropShadowedGeneric', () => {
  const finding = (ruleId: string, matchLine: number, secret: string, commit?: string): Finding =>
    ({ ruleId, matchLine, secret, commit }) as Finding;

  it('is gitleaks filter on commit, line, rule and secret text', () => {
    const s = random(B62, 30);
    const all = [
      finding('generic-a', 3, s.slice(5, 20)),
      finding('specific', 3, s),
      finding('generic-b', 4, s.slice(5, 20)),
      finding('generic-c', 3, s.slice(5, 20), 'c0ffee'),
      finding('generic-d', 3, s + 'x'),
    ];
    expect(dropShadowedGeneric(all).map((f) => f.ruleId)).toEqual([
      'specific',
      'generic-b',
      'generic-c',
      'generic-d',
    ]);
    expect(isGenericRule('AWS-Generic')).toBe(true);
    expect(isGenericRule('aws-access-token')).toBe(false);
  });

  it('answers as plain search does once a line has many findings (its automaton)', () => {
    const specific = Array.from({ length: 400 }, () => random('ab', 12));
    const questions = [
      ...Array.from({ length: 400 }, () => random('ab', 6)),
      ...specific.slice(0, 50).map((s) => s.slice(3, 9)),
      // Across two secrets: never one secret's text, unless another holds it by chance.
      ...specific.slice(0, 50).map((s, i) => s.slice(6) + specific[i + 1]!.slice(0, 4)),
      'a'.repeat(13),
    ];
    const all = [
      ...specific.map((s) => finding('specific', 1, s)),
      ...questions.map((q, i) => finding(`generic-${i}`, 1, q)),
    ];
    const expected = all.filter(
      (f) => !f.ruleId.startsWith('generic') || !specific.some((s) => s.includes(f.secret)),
    );
    expect(dropShadowedGeneric(all).map((f) => f.ruleId)).toEqual(expected.map((f) => f.ruleId));
  });
});
