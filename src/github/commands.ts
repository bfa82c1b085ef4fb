// The runner's two channels, written the way actions/runner parses them:
// - workflow commands on stdout (`::add-mask::`, `::warning::`, `::error file=…::`),
// - file commands (GITHUB_ENV, GITHUB_OUTPUT, GITHUB_STATE, GITHUB_STEP_SUMMARY).
// This hand-written writer stands in for @actions/core on purpose: the toolkit costs about
// 30 ms of start-up per step and ~800 KB of bundle (it pulls an HTTP client and its proxy
// tunnel in), and start-up time is most of our step. Everything the action prints goes
// through here, and everything printed is treated as data except the command we issue
// deliberately: see `logLine` for plain lines and `escapeData` for command data.
import { OidcSecretsError, type ErrorAbout } from '../core/errors.js';
import { appendFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { EOL } from 'node:os';

// What the runner does with a line of the step's output (ActionCommandManager):
// - .NET's reader ends a line at LF, CR or CRLF, so a lone CR starts a new line too;
// - `::name props::data` is a command when the line starts with it after TrimStart()
//   (which trims every Unicode white space, U+2028/U+2029 and U+0085 included);
// - failing that, `##[name props]data` is a command wherever `##[` appears in the line.
// Text from a provider, a repository or the workspace must never produce either.

/**
 * Characters shown as `\uXXXX` wherever they appear in text we print: C0 and C1 controls
 * (tab aside), DEL, the Unicode line and paragraph separators, and format characters
 * (zero-width, bidirectional overrides, BOM) that hide or reorder text, or that a
 * culture-aware comparison skips when the runner looks for `::` and `##[`.
 */
const HIDDEN = /(?![\t\n])[\p{Cc}\p{Cf}\u2028\u2029]/gu;

function showHidden(text: string): string {
  return text.replace(HIDDEN, (c) => {
    const code = c.codePointAt(0) ?? 0;
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** .NET's Char.IsWhiteSpace, which String.TrimStart() trims before looking for `::`. */
const LEADING_DOTNET_SPACE =
  /^[\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*/;

/**
 * One plain log line that the runner shows and never runs: CR and LF inside it are shown
 * as `\r` and `\n` (so no text can start a line of its own), hidden characters as
 * `\uXXXX`, a leading `::` as `%3A:` and every `##[` as `##%5B`.
 */
export function logLine(text: string): string {
  const flat = showHidden(text.replace(/\r/g, '\\r').replace(/\n/g, '\\n'));
  const lead = LEADING_DOTNET_SPACE.exec(flat)?.[0].length ?? 0;
  const safe = flat.startsWith('::', lead)
    ? `${flat.slice(0, lead)}%3A${flat.slice(lead + 1)}`
    : flat;
  return safe.replace(/##\[/g, '##%5B');
}

/**
 * Escaping of a command's data part, as the runner unescapes it (`%25`, `%0D`, `%0A`): a
 * CR or LF in the data becomes part of the message, never a line of its own.
 */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Data of a message (annotation, debug, group title): hidden characters shown, then escaped. */
export function escapeMessage(text: string): string {
  return escapeData(showHidden(text));
}

/** Escaping of a command's property values (`file=…,line=…`). */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export type CommandProperties = Record<string, string | number | undefined>;

/**
 * Mask lines not yet written. A read's values are registered as it arrives, one line each;
 * written one by one they cost a write to the runner's pipe each (at 200 reads, ~15 % of
 * the reads' CPU; bench/vault.bench.ts), so they are gathered and written together: at the
 * end of the event-loop turn that added them, and always before anything else this process
 * writes — a line on stdout, a file command, the job summary — and at exit. No text of
 * ours can therefore reach the runner before the masks that cover it.
 */
let pendingMasks: string[] = [];
let flushQueued = false;

/** Writes the pending mask lines now. */
export function flushMasks(): void {
  if (pendingMasks.length === 0) return;
  const text = pendingMasks.join('');
  pendingMasks = [];
  process.stdout.write(text);
}

function write(line: string): void {
  flushMasks();
  process.stdout.write(line);
}

/** Writes one workflow command line to stdout (never stderr: see SPEC §1.2). */
function issueCommand(command: string, properties: CommandProperties, escapedData: string): void {
  const props = Object.entries(properties)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => `${key}=${escapeProperty(String(value))}`)
    .join(',');
  write(`::${command}${props ? ' ' + props : ''}::${escapedData}${EOL}`);
}

/** Registers a value with the runner's masker: the value exactly, only protocol-escaped. */
export function addMask(value: string): void {
  pendingMasks.push(`::add-mask::${escapeData(value)}${EOL}`);
  if (flushQueued) return;
  flushQueued = true;
  process.once('exit', flushMasks);
  setImmediate(() => {
    flushQueued = false;
    process.removeListener('exit', flushMasks);
    flushMasks();
  });
}

/**
 * addMask on stderr, for CLI commands whose stdout is data (`read`, `redact`, `export` in a
 * job): captured as `$(oidc-secrets read REF)` or piped on, stdout never reaches the runner,
 * so a mask there would be lost and would corrupt the data. The runner reads commands on
 * stderr too, and handles a batch's stderr lines before its stdout lines; these commands
 * never print a value on stderr.
 */
export function addMaskOnStderr(value: string): void {
  process.stderr.write(`::add-mask::${escapeData(value)}${EOL}`);
}

export interface AnnotationProperties {
  title?: string;
  file?: string;
  line?: number;
  endLine?: number;
  col?: number;
  endColumn?: number;
}

export function annotate(
  level: 'error' | 'warning' | 'notice',
  message: string,
  where: AnnotationProperties = {},
): void {
  issueCommand(level, { ...where }, escapeMessage(message));
}

/** A plain line of the step's log; see `logLine` for what keeps it from being a command. */
export function info(message: string): void {
  write(logLine(message) + EOL);
}

export function debug(message: string): void {
  issueCommand('debug', {}, escapeMessage(message));
}

/** Which file command a value goes to. */
export type FileCommand = 'GITHUB_ENV' | 'GITHUB_OUTPUT' | 'GITHUB_STATE';

/** A runner file command (GITHUB_ENV, GITHUB_OUTPUT, GITHUB_STATE) that cannot be written. */
export class FileCommandError extends OidcSecretsError {
  override readonly name = 'FileCommandError';
  declare readonly code: 'FILE_COMMAND';
  constructor(message: string, about?: ErrorAbout) {
    super('FILE_COMMAND', message, about);
  }
}

/**
 * Appends `name<<delimiter … delimiter` to a file command. The delimiter is random so a
 * value cannot end the block early; a value that contains it anyway is refused rather than
 * written (the error names only the variable).
 */
export function fileCommand(file: FileCommand, name: string, value: string): void {
  flushMasks();
  appendFileSync(fileCommandPath(file), formatFileCommand(name, value), { encoding: 'utf8' });
}

function fileCommandPath(file: FileCommand): string {
  const path = process.env[file];
  if (!path) throw new FileCommandError(`${file} is not set: is this running on a GitHub runner?`);
  return path;
}

/**
 * File commands gathered, then appended with one write per file: main's exports go out
 * together (an open, a write and a close per variable cost ~15 ms of the step's CPU at 200
 * variables; bench/vault.bench.ts), and an error before `flush` leaves the files untouched.
 */
export class FileCommandBatch {
  private readonly pending = new Map<string, string[]>();

  add(file: FileCommand, name: string, value: string): void {
    const path = fileCommandPath(file);
    const blocks = this.pending.get(path) ?? [];
    blocks.push(formatFileCommand(name, value));
    this.pending.set(path, blocks);
  }

  flush(): void {
    flushMasks();
    for (const [path, blocks] of this.pending) {
      this.pending.delete(path);
      appendFileSync(path, blocks.join(''), { encoding: 'utf8' });
    }
  }
}

export function formatFileCommand(name: string, value: string): string {
  const delimiter = `ghadelimiter_${randomUUID()}`;
  if (name.includes(delimiter) || value.includes(delimiter)) {
    throw new FileCommandError(`the value of ${name} contains the file-command delimiter`);
  }
  return `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`;
}

/** Action inputs arrive as INPUT_<NAME> with spaces as underscores, upper-cased. */
export function getInput(name: string): string {
  return (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

/** Raw input: multi-line inputs keep their lines (only the trailing newline goes). */
export function getMultilineInput(name: string): string {
  return process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '';
}

/** Appends markdown to the job summary, if the runner gave us a summary file. */
export function appendSummary(markdown: string): boolean {
  const path = process.env.GITHUB_STEP_SUMMARY;
  if (!path) return false;
  flushMasks();
  appendFileSync(path, markdown, { encoding: 'utf8' });
  return true;
}

/** Line breaks of any kind, which would end a table row. */
const LINE_BREAKS = /\r\n|[\r\n\u0085\u2028\u2029]/g;

/**
 * Text for a markdown table cell in the job summary, shown as text: line breaks become
 * spaces (a row is one line), `|`, `\` and the brackets and backticks of links, images and
 * code spans are backslash-escaped, and `&`, `<`, `>` become entities, so that no tag, entity,
 * image or link in the text reaches the page (emphasis is left alone: it hides nothing).
 */
export function tableCell(text: string): string {
  return showHidden(text.replace(LINE_BREAKS, ' '))
    .replace(/\\/g, '\\\\')
    .replace(/[|[\]`]/g, '\\$&')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/**
 * A code span for a table cell. Inside a code span nothing is markup (entities included),
 * so only what could end the span or the cell is handled: the fence is one backtick longer
 * than the longest run of backticks in the text (CommonMark), padded with a space when the
 * text starts or ends with one, and `|` is escaped for the table (cmark-gfm splits cells
 * before it parses code spans).
 */
export function codeCell(text: string): string {
  const body = showHidden(text.replace(LINE_BREAKS, ' '))
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|');
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = body.startsWith('`') || body.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${body}${pad}${fence}`;
}
