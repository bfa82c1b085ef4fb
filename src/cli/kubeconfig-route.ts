// Whether the CLI has a kubeconfig to fall back on, found without reading it: the kubeconfig
// module (and the YAML parser it needs, ~50 ms to load bundled on the bench machine) is
// loaded only when a k8s: line logs in through it, so a `run` without one pays nothing.
import { existsSync } from 'node:fs';
import type { K8sRoute } from '../core/k8s-access.js';
import { ActionError } from '../core/errors.js';
import { kubeconfigPaths } from './kubeconfig-paths.js';
import type { KubeconfigOptions } from './kubeconfig.js';

export function kubeconfigRoute(options: KubeconfigOptions): K8sRoute | undefined {
  const files = kubeconfigPaths(options.env).filter((path) => existsSync(path));
  if (files.length === 0) return undefined;
  const source = `kubeconfig ${files.join(', ')}`;
  return {
    source,
    async open() {
      const { kubeconfigAccess } = await import('./kubeconfig.js');
      const access = kubeconfigAccess(options);
      if (!access)
        throw new ActionError(
          'PROVIDER_NOT_CONFIGURED',
          `k8s: ${source} sets no current context (kubectl config use-context NAME)`,
          undefined,
          { file: files[0] as string },
        );
      return access;
    },
  };
}
