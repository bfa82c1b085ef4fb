// Plain-text report for the CLI: one line per finding, redacted, with its fingerprint.
import { redact } from '../redact.js';
import { describeAmount, describeNotes, type ScanResult } from '../scan.js';
import type { LintFinding } from '../workflow-lint.js';

export function renderText(result: ScanResult, lint: readonly LintFinding[]): string {
  const lines: string[] = [];
  for (const f of result.findings) {
    const where = `${f.file}:${f.startLine}:${f.startColumn}`;
    const commit = f.commit ? ` commit ${f.commit.slice(0, 7)}` : '';
    lines.push(
      `${where}: ${f.ruleId}: ${f.secret ? redact(f.secret) : 'file'}${commit} [${f.globalFingerprint}]`,
    );
  }
  for (const l of lint) lines.push(`${l.file}:${l.line}:${l.column}: warning: ${l.message}`);
  for (const note of describeNotes(result.notes)) lines.push(`note: ${note}`);
  const n = result.findings.length;
  lines.push(
    `${n === 0 ? 'no leaked credentials' : `${n} leaked credential${n === 1 ? '' : 's'}`}` +
      `${result.ignored ? ` (${result.ignored} ignored by .gitleaksignore)` : ''}; scanned ${describeAmount(result)}`,
  );
  return lines.join('\n') + '\n';
}
