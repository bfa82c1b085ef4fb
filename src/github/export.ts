// The sinks of SPEC §1.3, written only once every line has resolved and every value has
// been masked: the env file, step outputs, and private files under RUNNER_TEMP.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ActionError, ActionErrors } from '../core/errors.js';
import { reservedReason } from '../core/plan/names.js';
import { lineLabel, type SecretLine } from '../core/plan/types.js';
import type { ExportMode } from './inputs.js';
import type { LedgerEntry } from '../core/ledger.js';
import type { FileCommand } from './commands.js';
import type { ShapedSecret } from '../core/shape.js';

export interface ExportDependencies {
  env: NodeJS.ProcessEnv;
  record(entry: LedgerEntry): void;
  write(file: FileCommand, name: string, value: string): void;
}

export interface ExportReport {
  env: number;
  outputs: number;
  files: number;
  filesDir?: string;
}

export const FILE_SUFFIX = '_FILE';

/**
 * The largest `NAME=value` one environment variable can hold: Linux refuses to start a
 * process with a longer one (MAX_ARG_STRLEN, 32 pages, counting the NUL), Windows caps a
 * variable at 32 767 characters. The runner passes the job's env to every later step, so
 * one over-long export would make each of them fail to start ("Argument list too long").
 */
export function envVariableLimit(platform: NodeJS.Platform = process.platform): {
  size: (name: string, value: string) => number;
  max: number;
  unit: string;
} {
  if (platform === 'win32')
    return { size: (n, v) => n.length + 1 + v.length, max: 32_767, unit: 'characters' };
  return { size: (n, v) => Buffer.byteLength(`${n}=${v}`) + 1, max: 131_072, unit: 'bytes' };
}

/**
 * What a new process may receive in all, arguments and environment together: Linux's
 * execve() refuses more than ARG_MAX (a quarter of the stack limit, 2 MiB with the usual
 * 8 MiB stack), macOS more than its ARG_MAX of 1 MiB. Windows has no limit on the whole
 * environment block, only per variable. Each string costs its bytes, its NUL and the
 * pointer to it.
 */
export function environmentBudget(
  platform: NodeJS.Platform = process.platform,
): { max: number; size: (name: string, value: string) => number } | undefined {
  if (platform === 'win32') return undefined;
  const size = (n: string, v: string) => Buffer.byteLength(`${n}=${v}`) + 1 + POINTER_BYTES;
  return { max: platform === 'darwin' ? 1024 * 1024 : 2 * 1024 * 1024, size };
}

const POINTER_BYTES = 8;
/**
 * Kept free for what else a later step starts with: its program's arguments (a script
 * path, a command line) and the variables the runner adds for each step (INPUT_*,
 * GITHUB_ACTION, …).
 */
export const ARGUMENT_RESERVE = 128 * 1024;

/**
 * Refuses, before anything is written, an export that cannot work: a value too large for an
 * environment variable, exports that together with the environment already there leave
 * later steps unable to start, or NAME_FILE variables that would be reserved names or clash
 * with other names.
 * `env` is the environment later steps inherit (the runner's, and earlier exports).
 */
export function checkExport(
  secrets: readonly ShapedSecret[],
  modes: readonly ExportMode[],
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
): void {
  checkBytes(secrets, modes);
  if (modes.includes('env')) {
    const limit = envVariableLimit(platform);
    for (const secret of secrets) {
      if (limit.size(secret.name, secret.value) <= limit.max) continue;
      throw new ActionError(
        'EXPORT_FAILED',
        `secrets line ${secret.line}: ${secret.name} is too large for an environment variable ` +
          `(at most ${limit.max} ${limit.unit} on this runner): every later step would fail to start. ` +
          `Use export: files (${secret.name}${FILE_SUFFIX} then holds the path of a file with the value).`,
        secret.line,
      );
    }
  }
  if (modes.includes('env') || modes.includes('files'))
    checkEnvironmentTotal(secrets, modes, platform, env);
  if (!modes.includes('files')) return;
  const reserved = secrets.flatMap((secret) =>
    fileNameProblem(secret.name, secret.line, `secrets line ${secret.line}`),
  );
  if (reserved.length) throw new ActionErrors(reserved);
  // NAME_FILE can only meet another secret's NAME in the env file: without export env, the
  // names themselves are not set there.
  if (!modes.includes('env')) return;
  const names = new Map(secrets.map((s) => [s.name.toUpperCase(), s.line]));
  for (const secret of secrets) {
    const fileName = `${secret.name}${FILE_SUFFIX}`;
    const other = names.get(fileName.toUpperCase());
    if (other !== undefined) {
      throw new ActionError(
        'NAME_COLLISION',
        `secrets line ${secret.line}: export files sets ${fileName} to the path of ${secret.name}, but line ${other} also sets ${fileName}`,
        secret.line,
      );
    }
  }
}

/**
 * With export: files, each secret also sets NAME_FILE, which must not be a reserved name
 * either (SSL_CERT would set SSL_CERT_FILE, which decides whom TLS clients trust, to a file
 * holding the fetched value). `checkFileNames` refuses the lines that name one, before any
 * request; `checkExport` the names a flattened line produced, before anything is written.
 */
export function checkFileNames(
  lines: readonly Pick<SecretLine, 'line' | 'name' | 'flatten'>[],
  modes: readonly ExportMode[],
): void {
  if (!modes.includes('files')) return;
  const errors = lines
    .filter((line) => !line.flatten)
    .flatMap((line) => fileNameProblem(line.name, line.line, lineLabel(line)));
  if (errors.length) throw new ActionErrors(errors);
}

function fileNameProblem(name: string, line: number, where: string): ActionError[] {
  const fileName = `${name}${FILE_SUFFIX}`;
  const reserved = reservedReason(fileName);
  return reserved
    ? [
        new ActionError(
          'NAME_RESERVED',
          `${where}: export files would set ${fileName} to the path of ${name}'s file, and ${reserved}`,
          line,
        ),
      ]
    : [];
}

/**
 * Decoded bytes that are not text (`?decode=base64`) go only to files: an environment
 * variable or a step output cannot hold a NUL, and other bytes would arrive mangled.
 */
function checkBytes(secrets: readonly ShapedSecret[], modes: readonly ExportMode[]): void {
  const sinks = modes.filter((m) => m === 'env' || m === 'outputs');
  const binary = secrets.find((s) => s.bytes !== undefined);
  if (!binary || sinks.length === 0) return;
  throw new ActionError(
    'EXPORT_FAILED',
    `secrets line ${binary.line}: ${binary.name} is bytes that are not text once decoded (decode=base64), which export ${sinks.join(', ')} cannot hold; use export: files (${binary.name}${FILE_SUFFIX} then holds the path of a file with the bytes)`,
    binary.line,
  );
}

/**
 * Each variable fits, but do they all, with what is already there? Today's environment
 * stays (minus what an export replaces) and later steps still need room for arguments.
 */
function checkEnvironmentTotal(
  secrets: readonly ShapedSecret[],
  modes: readonly ExportMode[],
  platform: NodeJS.Platform,
  env: NodeJS.ProcessEnv,
): void {
  const budget = environmentBudget(platform);
  if (!budget || secrets.length === 0) return;
  const exported = new Map<string, ShapedSecret>();
  for (const secret of secrets) exported.set(secret.name, secret);
  let present = 0;
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && !exported.has(name)) present += budget.size(name, value);
  }
  // export: files adds NAME_FILE=<path under RUNNER_TEMP> for each secret as well.
  const pathBytes = Buffer.byteLength(env.RUNNER_TEMP ?? '') + 64;
  const sizes = secrets.map((secret) => ({
    secret,
    bytes:
      (modes.includes('env') ? budget.size(secret.name, secret.value) : 0) +
      (modes.includes('files') ? budget.size(`${secret.name}${FILE_SUFFIX}`, '') + pathBytes : 0),
  }));
  const added = sizes.reduce((sum, s) => sum + s.bytes, 0);
  const room = budget.max - ARGUMENT_RESERVE - present;
  if (added <= room) return;
  const largest = [...sizes].sort((a, b) => b.bytes - a.bytes);
  const shown = largest
    .slice(0, 5)
    .map((s) => `line ${s.secret.line} ${s.secret.name} (${kib(s.bytes)})`)
    .join(', ');
  const more = largest.length > 5 ? ` and ${largest.length - 5} more` : '';
  const first = largest[0]?.secret.line;
  throw new ActionError(
    'EXPORT_FAILED',
    `secrets: export ${modes.filter((m) => m === 'env' || m === 'files').join(', ')} would add ${kib(added)} to an environment that already holds ${kib(present)}; ` +
      `together they exceed what a program can be started with on this runner (about ${kib(budget.max)} ` +
      `of environment and arguments), so every later step would fail to start ("Argument list too long"). ` +
      `Largest: ${shown}${more}. Use export: files for the large values (NAME${FILE_SUFFIX} then holds the path of a file with the value).`,
    first,
  );
}

function kib(bytes: number): string {
  return `${Math.ceil(bytes / 1024)} KiB`;
}

/** Writes the exports; the caller has passed them through `checkExport` first. */
export function exportSecrets(
  secrets: readonly ShapedSecret[],
  modes: readonly ExportMode[],
  deps: ExportDependencies,
): ExportReport {
  const report: ExportReport = { env: 0, outputs: 0, files: 0 };
  if (modes.includes('files')) {
    const temp = deps.env.RUNNER_TEMP;
    if (!temp)
      throw new ActionError(
        'EXPORT_FAILED',
        'export files: RUNNER_TEMP is not set; files need the runner temp directory',
      );
    // mkdtemp creates the directory 0700: only the runner's user can list or read it.
    const dir = mkdtempSync(join(temp, 'oidc-secrets-'));
    deps.record({ provider: 'files', kind: 'dir', label: dir, data: { path: dir } });
    report.filesDir = dir;
    for (const secret of secrets) {
      const path = join(dir, secret.name);
      writeFileSync(path, secret.bytes ?? secret.value, { mode: 0o600, flag: 'wx' });
      deps.write('GITHUB_ENV', `${secret.name}${FILE_SUFFIX}`, path);
      report.files++;
    }
  }
  for (const secret of secrets) {
    if (modes.includes('env')) {
      deps.write('GITHUB_ENV', secret.name, secret.value);
      report.env++;
    }
    if (modes.includes('outputs')) {
      deps.write('GITHUB_OUTPUT', secret.name, secret.value);
      report.outputs++;
    }
  }
  return report;
}
