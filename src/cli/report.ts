// How the CLI reports a failure on stderr (SPEC §4): the message names the argument, file
// or line at fault and what was expected. Only errors of our own (or Node's system errors,
// which name paths) carry a message we print: an unexpected error's message could quote
// input — JSON.parse quotes the text it failed on — so it is reduced to its class name.
import { ActionErrors } from '../errors.js';
import { UsageError } from './args.js';

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
