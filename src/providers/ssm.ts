// Placeholder until the Parameter Store module lands (next commit): refuses ssm: lines.
import { ActionError } from '../core/errors.js';
import type { AwsSettings } from '../core/settings.js';
import type { ProviderModule } from './types.js';

export const ssmProvider: ProviderModule<AwsSettings> = {
  check: () => [],
  create: () => {
    throw new ActionError('PROVIDER_UNAVAILABLE', 'ssm: references are not supported yet');
  },
};
