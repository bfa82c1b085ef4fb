// `?optional` lines left out (SPEC §1.1a): one notice each, naming the line and what was not
// found — a notice, not an error annotation: nothing is wrong with the step.
import { annotate } from './commands.js';
import { ACTION_WORDS } from './inputs.js';
import { wordSettings } from '../core/settings.js';
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
