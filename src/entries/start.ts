// What every action entry does with its module's `run`: set the exit code it resolves to,
// and turn an unexpected rejection into an error annotation and exit code 1. The entries
// hold nothing else: there is no switch, in the environment or anywhere, that makes a
// bundle skip its work (an earlier step could set it to skip the scan or post's revocation).
import { describeError } from '../core/errors.js';
import { annotate } from '../github/commands.js';

export function start(run: () => Promise<number>, title: string): void {
  run().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      annotate('error', `${title}: unexpected failure: ${describeError(error)}`, { title });
      process.exitCode = 1;
    },
  );
}
