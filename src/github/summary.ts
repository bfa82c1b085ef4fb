// The job summary table (SPEC §1.4 `summary`): what was fetched and from where, lease TTLs
// and how many strings were masked — never a value.
import type { ReadRecord } from '../core/resolve.js';
import { codeCell, tableCell } from './commands.js';
import type { ShapedSecret } from '../core/shape.js';
import type { Plan } from '../core/plan/types.js';
import { selectorText } from '../core/plan/reference.js';

export interface SummaryInput {
  plan: Plan;
  records: readonly ReadRecord[];
  secrets: readonly ShapedSecret[];
  /** How many distinct strings the gate registered. */
  masked: number;
  exportModes: readonly string[];
  failed: boolean;
  /** Lines of `?optional` references left out: what they name does not exist. */
  absent?: readonly number[];
}

const MAX_ROWS = 500;

export function summaryMarkdown(input: SummaryInput): string {
  const recordByKey = new Map(input.records.map((r) => [r.location.key, r]));
  const absent = new Set(input.absent ?? []);
  const namesByLine = new Map<number, string[]>();
  for (const secret of input.secrets) {
    const names = namesByLine.get(secret.line) ?? [];
    names.push(secret.name);
    namesByLine.set(secret.line, names);
  }
  const rows = input.plan.lines.flatMap((line) => {
    const record = recordByKey.get(line.ref.key);
    const names = namesByLine.get(line.line);
    const name = line.flatten ? `${line.name}* → ${names?.length ?? 0} variables` : line.name;
    const location =
      line.ref.locator + (line.ref.selector.length ? `#${selectorText(line.ref.selector)}` : '');
    const ttl = record?.leaseTtlSeconds !== undefined ? formatTtl(record.leaseTtlSeconds) : '—';
    const status = absent.has(line.line)
      ? 'absent'
      : !record
        ? 'not read'
        : record.outcome === 'ok'
          ? 'ok'
          : record.outcome; // failed, plain (a literal, not masked), absent
    if (!line.ref.list)
      return [
        `| ${tableCell(name)} | ${line.ref.provider} | ${codeCell(location)} | ${ttl} | ${status} |`,
      ];
    // A listing line, then one row per match it read (SPEC §1.1b).
    const matches = input.records.filter((r) => r.listedBy === line.ref.key);
    const listed = `${status}, ${record?.matches ?? 0} matched`;
    return [
      `| ${tableCell(name)} | ${line.ref.provider} | ${codeCell(location)} | — | ${listed} |`,
      ...matches.map(
        (match) =>
          `| ↳ | ${line.ref.provider} | ${codeCell(match.location.locator)} | ${match.leaseTtlSeconds !== undefined ? formatTtl(match.leaseTtlSeconds) : '—'} | ${match.outcome === 'ok' ? 'ok' : 'failed'} |`,
      ),
    ];
  });
  const shown = rows.slice(0, MAX_ROWS);
  return [
    `### oidc-secrets ${input.failed ? '— failed, nothing exported' : ''}`,
    '',
    `${input.plan.lines.length} secret lines, ${input.plan.locations.length} distinct reads, ` +
      `${input.masked} strings masked, exported as ${input.failed ? 'nothing' : input.exportModes.join(', ')}.`,
    '',
    '| Name | Provider | Location | Lease TTL | Status |',
    '| --- | --- | --- | --- | --- |',
    ...shown,
    ...(rows.length > shown.length ? [`| … ${rows.length - shown.length} more | | | | |`] : []),
    '',
  ].join('\n');
}

function formatTtl(seconds: number): string {
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds >= 60 && seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}
