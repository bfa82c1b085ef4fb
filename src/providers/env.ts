// `env:NAME` — a variable of the step's environment (already a secret the runner holds,
// brought under the same masking, shaping and export as the others).
import { ActionError } from '../core/errors.js';
import type { ProviderFactory } from './types.js';

export const createEnvProvider: ProviderFactory = (context) => ({
  name: 'env',
  async login() {},
  async read(location) {
    const value = context.env[location.locator];
    if (value === undefined) {
      throw new ActionError(
        'SECRET_NOT_FOUND',
        `env:${location.locator}: the variable is not set in the environment (in a workflow, pass it with env: on the step)`,
      );
    }
    return { value };
  },
});
