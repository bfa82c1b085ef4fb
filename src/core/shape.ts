// Fetched values → the final name→value map: selectors, `NAME_*` flattening, and the
// checks that need the values (a selector that finds nothing, a flatten over something that
// is not an object, two lines producing the same name, a produced name that is reserved).
import { decodeBase64 } from './decode.js';
import { ActionError, ActionErrors } from './errors.js';
import { keyToName, reservedReason } from './plan/names.js';
import { selectorText } from './plan/reference.js';
import { lineLabel, refLabel, type Plan, type SecretLine } from './plan/types.js';
import type { Expansion } from './listing-round.js';

export interface ShapedSecret {
  name: string;
  /** The value; for bytes that are not text (`?decode=base64`), their base64 text. */
  value: string;
  /** The input line that produced it. */
  line: number;
  /** Decoded bytes that are not text: only `export: files` can write them. */
  bytes?: Uint8Array;
}

/** A line left out: its secret (or the key its selector names) does not exist. */
export interface AbsentLine {
  line: SecretLine;
  /** Why, naming the location or key only: the notice front ends show. */
  reason: string;
}

/** What a front end says of an absent line: the line, then what was not found. */
export function absentNotice({ line, reason }: AbsentLine): string {
  // The reason may start with the line's own label (a selector miss): said once is enough.
  const detail = reason.replace(/^secrets lines? [\d, ]+( \([^)]*\))?: /, '');
  return `${lineLabel(line)}: left out (optional): ${detail}`;
}

/** At most this many key names are listed when a selector misses. */
const LISTED_KEYS = 20;
/** Each listed key name is cut to this length. */
const LISTED_KEY_LENGTH = 64;

/** Values by location key, as the providers returned them. */
export type FetchedValues = ReadonlyMap<string, string>;

/**
 * Applies each line's selector and flattening. `admit` is called for every value a variable
 * gets (a selected sub-object's JSON text is a new string) so the mask gate has seen
 * everything that can be exported, and can name the variable in what it says: the line is
 * passed as that variable (a flattened line as the NAME it produced, not as PREFIX_*).
 */
export function shapeSecrets(
  plan: Plan,
  values: FetchedValues,
  admit: (value: string, line: SecretLine) => void,
  /** An `?optional` line whose selector found nothing: it is left out, not an error. */
  onAbsent?: (absent: AbsentLine) => void,
  /** The matches of each listing line, by its location key (SPEC §1.1b). */
  expansions: ReadonlyMap<string, readonly Expansion[]> = new Map(),
): ShapedSecret[] {
  const errors: ActionError[] = [];
  const out: ShapedSecret[] = [];
  const owner = new Map<string, number>();

  /**
   * `secret` is false for a JSON `true`, `false` or `null` a selector or flattening turned into
   * a variable: no secret (SPEC §1.2), and masking `true` would blank that word in the whole
   * log. A value that is the text `true` as fetched is still a value, and is admitted.
   */
  const emit = (
    line: SecretLine,
    name: string,
    value: string,
    { bytes, secret = true }: { bytes?: Uint8Array; secret?: boolean } = {},
  ) => {
    const upper = name.toUpperCase();
    const first = owner.get(upper);
    if (first !== undefined) {
      const who =
        first === line.line
          ? 'this line also produces it from another key'
          : `line ${first} also sets it`;
      errors.push(
        new ActionError(
          'NAME_COLLISION',
          `${lineLabel(line)}: produces ${name}, but ${who}`,
          line.line,
        ),
      );
      return;
    }
    const reserved = reservedReason(name);
    if (reserved) {
      errors.push(
        new ActionError(
          'NAME_RESERVED',
          `${lineLabel(line)}: produces ${name}: ${reserved}`,
          line.line,
        ),
      );
      return;
    }
    owner.set(upper, line.line);
    // A flattened value is admitted as the variable it became (DB_PORT, not DB_*), so that
    // what the gate says about it names that variable.
    if (secret) admit(value, line.flatten ? { ...line, name, flatten: false } : line);
    out.push(bytes ? { name, value, line: line.line, bytes } : { name, value, line: line.line });
  };

  for (const line of plan.lines) {
    if (line.ref.list) {
      // NAME_ + the match's relative name; a match holding a JSON object flattens below it.
      for (const match of expansions.get(line.ref.key) ?? []) {
        const raw = values.get(match.key);
        if (raw === undefined) continue; // its read failed; reported by the road
        const name = line.name + keyToName(match.relativeName);
        const tree = jsonObject(raw);
        if (!tree) {
          emit(line, name, raw);
          continue;
        }
        for (const [path, leaf, secret] of leaves(tree))
          emit(line, [name, ...path].join('_'), leaf, { secret });
      }
      continue;
    }
    const raw = values.get(line.ref.key);
    if (raw === undefined) continue; // its read failed; that error is reported by the road
    try {
      let selected = select(line, raw);
      if (line.ref.options.decode === 'base64') {
        const decoded = decodeBase64(line, selected);
        if (decoded.bytes) {
          // What a step printing the bytes would show is as secret as the bytes.
          if (decoded.printable !== undefined) admit(decoded.printable, line);
          if (line.flatten)
            throw new ActionError(
              'FLATTEN_NOT_OBJECT',
              `${lineLabel(line)}: ${line.name}* needs a JSON object, but ${describeSelection(line)}, once decoded, is bytes, not text`,
              line.line,
            );
          emit(line, line.name, decoded.base64, { bytes: decoded.bytes });
          continue;
        }
        selected = decoded.text;
      }
      if (!line.flatten) {
        if (typeof selected === 'string') emit(line, line.name, selected);
        else emit(line, line.name, stringifyJson(selected), { secret: isSecretJson(selected) });
        continue;
      }
      const tree = typeof selected === 'string' ? parseJsonObject(line, selected) : selected;
      if (tree === null || typeof tree !== 'object') {
        throw new ActionError(
          'FLATTEN_NOT_OBJECT',
          `${lineLabel(line)}: ${line.name}* needs a JSON object or array, but ${describeSelection(line)} is a ${jsonType(tree)}`,
          line.line,
        );
      }
      for (const [path, leaf, secret] of leaves(tree))
        emit(line, line.name + path.join('_'), leaf, { secret });
    } catch (error) {
      if (error instanceof SelectorMiss && line.ref.options.optional !== undefined && onAbsent)
        onAbsent({ line, reason: error.message });
      else if (error instanceof ActionError) errors.push(error);
      else throw error;
    }
  }
  if (errors.length) throw new ActionErrors(errors);
  return out;
}

/** A selector that found nothing: the one shaping failure `?optional` tolerates. */
export class SelectorMiss extends ActionError {
  override readonly name: string = 'SelectorMiss';
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** The value as a JSON object, or undefined when it is anything else. */
function jsonObject(raw: string): { [key: string]: Json } | undefined {
  try {
    const parsed = JSON.parse(raw) as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as { [key: string]: Json })
      : undefined;
  } catch {
    return undefined;
  }
}

/** The value a line's selector points at: the raw text when there is no selector. */
function select(line: SecretLine, raw: string): Json {
  if (line.ref.selector.length === 0) return raw;
  let node: Json = parseJsonObject(line, raw);
  const walked: string[] = [];
  for (const segment of line.ref.selector) {
    const next: Json | undefined = Array.isArray(node)
      ? /^(0|[1-9][0-9]*)$/.test(segment)
        ? node[Number(segment)]
        : undefined
      : node !== null && typeof node === 'object' && Object.hasOwn(node, segment)
        ? node[segment]
        : undefined;
    if (next === undefined) {
      const at = walked.length ? `#${selectorText(walked)}` : 'the top level';
      const what = Array.isArray(node) ? `index ${segment}` : `key ${selectorText([segment])}`;
      throw new SelectorMiss(
        'SELECTOR_NOT_FOUND',
        `${lineLabel(line)}: the selector #${selectorText(line.ref.selector)} finds nothing: no ${what} at ${at} of ${refLabel(line.ref)}` +
          present(node),
        line.line,
      );
    }
    walked.push(segment);
    node = next;
  }
  return node;
}

/**
 * What there is at the level where a selector missed: key names (never values), a bounded
 * number of them, each cut short; or an array's length; or the kind of scalar.
 */
function present(node: Json): string {
  if (Array.isArray(node))
    return node.length
      ? ` (an array of ${node.length}: indexes 0 to ${node.length - 1})`
      : ' (an empty array)';
  if (node === null || typeof node !== 'object')
    return ` (that is a ${jsonType(node)}, not an object)`;
  const keys = Object.keys(node);
  if (keys.length === 0) return ' (an empty object)';
  const shown = keys
    .slice(0, LISTED_KEYS)
    .map((key) => {
      // A key is shown on one line of the log, whatever it holds.
      // eslint-disable-next-line no-control-regex -- replacing control characters is the point
      const flat = key.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
      const cut = flat.length > LISTED_KEY_LENGTH ? `${flat.slice(0, LISTED_KEY_LENGTH)}…` : flat;
      return selectorText([cut]);
    })
    .join(', ');
  const more = keys.length > LISTED_KEYS ? ` and ${keys.length - LISTED_KEYS} more` : '';
  return `; the keys there: ${shown}${more}`;
}

function parseJsonObject(line: SecretLine, raw: string): Json {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== 'object') {
    const wants = line.ref.selector.length
      ? `the selector #${selectorText(line.ref.selector)}`
      : `${line.name}*`;
    throw new ActionError(
      'SELECTOR_NOT_JSON',
      `${lineLabel(line)}: ${wants} needs a JSON object, but the value of ${refLabel(line.ref)} is not one`,
      line.line,
    );
  }
  return parsed as Json;
}

function describeSelection(line: SecretLine): string {
  return line.ref.selector.length
    ? `#${selectorText(line.ref.selector)} of ${refLabel(line.ref)}`
    : `the value of ${refLabel(line.ref)}`;
}

function jsonType(node: Json | undefined): string {
  if (node === null) return 'null';
  if (Array.isArray(node)) return 'array';
  return typeof node;
}

/** Scalars export as text: strings as they are, numbers and booleans as JSON writes them. */
function stringifyJson(node: Json): string {
  if (node === null) return '';
  return typeof node === 'object' ? JSON.stringify(node) : String(node);
}

/** Strings, numbers and what holds them can be secrets; `true`, `false` and `null` cannot. */
function isSecretJson(node: Json): boolean {
  return node !== null && typeof node !== 'boolean';
}

/**
 * Every leaf of a JSON tree with its name path (keys upper-cased, array items by index) and
 * whether it can be a secret.
 */
function* leaves(node: Json, path: string[] = []): Generator<[string[], string, boolean]> {
  if (node !== null && typeof node === 'object') {
    const entries: [string, Json][] = Array.isArray(node)
      ? node.map((item, index) => [String(index), item])
      : Object.entries(node);
    for (const [key, child] of entries) yield* leaves(child, [...path, keyToName(key)]);
    return;
  }
  yield [path, stringifyJson(node), isSecretJson(node)];
}
