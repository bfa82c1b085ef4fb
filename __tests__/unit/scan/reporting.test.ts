// Fingerprints, redaction, SARIF (validated against the SARIF 2.1.0 schema), the summary.
import '@microsoft/jest-sarif';
import { IgnoreList, ignoreEntry, secretHash } from '../../../src/scan/detect/fingerprint.js';
import { redact } from '../../../src/scan/detect/redact.js';
import { buildSarif, pathToUri } from '../../../src/scan/report/sarif.js';
import { renderSummary, SUMMARY_ROW_LIMIT } from '../../../src/scan/report/summary.js';
import type { ScanResult } from '../../../src/scan/scan.js';
import type { Finding } from '../../../src/scan/types.js';
import type { LintFinding } from '../../../src/scan/lint/workflow-lint.js';
import { fakeFinding, tokens } from './helpers.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    interface Matchers<R> {
      toBeValidSarifLog(): R;
    }
  }
}

const finding = fakeFinding;

describe('.gitleaksignore', () => {
  it('accepts commit:file:rule:line and file:rule:line:HASH; the hashed form survives a squash', () => {
    const f = finding(tokens.githubPat());
    const withCommit = new IgnoreList(
      `# comment\n\n${'C'.repeat(40)}:src/app config.ts:github-pat:7\n`,
    );
    expect(withCommit.ignores(f)).toBe(true);
    const entry = ignoreEntry(f);
    expect(entry).toMatch(/^src\/app config\.ts:github-pat:7:[0-9a-f]{12}$/);
    // After a squash merge the commit changes: the commit-less form still matches.
    expect(new IgnoreList(entry).ignores({ ...f, commit: 'd'.repeat(40) })).toBe(true);
    expect(new IgnoreList(entry.replace('src/', 'src\\')).ignores(f)).toBe(true);
    // Eight hex digits are enough; upper case is fine; with a commit in front too.
    expect(
      new IgnoreList(
        entry
          .slice(0, -4)
          .toUpperCase()
          .replace('SRC/APP CONFIG.TS:GITHUB-PAT', 'src/app config.ts:github-pat'),
      ).ignores(f),
    ).toBe(true);
    expect(new IgnoreList(`${'c'.repeat(40)}:${entry}`).ignores(f)).toBe(true);
    expect(new IgnoreList('src/app config.ts:github-pat:8:' + secretHash(f)).ignores(f)).toBe(
      false,
    );
    expect(new IgnoreList(`${'e'.repeat(40)}:src/app config.ts:github-pat:7`).ignores(f)).toBe(
      false,
    );
  });

  it('a commit-less entry silences only the secret it was written for', () => {
    const first = finding(tokens.githubPat(), { commit: undefined });
    const list = new IgnoreList(ignoreEntry(first));
    expect(list.ignores(first)).toBe(true);
    // Another key later written on the same line of the same file, same rule: reported.
    const later = finding(tokens.githubPat(), { commit: undefined });
    expect(list.ignores(later)).toBe(false);
    expect(list.ignores({ ...later, commit: 'f'.repeat(40) })).toBe(false);
  });

  it('does not honour file:rule:line without a hash (it would silence any secret) and says so', () => {
    const f = finding(tokens.githubPat());
    const list = new IgnoreList('# old entry\nsrc/app config.ts:github-pat:7\n');
    expect(list.invalidLines).toEqual([]);
    expect(list.ignores(f)).toBe(false);
    expect(list.unhashedMatches.map((m) => m.line)).toEqual([2]);
  });

  it('reports lines that are not fingerprints', () => {
    expect(
      new IgnoreList('ok.ts:r:1\nnot a fingerprint\na:b:c\nf:r:1:nothex!\nf:r:1:abc\n')
        .invalidLines,
    ).toEqual([2, 3, 4, 5]);
  });
});

describe('redaction', () => {
  it('shows at most four characters and never more than a quarter', () => {
    expect(redact('ghp_' + 'a'.repeat(36))).toBe('ghp_*****');
    expect(redact('hunter2hunter')).toBe('hun*****');
    expect(redact('abc')).toBe('*****');
  });
});

describe('SARIF', () => {
  const lint: LintFinding[] = [
    {
      ruleId: 'workflow-static-credential',
      file: '.github/workflows/deploy.yml',
      line: 12,
      column: 9,
      title: 'Long-lived AWS access key from secrets',
      message: 'job `deploy` passes a long-lived AWS access key: use OIDC instead',
    },
  ];

  it('is a valid SARIF 2.1.0 log with redacted messages and stable fingerprints', () => {
    const secret = tokens.githubPat();
    const log = buildSarif(
      [finding(secret), finding(secret, { ruleId: 'jwt', startLine: 9 })],
      lint,
      {
        repositoryUri: 'https://github.com/o/r',
        revision: 'c'.repeat(40),
      },
    );
    expect(log).toBeValidSarifLog();
    const text = JSON.stringify(log);
    expect(text.includes(secret)).toBe(false);
    const run = log.runs[0]!;
    expect(run.tool.driver.rules?.map((r) => r.id)).toEqual([
      'github-pat',
      'jwt',
      'workflow-static-credential',
    ]);
    expect(run.results?.map((r) => [r.ruleId, r.ruleIndex, r.level])).toEqual([
      ['github-pat', 0, 'error'],
      ['jwt', 1, 'error'],
      ['workflow-static-credential', 2, 'warning'],
    ]);
    // @types/sarif makes every property optional: a missing one fails the comparison.
    const result = run.results?.[0];
    const location = result?.locations?.[0]?.physicalLocation;
    expect(location?.artifactLocation?.uri).toBe('src/app%20config.ts');
    expect(location?.region).toEqual({ startLine: 7, startColumn: 16, endLine: 7, endColumn: 56 });
    expect(result?.partialFingerprints).toEqual({
      'secretLocation/v1': 'src/app config.ts:github-pat:7',
    });
    expect(result?.message.text).toContain('ghp_*****');
  });

  it('an empty scan is a valid log too', () => {
    expect(buildSarif([], [])).toBeValidSarifLog();
  });

  it('encodes path segments as a URI reference', () => {
    expect(pathToUri('a b/c#d/é.ts')).toBe('a%20b/c%23d/%C3%A9.ts');
  });
});

describe('job summary', () => {
  const result = (findings: Finding[]): ScanResult => ({
    target: {
      kind: 'range',
      base: 'a'.repeat(40),
      head: 'b'.repeat(40),
      description: 'pull request #7',
    },
    configSource: 'built-in',
    findings,
    ignored: 1,
    notes: [{ path: 'logo.png', reason: 'binary' }],
    files: 3,
    bytes: 2048,
    commits: 2,
    durationMs: 12,
    changedSettings: ['.gitleaksignore'],
  });

  it('lists findings redacted with their fingerprints, and what was skipped', () => {
    const secret = tokens.githubPat();
    const f = finding(secret);
    const md = renderSummary(result([f]), []);
    expect(md.includes(secret)).toBe(false);
    expect(md).toContain('1 leaked credential');
    expect(md).toContain('`ghp_*****`');
    expect(md).toContain('`src/app config.ts:github-pat:7:' + secretHash(f) + '`');
    expect(md).toContain('pull request #7');
    expect(md).toContain('1 finding ignored by `.gitleaksignore`');
    expect(md).toContain("edits the scan's own settings (`.gitleaksignore`)");
    expect(md).toContain('skipped 1 binary file: logo.png');
  });

  it('cuts a long table and points at the SARIF file', () => {
    const many = Array.from({ length: SUMMARY_ROW_LIMIT + 5 }, (_, i) =>
      finding(tokens.githubPat(), { startLine: i + 1 }),
    );
    const md = renderSummary(result(many), [], { sarifFile: '/tmp/x.sarif' });
    expect(md).toContain('…and 5 more in the SARIF file.');
  });
});
