// Which module serves which provider name. Each is loaded when a plan first needs it. Every
// bundle inlines these imports (the CLI's bundles may not keep an import(): build.mjs), and
// esbuild runs an inlined module's top level only when its import() is reached, so a run
// that names no AWS reference never initialises the AWS signer.
import { ActionError } from '../core/errors.js';
import type { ProviderName } from '../core/plan/types.js';
import type { ProviderContext, ProviderFactory, SecretProvider } from './types.js';

const LOADERS: Record<ProviderName, () => Promise<ProviderFactory>> = {
  vault: async () => (await import('./vault.js')).createVaultProvider,
  aws: async () => (await import('./aws.js')).createAwsProvider,
  gcp: async () => (await import('./gcp.js')).createGcpProvider,
  azure: async () => (await import('./azure.js')).createAzureProvider,
  env: async () => (await import('./env.js')).createEnvProvider,
  file: async () => (await import('./file.js')).createFileProvider,
  local: async () => (await import('./local.js')).createLocalProvider,
};

export type ProviderCreator = (
  name: ProviderName,
  context: ProviderContext,
) => Promise<SecretProvider>;

export const createProvider: ProviderCreator = async (name, context) => {
  const load = LOADERS[name] as (() => Promise<ProviderFactory>) | undefined;
  if (!load) {
    throw new ActionError(
      'PROVIDER_UNAVAILABLE',
      `${name}: references are not supported by this version of oidc-secrets`,
    );
  }
  return (await load())(context);
};
