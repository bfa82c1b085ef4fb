// How the CLI reports a failure on stderr (SPEC §4): the message names the argument, file
// or line at fault and what was expected. Only errors of our own (OidcSecretsError, told by
// type) and Node's system errors, which name paths, carry a message we print: an unexpected
// error's message could quote input — JSON.parse quotes the text it failed on — so it is
// reduced to its class name.
//
// Every line the CLI writes to the terminal goes through `terminalText`: messages carry data
// (store paths, lock holders, names, file names, providers' error text), and data must not
// move the cursor, recolour or retitle the terminal, or — when the CLI runs in a CI step,
// whose output the runner parses — issue a workflow command. Only the bytes a user asks for
// (`store get --reveal`, the wrapped command's own output) are written as they are.
import { ActionErrors, OidcSecretsError, foreignKind, isSystemError } from '../core/errors.js';
import { logLine } from '../github/commands.js';
import { UsageError } from './args.js';

/**
 * Text as the terminal may show it: each line (split at LF) as the runner's log shows a
 * plain line — C0 and C1 controls (ESC and CSI included), DEL, bidirectional and other
 * invisible format characters shown as `\uXXXX`, CR as `\r`, a leading `::` and any `##[`
 * defused. Line feeds stay: messages of several lines are ours.
 */
export function terminalText(text: string): string {
  return text
    .split('\n')
    .map((line) => logLine(line))
    .join('\n');
}

/** Writes a message to stderr, shown as data (`terminalText`). */
export function writeErr(text: string): void {
  process.stderr.write(terminalText(text));
}

/** Writes a message to stdout, shown as data (`terminalText`). */
export function writeOut(text: string): void {
  process.stdout.write(terminalText(text));
}

/**
 * What each command's bundle gives the dispatcher (src/cli/dispatch.ts). A command reports its own
 * failures: the dispatcher is a separate bundle with its own copies of the error classes,
 * so `instanceof` there would not recognise the command's errors.
 */
export interface CommandModule {
  help(): string;
  /** Runs the command; resolves to the process exit code, errors already reported. */
  main(argv: readonly string[]): Promise<number>;
}

export function commandModule(
  help: () => string,
  run: (argv: readonly string[]) => Promise<number>,
): CommandModule {
  return {
    help,
    main: (argv) =>
      run(argv).catch((error: unknown) => {
        reportError(error);
        return 1;
      }),
  };
}

export function reportError(error: unknown): void {
  if (error instanceof UsageError) {
    const command = error.command ? `oidc-secrets ${error.command}` : 'oidc-secrets';
    writeErr(`${command}: ${error.message}\nRun \`${command} --help\` for usage.\n`);
    return;
  }
  if (error instanceof ActionErrors) {
    for (const each of error.errors) writeErr(`oidc-secrets: error: ${each.message}\n`);
    return;
  }
  if (error instanceof OidcSecretsError || isSystemError(error)) {
    writeErr(`oidc-secrets: error: ${error.message}\n`);
    return;
  }
  writeErr(
    `oidc-secrets: unexpected internal error (${foreignKind(error)}); its message is not shown in case it quotes a secret.` +
      ` Set OIDC_SECRETS_DEBUG=1 to see it.\n`,
  );
  if (process.env.OIDC_SECRETS_DEBUG === '1' && error instanceof Error) {
    writeErr(`${error.stack ?? error.message}\n`);
  }
}
