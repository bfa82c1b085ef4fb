// `run -c FILE` job files (SPEC §3.1). Three shapes, recognised from the content:
// - `NAME: REFERENCE` lines, as the action's `secrets` input;
// - `.env`-style `NAME=REFERENCE` lines (`export ` allowed, a value in matching quotes
//   unquoted, ` #…` after an unquoted value a comment);
// - seed 001's YAML job configuration, whose top-level `environment:` mapping holds the
//   references, quoted or not (`API_KEY: "secret:API_KEY"`, `LOG_LEVEL: "INFO"`); the
//   scheduler's other keys are its own business and ignored.
// Each becomes `NAME: REFERENCE` text with one line per line of the file, so every message
// the plan makes ("secrets line 3 (API_KEY): …") names the file's own line.
//
// Nothing here echoes a value: a line that does not parse is named by its number and
// what was expected.
import type { Node } from 'yaml';
import { ActionError, ActionErrors } from '../core/errors.js';

export type JobFileFormat = 'lines' | 'dotenv' | 'yaml';

export interface JobFile {
  format: JobFileFormat;
  /** `NAME: REFERENCE` lines, numbered as the file's lines. */
  secrets: string;
}

const ENV_LINE = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*(?:_\*)?)\s*=(.*)$/;
const YAML_ENVIRONMENT = /^environment\s*:\s*(#.*)?$/m;

/** The format of a job file, from its content. */
export function jobFileFormat(text: string): JobFileFormat {
  if (YAML_ENVIRONMENT.test(text)) return 'yaml';
  const first = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .find((line) => line !== '' && !line.startsWith('#'));
  return first !== undefined && ENV_LINE.test(first) ? 'dotenv' : 'lines';
}

/** Reads a job file's text into the `NAME: REFERENCE` lines the pipeline plans. */
export async function parseJobFile(raw: string): Promise<JobFile> {
  // A byte-order mark (editors on Windows write one) is no part of the first line.
  const text = raw.replace(/^\uFEFF/, '');
  const format = jobFileFormat(text);
  if (format === 'lines') return { format, secrets: text };
  const count = text.split(/\r?\n/).length;
  const out = new Array<string>(count).fill('');
  if (format === 'dotenv') fromDotenv(text, out);
  else await fromYaml(text, out);
  return { format, secrets: out.join('\n') };
}

function fromDotenv(text: string, out: string[]): void {
  const errors: ActionError[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const match = ENV_LINE.exec(line);
    if (!match) {
      errors.push(
        new ActionError(
          'SECRETS_SYNTAX',
          `line ${index + 1}: expected NAME=REFERENCE, as on the file's first line (a name, '=', then a reference or a value)`,
          index + 1,
        ),
      );
      return;
    }
    out[index] = `${match[1]}: ${envValue((match[2] ?? '').trim())}`;
  });
  if (errors.length) throw new ActionErrors(errors);
}

/** A value in matching quotes is unquoted; after an unquoted one, ` #…` is a comment. */
function envValue(text: string): string {
  const quoted = /^(['"])(.*)\1$/.exec(text);
  if (quoted) return quoted[2] as string;
  return text.replace(/\s+#.*$/, '');
}

async function fromYaml(text: string, out: string[]): Promise<void> {
  // Loaded for YAML files only: the parser is most of the run bundle's code, and a job
  // file of lines (the common case) should not pay for initialising it.
  const { LineCounter, isMap, isScalar, parseDocument } = await import('yaml');
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    schema: 'failsafe', // every scalar a string, as written: `8080` stays "8080", `1.0` "1.0"
    lineCounter: lines,
    prettyErrors: false, // a pretty error quotes the file's text around the fault
    uniqueKeys: true,
  });
  const lineOf = (offset: number) => lines.linePos(offset).line;
  if (doc.errors.length) {
    throw new ActionErrors(
      doc.errors.map((error) => {
        const line = lineOf(error.pos[0]);
        return new ActionError(
          'SECRETS_SYNTAX',
          `line ${line}: not valid YAML (${error.code.toLowerCase().replace(/_/g, ' ')})`,
          line,
        );
      }),
    );
  }
  const environment = doc.get('environment', true) as Node | undefined;
  const errors: ActionError[] = [];
  const fail = (line: number, problem: string) =>
    errors.push(new ActionError('SECRETS_SYNTAX', `line ${line}: ${problem}`, line));
  if (!isMap(environment)) {
    const line = environment?.range ? lineOf(environment.range[0]) : 1;
    fail(line, 'environment: must be a mapping of NAME: "REFERENCE" entries');
    throw new ActionErrors(errors);
  }
  for (const pair of environment.items) {
    const key = pair.key as Node | null;
    const line = key?.range ? lineOf(key.range[0]) : 1;
    const name = isScalar(key) ? String(key.value) : undefined;
    if (name === undefined || !/^[^\s:#]+$/.test(name)) {
      fail(line, 'expected an environment variable name as the key of this environment: entry');
      continue;
    }
    const value = pair.value as Node | null;
    if (value !== null && !isScalar(value)) {
      fail(line, `${name}: expected a reference or a value, not a list or mapping`);
      continue;
    }
    const reference = value === null ? '' : String(value.value);
    if (/[\r\n]/.test(reference)) {
      fail(line, `${name}: a reference is one line; this value spans several`);
      continue;
    }
    if (out[line - 1]) {
      fail(line, `${name}: write one environment: entry per line`);
      continue;
    }
    out[line - 1] = `${name}: ${reference}`;
  }
  if (errors.length) throw new ActionErrors(errors);
}
