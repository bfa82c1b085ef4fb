// The sinks of SPEC §1.3, written only once every line has resolved and every value has
// been masked: the env file, step outputs, and private files under RUNNER_TEMP.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ActionError } from './errors.js';
import type { ExportMode } from './config.js';
import type { LedgerEntry } from './ledger.js';
import { fileCommand, type FileCommand } from './runner/commands.js';
import type { ShapedSecret } from './shape.js';

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

export const defaultExportDependencies = (
  record: (entry: LedgerEntry) => void,
): ExportDependencies => ({
  env: process.env,
  record,
  write: fileCommand,
});

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
 * Refuses, before anything is written, an export that cannot work: a value too large for an
 * environment variable, or NAME_FILE variables that would clash with other names.
 */
export function checkExport(
  secrets: readonly ShapedSecret[],
  modes: readonly ExportMode[],
  platform: NodeJS.Platform = process.platform,
): void {
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
  if (!modes.includes('files')) return;
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

export function exportSecrets(
  secrets: readonly ShapedSecret[],
  modes: readonly ExportMode[],
  deps: ExportDependencies,
): ExportReport {
  checkExport(secrets, modes);
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
      writeFileSync(path, secret.value, { mode: 0o600, flag: 'wx' });
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
