// The in-cluster route of `k8s:` (a runner pod, e.g. Actions Runner Controller): the API
// server named by KUBERNETES_SERVICE_HOST/_PORT, the pod's projected service-account token
// and the cluster CA mounted beside it — what client-go's InClusterConfig reads. The token
// file is read when the provider logs in (the kubelet rotates it), never kept beyond the
// step. The directory is a fact of the front end: OIDC_SECRETS_K8S_SERVICE_ACCOUNT_DIR moves
// it (a pod that mounts its token elsewhere, and the tests).
import { existsSync, promises as fsPromises, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ActionError } from '../core/errors.js';
import type { K8sAccess, K8sRoute } from '../core/k8s-access.js';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * The pod's own cluster, or undefined when this process does not run in a pod. Under
 * require-oidc in a job, the token must be a projected one (it carries `exp`): a legacy
 * service-account token Secret mounted in its place never expires, a long-lived credential.
 */
export function inClusterAccess(
  env: NodeJS.ProcessEnv,
  requireOidc = false,
): K8sAccess | undefined {
  const host = (env.KUBERNETES_SERVICE_HOST ?? '').trim();
  const port = (env.KUBERNETES_SERVICE_PORT ?? '').trim();
  if (!host || !port) return undefined;
  const dir = env.OIDC_SECRETS_K8S_SERVICE_ACCOUNT_DIR?.trim() || SERVICE_ACCOUNT_DIR;
  const tokenFile = join(dir, 'token');
  if (!existsSync(tokenFile)) return undefined;
  const source = `the in-cluster service account (${dir})`;
  if (!/^[A-Za-z0-9.:-]+$/.test(host) || !/^\d{1,5}$/.test(port)) {
    throw new ActionError(
      'INPUT_INVALID',
      `k8s: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be a host and a port number for ${source}`,
    );
  }
  let ca: string | undefined;
  try {
    ca = readFileSync(join(dir, 'ca.crt'), 'utf8');
  } catch {
    ca = undefined;
  }
  return {
    source,
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ca,
    async credential() {
      let token: string;
      try {
        // fs.promises, read when used: node loads it (and readline with it) on first access,
        // which a step that never reads a projected token should not pay for.
        token = (await fsPromises.readFile(tokenFile, 'utf8')).trim();
      } catch (error) {
        throw new ActionError('AUTH_FAILED', `k8s: ${tokenFile} could not be read`, undefined, {
          file: tokenFile,
          cause: error,
        });
      }
      if (requireOidc && env.GITHUB_ACTIONS === 'true' && !expires(token)) {
        throw new ActionError(
          'POLICY_REFUSED',
          `require-oidc: ${tokenFile} holds a service-account token that never expires (a legacy token Secret, not a projected token), a long-lived credential. ` +
            'Mount the projected service-account token (the default since Kubernetes 1.24), use k8s-server with the job OIDC token, or set require-oidc: false.',
          undefined,
          { file: tokenFile },
        );
      }
      return { token };
    },
  };
}

/** Whether a JWT's payload carries a numeric `exp` (decoded only; the API server verifies). */
function expires(token: string): boolean {
  const payload = token.split('.')[1];
  if (!payload) return false;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    return typeof (claims as { exp?: unknown } | null)?.exp === 'number';
  } catch {
    return false;
  }
}

/** The in-cluster access as a route (found and opened at once: no parsing to defer). */
export function inClusterRoute(env: NodeJS.ProcessEnv, requireOidc = false): K8sRoute | undefined {
  const access = inClusterAccess(env, requireOidc);
  return access && { source: access.source, open: () => Promise.resolve(access) };
}
