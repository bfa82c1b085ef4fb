// Error annotations on the exact added line of each finding, warnings for the workflow lint.
// The runner shows 10 annotations of each level per step (50 per job) and drops the rest, so
// no more than that are written, the step's own messages counted, and the log says when more
// exist: the summary and the SARIF file carry them all.
import { annotate, info } from '../../github/commands.js';
import { ignoreEntry } from '../detect/fingerprint.js';
import { redact } from '../detect/redact.js';
import type { Finding } from '../types.js';
import type { LintFinding } from '../lint/workflow-lint.js';

export const ANNOTATION_LIMIT = 10;

export function findingMessage(f: Finding): string {
  const shown = f.secret ? redact(f.secret) : 'the file itself';
  return (
    `${f.description}: ${shown}${f.decoded ? ` (${f.decoded}-encoded)` : ''}${f.commit ? ` (added in ${f.commit.slice(0, 7)})` : ''}. ` +
    `Revoke or rotate it. If it is not a credential, add \`gitleaks:allow\` to the line or ` +
    `\`${ignoreEntry(f)}\` to .gitleaksignore.`
  );
}

export interface AnnotationBudget {
  /** Error annotations left for findings (the step's own failure message takes one). */
  errors: number;
  /** Warning annotations left for the workflow lint. */
  warnings: number;
}

export function writeAnnotations(
  findings: readonly Finding[],
  lint: readonly LintFinding[],
  budget: AnnotationBudget = { errors: ANNOTATION_LIMIT, warnings: ANNOTATION_LIMIT },
): void {
  const errors = Math.max(0, budget.errors);
  for (const f of findings.slice(0, errors)) {
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
  if (findings.length > errors) {
    const more = findings.length - errors;
    info(
      `Annotations capped: the runner shows ${ANNOTATION_LIMIT} errors per step; ${more} more finding` +
        `${more === 1 ? ' is' : 's are'} in the job summary and the SARIF file.`,
    );
  }
  const warnings = Math.max(0, budget.warnings);
  for (const l of lint.slice(0, warnings)) {
    annotate('warning', l.message, { title: l.title, file: l.file, line: l.line, col: l.column });
  }
  if (lint.length > warnings) {
    info(
      `Annotations capped: ${lint.length - warnings} more workflow warnings are in the job summary and the SARIF file.`,
    );
  }
}
