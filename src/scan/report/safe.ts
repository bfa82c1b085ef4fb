// Repository text (file names, paths, commit text, rule ids and descriptions from a config)
// is data wherever the scan shows it (SPEC §2.1):
// - a plain log line cannot become a workflow command: line breaks (CR, LF, NEL, U+2028,
//   U+2029) and other control characters are shown as `\u{…}` escapes, the legacy `##[`
//   prefix is broken, and a line that would start with `::` is prefixed;
// - a terminal line (the CLI) carries no escape sequence: ESC, the C0 and C1 controls and
//   DEL are shown as escapes too;
// - a job-summary cell or list item cannot open markup: `|`, `\`, backticks, `<`, `>`, `&`
//   and line breaks are escaped.

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g;

/** Control characters (tab kept) → visible `\u{…}` escapes. */
export function visible(text: string): string {
  return text.replace(CONTROL, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`);
}

/** A line for the step log made safe from the data it holds: no line break, no command. */
export function logLine(text: string): string {
  const line = visible(text).replace(/##\[/g, '##\\[');
  return /^\s*::/.test(line) ? `\\${line}` : line;
}

/** Text for the terminal (the CLI): no escape sequence, no line break. */
export function terminalText(text: string): string {
  return visible(text);
}

const MARKDOWN: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '|': '\\|',
  '\\': '\\\\',
  '`': '\\`',
};

/** Text for a job-summary table cell or list item: shown as written, never markup. */
export function summaryText(text: string): string {
  return visible(text).replace(/[&<>|\\`]/g, (c) => MARKDOWN[c]!);
}

/**
 * A code span for a job-summary table cell. Inside a span nothing is markup but a backtick
 * (it would end the span: replaced) and `|` (GFM splits table cells first: escaped).
 */
export function summaryCode(text: string): string {
  return '`' + visible(text).replace(/`/g, "'").replace(/\|/g, '\\|') + '`';
}
