// The runner's two channels, written the way actions/runner parses them:
// - workflow commands on stdout (`::add-mask::`, `::warning::`, `::error file=…::`),
// - file commands (GITHUB_ENV, GITHUB_OUTPUT, GITHUB_STATE, GITHUB_STEP_SUMMARY).
// We write these ourselves instead of bundling @actions/core: the toolkit pulls an HTTP
// client (and its proxy tunnel) into every bundle, and start-up time is most of our step.
import { appendFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { EOL } from 'node:os';

/** Escaping of a command's data part, as the runner unescapes it. */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escaping of a command's property values (`file=…,line=…`). */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export type CommandProperties = Record<string, string | number | undefined>;

/** Writes one workflow command line to stdout (never stderr: see SPEC §1.2). */
export function issueCommand(command: string, properties: CommandProperties, data: string): void {
  const props = Object.entries(properties)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => `${key}=${escapeProperty(String(value))}`)
    .join(',');
  process.stdout.write(`::${command}${props ? ' ' + props : ''}::${escapeData(data)}${EOL}`);
}

export function addMask(value: string): void {
  issueCommand('add-mask', {}, value);
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
  issueCommand(level, { ...where }, message);
}

export function info(message: string): void {
  process.stdout.write(message + EOL);
}

export function debug(message: string): void {
  issueCommand('debug', {}, message);
}

export function startGroup(name: string): void {
  issueCommand('group', {}, name);
}

export function endGroup(): void {
  issueCommand('endgroup', {}, '');
}

/** Which file command a value goes to. */
export type FileCommand = 'GITHUB_ENV' | 'GITHUB_OUTPUT' | 'GITHUB_STATE';

export class FileCommandError extends Error {
  readonly code = 'FILE_COMMAND';
}

/**
 * Appends `name<<delimiter … delimiter` to a file command. The delimiter is random so a
 * value cannot end the block early; a value that contains it anyway is refused rather than
 * written (the error names only the variable).
 */
export function fileCommand(file: FileCommand, name: string, value: string): void {
  const path = process.env[file];
  if (!path) throw new FileCommandError(`${file} is not set: is this running on a GitHub runner?`);
  appendFileSync(path, formatFileCommand(name, value), { encoding: 'utf8' });
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

export function getState(name: string): string {
  return process.env[`STATE_${name}`] ?? '';
}

/** Appends markdown to the job summary, if the runner gave us a summary file. */
export function appendSummary(markdown: string): boolean {
  const path = process.env.GITHUB_STEP_SUMMARY;
  if (!path) return false;
  appendFileSync(path, markdown, { encoding: 'utf8' });
  return true;
}

/** Escapes text for a markdown table cell. */
export function tableCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
