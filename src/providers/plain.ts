// `plain:TEXT` and bare values (`LOG_LEVEL: INFO`, seed 001's "plain" type): a literal the
// user wrote in the open. There is nothing to fetch and nothing to hide: the road passes the
// text through and neither the mask gate nor the shaper registers it (SPEC §1.1a).
import type { PlainSettings } from '../core/settings.js';
import type { ProviderModule } from './types.js';

export const plainProvider: ProviderModule<PlainSettings> = {
  check: () => [],
  create: () => ({
    name: 'plain',
    async login() {},
    async read(location) {
      return { value: location.locator };
    },
  }),
};
