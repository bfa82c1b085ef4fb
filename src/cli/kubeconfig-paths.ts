// Where kubectl looks for its configuration: the files of KUBECONFIG (the platform's path
// list separator), or ~/.kube/config.
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

export function kubeconfigPaths(env: NodeJS.ProcessEnv): string[] {
  const list = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  if (list.length) return list.map((path) => resolve(path));
  const home = env.HOME || homedir();
  return [join(home, '.kube', 'config')];
}
