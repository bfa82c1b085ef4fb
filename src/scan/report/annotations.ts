// Error annotations on the exact added line of each finding, warnings for the workflow lint.
// The runner shows 10 annotations of each level per step (50 per job) and drops the rest, so
// at most 10 of each are written and the log says when more exist: the summary and the SARIF
// file carry them all.
import { annotate, info } from '../../runner/commands.js';
import { redact } from '../redact.js';
import type { Finding } from '../types.js';
import type { LintFinding } from '../workflow-lint.js';

export const ANNOTATION_LIMIT = 10;

export function findingMessage(f: Finding): string {
  const shown = f.secret ? redact(f.secret) : 'the file itself';
  return (
    `${f.description}: ${shown}${f.commit ? ` (added in ${f.commit.slice(0, 7)})` : ''}. ` +
    `Revoke or rotate it. If it is not a credential, add \`gitleaks:allow\` to the line or ` +
    `\`${f.globalFingerprint}\` to .gitleaksignore.`
  );
}

export function writeAnnotations(
  findings: readonly Finding[],
  lint: readonly LintFinding[],
  limit = ANNOTATION_LIMIT,
): void {
  for (const f of findings.slice(0, limit)) {
    annotate('error', findingMessage(f), {
      title: `Leaked credential: ${f.ruleId}`,
      file: f.file,
      line: f.startLine,
      endLine: f.endLine,
      ...(f.startLine === f.endLine
        ? { col: f.startColumn, endColumn: Math.max(f.startColumn, f.endColumn - 1) }
        : {}),
    });
  }
  if (findings.length > limit) {
    info(
      `Annotations capped: the runner shows ${limit} errors per step, ${findings.length - limit} more finding` +
        `${findings.length - limit === 1 ? ' is' : 's are'} in the job summary and the SARIF file.`,
    );
  }
  for (const l of lint.slice(0, limit)) {
    annotate('warning', l.message, { title: l.title, file: l.file, line: l.line, col: l.column });
  }
  if (lint.length > limit) {
    info(
      `Annotations capped: ${lint.length - limit} more workflow warnings are in the job summary and the SARIF file.`,
    );
  }
}
