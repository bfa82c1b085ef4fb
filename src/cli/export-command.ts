// `oidc-secrets export -c FILE --format dotenv|json --out PATH`: resolves the job file and
// writes its secrets to PATH, 0600 from birth and atomically (a private temp file renamed
// over PATH). A path git might commit — inside a work tree and not ignored — is refused
// before anything is fetched.
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ActionError } from '../core/errors.js';
import { writePrivateFileAtomic } from '../store/private-file.js';
import {
  HELP_OPTION,
  type OptionSpec,
  UsageError,
  formatOptions,
  optionString,
  parseArgs,
} from './args.js';
import { EXPORT_FORMATS, type ExportFormat, formatExport } from './export-format.js';
import { refuseUnignoredInWorkTree } from './git-guard.js';
import {
  CONFIG_OPTION,
  PROVIDERS_HELP,
  RESOLVE_OPTIONS,
  finishJob,
  readJobFile,
  resolveJob,
} from './job.js';
import { commandModule, writeErr, writeOut } from './report.js';

const EXPORT_OPTIONS: OptionSpec[] = [
  CONFIG_OPTION,
  { name: 'format', value: 'FORMAT', description: "dotenv (NAME='value' lines) or json" },
  { name: 'out', short: 'o', value: 'PATH', description: 'the file to write (0600)' },
  ...RESOLVE_OPTIONS,
  HELP_OPTION,
];

export function exportHelp(): string {
  return `Usage: oidc-secrets export [-c FILE] --format dotenv|json --out PATH

Resolves the secrets of FILE and writes them to PATH: mode 0600, written atomically (a
reader sees the old file or the new one). dotenv writes NAME='value' lines that the dotenv
package reads back unchanged; json writes one {"NAME": "value"} object. PATH must not be
where git could commit it: inside a git work tree it must be ignored (git check-ignore),
or the export is refused before anything is fetched. Leases created to fetch the values
are revoked once the file is written, so a dynamic credential in the file stops working
then: OIDC_SECRETS_REVOKE=false leaves them to expire with their TTL.

${PROVIDERS_HELP}
Options:
${formatOptions(EXPORT_OPTIONS)}

Exit codes: 0 the file was written; 1 anything else (nothing is written).
`;
}

/** The entry of the `export` bundle (dist/cli/export.cjs). */
export const command = commandModule(exportHelp, runExportCommand);

export async function runExportCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, EXPORT_OPTIONS, 'export');
  if (args.options.has('help')) {
    writeOut(exportHelp());
    return 0;
  }
  if (args.positionals.length > 0) {
    throw new UsageError(
      `unexpected operand ${args.positionals[0]}: the file is --out PATH`,
      'export',
    );
  }
  const format = optionString(args, 'format');
  if (format === undefined) throw new UsageError('--format is required: dotenv or json', 'export');
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format ${format}: expected dotenv or json`, 'export');
  }
  const out = optionString(args, 'out');
  if (!out) throw new UsageError('--out PATH is required: the file to write', 'export');
  const path = resolve(out);
  if (!existsSync(dirname(path)) || !statSync(dirname(path)).isDirectory()) {
    throw new ActionError('INPUT_INVALID', `--out ${path}: its directory does not exist`);
  }
  if (existsSync(path) && !statSync(path).isFile()) {
    throw new ActionError('INPUT_INVALID', `--out ${path}: exists and is not a regular file`);
  }
  await refuseUnignoredInWorkTree(path, '--out');

  const job = await readJobFile(optionString(args, 'config'));
  const resolved = await resolveJob(job.secrets, args, job.path, { stdoutIsData: true });
  try {
    const text = formatExport(resolved.secrets, format as ExportFormat);
    await writePrivateFileAtomic(path, text, 'the export');
    writeErr(
      `oidc-secrets: wrote ${resolved.secrets.length} secret${resolved.secrets.length === 1 ? '' : 's'} to ${path} (${format}, mode 0600)\n`,
    );
    return 0;
  } finally {
    await finishJob(resolved, writeErr);
  }
}
