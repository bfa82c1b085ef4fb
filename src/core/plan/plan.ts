// The `secrets` input → a Plan. Pure: no I/O. Every problem a line can have on its own is
// found here, all of them at once, before any request is made.
import { ActionError, ActionErrors } from '../errors.js';
import { NAME_PATTERN, reservedPrefixReason, reservedReason } from './names.js';
import { isLineOption, parseReference } from './reference.js';
import type { Location, Plan, ProviderName, SecretLine } from './types.js';

const FLATTEN_SUFFIX = '_*';

export function planSecrets(input: string): Plan {
  const errors: ActionError[] = [];
  const lines: SecretLine[] = [];
  const rawLines = input.split(/\r?\n/);

  rawLines.forEach((raw, index) => {
    const lineNo = index + 1;
    const text = raw.trim();
    if (!text || text.startsWith('#')) return;
    try {
      lines.push(parseLine(text, lineNo));
    } catch (error) {
      if (error instanceof ActionError) errors.push(error);
      else throw error;
    }
  });

  errors.push(...findNameClashes(lines));
  if (errors.length) throw new ActionErrors(errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));
  if (lines.length === 0) {
    throw new ActionError(
      'SECRETS_SYNTAX',
      'secrets: no secrets were declared; write one NAME: PROVIDER:LOCATOR line per secret',
    );
  }

  const byKey = new Map<string, { location: Location; lines: number[] }>();
  const providers: ProviderName[] = [];
  const required = new Set<string>();
  for (const line of lines) {
    let entry = byKey.get(line.ref.key);
    if (!entry) {
      const lineNumbers: number[] = [];
      entry = {
        lines: lineNumbers,
        location: {
          key: line.ref.key,
          provider: line.ref.provider,
          locator: line.ref.locator,
          options: fetchOptions(line.ref.options),
          lines: lineNumbers,
          ...(line.ref.list ? { list: true as const } : {}),
        },
      };
      byKey.set(line.ref.key, entry);
      if (!providers.includes(line.ref.provider)) providers.push(line.ref.provider);
    }
    entry.lines.push(line.line);
    if (line.ref.options.optional === undefined) required.add(line.ref.key);
  }
  // Absence is tolerated only when no line needs the secret.
  for (const { location } of byKey.values())
    if (!required.has(location.key)) location.optional = true;
  return { lines, locations: [...byKey.values()].map((e) => e.location), providers };
}

/** The options that choose what is fetched: `optional` and `decode` are the line's own. */
function fetchOptions(options: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(options).filter(([key]) => !isLineOption(key)));
}

function parseLine(text: string, line: number): SecretLine {
  const colon = text.indexOf(':');
  if (colon < 0) {
    throw new ActionError(
      'SECRETS_SYNTAX',
      `secrets line ${line}: expected NAME: PROVIDER:LOCATOR (a name, a colon, then a reference)`,
      line,
    );
  }
  const nameText = text.slice(0, colon).trim();
  const refText = text.slice(colon + 1).trim();
  const flatten = nameText.endsWith(FLATTEN_SUFFIX);
  const name = flatten ? nameText.slice(0, -1) : nameText; // keep the prefix's trailing '_'
  const bare = flatten ? name.slice(0, -1) : name;

  if (!bare) {
    throw new ActionError(
      'NAME_INVALID',
      `secrets line ${line}: the name before ':' is empty`,
      line,
    );
  }
  if (!NAME_PATTERN.test(bare)) {
    throw new ActionError(
      'NAME_INVALID',
      `secrets line ${line}: the name must be an environment variable name: letters, digits and underscores, not starting with a digit` +
        (bare.includes('*') ? `; to flatten a JSON object write PREFIX_* (for example DB_*)` : ''),
      line,
    );
  }
  const where = `secrets line ${line} (${flatten ? name + '*' : name})`;
  const reserved = flatten ? reservedPrefixReason(name) : reservedReason(name);
  if (reserved) throw new ActionError('NAME_RESERVED', `${where}: ${reserved}`, line);
  if (!refText) {
    throw new ActionError('SECRETS_SYNTAX', `${where}: the reference after ':' is empty`, line);
  }
  const ref = parseReference(refText, where, line);
  if (ref.list && !flatten) {
    throw new ActionError(
      'NAME_INVALID',
      // The locator is not quoted: a pasted secret ending in * reads as a listing too.
      `${where}: a listing (a ${ref.provider}: locator ending in *) exports one variable per match and needs a NAME_* name, such as ${name}_*`,
      line,
    );
  }
  return { line, name, flatten, ref };
}

/** Two lines that set the same name; flattened names are checked once values are known. */
function findNameClashes(lines: readonly SecretLine[]): ActionError[] {
  const seen = new Map<string, number>();
  const errors: ActionError[] = [];
  for (const line of lines) {
    if (line.flatten) continue;
    const upper = line.name.toUpperCase();
    const first = seen.get(upper);
    if (first !== undefined) {
      errors.push(
        new ActionError(
          'NAME_COLLISION',
          `secrets line ${line.line} (${line.name}): the name is already set by line ${first}`,
          line.line,
        ),
      );
    } else {
      seen.set(upper, line.line);
    }
  }
  return errors;
}
