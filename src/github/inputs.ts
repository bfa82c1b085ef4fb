// Action inputs → typed settings, validated once, with errors worded as inputs. The
// parsing is the pipeline's (src/core/settings.ts); this file knows which input holds
// which setting, the runner's environment facts, and the action's own inputs (export,
// summary, sweep, audit-log). Nothing else reads INPUT_* variables.
import { ActionError } from '../core/errors.js';
import {
  readSettings,
  wordSettings,
  type SettingKey,
  type SettingWords,
  type Settings,
} from '../core/settings.js';
import { resolveStoreLocation } from '../store/location.js';
import { inClusterRoute } from './k8s-in-cluster.js';

export type ExportMode = 'env' | 'outputs' | 'files' | 'none';
const EXPORT_MODES: readonly ExportMode[] = ['env', 'outputs', 'files', 'none'];

/** The input that holds each setting. */
export const SETTING_INPUTS: Record<SettingKey, string> = {
  'vault.url': 'vault-url',
  'vault.role': 'vault-role',
  'vault.authPath': 'vault-auth-path',
  'vault.namespace': 'vault-namespace',
  'vault.audience': 'vault-audience',
  'aws.roleArn': 'aws-role-arn',
  'aws.region': 'aws-region',
  'aws.audience': 'aws-audience',
  'aws.sessionDuration': 'aws-session-duration',
  'aws.exportCredentials': 'aws-export-credentials',
  'gcp.workloadIdentityProvider': 'gcp-workload-identity-provider',
  'gcp.serviceAccount': 'gcp-service-account',
  'gcp.audience': 'gcp-audience',
  'azure.clientId': 'azure-client-id',
  'azure.tenantId': 'azure-tenant-id',
  'azure.audience': 'azure-audience',
  'local.storePath': 'store-path',
  'local.storeKey': 'store-key',
  endpoints: 'endpoints',
  caCertificate: 'ca-certificate',
  requireOidc: 'require-oidc',
  allowUntrustedEvents: 'allow-untrusted-events',
  revoke: 'revoke',
  concurrency: 'concurrency',
  retries: 'retries',
  timeoutSeconds: 'timeout-seconds',
  'aws.roleChain': 'aws-role-chain',
  'aws.sessionPolicy': 'aws-session-policy',
  'aws.sessionPolicyArns': 'aws-session-policy-arns',
  'aws.sessionTags': 'aws-session-tags',
  'aws.roleSessionName': 'aws-role-session-name',
  'gcp.project': 'gcp-project',
  'k8s.server': 'k8s-server',
  'k8s.audience': 'k8s-audience',
  'k8s.caCertificate': 'k8s-ca-certificate',
  'vault.clientCertificate': 'vault-client-certificate',
  'vault.clientKey': 'vault-client-key',
  'vault.headers': 'vault-headers',
};

/** The action's words for a setting: "the vault-url input", "input vault-url: …". */
export const ACTION_WORDS: SettingWords = {
  noun: (key) => `the ${SETTING_INPUTS[key]} input`,
  label: (key) => `input ${SETTING_INPUTS[key]}`,
};

export interface ActionConfig {
  secrets: string;
  exportModes: ExportMode[];
  settings: Settings;
  sweep: boolean;
  summary: boolean;
  auditLog: string;
  /** The `credentials` input's lines (SPEC §1.7), parsed by src/github/credentials/. */
  credentials: string;
  /** keep-alive: a background process renews what would expire before post (SPEC §1.7). */
  keepAlive: boolean;
  keepAliveMaxSeconds: number;
}

/** Reads an input the way the runner passes it: INPUT_<NAME>, spaces as underscores. */
export type InputReader = (name: string) => string;

export function envInputReader(env: NodeJS.ProcessEnv = process.env): InputReader {
  return (name) => env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '';
}

/** The runner's facts the settings need: workspace, run, region fallback, variables. */
export function runnerFacts(env: NodeJS.ProcessEnv) {
  const workspace = env.GITHUB_WORKSPACE ?? process.cwd();
  return {
    workspace,
    runId: env.GITHUB_RUN_ID,
    runAttempt: env.GITHUB_RUN_ATTEMPT,
    awsRegionFallback: env.AWS_REGION || env.AWS_DEFAULT_REGION || '',
    env: { lookup: (name: string) => env[name] },
    // Relative store paths are the workspace's; $OIDC_SECRETS_STORE and _KEY_FILE are
    // the defaults the CLI uses too.
    storeLocation: (file: string, keyFile: string) =>
      resolveStoreLocation({ file, keyFile, env, cwd: workspace }),
    // The action reaches a cluster without OIDC only from a runner pod (no kubeconfig).
    k8sAmbient: (requireOidc: boolean) => inClusterRoute(env, requireOidc),
  };
}

export function readConfig(
  read: InputReader = envInputReader(),
  env: NodeJS.ProcessEnv = process.env,
): ActionConfig {
  const text = (name: string, fallback = '') => read(name).trim() || fallback;
  const exportModes = parseExportModes(text('export', 'env'));
  let settings: Settings;
  try {
    settings = readSettings((key) => read(SETTING_INPUTS[key]), runnerFacts(env));
  } catch (error) {
    // The front end words what it read: "input vault-url: expected …".
    if (error instanceof ActionError)
      throw new ActionError(error.code, wordSettings(error.message, ACTION_WORDS), error.line);
    throw error;
  }
  return {
    secrets: read('secrets'),
    exportModes,
    settings,
    sweep: boolean(text('sweep', 'false'), 'sweep'),
    summary: boolean(text('summary', 'true'), 'summary'),
    auditLog: text('audit-log'),
    credentials: read('credentials'),
    keepAlive: boolean(text('keep-alive', 'true'), 'keep-alive'),
    keepAliveMaxSeconds: wholeNumber(
      text('keep-alive-max-seconds', '21600'),
      'keep-alive-max-seconds',
      1,
      604800,
    ),
  };
}

function invalid(input: string, expected: string): never {
  throw new ActionError('INPUT_INVALID', `input ${input}: expected ${expected}`);
}

/** YAML 1.2 core-schema booleans, as the toolkit's getBooleanInput accepts them. */
function boolean(value: string, input: string): boolean {
  if (['true', 'True', 'TRUE'].includes(value)) return true;
  if (['false', 'False', 'FALSE'].includes(value)) return false;
  return invalid(input, 'true or false');
}

function wholeNumber(value: string, input: string, min: number, max: number): number {
  const number = /^\d+$/.test(value) ? Number(value) : NaN;
  return number >= min && number <= max
    ? number
    : invalid(input, `a whole number from ${min} to ${max}`);
}

export function parseExportModes(value: string): ExportMode[] {
  const modes = value
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  if (modes.length === 0)
    invalid('export', `one or more of ${EXPORT_MODES.join(', ')}, comma-separated`);
  for (const mode of modes) {
    if (!(EXPORT_MODES as readonly string[]).includes(mode)) {
      invalid('export', `one or more of ${EXPORT_MODES.join(', ')}, comma-separated`);
    }
  }
  if (modes.includes('none') && modes.length > 1)
    invalid('export', '`none` alone, or a combination of env, outputs, files');
  return [...new Set(modes)] as ExportMode[];
}
