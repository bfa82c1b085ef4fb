// Which module serves which provider name. Each is loaded when a plan first needs it. Every
// bundle inlines these imports (the CLI's bundles may not keep an import(): build.mjs), and
// esbuild runs an inlined module's top level only when its import() is reached, so a run
// that names no AWS reference never initialises the AWS signer.
import { ActionError } from '../core/errors.js';
import type { ProviderName } from '../core/plan/types.js';
import type { ProviderSettings } from '../core/settings.js';
import type { ProviderDeps, ProviderModule, SecretProvider } from './types.js';

type Loaders = { [N in ProviderName]: () => Promise<ProviderModule<ProviderSettings[N]>> };

const LOADERS: Loaders = {
  vault: async () => (await import('./vault.js')).vaultProvider,
  aws: async () => (await import('./aws.js')).awsProvider,
  gcp: async () => (await import('./gcp.js')).gcpProvider,
  azure: async () => (await import('./azure.js')).azureProvider,
  env: async () => (await import('./env.js')).envProvider,
  file: async () => (await import('./file.js')).fileProvider,
  local: async () => (await import('./local.js')).localProvider,
  k8s: async () => (await import('./k8s.js')).k8sProvider,
  dotenv: async () => (await import('./dotenv.js')).dotenvProvider,
  plain: async () => (await import('./plain.js')).plainProvider,
  ssm: async () => (await import('./ssm.js')).ssmProvider,
};

export async function loadProvider<N extends ProviderName>(
  name: N,
): Promise<ProviderModule<ProviderSettings[N]>> {
  const load = LOADERS[name] as Loaders[N] | undefined;
  if (!load) {
    throw new ActionError(
      'PROVIDER_UNAVAILABLE',
      `${name}: references are not supported by this version of oidc-secrets`,
    );
  }
  return load();
}

export type ProviderCreator = (
  name: ProviderName,
  settings: ProviderSettings,
  deps: ProviderDeps,
) => Promise<SecretProvider>;

export const createProvider: ProviderCreator = async (name, settings, deps) => {
  const module = (await loadProvider(name)) as ProviderModule<ProviderSettings[ProviderName]>;
  return module.create(settings[name], deps);
};

/** The settings checks of every named provider, all problems at once; no request is made. */
export async function checkProviderSettings(
  names: readonly ProviderName[],
  settings: ProviderSettings,
): Promise<Map<ProviderName, ActionError[]>> {
  const problems = new Map<ProviderName, ActionError[]>();
  const found = await Promise.all(
    names.map(async (name) => {
      const module = (await loadProvider(name)) as ProviderModule<ProviderSettings[ProviderName]>;
      return [name, module.check(settings[name])] as const;
    }),
  );
  for (const [name, errors] of found) if (errors.length) problems.set(name, errors);
  return problems;
}
