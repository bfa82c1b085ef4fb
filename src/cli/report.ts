// How the CLI reports a failure on stderr (SPEC §4): the message names the argument, file
// or line at fault and what was expected. Only errors of our own (or Node's system errors,
// which name paths) carry a message we print: an unexpected error's message could quote
// input — JSON.parse quotes the text it failed on — so it is reduced to its class name.
import { ActionErrors } from '../errors.js';
import { UsageError } from './args.js';

/**
 * What each command's bundle gives the dispatcher (src/cli.ts). A command reports its own
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
    process.stderr.write(`${command}: ${error.message}\nRun \`${command} --help\` for usage.\n`);
    return;
  }
  if (error instanceof ActionErrors) {
    for (const each of error.errors) process.stderr.write(`oidc-secrets: error: ${each.message}\n`);
    return;
  }
  if (error instanceof Error && typeof (error as { code?: unknown }).code === 'string') {
    process.stderr.write(`oidc-secrets: error: ${error.message}\n`);
    return;
  }
  const kind = error instanceof Error ? error.name : typeof error;
  process.stderr.write(
    `oidc-secrets: unexpected internal error (${kind}); its message is not shown in case it quotes a secret.` +
      ` Set OIDC_SECRETS_DEBUG=1 to see it.\n`,
  );
  if (process.env.OIDC_SECRETS_DEBUG === '1' && error instanceof Error) {
    process.stderr.write(`${error.stack ?? error.message}\n`);
  }
}
