// The files `oidc-secrets export` writes. dotenv: one NAME=VALUE line per secret, each value
// quoted so that the dotenv package reads it back unchanged — single quotes or backticks
// (taken literally, newlines included), double quotes only for a value without backslashes
// (dotenv expands \n and \r inside them) — and checked by parsing it back. json: one object.
import { parse } from 'dotenv';
import { ActionError } from '../core/errors.js';
import type { ShapedSecret } from '../core/shape.js';

export const EXPORT_FORMATS = ['dotenv', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export function formatExport(
  secrets: ReadonlyArray<Pick<ShapedSecret, 'name' | 'value'>>,
  format: ExportFormat,
): string {
  if (format === 'json') {
    const object: Record<string, string> = {};
    for (const { name, value } of secrets) object[name] = value;
    return `${JSON.stringify(object, null, 2)}\n`;
  }
  return secrets.map(({ name, value }) => `${dotenvLine(name, value)}\n`).join('');
}

function dotenvLine(name: string, value: string): string {
  const candidates = ["'", '`', ...(value.includes('\\') ? [] : ['"'])].filter(
    (quote) => !value.includes(quote),
  );
  for (const quote of candidates) {
    const line = `${name}=${quote}${value}${quote}`;
    // What dotenv itself reads back is the test; the value never enters a message.
    if (parse(line)[name] === value) return line;
  }
  throw new ActionError(
    'INPUT_INVALID',
    `${name}: its value cannot be written as a dotenv line that reads back unchanged (it holds every quote character, or leading/trailing spaces dotenv would trim): use --format json`,
  );
}
