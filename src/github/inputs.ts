// Action inputs → a typed configuration, validated once, with errors that name the input.
// Providers read their own section; nothing else reads INPUT_* variables.
import { readFileSync } from 'node:fs';
import { ActionError } from '../core/errors.js';
import { isLoopback } from '../net/http.js';

export type ExportMode = 'env' | 'outputs' | 'files' | 'none';
const EXPORT_MODES: readonly ExportMode[] = ['env', 'outputs', 'files', 'none'];

/** Services whose base URL the `endpoints` input may override (SPEC §1.4). */
export const ENDPOINT_SERVICES = [
  'aws-sts',
  'aws-secretsmanager',
  'gcp-sts',
  'gcp-iamcredentials',
  'gcp-secretmanager',
  'gcp-oauth2',
  'azure-authority',
  'azure-keyvault-suffix',
] as const;
export type EndpointService = (typeof ENDPOINT_SERVICES)[number];

export interface VaultConfig {
  url: string;
  role: string;
  authPath: string;
  namespace: string;
  audience: string;
}

export interface AwsConfig {
  roleArn: string;
  region: string;
  audience: string;
  sessionDurationSeconds: number;
  exportCredentials: boolean;
}

export interface GcpConfig {
  workloadIdentityProvider: string;
  serviceAccount: string;
  audience: string;
}

export interface AzureConfig {
  clientId: string;
  tenantId: string;
  audience: string;
}

export interface StoreConfig {
  path: string;
  key: string;
}

export interface ActionConfig {
  secrets: string;
  exportModes: ExportMode[];
  vault: VaultConfig;
  aws: AwsConfig;
  gcp: GcpConfig;
  azure: AzureConfig;
  store: StoreConfig;
  endpoints: Partial<Record<EndpointService, string>>;
  /** PEM text of a private CA (read from a path when the input is one). */
  caCertificate: string | undefined;
  requireOidc: boolean;
  allowUntrustedEvents: boolean;
  revoke: boolean;
  sweep: boolean;
  concurrency: number;
  retries: number;
  timeoutSeconds: number;
  summary: boolean;
  auditLog: string;
}

/** Reads an input the way the runner passes it: INPUT_<NAME>, spaces as underscores. */
export type InputReader = (name: string) => string;

export function envInputReader(env: NodeJS.ProcessEnv = process.env): InputReader {
  return (name) => env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '';
}

export function readConfig(read: InputReader = envInputReader()): ActionConfig {
  const text = (name: string, fallback = '') => read(name).trim() || fallback;
  return {
    secrets: read('secrets'),
    exportModes: parseExportModes(text('export', 'env')),
    vault: {
      url: optionalUrl(text('vault-url'), 'vault-url'),
      role: text('vault-role'),
      authPath: text('vault-auth-path', 'jwt').replace(/^\/+|\/+$/g, ''),
      namespace: text('vault-namespace'),
      audience: text('vault-audience'),
    },
    aws: {
      roleArn: text('aws-role-arn'),
      region: text('aws-region'),
      audience: text('aws-audience', 'sts.amazonaws.com'),
      sessionDurationSeconds: integer(
        text('aws-session-duration', '900'),
        'aws-session-duration',
        900,
        43200,
      ),
      exportCredentials: boolean(text('aws-export-credentials', 'false'), 'aws-export-credentials'),
    },
    gcp: {
      workloadIdentityProvider: text('gcp-workload-identity-provider'),
      serviceAccount: text('gcp-service-account'),
      audience: text('gcp-audience'),
    },
    azure: {
      clientId: text('azure-client-id'),
      tenantId: text('azure-tenant-id'),
      audience: text('azure-audience', 'api://AzureADTokenExchange'),
    },
    store: { path: text('store-path'), key: text('store-key') },
    endpoints: parseEndpoints(read('endpoints')),
    caCertificate: readCaCertificate(text('ca-certificate')),
    requireOidc: boolean(text('require-oidc', 'true'), 'require-oidc'),
    allowUntrustedEvents: boolean(
      text('allow-untrusted-events', 'false'),
      'allow-untrusted-events',
    ),
    revoke: boolean(text('revoke', 'true'), 'revoke'),
    sweep: boolean(text('sweep', 'false'), 'sweep'),
    concurrency: integer(text('concurrency', '256'), 'concurrency', 1, 1024),
    retries: integer(text('retries', '3'), 'retries', 0, 10),
    timeoutSeconds: integer(text('timeout-seconds', '30'), 'timeout-seconds', 1, 600),
    summary: boolean(text('summary', 'true'), 'summary'),
    auditLog: text('audit-log'),
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

function integer(value: string, input: string, min: number, max: number): number {
  if (!/^\d+$/.test(value)) invalid(input, `a whole number from ${min} to ${max}`);
  const number = Number(value);
  if (number < min || number > max) invalid(input, `a whole number from ${min} to ${max}`);
  return number;
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

function optionalUrl(value: string, input: string): string {
  if (!value) return '';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return invalid(input, 'an absolute URL such as https://vault.example.com');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') invalid(input, 'an https:// URL');
  // Checked here, before the job's OIDC token is minted, so the error names the input.
  if (url.protocol === 'http:' && !isLoopback(url.hostname))
    invalid(
      input,
      'an https:// URL: plain http:// would send tokens in the clear and is allowed only to literal loopback addresses (localhost, 127.0.0.0/8, [::1]); a name under .localhost is not trusted by its name',
    );
  if (url.search || url.hash) invalid(input, 'a base URL without ?query or #fragment');
  return url.href.replace(/\/+$/, '');
}

function parseEndpoints(value: string): Partial<Record<EndpointService, string>> {
  const endpoints: Partial<Record<EndpointService, string>> = {};
  value.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    const service = line.slice(0, colon).trim();
    const target = line.slice(colon + 1).trim();
    if (colon < 0 || !(ENDPOINT_SERVICES as readonly string[]).includes(service)) {
      invalid(
        `endpoints (line ${index + 1})`,
        `service: url with a service among ${ENDPOINT_SERVICES.join(', ')}`,
      );
    }
    if (service === 'azure-keyvault-suffix' && target.includes('://')) {
      // A base URL instead of a DNS suffix: vaults are then reached as URL/VAULT (a local
      // emulator, or a proxy fronting several vaults on one host).
      endpoints[service] = optionalUrl(target, `endpoints (line ${index + 1}, ${service})`);
      return;
    }
    if (service === 'azure-keyvault-suffix') {
      if (!/^[a-z0-9.-]+(:\d+)?$/i.test(target))
        invalid(`endpoints (line ${index + 1})`, 'a DNS suffix such as vault.azure.cn');
      endpoints[service] = target.toLowerCase();
      return;
    }
    endpoints[service as EndpointService] = optionalUrl(
      target,
      `endpoints (line ${index + 1}, ${service})`,
    );
  });
  return endpoints;
}

function readCaCertificate(value: string): string | undefined {
  if (!value) return undefined;
  if (value.includes('-----BEGIN CERTIFICATE-----')) return value;
  try {
    const pem = readFileSync(value, 'utf8');
    if (pem.includes('-----BEGIN CERTIFICATE-----')) return pem;
  } catch {
    return invalid(
      'ca-certificate',
      'PEM text or the path of a readable PEM file (the path could not be read)',
    );
  }
  return invalid(
    'ca-certificate',
    'PEM text or the path of a PEM file containing -----BEGIN CERTIFICATE-----',
  );
}
