// Which module serves which provider name.
import { ActionError } from '../errors.js';
import type { ProviderName } from '../spec/types.js';
import { createAwsProvider } from './aws.js';
import { createAzureProvider } from './azure.js';
import { createEnvProvider } from './env.js';
import { createFileProvider } from './file.js';
import { createGcpProvider } from './gcp.js';
import { createLocalProvider } from './local.js';
import type { ProviderContext, ProviderFactory, SecretProvider } from './types.js';
import { createVaultProvider } from './vault.js';

const FACTORIES: Partial<Record<ProviderName, ProviderFactory>> = {
  vault: createVaultProvider,
  aws: createAwsProvider,
  gcp: createGcpProvider,
  azure: createAzureProvider,
  env: createEnvProvider,
  file: createFileProvider,
  local: createLocalProvider,
};

export function createProvider(name: ProviderName, context: ProviderContext): SecretProvider {
  const factory = FACTORIES[name];
  if (!factory) {
    throw new ActionError(
      'PROVIDER_UNAVAILABLE',
      `${name}: references are not supported by this version of oidc-secrets`,
    );
  }
  return factory(context);
}
