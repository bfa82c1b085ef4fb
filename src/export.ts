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

/** Refuses an export whose NAME_FILE variables would clash with other names. */
export function checkExport(secrets: readonly ShapedSecret[], modes: readonly ExportMode[]): void {
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
