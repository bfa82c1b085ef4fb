// Typed settings: what the pipeline and each provider are configured with, whichever front
// end gathered them (action inputs, CLI flags or OIDC_SECRETS_* variables). Each provider
// receives only its own object; facts of the environment (workspace, run id, region
// fallback, store location) are resolved by the front end before they get here.
//
// Errors below the front ends name a *setting* (`vault.url`), never an input or a flag: a
// message refers to one as `{{vault.url}}` (a noun: "the vault-url input") or
// `{{label:vault.url}}` (a heading: "input vault-url"), and the front end words it with
// `wordSettings` and its own map before anything is shown.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ActionError, type ErrorCode } from './errors.js';
import { isLoopback } from '../net/http.js';
import { isKeyText } from '../store/key.js';
import { parseAwsHops, type AwsHopSettings } from './settings-aws-hops.js';
import type { K8sRoute } from './k8s-access.js';
import type { KeyAccess } from '../store/recipients/types.js';
import type {
  AwsPersonal,
  AzurePersonal,
  GcpPersonal,
  PersonalLoader,
  VaultPersonal,
} from './personal.js';

export const SETTING_KEYS = [
  'vault.url',
  'vault.role',
  'vault.authPath',
  'vault.namespace',
  'vault.audience',
  'aws.roleArn',
  'aws.region',
  'aws.audience',
  'aws.sessionDuration',
  'aws.exportCredentials',
  'gcp.workloadIdentityProvider',
  'gcp.serviceAccount',
  'gcp.audience',
  'azure.clientId',
  'azure.tenantId',
  'azure.audience',
  'local.storePath',
  'local.storeKey',
  'endpoints',
  'caCertificate',
  'requireOidc',
  'allowUntrustedEvents',
  'revoke',
  'concurrency',
  'retries',
  'timeoutSeconds',
  'aws.roleChain',
  'aws.sessionPolicy',
  'aws.sessionPolicyArns',
  'aws.sessionTags',
  'aws.roleSessionName',
  'gcp.project',
  'k8s.server',
  'k8s.audience',
  'k8s.caCertificate',
  'vault.clientCertificate',
  'vault.clientKey',
  'vault.headers',
] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];

/** A setting named inside a message, as a noun; the front end words it. */
export function named(key: SettingKey): string {
  return `{{${key}}}`;
}

/** A setting named at the head of a message ("input vault-url: …"). */
export function labelled(key: SettingKey): string {
  return `{{label:${key}}}`;
}

/** How a front end names a setting: as a noun inside a sentence, or as a heading. */
export interface SettingWords {
  noun(key: SettingKey): string;
  label(key: SettingKey): string;
}

const REFERENCE = /\{\{(label:)?([A-Za-z0-9.]+)\}\}/g;

/** The message with every setting it names worded by the front end. */
export function wordSettings(message: string, words: SettingWords): string {
  return message.replace(REFERENCE, (whole, label: string | undefined, key: string) => {
    if (!(SETTING_KEYS as readonly string[]).includes(key)) return whole;
    return label ? words.label(key as SettingKey) : words.noun(key as SettingKey);
  });
}

/** A setting whose value is malformed: names the setting and what was expected. */
export class SettingError extends ActionError {
  override readonly name: string = 'SettingError';
  declare readonly setting: SettingKey;

  constructor(
    setting: SettingKey,
    expected: string,
    /** Where inside the setting (a line of `endpoints`), when it has parts. */
    detail = '',
    code: ErrorCode = 'INPUT_INVALID',
  ) {
    super(
      code,
      `${labelled(setting)}${detail ? ` ${detail}` : ''}: expected ${expected}`,
      undefined,
      {
        setting,
      },
    );
  }
}

/** Services whose base URL the `endpoints` setting may override (SPEC §1.4). */
export const ENDPOINT_SERVICES = [
  'aws-sts',
  'aws-secretsmanager',
  'gcp-sts',
  'gcp-iamcredentials',
  'gcp-secretmanager',
  'gcp-oauth2',
  'azure-authority',
  'azure-keyvault-suffix',
  'aws-ssm',
  'aws-kms',
  'gcp-kms',
] as const;
export type EndpointService = (typeof ENDPOINT_SERVICES)[number];
export type Endpoints = Partial<Record<EndpointService, string>>;

export interface VaultSettings {
  /** Base URL without a trailing slash; empty when not configured. */
  url: string;
  role: string;
  authPath: string;
  namespace: string;
  audience: string;
  /** Mutual TLS: PEM certificate and key presented to Vault (read from paths when given so). */
  clientCertificate?: { cert: string; key: string } | undefined;
  /** `vault-headers`: sent with every Vault request (values are secrets: masked). */
  headers?: ReadonlyArray<readonly [string, string]> | undefined;
  /** Outside Actions (the CLI on a laptop): the person's own token instead of a JWT login. */
  personal?: PersonalLoader<VaultPersonal> | undefined;
}

export interface AwsSettings {
  roleArn: string;
  /** The region, with the environment's AWS_REGION/AWS_DEFAULT_REGION fallback applied. */
  region: string;
  audience: string;
  sessionDurationSeconds: number;
  exportCredentials: boolean;
  endpoints: {
    sts?: string | undefined;
    secretsManager?: string | undefined;
    ssm?: string | undefined;
    kms?: string | undefined;
  };
  /** The workflow run (and attempt) the role session is named after, when there is one. */
  runId?: string | undefined;
  runAttempt?: string | undefined;
  /** aws-role-chain, session policies, session tags, session name (SPEC §1.7). */
  hops: AwsHopSettings;
  /** Outside Actions: the person's AWS chain; the role, when set, is assumed from it. */
  personal?: PersonalLoader<AwsPersonal> | undefined;
}

export interface GcpSettings {
  workloadIdentityProvider: string;
  serviceAccount: string;
  audience: string;
  endpoints: {
    sts?: string | undefined;
    iamcredentials?: string | undefined;
    secretmanager?: string | undefined;
    oauth2?: string | undefined;
    /** `gcp-secretmanager-LOCATION` overrides, by location: regional Secret Manager. */
    regionalSecretmanager?: Readonly<Record<string, string>> | undefined;
    kms?: string | undefined;
  };
  /** gcp-project: the project later steps' tools default to (credentials: gcp: adc). */
  project: string;
  /** Outside Actions: application-default credentials instead of federation. */
  personal?: PersonalLoader<GcpPersonal> | undefined;
}

export interface AzureSettings {
  clientId: string;
  tenantId: string;
  audience: string;
  endpoints: { authority?: string | undefined; keyvaultSuffix?: string | undefined };
  /** Outside Actions: a Key Vault token from the person's Azure CLI session. */
  personal?: ((resource: string) => Promise<AzurePersonal>) | undefined;
}

export interface FileSettings {
  /** Where relative `file:` paths are read from (and must stay inside). */
  workspace: string;
}

/** `dotenv:` reads files by the same path rules as `file:`. */
export type DotenvSettings = FileSettings;

/** Literals (`plain:TEXT`, bare values) need no settings. */
export type PlainSettings = Record<string, never>;

export interface EnvSettings {
  /** The variables `env:` references may read, handed over by the front end. */
  lookup(name: string): string | undefined;
}

export interface LocalSettings {
  /** The store file, absolute. */
  storePath: string;
  /** Its key file, absolute (unused when keyText is given). */
  keyPath: string;
  /** The key itself, when it was given as text rather than as a file. */
  keyText?: string | undefined;
  /** age identities (AGE-SECRET-KEY-1…) for a keyless store's age recipients (SPEC §3.1). */
  ageIdentities?: readonly string[] | undefined;
  /** How this front end takes an age identity, for messages. */
  ageHint?: string | undefined;
  /** The age implementation, from front ends that serve people (the CLI). */
  agePackage?: KeyAccess['agePackage'];
  /** The OIDC-only policy: a store key given for a keyless store then earns a notice. */
  requireOidc?: boolean | undefined;
}

/** Settings of the pipeline itself: the HTTP client, the road and the policy. */
export interface PipelineSettings {
  concurrency: number;
  retries: number;
  timeoutSeconds: number;
  /** PEM text of a private CA (read from a path when the setting is one). */
  caCertificate: string | undefined;
  requireOidc: boolean;
  allowUntrustedEvents: boolean;
  revoke: boolean;
}

export interface K8sSettings {
  /** API server base URL for the OIDC bearer route (k8s-server); empty when not given. */
  server: string;
  /** Audience of the job's OIDC token sent as bearer (the API server's client id). */
  audience: string;
  /** PEM of the API server's CA for the k8s-server route, when a private CA issued it. */
  caCertificate: string | undefined;
  /**
   * The cluster this process reaches without an OIDC token, found by the front end when a
   * k8s: line needs one and k8s-server is not given: the in-cluster service account, or for
   * the CLI outside Actions the kubeconfig's current context. Undefined when there is none;
   * opening it throws an ActionError naming the file when what it found is refused or
   * malformed.
   */
  ambient(): K8sRoute | undefined;
}

export interface ProviderSettings {
  vault: VaultSettings;
  aws: AwsSettings;
  gcp: GcpSettings;
  azure: AzureSettings;
  file: FileSettings;
  env: EnvSettings;
  local: LocalSettings;
  k8s: K8sSettings;
  dotenv: DotenvSettings;
  plain: PlainSettings;
  /** Parameter Store reads with the AWS session of the aws settings. */
  ssm: AwsSettings;
}

export interface Settings {
  pipeline: PipelineSettings;
  providers: ProviderSettings;
}

/** What only the front end knows: facts of the environment it runs in. */
export interface FrontEndFacts {
  workspace: string;
  runId?: string | undefined;
  runAttempt?: string | undefined;
  /** The region when the aws region setting is empty (AWS_REGION, AWS_DEFAULT_REGION). */
  awsRegionFallback: string;
  env: EnvSettings;
  /** Resolves the store file and key file from the settings' (possibly empty) paths. */
  storeLocation(file: string, keyFile: string): { storePath: string; keyPath: string };
  /** Finds a cluster reachable without OIDC (see K8sSettings.ambient); none by default. */
  k8sAmbient?(requireOidc: boolean): K8sRoute | undefined;
  /** age identities this front end was given for keyless stores, how it takes them, and age. */
  ageIdentities?:
    { identities: readonly string[]; hint: string; load?: KeyAccess['agePackage'] } | undefined;
}

/** Reads the raw text of a setting (empty when not given). */
export type SettingReader = (key: SettingKey) => string;

/** Parses and checks the text of every setting; the first malformed one throws. */
export function readSettings(read: SettingReader, facts: FrontEndFacts): Settings {
  const text = (key: SettingKey, fallback = '') => read(key).trim() || fallback;
  const endpoints = parseEndpoints(read('endpoints'));
  const storeKey = text('local.storeKey');
  const keyIsText = storeKey !== '' && isKeyText(storeKey);
  const store = facts.storeLocation(text('local.storePath'), keyIsText ? '' : storeKey);
  const requireOidc = parseBoolean(text('requireOidc', 'true'), 'requireOidc');
  return {
    pipeline: {
      concurrency: parseInteger(text('concurrency', '256'), 'concurrency', 1, 1024),
      retries: parseInteger(text('retries', '3'), 'retries', 0, 10),
      timeoutSeconds: parseInteger(text('timeoutSeconds', '30'), 'timeoutSeconds', 1, 600),
      caCertificate: readCaCertificate(text('caCertificate')),
      requireOidc: parseBoolean(text('requireOidc', 'true'), 'requireOidc'),
      allowUntrustedEvents: parseBoolean(
        text('allowUntrustedEvents', 'false'),
        'allowUntrustedEvents',
      ),
      revoke: parseBoolean(text('revoke', 'true'), 'revoke'),
    },
    providers: {
      vault: {
        url: parseBaseUrl(text('vault.url'), 'vault.url'),
        role: text('vault.role'),
        authPath: text('vault.authPath', 'jwt').replace(/^\/+|\/+$/g, ''),
        namespace: text('vault.namespace'),
        audience: text('vault.audience'),
        clientCertificate: readClientCertificate(
          text('vault.clientCertificate'),
          text('vault.clientKey'),
        ),
        headers: parseVaultHeaders(read('vault.headers')),
      },
      aws: {
        roleArn: text('aws.roleArn'),
        region: text('aws.region') || facts.awsRegionFallback,
        audience: text('aws.audience', 'sts.amazonaws.com'),
        sessionDurationSeconds: parseInteger(
          text('aws.sessionDuration', '900'),
          'aws.sessionDuration',
          900,
          43200,
        ),
        exportCredentials: parseBoolean(
          text('aws.exportCredentials', 'false'),
          'aws.exportCredentials',
        ),
        endpoints: {
          sts: endpoints['aws-sts'],
          secretsManager: endpoints['aws-secretsmanager'],
          ssm: endpoints['aws-ssm'],
          kms: endpoints['aws-kms'],
        },
        runId: facts.runId,
        runAttempt: facts.runAttempt,
        hops: parseAwsHops(read),
      },
      gcp: {
        workloadIdentityProvider: text('gcp.workloadIdentityProvider'),
        serviceAccount: text('gcp.serviceAccount'),
        audience: text('gcp.audience'),
        endpoints: {
          sts: endpoints['gcp-sts'],
          iamcredentials: endpoints['gcp-iamcredentials'],
          secretmanager: endpoints['gcp-secretmanager'],
          oauth2: endpoints['gcp-oauth2'],
          regionalSecretmanager: regionalEndpoints(read('endpoints')),
          kms: endpoints['gcp-kms'],
        },
        project: text('gcp.project'),
      },
      azure: {
        clientId: text('azure.clientId'),
        tenantId: text('azure.tenantId'),
        audience: text('azure.audience', 'api://AzureADTokenExchange'),
        endpoints: {
          authority: endpoints['azure-authority'],
          keyvaultSuffix: endpoints['azure-keyvault-suffix'],
        },
      },
      file: { workspace: facts.workspace },
      env: facts.env,
      local: {
        ...store,
        ...(keyIsText ? { keyText: storeKey } : {}),
        ...(facts.ageIdentities
          ? {
              ageIdentities: facts.ageIdentities.identities,
              ageHint: facts.ageIdentities.hint,
              agePackage: facts.ageIdentities.load,
            }
          : {}),
        requireOidc,
      },
      k8s: {
        server: parseBaseUrl(text('k8s.server'), 'k8s.server'),
        audience: text('k8s.audience', 'kubernetes'),
        caCertificate: readPemSetting(text('k8s.caCertificate'), 'k8s.caCertificate'),
        ambient: once(() => facts.k8sAmbient?.(requireOidc)),
      },
      dotenv: { workspace: facts.workspace },
      plain: {},
      get ssm(): AwsSettings {
        return this.aws;
      },
    },
  };
}

/** YAML 1.2 core-schema booleans, as the toolkit's getBooleanInput accepts them. */
export function parseBoolean(value: string, key: SettingKey): boolean {
  if (['true', 'True', 'TRUE'].includes(value)) return true;
  if (['false', 'False', 'FALSE'].includes(value)) return false;
  throw new SettingError(key, 'true or false');
}

export function parseInteger(value: string, key: SettingKey, min: number, max: number): number {
  const number = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(number >= min && number <= max))
    throw new SettingError(key, `a whole number from ${min} to ${max}`);
  return number;
}

function parseBaseUrl(value: string, key: SettingKey, detail = ''): string {
  if (!value) return '';
  const invalid = (expected: string) => new SettingError(key, expected, detail);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid('an absolute URL such as https://vault.example.com');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('an https:// URL');
  // Checked here, before the job's OIDC token is minted, so the error names the setting.
  if (url.protocol === 'http:' && !isLoopback(url.hostname))
    throw invalid(
      'an https:// URL: plain http:// would send tokens in the clear and is allowed only to literal loopback addresses (localhost, 127.0.0.0/8, [::1]); a name under .localhost is not trusted by its name',
    );
  if (url.search || url.hash) throw invalid('a base URL without ?query or #fragment');
  return url.href.replace(/\/+$/, '');
}

function parseEndpoints(value: string): Endpoints {
  const endpoints: Endpoints = {};
  value.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    const service = line.slice(0, colon).trim();
    const target = line.slice(colon + 1).trim();
    const where = `(line ${index + 1})`;
    if (REGIONAL_SECRET_MANAGER.test(service) && colon > 0) return; // regionalEndpoints
    if (colon < 0 || !(ENDPOINT_SERVICES as readonly string[]).includes(service)) {
      throw new SettingError(
        'endpoints',
        `service: url with a service among ${ENDPOINT_SERVICES.join(', ')}, gcp-secretmanager-LOCATION`,
        where,
      );
    }
    const detail = `(line ${index + 1}, ${service})`;
    if (service === 'azure-keyvault-suffix' && target.includes('://')) {
      // A base URL instead of a DNS suffix: vaults are then reached as URL/VAULT (a local
      // emulator, or a proxy fronting several vaults on one host).
      endpoints[service] = parseBaseUrl(target, 'endpoints', detail);
      return;
    }
    if (service === 'azure-keyvault-suffix') {
      if (!/^[a-z0-9.-]+(:\d+)?$/i.test(target))
        throw new SettingError('endpoints', 'a DNS suffix such as vault.azure.cn', where);
      endpoints[service] = target.toLowerCase();
      return;
    }
    endpoints[service as EndpointService] = parseBaseUrl(target, 'endpoints', detail);
  });
  return endpoints;
}

/** Calls `make` once, when first asked; a throw is thrown again to every later caller. */
function once<T>(make: () => T): () => T {
  let made: { value: T } | { error: unknown } | undefined;
  return () => {
    made ??= (() => {
      try {
        return { value: make() };
      } catch (error) {
        return { error };
      }
    })();
    if ('error' in made) throw made.error;
    return made.value;
  };
}

function readCaCertificate(value: string): string | undefined {
  return readPemSetting(value, 'caCertificate');
}

/** PEM text, or the path of a PEM file: a CA certificate setting. */
function readPemSetting(value: string, key: SettingKey): string | undefined {
  if (!value) return undefined;
  if (value.includes('-----BEGIN CERTIFICATE-----')) return value;
  try {
    const pem = readFileSync(value, 'utf8');
    if (pem.includes('-----BEGIN CERTIFICATE-----')) return pem;
  } catch {
    throw new SettingError(
      key,
      'PEM text or the path of a readable PEM file (the path could not be read)',
    );
  }
  throw new SettingError(
    key,
    'PEM text or the path of a PEM file containing -----BEGIN CERTIFICATE-----',
  );
}

/** `gcp-secretmanager-LOCATION`: a regional Secret Manager endpoint (SPEC §1.1a). */
const REGIONAL_SECRET_MANAGER = /^gcp-secretmanager-([a-z][a-z0-9-]{0,62})$/;

/** The `gcp-secretmanager-LOCATION` lines of `endpoints`, by location. */
function regionalEndpoints(value: string): Record<string, string> {
  const regional: Record<string, string> = {};
  value.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    const colon = line.indexOf(':');
    const location = REGIONAL_SECRET_MANAGER.exec(line.slice(0, Math.max(colon, 0)).trim())?.[1];
    if (!location) return;
    regional[location] = parseBaseUrl(
      line.slice(colon + 1).trim(),
      'endpoints',
      `(line ${index + 1}, gcp-secretmanager-${location})`,
    );
  });
  return regional;
}

/** PEM text, or the path of a file holding it; `what` says which kind for the error. */
function readPem(value: string, key: SettingKey, marker: RegExp, what: string): string {
  if (marker.test(value)) return value;
  let text: string;
  try {
    text = readFileSync(value, 'utf8');
  } catch {
    throw new SettingError(
      key,
      `${what} as PEM text or the path of a readable PEM file (the path could not be read)`,
    );
  }
  if (!marker.test(text))
    throw new SettingError(key, `${what} as PEM text or the path of a PEM file`);
  return text;
}

/**
 * `vault-client-certificate` and `vault-client-key`: both or neither; the key must be the
 * certificate's. Checked here so that a mismatch names the settings instead of surfacing as
 * a TLS failure at login. Errors never quote the key.
 */
function readClientCertificate(
  certificate: string,
  key: string,
): { cert: string; key: string } | undefined {
  if (!certificate && !key) return undefined;
  if (!certificate)
    throw new SettingError(
      'vault.clientCertificate',
      `a client certificate to go with ${named('vault.clientKey')}`,
    );
  if (!key)
    throw new SettingError(
      'vault.clientKey',
      `the private key of ${named('vault.clientCertificate')}`,
    );
  const cert = readPem(
    certificate,
    'vault.clientCertificate',
    /-----BEGIN CERTIFICATE-----/,
    'a certificate',
  );
  const pem = readPem(
    key,
    'vault.clientKey',
    /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
    'a private key',
  );
  let matches: boolean;
  try {
    matches = new X509Certificate(cert).checkPrivateKey(createPrivateKey(pem));
  } catch {
    throw new SettingError(
      'vault.clientKey',
      `an unencrypted PEM private key and a PEM certificate in ${named('vault.clientCertificate')} that can be read`,
    );
  }
  if (!matches)
    throw new SettingError(
      'vault.clientKey',
      `the private key of the certificate in ${named('vault.clientCertificate')} (it is another key)`,
    );
  return { cert, key: pem };
}

/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers the Vault client sets itself, or that would change how the request is framed. */
const RESERVED_HEADERS = new Set([
  'x-vault-token',
  'x-vault-namespace',
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
]);

/**
 * `vault-headers`: one `Name: value` line each (blank lines and `#` comments skipped). A
 * malformed line is named by its number, never quoted: its value may be a secret.
 */
export function parseVaultHeaders(value: string): Array<[string, string]> {
  const headers: Array<[string, string]> = [];
  value.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const where = `(line ${index + 1})`;
    const colon = line.indexOf(':');
    const name = colon < 0 ? '' : line.slice(0, colon).trim();
    const headerValue = colon < 0 ? '' : line.slice(colon + 1).trim();
    if (!HEADER_NAME.test(name) || !headerValue)
      throw new SettingError(
        'vault.headers',
        'Name: value, a header name (letters, digits, -) and a value',
        where,
      );
    if (RESERVED_HEADERS.has(name.toLowerCase()))
      throw new SettingError(
        'vault.headers',
        `a header other than ${name}, which the Vault client sets itself (${named('vault.namespace')} sets X-Vault-Namespace)`,
        where,
      );
    headers.push([name, headerValue]);
  });
  return headers;
}
