// `env:NAME` — a variable of the step's environment (already a secret the runner holds,
// brought under the same masking, shaping and export as the others). The front end hands
// the variables over as a lookup; the provider never reads the process environment.
import { SecretNotFoundError } from '../core/not-found.js';
import type { EnvSettings } from '../core/settings.js';
import type { ProviderModule } from './types.js';

export const envProvider: ProviderModule<EnvSettings> = {
  check: () => [],
  create: (variables) => ({
    name: 'env',
    async login() {},
    async read(location) {
      const value = variables.lookup(location.locator);
      if (value === undefined) {
        throw new SecretNotFoundError(
          `env:${location.locator}: the variable is not set in the environment (in a workflow, pass it with env: on the step)`,
        );
      }
      return { value };
    },
  }),
};
