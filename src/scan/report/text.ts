// Plain-text report for the CLI: one line per finding, redacted, with the entry that would
// silence exactly it in `.gitleaksignore`. Every piece of repository text (file names, rule
// ids, messages) goes through terminalText: no escape sequence from the data reaches the
// terminal, no line break splits a line.
import { ignoreEntry } from '../detect/fingerprint.js';
import { redact } from '../detect/redact.js';
import { describeAmount, describeNotes, type ScanResult } from '../scan.js';
import type { LintFinding } from '../lint/workflow-lint.js';
import { terminalText as t } from './safe.js';

export function renderText(result: ScanResult, lint: readonly LintFinding[]): string {
  const lines: string[] = [];
  for (const f of result.findings) {
    const where = `${t(f.file)}:${f.startLine}:${f.startColumn}`;
    const commit = f.commit ? ` commit ${f.commit.slice(0, 7)}` : '';
    lines.push(
      `${where}: ${t(f.ruleId)}: ${t(f.secret ? redact(f.secret) : 'file')}${f.decoded ? ` (${f.decoded}-encoded)` : ''}${commit} [${t(ignoreEntry(f))}]`,
    );
  }
  for (const l of lint) lines.push(`${t(l.file)}:${l.line}:${l.column}: warning: ${t(l.message)}`);
  for (const note of describeNotes(result.notes)) lines.push(`note: ${t(note)}`);
  for (const u of result.unhashedIgnores ?? [])
    lines.push(
      `note: .gitleaksignore line ${u.entryLine} (${t(`${u.file}:${u.ruleId}:${u.line}`)}) has no hash: ` +
        'it would silence any secret on that line, so it is not honoured; use the entry shown above',
    );
  const n = result.findings.length;
  lines.push(
    `${n === 0 ? 'no leaked credentials' : `${n} leaked credential${n === 1 ? '' : 's'}`}` +
      `${result.ignored ? ` (${result.ignored} ignored by .gitleaksignore)` : ''}` +
      `${result.baselined ? ` (${result.baselined} already in the baseline)` : ''}; scanned ${describeAmount(result)}`,
  );
  return lines.join('\n') + '\n';
}
