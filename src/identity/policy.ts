// The OIDC-only policy (SPEC §1.6): refuse long-lived credentials, and refuse events that
// run with secrets on code a fork may control. Checked before any request is made.
// Messages name variables and inputs, never their values.
import { readFileSync } from 'node:fs';
import { ActionError } from '../errors.js';

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

export function checkPolicy(options: PolicyOptions, env: NodeJS.ProcessEnv): ActionError[] {
  const problems: ActionError[] = [];
  const event = env.GITHUB_EVENT_NAME ?? '';
  const risk = UNTRUSTED_EVENTS[event];
  if (risk && !options.allowUntrustedEvents) {
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

  variable('VAULT_TOKEN', 'a Vault token', VAULT_INSTEAD);
  variable('VAULT_SECRET_ID', 'a Vault AppRole secret id', VAULT_INSTEAD);

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

  for (const name of [
    'GOOGLE_APPLICATION_CREDENTIALS',
    'GOOGLE_GHA_CREDS_PATH',
    'CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE',
  ]) {
    if (has(name) && isServiceAccountKeyFile(env[name] as string)) {
      found.push({
        where: `the file named by ${name}`,
        what: 'a GCP service account key',
        instead: GCP_INSTEAD,
      });
    }
  }
  for (const name of ['GOOGLE_CREDENTIALS', 'GCP_SA_KEY']) {
    if (has(name) && looksLikeServiceAccountKey(env[name] as string)) {
      found.push({
        where: `the environment variable ${name}`,
        what: 'a GCP service account key',
        instead: GCP_INSTEAD,
      });
    }
  }

  variable('AZURE_CLIENT_SECRET', 'an Azure client secret', AZURE_INSTEAD);
  variable('ARM_CLIENT_SECRET', 'an Azure client secret', AZURE_INSTEAD);
  variable('AZURE_CLIENT_CERTIFICATE_PATH', 'an Azure client certificate', AZURE_INSTEAD);
  if (has('AZURE_CREDENTIALS') && /clientSecret/i.test(env.AZURE_CREDENTIALS as string)) {
    found.push({
      where: 'the environment variable AZURE_CREDENTIALS',
      what: 'an Azure client secret',
      instead: AZURE_INSTEAD,
    });
  }
  return found;
}

/** A key file is `"type": "service_account"` with a private key; WIF configs are `external_account`. */
function isServiceAccountKeyFile(path: string): boolean {
  try {
    return looksLikeServiceAccountKey(readFileSync(path, 'utf8'));
  } catch {
    return false;
  }
}

function looksLikeServiceAccountKey(text: string): boolean {
  try {
    const parsed = JSON.parse(text) as { type?: unknown; private_key?: unknown };
    return parsed.type === 'service_account' && typeof parsed.private_key === 'string';
  } catch {
    return false;
  }
}
