// The OIDC-only policy (SPEC §1.6): refuse long-lived credentials, and refuse events that
// run with secrets on code a fork may control. Checked before any request is made.
// Messages name variables and inputs, never their values.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { ActionError } from './errors.js';
import { vaultTokenFromThisJob } from './job-vault-token.js';

export interface PolicyOptions {
  requireOidc: boolean;
  allowUntrustedEvents: boolean;
}

/** Events whose jobs hold the base repository's secrets while a fork may control the code. */
const UNTRUSTED_EVENTS: Record<string, string> = {
  pull_request_target:
    "it runs with this repository's secrets on a pull request that a fork may have written; any later step that checks out or builds the pull request's code can read every secret fetched here",
  workflow_run:
    "it is often triggered by a pull_request workflow from a fork and handles its artifacts with this repository's secrets; anything those artifacts run can read every secret fetched here",
};

/**
 * Comments and reviews on a pull request: anyone who can comment can trigger them, and a
 * workflow that reacts to one (a "/deploy" or "/test" command) typically checks out the pull
 * request's head. `issue_comment` runs with the base repository's secrets; it is a pull
 * request comment when the payload's issue carries `pull_request`.
 */
const PULL_REQUEST_COMMENT_RISK =
  "anyone who can comment on a pull request can trigger it, and a job that reacts to a comment usually checks out or builds the pull request's code, which can then read every secret fetched here";
const COMMENT_EVENTS = new Set([
  'issue_comment',
  'pull_request_review',
  'pull_request_review_comment',
]);

function eventRisk(event: string, env: NodeJS.ProcessEnv): string | undefined {
  const risk = UNTRUSTED_EVENTS[event];
  if (risk) return risk;
  if (!COMMENT_EVENTS.has(event)) return undefined;
  if (event !== 'issue_comment') return PULL_REQUEST_COMMENT_RISK;
  const payload = readEventPayload(env.GITHUB_EVENT_PATH);
  // A payload that cannot be read cannot show the issue is not a pull request.
  if (payload === undefined)
    return `${PULL_REQUEST_COMMENT_RISK} (the event payload could not be read to tell whether the comment is on an issue or on a pull request)`;
  const issue = (payload as { issue?: { pull_request?: unknown } } | null)?.issue;
  return issue?.pull_request ? PULL_REQUEST_COMMENT_RISK : undefined;
}

function readEventPayload(path: string | undefined): unknown {
  if (!path) return undefined;
  const text = readSmallRegularFile(path, MAX_EVENT_PAYLOAD_BYTES);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** GitHub caps webhook payloads at 25 MB. */
const MAX_EVENT_PAYLOAD_BYTES = 25 * 1024 * 1024;

export function checkPolicy(options: PolicyOptions, env: NodeJS.ProcessEnv): ActionError[] {
  const problems: ActionError[] = [];
  const event = env.GITHUB_EVENT_NAME ?? '';
  const risk = options.allowUntrustedEvents ? undefined : eventRisk(event, env);
  if (risk) {
    problems.push(
      new ActionError(
        'POLICY_REFUSED',
        `refusing to fetch secrets on the ${event} event: ${risk}. ` +
          'If this job never runs code from the pull request, set allow-untrusted-events: true.',
      ),
    );
  }
  if (options.requireOidc) problems.push(...staticCredentials(env).map((found) => refusal(found)));
  return problems;
}

interface StaticCredential {
  where: string;
  what: string;
  instead: string;
}

function refusal(found: StaticCredential): ActionError {
  return new ActionError(
    'POLICY_REFUSED',
    `require-oidc: ${found.where} holds ${found.what}, a long-lived credential. ${found.instead} ` +
      'Remove it from the step (and from the repository secrets once nothing uses it), or set require-oidc: false.',
  );
}

const VAULT_INSTEAD =
  'Log in with the job OIDC token instead: vault-url and vault-role (a JWT auth role bound to this repository).';
const AWS_INSTEAD =
  'Assume a role with the job OIDC token instead: aws-role-arn and aws-region (an IAM role trusting token.actions.githubusercontent.com).';
const GCP_INSTEAD =
  'Use Workload Identity Federation instead: gcp-workload-identity-provider (and gcp-service-account to impersonate).';
const AZURE_INSTEAD =
  'Use a federated credential instead: azure-client-id and azure-tenant-id (an Entra app with a GitHub federated identity credential).';

/** Inputs a workflow may have passed with `with:` (the runner sets INPUT_ for every key). */
const STATIC_INPUTS: Array<[string, string, string]> = [
  ['vault-token', 'a Vault token', VAULT_INSTEAD],
  ['vault-secret-id', 'a Vault AppRole secret id', VAULT_INSTEAD],
  ['aws-access-key-id', 'an AWS access key', AWS_INSTEAD],
  ['aws-secret-access-key', 'an AWS secret key', AWS_INSTEAD],
  ['gcp-credentials-json', 'a GCP service account key', GCP_INSTEAD],
  ['credentials-json', 'a GCP service account key', GCP_INSTEAD],
  ['azure-client-secret', 'an Azure client secret', AZURE_INSTEAD],
  ['azure-credentials', 'Azure credentials with a client secret', AZURE_INSTEAD],
  ['creds', 'Azure credentials with a client secret', AZURE_INSTEAD],
];

export function staticCredentials(env: NodeJS.ProcessEnv): StaticCredential[] {
  const found: StaticCredential[] = [];
  const has = (name: string) => (env[name] ?? '').trim() !== '';
  const variable = (name: string, what: string, instead: string) => {
    if (has(name)) found.push({ where: `the environment variable ${name}`, what, instead });
  };

  for (const [input, what, instead] of STATIC_INPUTS) {
    if (has(`INPUT_${input.toUpperCase()}`))
      found.push({ where: `the input ${input}`, what, instead });
  }

  // A VAULT_TOKEN an earlier oidc-secrets step of this job exported (`credentials: vault:
  // env`) came from an OIDC login and dies with the job: it passes when that step's record
  // matches it (job-vault-token.ts). Any other, `secrets.*` among them, is refused.
  if (has('VAULT_TOKEN') && !vaultTokenFromThisJob((env.VAULT_TOKEN as string).trim(), env))
    found.push({
      where: 'the environment variable VAULT_TOKEN',
      what: 'a Vault token',
      instead: `${VAULT_INSTEAD} (A token an earlier oidc-secrets step of this job exported with credentials: vault: env passes; this one is not such a token.)`,
    });
  variable('VAULT_SECRET_ID', 'a Vault AppRole secret id', VAULT_INSTEAD);
  // VAULT_CLIENT_KEY is not refused: a TLS client key is how enterprise networks let a
  // runner reach Vault at all (the vault-client-key input, SPEC §1.7); the login is still OIDC.

  // ASIA… keys with a session token are temporary (an STS session, e.g. from an earlier
  // OIDC step); AKIA… keys, or any key without a session token, are an IAM user's.
  const awsKey = (env.AWS_ACCESS_KEY_ID ?? '').trim();
  if (awsKey && (awsKey.startsWith('AKIA') || !has('AWS_SESSION_TOKEN'))) {
    found.push({
      where: 'the environment variable AWS_ACCESS_KEY_ID',
      what: 'an IAM user access key',
      instead: AWS_INSTEAD,
    });
  } else if (!awsKey && has('AWS_SECRET_ACCESS_KEY') && !has('AWS_SESSION_TOKEN')) {
    found.push({
      where: 'the environment variable AWS_SECRET_ACCESS_KEY',
      what: 'an AWS secret key',
      instead: AWS_INSTEAD,
    });
  }

  // Google credential files: a service account key, a user's refresh token
  // (authorized_user, external_account_authorized_user), or an impersonation config whose
  // source is one of those. Workload Identity Federation configs (external_account) and
  // impersonation from one are what OIDC looks like, and pass.
  for (const name of [
    'GOOGLE_APPLICATION_CREDENTIALS',
    'GOOGLE_GHA_CREDS_PATH',
    'CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE',
  ]) {
    if (!has(name)) continue;
    const text = readSmallRegularFile(env[name] as string, MAX_CREDENTIAL_FILE_BYTES);
    const what = text === undefined ? undefined : googleLongLived(text);
    if (what) found.push({ where: `the file named by ${name}`, what, instead: GCP_INSTEAD });
  }
  for (const name of ['GOOGLE_CREDENTIALS', 'GCP_SA_KEY']) {
    const what = has(name) ? googleLongLived(env[name] as string) : undefined;
    if (what) found.push({ where: `the environment variable ${name}`, what, instead: GCP_INSTEAD });
  }
  // Static access tokens gcloud and Google's libraries use as given: not minted by this job.
  variable('CLOUDSDK_AUTH_ACCESS_TOKEN', 'a static Google access token', GCP_INSTEAD);
  variable('GOOGLE_OAUTH_ACCESS_TOKEN', 'a static Google access token', GCP_INSTEAD);

  // Shared credentials and config files the AWS SDKs and CLI read, when the step points at
  // one: an IAM user's key (AKIA…) in it is long-lived. The default ~/.aws files are the
  // machine owner's (a self-hosted runner), not something the workflow brought.
  for (const name of ['AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONFIG_FILE']) {
    if (!has(name)) continue;
    const text = readSmallRegularFile(env[name] as string, MAX_CREDENTIAL_FILE_BYTES);
    if (text !== undefined && /^\s*aws_access_key_id\s*=\s*AKIA[A-Z0-9]{12,}/im.test(text)) {
      found.push({
        where: `the file named by ${name}`,
        what: 'an IAM user access key (aws_access_key_id = AKIA…)',
        instead: AWS_INSTEAD,
      });
    }
  }

  found.push(...kubeconfigCredentials(env));

  variable('AZURE_CLIENT_SECRET', 'an Azure client secret', AZURE_INSTEAD);
  variable('ARM_CLIENT_SECRET', 'an Azure client secret', AZURE_INSTEAD);
  variable('AZURE_CLIENT_CERTIFICATE_PATH', 'an Azure client certificate', AZURE_INSTEAD);
  variable(
    'AZURE_CLIENT_CERTIFICATE_PASSWORD',
    'an Azure client certificate password',
    AZURE_INSTEAD,
  );
  // Username/password (resource owner password) sign-in: the password is the credential.
  variable('AZURE_PASSWORD', 'an Azure user password', AZURE_INSTEAD);
  // Terraform's azurerm provider: a certificate as a path, as base64 text, or its password.
  variable('ARM_CLIENT_CERTIFICATE_PATH', 'an Azure client certificate', AZURE_INSTEAD);
  variable('ARM_CLIENT_CERTIFICATE', 'an Azure client certificate', AZURE_INSTEAD);
  variable(
    'ARM_CLIENT_CERTIFICATE_PASSWORD',
    'an Azure client certificate password',
    AZURE_INSTEAD,
  );
  if (has('AZURE_CREDENTIALS') && /clientSecret/i.test(env.AZURE_CREDENTIALS as string)) {
    found.push({
      where: 'the environment variable AZURE_CREDENTIALS',
      what: 'an Azure client secret',
      instead: AZURE_INSTEAD,
    });
  }
  return found;
}

const MAX_CREDENTIAL_FILE_BYTES = 1024 * 1024;

const K8S_INSTEAD =
  "Use k8s-server with the job's OIDC token instead (an API server that trusts token.actions.githubusercontent.com), an exec credential plugin, or a runner pod's service account.";

/**
 * Kubeconfig files the step's KUBECONFIG names, in a job: a user's static `token`,
 * `tokenFile`, client key or password is long-lived (an exec plugin, which mints short-lived
 * credentials, is not). Found by its keys rather than parsed: the action's bundle carries no
 * YAML parser, and a key spelled in a kubeconfig is what matters. A laptop's kubeconfig is
 * its owner's, as ~/.aws is: only a job is checked.
 */
function kubeconfigCredentials(env: NodeJS.ProcessEnv): StaticCredential[] {
  if (env.GITHUB_ACTIONS !== 'true') return [];
  const found: StaticCredential[] = [];
  const separator = process.platform === 'win32' ? ';' : ':';
  for (const path of (env.KUBECONFIG ?? '').split(separator).filter(Boolean)) {
    const text = readSmallRegularFile(path, MAX_CREDENTIAL_FILE_BYTES);
    const key = text === undefined ? undefined : STATIC_KUBECONFIG_KEY.exec(text)?.[2];
    if (key) {
      found.push({
        where: `the kubeconfig ${path} named by KUBECONFIG`,
        what:
          key === 'password'
            ? 'a password'
            : key.startsWith('client-key')
              ? 'a client certificate key'
              : 'a static token',
        instead: K8S_INSTEAD,
      });
    }
  }
  return found;
}

/** `token:`, `tokenFile:`, `client-key(-data):`, `password:` with a value, block or flow style. */
const STATIC_KUBECONFIG_KEY =
  /(^|[\s{,])(token|tokenFile|client-key-data|client-key|password)\s*:\s*[^\s#,}]/m;

/**
 * What long-lived Google credential a credentials JSON holds, or undefined. `impersonated_
 * service_account` files carry their source credential inline: long-lived when that is a
 * key or a user's refresh token, fine when it is an external_account (federation).
 */
function googleLongLived(text: string): string | undefined {
  let parsed: GoogleCredential;
  try {
    parsed = JSON.parse(text) as GoogleCredential;
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object') return undefined;
  switch (parsed.type) {
    case 'service_account':
      return typeof parsed.private_key === 'string' ? 'a GCP service account key' : undefined;
    case 'authorized_user':
    case 'external_account_authorized_user':
      return typeof parsed.refresh_token === 'string'
        ? "a Google user's refresh token (gcloud auth application-default login)"
        : undefined;
    case 'impersonated_service_account': {
      const source = parsed.source_credentials;
      const sourceWhat =
        source && typeof source === 'object' ? googleLongLived(JSON.stringify(source)) : undefined;
      return sourceWhat ? `a service account impersonation from ${sourceWhat}` : undefined;
    }
    default:
      return undefined;
  }
}

interface GoogleCredential {
  type?: unknown;
  private_key?: unknown;
  refresh_token?: unknown;
  source_credentials?: unknown;
}

/**
 * A small regular file's text, or undefined (missing, unreadable, not a regular file, too
 * large). Opened non-blocking so a FIFO named by a variable cannot hang the step; what is
 * checked is the open descriptor.
 */
function readSmallRegularFile(path: string, maxBytes: number): string | undefined {
  let fd: number;
  try {
    fd = openSync(
      path,
      process.platform === 'win32' ? constants.O_RDONLY : constants.O_RDONLY | constants.O_NONBLOCK,
    );
  } catch {
    return undefined;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile() || stats.size > maxBytes) return undefined;
    const buffer = Buffer.alloc(stats.size);
    let length = 0;
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, length);
      if (read === 0) break;
      length += read;
    }
    return buffer.subarray(0, length).toString('utf8');
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
