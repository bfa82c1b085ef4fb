// `oidc-secrets redact [-c FILE]`: stdin → stdout through the same stream masker as `run`,
// with every value of the job file (and its lines, JSON leaves and encodings) as masks. For
// logs that were written without `run`: `kubectl logs … | oidc-secrets redact`.
import { pipeline } from 'node:stream/promises';
import { MaskAutomaton, createMaskingStream } from '../core/mask-stream.js';
import {
  HELP_OPTION,
  type OptionSpec,
  formatOptions,
  optionString,
  parseArgs,
  UsageError,
} from './args.js';
import {
  CONFIG_OPTION,
  PROVIDERS_HELP,
  RESOLVE_OPTIONS,
  finishJob,
  readJobFile,
  resolveJob,
} from './job.js';
import { commandModule, writeErr, writeOut } from './report.js';

const REDACT_OPTIONS: OptionSpec[] = [CONFIG_OPTION, ...RESOLVE_OPTIONS, HELP_OPTION];

export function redactHelp(): string {
  return `Usage: oidc-secrets redact [-c FILE] < INPUT > OUTPUT

Copies stdin to stdout with the values of FILE masked as \`run\` masks a command's output:
every value, every line of a multi-line value and every JSON leaf (and their base64, JSON,
URL and XML/HTML encodings) becomes ***, also when it is split across reads. Leases and tokens
created to fetch the values are revoked when stdin ends.

${PROVIDERS_HELP}
Options:
${formatOptions(REDACT_OPTIONS)}

Exit codes: 0 all of stdin was copied; 1 the values could not be resolved (nothing is
copied) or the copy failed.
`;
}

/** The entry of the `redact` bundle (dist/cli/redact.cjs). */
export const command = commandModule(redactHelp, runRedactCommand);

export async function runRedactCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, REDACT_OPTIONS, 'redact');
  if (args.options.has('help')) {
    writeOut(redactHelp());
    return 0;
  }
  if (args.positionals.length > 0) {
    throw new UsageError('redact reads stdin and takes no operands (use < FILE)', 'redact');
  }
  const job = await readJobFile(optionString(args, 'config'));
  const resolved = await resolveJob(job.secrets, args, job.path, { stdoutIsData: true });
  try {
    const masker = createMaskingStream(new MaskAutomaton(resolved.masks));
    await pipeline(process.stdin, masker, process.stdout).catch((error: unknown) => {
      // `redact … | head`: the reader went away; what it read was masked.
      if ((error as { code?: unknown }).code !== 'EPIPE') throw error;
    });
    return 0;
  } finally {
    await finishJob(resolved, writeErr);
  }
}
