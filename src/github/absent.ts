// `?optional` lines left out (SPEC §1.1a): one notice each, naming the line and what was not
// found — a notice, not an error annotation: nothing is wrong with the step.
import { annotate } from './commands.js';
import { ACTION_WORDS } from './inputs.js';
import { wordSettings } from '../core/settings.js';
import type { ReadRecord } from '../core/resolve.js';
import { absentNotice, type AbsentLine } from '../core/shape.js';

/** Shows a notice per absent line; returns their line numbers for the summary. */
export function reportAbsent(
  absent: readonly AbsentLine[],
  redact: (text: string) => string,
): number[] {
  for (const line of absent)
    annotate('notice', redact(wordSettings(absentNotice(line), ACTION_WORDS)), {
      title: 'oidc-secrets',
    });
  return absent.map((a) => a.line.line);
}

/**
 * The audit log has one entry per read; an optional line whose read succeeded but whose
 * selector found nothing gets its own `absent` entry as well (for its line only), so the
 * log shows every line that was left out.
 */
export function withAbsentKeys(
  records: readonly ReadRecord[],
  absent: readonly AbsentLine[],
): ReadRecord[] {
  const out = [...records];
  for (const { line, reason } of absent) {
    const read = records.find((r) => r.location.key === line.ref.key);
    if (!read || read.outcome !== 'ok') continue;
    out.push({
      location: { ...read.location, lines: [line.line] },
      outcome: 'absent',
      durationMs: 0,
      error: reason,
    });
  }
  return out;
}
