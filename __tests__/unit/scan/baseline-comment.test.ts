// The pieces behind --baseline, --pre-push and the PR comment, without git or a network:
// reading a baseline (our SARIF, gitleaks' JSON report) and what it holds; git's pre-push
// lines; the comment's text (redacted, escaped, remedies, cut at its row limit).
import { Baseline } from '../../../src/scan/config/baseline.js';
import { secretHash } from '../../../src/scan/detect/fingerprint.js';
import { parsePrePush } from '../../../src/scan/sources/hooks.js';
import {
  COMMENT_MARKER,
  COMMENT_ROW_LIMIT,
  renderComment,
} from '../../../src/scan/report/comment.js';
import { buildSarif } from '../../../src/scan/report/sarif.js';
import type { ScanResult } from '../../../src/scan/scan.js';
import type { Finding } from '../../../src/scan/types.js';
import { fakeFinding, tokens } from './helpers.js';

const finding = fakeFinding;

const scanResult = (findings: Finding[]): ScanResult => ({
  target: {
    kind: 'range',
    base: 'a'.repeat(40),
    head: 'b'.repeat(40),
    description: 'pull request #7',
  },
  configSource: 'built-in',
  findings,
  ignored: 0,
  notes: [],
  files: 1,
  bytes: 100,
  commits: 1,
  durationMs: 5,
  changedSettings: [],
});

describe('Baseline', () => {
  it('our SARIF: rule, file and secret hash; not the line; never the secret in the file', () => {
    const pat = tokens.githubPat();
    const text = JSON.stringify(buildSarif([finding(pat)], []));
    expect(text.includes(pat)).toBe(false);
    expect(text).toContain(`"secretHash":"${secretHash({ secret: pat })}"`);
    const baseline = Baseline.parse(text, '--baseline b.sarif');
    expect([baseline.format, baseline.size, baseline.locationOnly]).toEqual(['sarif', 1, 0]);
    expect(baseline.holds(finding(pat, { startLine: 40, matchLine: 40 }))).toBe(true);
    expect(baseline.holds(finding(tokens.githubPat()))).toBe(false);
    expect(baseline.holds(finding(pat, { file: 'other.ts' }))).toBe(false);
    expect(baseline.holds(finding(pat, { ruleId: 'generic-api-key' }))).toBe(false);
  });

  it('a SARIF result without secretHash (an older report) matches by rule, file and line only', () => {
    const pat = tokens.githubPat();
    const sarif = buildSarif([finding(pat)], []);
    delete (sarif.runs[0]!.results![0]!.properties as Record<string, unknown>).secretHash;
    const baseline = Baseline.parse(JSON.stringify(sarif), 'b');
    expect(baseline.locationOnly).toBe(1);
    expect(baseline.holds(finding(tokens.githubPat()))).toBe(true);
    expect(baseline.holds(finding(pat, { startLine: 8, matchLine: 8 }))).toBe(false);
  });

  it("gitleaks' report: file and secret hash, any rule id; Windows paths; --redact entries by location", () => {
    const key = tokens.awsKeyId();
    const baseline = Baseline.parse(
      JSON.stringify([
        { RuleID: 'aws-access-token', File: 'src\\cfg.ts', StartLine: 3, Secret: key, Match: key },
        {
          RuleID: 'github-pat',
          File: 'a.env',
          StartLine: 2,
          Secret: 'REDACTED',
          Match: 'REDACTED',
        },
      ]),
      'g',
    );
    expect([baseline.format, baseline.size, baseline.locationOnly]).toEqual(['gitleaks', 2, 1]);
    expect(baseline.holds(finding(key, { ruleId: 'aws-access-key-id', file: 'src/cfg.ts' }))).toBe(
      true,
    );
    expect(
      baseline.holds(
        finding(tokens.awsKeyId(), { ruleId: 'aws-access-key-id', file: 'src/cfg.ts' }),
      ),
    ).toBe(false);
    expect(
      baseline.holds(finding(tokens.githubPat(), { file: 'a.env', startLine: 2, matchLine: 2 })),
    ).toBe(true);
  });

  it('refuses what is not a report, naming the setting and never quoting the text', () => {
    const pat = tokens.githubPat();
    for (const [text, message] of [
      [`{"x": "${pat}"`, 'b.json: not JSON'],
      [`{"x": "${pat}"}`, 'b.json: expected a SARIF report'],
      [
        `[{"Secret": "${pat}"}]`,
        'b.json: finding 1 of the gitleaks report lacks RuleID, File or StartLine',
      ],
      [
        '{"runs": [{"results": [{"ruleId": "r"}]}]}',
        'b.json: SARIF result 1 has no artifact location',
      ],
    ] as const) {
      let error: unknown;
      try {
        Baseline.parse(text, 'b.json');
      } catch (e) {
        error = e;
      }
      expect((error as Error).message).toContain(message);
      expect((error as Error).message.includes(pat)).toBe(false);
    }
  });
});

describe("git's pre-push lines", () => {
  const a = 'a'.repeat(40);
  const zero = '0'.repeat(40);
  it('parses each ref line, blank lines and CRLF allowed', () => {
    expect(
      parsePrePush(
        `refs/heads/x ${a} refs/heads/x ${zero}\r\n\n(delete) ${zero} refs/heads/y ${a}\n`,
      ),
    ).toEqual([
      { localRef: 'refs/heads/x', localSha: a, remoteRef: 'refs/heads/x', remoteSha: zero },
      { localRef: '(delete)', localSha: zero, remoteRef: 'refs/heads/y', remoteSha: a },
    ]);
  });
  it('a line that is not four fields with hex shas is an error naming its line', () => {
    expect(() =>
      parsePrePush(
        `refs/heads/x ${a} refs/heads/x ${zero}\nrefs/heads/x --all refs/heads/x ${zero}\n`,
      ),
    ).toThrow('--pre-push: line 2 of standard input is not');
  });
});

describe('PR comment', () => {
  it('starts with the marker; findings redacted, with fingerprints; an OIDC remedy per cloud', () => {
    const pat = tokens.githubPat();
    const key = tokens.awsKeyId();
    const body = renderComment(
      scanResult([finding(pat), finding(key, { ruleId: 'aws-access-key-id', file: 'x.ts' })]),
      { runUrl: 'https://github.com/o/r/actions/runs/1' },
    );
    expect(body.startsWith(`${COMMENT_MARKER}\n### ❌ Secret scan: 2 leaked credentials`)).toBe(
      true,
    );
    expect(body).toContain('`ghp_*****`');
    expect(body).toContain(`\`src/app config.ts:github-pat:7:${secretHash({ secret: pat })}\``);
    expect(body).toContain('`aws-role-arn`');
    expect(body).not.toContain('gcp-workload-identity-provider');
    expect(body.includes(pat) || body.includes(key)).toBe(false);
    expect(body).toContain('[The scan’s run](https://github.com/o/r/actions/runs/1)');
  });

  it('a file name cannot open markup, close a cell or fake the marker', () => {
    const body = renderComment(
      scanResult([finding(tokens.githubPat(), { file: `${COMMENT_MARKER}|<img src=x>|.env` })]),
    );
    expect(body.split(COMMENT_MARKER)).toHaveLength(2);
    expect(body).not.toContain('<img');
    expect(body).toContain('\\|&lt;img src=x&gt;\\|');
  });

  it(`lists at most ${COMMENT_ROW_LIMIT} findings`, () => {
    const many = Array.from({ length: COMMENT_ROW_LIMIT + 5 }, (_, i) =>
      finding(tokens.githubPat(), { startLine: i + 1 }),
    );
    const body = renderComment(scanResult(many));
    expect(body.split('\n').filter((l) => l.startsWith('| src/'))).toHaveLength(COMMENT_ROW_LIMIT);
    expect(body).toContain('…and 5 more');
  });
});
