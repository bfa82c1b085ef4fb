// `oidc-secrets read REF`: resolves one reference (any provider, as a job file line would)
// and prints its value to stdout, exactly, without a trailing newline of its own. A value on
// a terminal stays on the screen and in its scrollback: `read` refuses a terminal unless
// --reveal says that is meant, and checks before anything is fetched.
import { HELP_OPTION, type OptionSpec, UsageError, formatOptions, parseArgs } from './args.js';
import { PROVIDERS_HELP, RESOLVE_OPTIONS, finishJob, resolveJob } from './job.js';
import { commandModule, writeErr, writeOut } from './report.js';

const READ_OPTIONS: OptionSpec[] = [
  { name: 'reveal', description: 'print the value even when stdout is a terminal' },
  ...RESOLVE_OPTIONS,
  HELP_OPTION,
];

/** The name the one-line job gets; never shown (errors name the REF argument). */
const READ_NAME = 'OIDC_SECRETS_READ_VALUE';

export function readHelp(): string {
  return `Usage: oidc-secrets read [--reveal] REF

Prints the value of one reference (vault:…, aws:…, gcp:…, azure:…, local:…, env:…,
file:…, with #selectors as in a job file line) to stdout, exactly as it is: no newline
is added. Meant for pipes and files: \`oidc-secrets read REF | pbcopy\`,
\`--password-stdin < <(oidc-secrets read REF)\`. When stdout is a terminal it refuses
unless --reveal is given, before anything is fetched.

${PROVIDERS_HELP}
Options:
${formatOptions(READ_OPTIONS)}

Exit codes: 0 the value was printed; 1 it could not be resolved, or stdout is a terminal
without --reveal.
`;
}

/** The entry of the `read` bundle (dist/cli/read.cjs). */
export const command = commandModule(readHelp, runReadCommand);

export async function runReadCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, READ_OPTIONS, 'read');
  if (args.options.has('help')) {
    writeOut(readHelp());
    return 0;
  }
  const [reference, ...extra] = args.positionals;
  if (reference === undefined) throw new UsageError('expected one REF to read', 'read');
  if (extra.length > 0) {
    throw new UsageError(
      `expected one REF, got ${args.positionals.length}: read one at a time`,
      'read',
    );
  }
  if (/[\r\n]/.test(reference)) {
    throw new UsageError(
      'REF must be one line (a reference such as vault:secret/data/app#key)',
      'read',
    );
  }
  if (process.stdout.isTTY && !args.options.has('reveal')) {
    throw new UsageError(
      'refusing to print a secret to a terminal, where it stays on screen and in the scrollback: ' +
        'pipe or redirect it (oidc-secrets read REF | pbcopy), or pass --reveal',
      'read',
    );
  }
  const resolved = await resolveJob(`${READ_NAME}: ${reference.trim()}`, args, 'REF', {
    stdoutIsData: true,
    oneLine: true,
  });
  try {
    const [only, ...more] = resolved.secrets;
    if (!only || more.length > 0) {
      throw new UsageError(
        `REF gave ${resolved.secrets.length} values; read takes a reference to one value (add a #key selector)`,
        'read',
      );
    }
    // The bytes asked for, not terminal text: a PEM or binary-as-base64 value stays exact.
    await new Promise<void>((done, fail) =>
      process.stdout.write(only.value, (error) => (error ? fail(error) : done())),
    );
    return 0;
  } finally {
    await finishJob(resolved, writeErr);
  }
}
