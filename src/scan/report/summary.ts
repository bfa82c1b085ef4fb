// The job summary: what was scanned, a table of findings (redacted, with the fingerprint to
// put in `.gitleaksignore` when one is a false positive), the workflow lint, and what was
// skipped. The runner refuses a summary over 1 MiB, so long tables are cut with a pointer to
// the SARIF file, which always has everything.
import { ignoreEntry } from '../detect/fingerprint.js';
import { redact } from '../detect/redact.js';
import { describeAmount, describeNotes, type ScanResult } from '../scan.js';
import type { LintFinding } from '../lint/workflow-lint.js';
import { summaryCode as code, summaryText as cell } from './safe.js';

export const SUMMARY_ROW_LIMIT = 200;

function describeTarget(result: ScanResult): string {
  const t = result.target;
  if (t.kind === 'range') {
    const range = t.base
      ? `${t.base.slice(0, 7)}..${t.head.slice(0, 7)}`
      : `${t.head.slice(0, 7)} and its history`;
    return `the lines added by ${cell(t.description)} (${code(range)})`;
  }
  if (t.kind === 'tree')
    return `the files under ${t.paths.map((p) => code(p)).join(', ') || code('.')}${result.gitignore ? ' that git does not ignore' : ''}`;
  if (t.kind === 'history') return 'every commit reachable from any ref, each added line once';
  if (t.kind === 'staged') return 'the staged changes';
  if (t.kind === 'push') return 'the commits of the push';
  if (t.kind === 'text') return cell(t.name);
  return `nothing: ${t.reason}`;
}

export function renderSummary(
  result: ScanResult,
  lint: readonly LintFinding[],
  options: { sarifFile?: string } = {},
): string {
  const out: string[] = [];
  const n = result.findings.length;
  out.push(
    `### ${n === 0 ? '✅' : '❌'} Secret scan: ${n === 0 ? 'no leaked credentials' : `${n} leaked credential${n === 1 ? '' : 's'}`}`,
  );
  out.push('');
  out.push(
    `Scanned ${describeTarget(result)}: ${describeAmount(result)}. Rules: ${cell(result.configSource)}.`,
  );
  if (result.ignored > 0)
    out.push(
      `${result.ignored} finding${result.ignored === 1 ? '' : 's'} ignored by \`.gitleaksignore\`.`,
    );
  if (result.baselined)
    out.push(
      `${result.baselined} finding${result.baselined === 1 ? '' : 's'} already in the baseline, not reported again.`,
    );
  if (result.settingsCommit) {
    out.push('');
    out.push(
      `Settings (\`.gitleaks.toml\`, what it extends, \`.gitleaksignore\`, a baseline in the repository) read from the base commit ${code(result.settingsCommit.slice(0, 7))}.`,
    );
  }
  if (result.changedSettings.length > 0) {
    out.push('');
    out.push(
      result.settingsCommit
        ? `> [!NOTE]\n> This change edits the scan's own settings (${result.changedSettings.map(code).join(', ')}): this scan used the base commit's; the change takes effect after merge.`
        : `> [!WARNING]\n> This change edits the scan's own settings (${result.changedSettings.map(code).join(', ')}): review what it allows.`,
    );
  }
  if (n > 0) {
    out.push('');
    out.push('| File | Line | Rule | Secret | Commit | Ignore entry |');
    out.push('| --- | --- | --- | --- | --- | --- |');
    for (const f of result.findings.slice(0, SUMMARY_ROW_LIMIT)) {
      out.push(
        `| ${cell(f.file)} | ${f.startLine} | ${cell(f.ruleId)} | ${code(f.secret ? redact(f.secret) : 'file')} | ` +
          `${f.commit ? code(f.commit.slice(0, 7)) : ''} | ${code(ignoreEntry(f))} |`,
      );
    }
    if (n > SUMMARY_ROW_LIMIT) {
      out.push('');
      out.push(
        `…and ${n - SUMMARY_ROW_LIMIT} more${options.sarifFile ? ' in the SARIF file' : ''}.`,
      );
    }
    out.push('');
    out.push(
      'Revoke or rotate each credential: it is in the history of this branch. A false positive can be ' +
        'silenced with `gitleaks:allow` on its line or by adding its ignore entry to `.gitleaksignore` ' +
        '(`file:rule:line:HASH`, HASH a short SHA-256 of the secret: it survives a squash merge and ' +
        'silences only this secret).',
    );
  }
  const unhashed = result.unhashedIgnores ?? [];
  if (unhashed.length > 0) {
    out.push('');
    out.push(
      `> [!WARNING]\n> ${unhashed.length} finding${unhashed.length === 1 ? ' is' : 's are'} named by \`.gitleaksignore\` ` +
        'entries without a hash (`file:rule:line`), which would silence any secret later written on that line: ' +
        `reported anyway (entry line${unhashed.length === 1 ? '' : 's'} ${unhashed.map((u) => u.entryLine).join(', ')}). ` +
        'Use the ignore entry in the table instead.',
    );
  }
  if (lint.length > 0) {
    out.push('');
    out.push(`#### Workflow policy: ${lint.length} warning${lint.length === 1 ? '' : 's'}`);
    out.push('');
    out.push('| File | Line | Problem | Replacement |');
    out.push('| --- | --- | --- | --- |');
    for (const l of lint.slice(0, SUMMARY_ROW_LIMIT)) {
      const [problem, fix] = splitMessage(l.message);
      out.push(`| ${cell(l.file)} | ${l.line} | ${cell(problem)} | ${cell(fix)} |`);
    }
  }
  const notes = describeNotes(result.notes);
  if (notes.length > 0) {
    out.push('');
    for (const line of notes) out.push(`- ${cell(line)}`);
  }
  out.push('');
  return out.join('\n') + '\n';
}

/** "problem: fix" → [problem, fix] at the first `: ` after a closing backtick or word. */
function splitMessage(message: string): [string, string] {
  const at = message.search(/: (?:use|add) /);
  return at === -1 ? [message, ''] : [message.slice(0, at), message.slice(at + 2)];
}
