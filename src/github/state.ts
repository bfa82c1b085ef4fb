// The one reader of the state a main step saved for its post step. On a runner, state saved
// with `GITHUB_STATE` comes back to post as environment variables named `STATE_<name>`; the
// core (src/core/ledger.ts) reads state only through the SavedState this returns, so it
// needs to know neither the prefix nor that the runner uses the environment.
import type { SavedState } from '../core/ledger.js';

const STATE_PREFIX = 'STATE_';

/** The state main saved, as the runner hands it to post in `env`. */
export function runnerState(env: NodeJS.ProcessEnv): SavedState {
  return {
    get: (name) => env[`${STATE_PREFIX}${name}`],
    names: () =>
      Object.keys(env)
        .filter((variable) => variable.startsWith(STATE_PREFIX))
        .map((variable) => variable.slice(STATE_PREFIX.length)),
  };
}
