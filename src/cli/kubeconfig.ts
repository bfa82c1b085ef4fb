// The CLI's last route to a cluster for `k8s:` (after k8s-server and in-cluster): the
// kubeconfig's current context, as kubectl finds it — the files of KUBECONFIG (':'-separated,
// missing ones skipped, the first to set a map key or current-context wins) or
// ~/.kube/config. Its user may hold a token (or tokenFile), a client certificate and key
// (inline `-data` or paths relative to the file), or an `exec` credential plugin speaking
// `client.authentication.k8s.io/v1` (or v1beta1): the plugin gets KUBERNETES_EXEC_INFO and
// prints an ExecCredential whose `status` holds `token` or `clientCertificateData` and
// `clientKeyData` (kubernetes.io, "Client Authentication (v1)" and "Authenticating",
// client-go credential plugins).
//
// In a job (GITHUB_ACTIONS=true) under require-oidc, a static token or client key is a
// long-lived credential the workflow brought: refused, naming the file. An exec plugin mints
// short-lived credentials and is accepted.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ActionError } from '../core/errors.js';
import type { K8sAccess, K8sCredential } from '../core/k8s-access.js';
import { kubeconfigPaths } from './kubeconfig-paths.js';

const EXEC_API_VERSIONS = [
  'client.authentication.k8s.io/v1',
  'client.authentication.k8s.io/v1beta1',
] as const;
/** How long an exec plugin may take; kubectl has no limit, a CI step needs one. */
const EXEC_TIMEOUT_MS = 60_000;

interface Named<T> {
  name?: unknown;
  cluster?: T;
  user?: T;
  context?: T;
}

interface KubeconfigFile {
  path: string;
  doc: {
    'current-context'?: unknown;
    clusters?: Array<Named<Record<string, unknown>>>;
    users?: Array<Named<Record<string, unknown>>>;
    contexts?: Array<Named<Record<string, unknown>>>;
  };
}

/** One entry of the merged maps: its fields and the file it came from. */
interface Found {
  fields: Record<string, unknown>;
  file: string;
}

function readKubeconfig(path: string): KubeconfigFile | undefined {
  if (!existsSync(path)) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ActionError('INPUT_INVALID', `k8s: kubeconfig ${path} could not be read`, undefined, {
      file: path,
      cause: error,
    });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch {
    // The parser's message can quote the file: a token among it.
    throw new ActionError('INPUT_INVALID', `k8s: kubeconfig ${path} is not valid YAML`, undefined, {
      file: path,
    });
  }
  if (doc === null || doc === undefined) return undefined;
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new ActionError('INPUT_INVALID', `k8s: kubeconfig ${path} is not a mapping`, undefined, {
      file: path,
    });
  return { path, doc: doc as KubeconfigFile['doc'] };
}

/** The first definition of each name across the files (kubectl's merge rule). */
function merged(
  files: KubeconfigFile[],
  list: 'clusters' | 'users' | 'contexts',
  field: 'cluster' | 'user' | 'context',
): Map<string, Found> {
  const out = new Map<string, Found>();
  for (const file of files) {
    const entries = file.doc[list];
    if (!Array.isArray(entries)) continue;
    for (const entry of entries) {
      const name = entry?.name;
      const fields = entry?.[field];
      if (typeof name !== 'string' || out.has(name)) continue;
      out.set(name, {
        fields: fields && typeof fields === 'object' ? fields : {},
        file: file.path,
      });
    }
  }
  return out;
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/** A path in a kubeconfig is relative to that file's directory. */
const pathIn = (file: string, path: string): string =>
  isAbsolute(path) ? path : join(dirname(file), path);

function readFileField(file: string, path: string, what: string): string {
  const full = pathIn(file, path);
  try {
    return readFileSync(full, 'utf8');
  } catch (error) {
    throw new ActionError(
      'INPUT_INVALID',
      `k8s: kubeconfig ${file} names ${what} ${full}, which could not be read`,
      undefined,
      { file, cause: error },
    );
  }
}

/** A `-data` field (base64 PEM) or its path twin. */
function pemField(
  fields: Record<string, unknown>,
  file: string,
  name: string,
  what: string,
): string | undefined {
  const data = text(fields[`${name}-data`]);
  if (data) return Buffer.from(data, 'base64').toString('utf8');
  const path = text(fields[name]);
  return path ? readFileField(file, path, what) : undefined;
}

export interface KubeconfigOptions {
  env: NodeJS.ProcessEnv;
  requireOidc: boolean;
}

/** The current context's cluster and user, or undefined when there is no kubeconfig. */
export function kubeconfigAccess(options: KubeconfigOptions): K8sAccess | undefined {
  const files = kubeconfigPaths(options.env)
    .map(readKubeconfig)
    .filter((file): file is KubeconfigFile => file !== undefined);
  if (files.length === 0) return undefined;
  const current = files.map((f) => text(f.doc['current-context'])).find(Boolean);
  const fileNames = files.map((f) => f.path).join(', ');
  if (!current) return undefined;
  const context = merged(files, 'contexts', 'context').get(current);
  const fail = (message: string, file: string): never => {
    throw new ActionError('INPUT_INVALID', `k8s: kubeconfig ${file}: ${message}`, undefined, {
      file,
    });
  };
  if (!context) return fail(`the current context ${current} is not defined`, fileNames);
  const clusterName = text(context.fields.cluster);
  const userName = text(context.fields.user);
  const cluster = clusterName ? merged(files, 'clusters', 'cluster').get(clusterName) : undefined;
  if (!cluster) return fail(`context ${current} names no defined cluster`, context.file);
  const user = userName ? merged(files, 'users', 'user').get(userName) : undefined;
  if (!user) return fail(`context ${current} names no defined user`, context.file);

  const server = text(cluster.fields.server);
  if (!server || !/^https:\/\//.test(server))
    return fail(`cluster ${clusterName} needs an https:// server`, cluster.file);
  if (cluster.fields['insecure-skip-tls-verify'] === true)
    return fail(
      `cluster ${clusterName} sets insecure-skip-tls-verify, which would send the credential to any server: give its certificate-authority instead`,
      cluster.file,
    );
  const source = `kubeconfig ${user.file} (context ${current}, user ${userName})`;
  const u = user.fields;
  if (u['auth-provider'] !== undefined)
    return fail(
      `user ${userName} uses an auth-provider, which kubectl no longer supports: use an exec plugin`,
      user.file,
    );

  const staticKind = text(u.token)
    ? 'a static token'
    : text(u.tokenFile)
      ? 'a static token file'
      : text(u['client-key-data']) || text(u['client-key'])
        ? 'a client certificate key'
        : text(u.password)
          ? 'a password'
          : undefined;
  if (staticKind && options.requireOidc && options.env.GITHUB_ACTIONS === 'true') {
    throw new ActionError(
      'POLICY_REFUSED',
      `require-oidc: kubeconfig ${user.file} (user ${userName} of context ${current}) holds ${staticKind}, a long-lived credential. ` +
        "Use k8s-server with the job's OIDC token instead (an API server that trusts token.actions.githubusercontent.com), or an exec credential plugin; or set require-oidc: false.",
      undefined,
      { file: user.file },
    );
  }
  if (text(u.password) || text(u.username))
    return fail(
      `user ${userName} uses a username and password, which Kubernetes no longer accepts`,
      user.file,
    );

  const ca = pemField(cluster.fields, cluster.file, 'certificate-authority', 'a CA file');
  const exec = u.exec as Record<string, unknown> | undefined;
  return {
    source,
    server,
    ca,
    async credential(): Promise<K8sCredential> {
      if (exec && typeof exec === 'object') {
        return runExecPlugin(exec, {
          file: user.file,
          source,
          env: options.env,
          cluster: { server, ca },
        });
      }
      const tokenFile = text(u.tokenFile);
      const token =
        text(u.token) ??
        (tokenFile ? readFileField(user.file, tokenFile, 'a token file').trim() : undefined);
      const certificate = pemField(u, user.file, 'client-certificate', 'a client certificate');
      const key = pemField(u, user.file, 'client-key', 'a client key');
      return { token, certificate, key };
    },
  };
}

interface ExecContext {
  file: string;
  source: string;
  env: NodeJS.ProcessEnv;
  cluster: { server: string; ca: string | undefined };
}

/** Runs an `exec` credential plugin and reads the ExecCredential it prints. */
async function runExecPlugin(
  exec: Record<string, unknown>,
  context: ExecContext,
): Promise<K8sCredential> {
  const fail = (message: string, cause?: unknown): never => {
    throw new ActionError(
      'AUTH_FAILED',
      `k8s: the exec credential plugin of ${context.source}: ${message}`,
      undefined,
      { file: context.file, ...(cause === undefined ? {} : { cause }) },
    );
  };
  const apiVersion = text(exec.apiVersion);
  if (!apiVersion || !(EXEC_API_VERSIONS as readonly string[]).includes(apiVersion))
    return fail(`apiVersion must be one of ${EXEC_API_VERSIONS.join(', ')}`);
  const commandText = text(exec.command);
  if (!commandText) return fail('command is missing');
  // A command with a path separator is relative to the kubeconfig's directory (client-go).
  const command = commandText.includes('/') ? pathIn(context.file, commandText) : commandText;
  const args = Array.isArray(exec.args) ? exec.args.map(String) : [];
  const extra: Record<string, string> = {};
  if (Array.isArray(exec.env)) {
    for (const entry of exec.env as Array<{ name?: unknown; value?: unknown }>) {
      if (typeof entry?.name === 'string') extra[entry.name] = String(entry.value ?? '');
    }
  }
  const spec: Record<string, unknown> = { interactive: false };
  if (exec.provideClusterInfo === true) {
    spec.cluster = {
      server: context.cluster.server,
      ...(context.cluster.ca
        ? { 'certificate-authority-data': Buffer.from(context.cluster.ca).toString('base64') }
        : {}),
    };
  }
  const info = JSON.stringify({ apiVersion, kind: 'ExecCredential', spec });
  const installHint = text(exec.installHint);
  const stdout = await new Promise<string>((resolvePromise, reject) => {
    const child = execFile(
      command,
      args,
      {
        env: { ...context.env, ...extra, KUBERNETES_EXEC_INFO: info },
        timeout: EXEC_TIMEOUT_MS,
        maxBuffer: 1024 * 1024,
        windowsHide: true,
      },
      (error, out) => {
        if (error) {
          const code = (error as { code?: unknown }).code;
          // installHint is the kubeconfig author's text for a plugin that is not installed.
          const hint = code === 'ENOENT' && installHint ? `\n${installHint.trim()}` : '';
          reject(
            new ActionError(
              'AUTH_FAILED',
              `k8s: the exec credential plugin of ${context.source} (${commandText}) failed${typeof code === 'number' ? ` with exit code ${code}` : typeof code === 'string' ? ` (${code})` : ''}${hint}`,
              undefined,
              { file: context.file },
            ),
          );
          return;
        }
        resolvePromise(out);
      },
    );
    // Not interactive: the plugin reads nothing from us; its stderr is the person's to see.
    child.stdin?.end();
    child.stderr?.pipe(process.stderr);
  });
  let credential: {
    apiVersion?: unknown;
    kind?: unknown;
    status?: {
      token?: unknown;
      clientCertificateData?: unknown;
      clientKeyData?: unknown;
    };
  };
  try {
    credential = JSON.parse(stdout) as typeof credential;
  } catch {
    return fail('its output is not an ExecCredential JSON object');
  }
  if (credential?.kind !== 'ExecCredential' || credential.apiVersion !== apiVersion)
    return fail(`its output is not an ExecCredential of ${apiVersion}`);
  const status = credential.status ?? {};
  const token = text(status.token);
  const certificate = text(status.clientCertificateData);
  const key = text(status.clientKeyData);
  if (!token && !(certificate && key))
    return fail(
      'its ExecCredential status has neither token nor clientCertificateData and clientKeyData',
    );
  return { token, certificate, key };
}
