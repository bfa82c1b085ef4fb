// Which identity the CLI's cloud references use. Where a GitHub OIDC token can be minted
// (the id-token request variables of a job with id-token: write) it is that token, as in
// the action. Anywhere else — a laptop, or a job without id-token: write — it is the person's
// own login: Vault's token, AWS's credential chain, Google's application-default
// credentials, the Azure CLI's session. In a job these stay refused by require-oidc (SPEC
// §1.6), each naming the variable or file it came from.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { ActionError } from '../../core/errors.js';
import type { PersonalLoader } from '../../core/personal.js';
import type { Settings } from '../../core/settings.js';
import { findAwsCredential, parseAwsIni, profileName } from './aws-chain.js';
import { AZ_SOURCE, azureCliToken } from './azure-cli.js';
import { findGoogleCredential } from './google-adc.js';
import { findVaultToken } from './vault-token.js';
import { join } from 'node:path';

export function inJob(env: NodeJS.ProcessEnv): boolean {
  return env.GITHUB_ACTIONS === 'true';
}

/** Whether this environment can mint the job's OIDC token (id-token: write). */
function canMintOidc(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.ACTIONS_ID_TOKEN_REQUEST_URL && env.ACTIONS_ID_TOKEN_REQUEST_TOKEN);
}

/**
 * Whether cloud references log in with the person's own login here: wherever no OIDC token
 * can be minted. (GitHub gives every step of a job with id-token: write the request
 * variables; outside a job they are not set, so a laptop always lands here.)
 */
export function usesPersonalLogin(env: NodeJS.ProcessEnv): boolean {
  return !canMintOidc(env);
}

export function homeOf(env: NodeJS.ProcessEnv): string {
  return env.HOME || env.USERPROFILE || homedir();
}

/**
 * Settings a laptop's own configuration supplies when no flag or OIDC_SECRETS_* variable
 * did: the Vault address and namespace the vault CLI uses, the AWS profile's region.
 */
export function laptopDefault(key: string, env: NodeJS.ProcessEnv): string | undefined {
  switch (key) {
    case 'vault.url':
      return env.VAULT_ADDR;
    case 'vault.namespace':
      return env.VAULT_NAMESPACE;
    case 'aws.region':
      return env.AWS_REGION || env.AWS_DEFAULT_REGION || profileRegionSync(env);
    default:
      return undefined;
  }
}

function profileRegionSync(env: NodeJS.ProcessEnv): string | undefined {
  const path = env.AWS_CONFIG_FILE || join(homeOf(env), '.aws', 'config');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const name = profileName(env);
  const sections = parseAwsIni(text);
  const section =
    sections.get(`profile ${name}`) ?? (name === 'default' ? sections.get('default') : undefined);
  return section?.get('region') || undefined;
}

const once = <T>(load: () => Promise<T>): (() => Promise<T>) => {
  let pending: Promise<T> | undefined;
  return () => (pending ??= load());
};

/** What to do when none is found, per provider. */
const NONE: Record<'vault' | 'aws' | 'gcp', string> = {
  vault:
    'vault: no Vault token here: set VAULT_TOKEN, or run `vault login` (it writes ~/.vault-token)',
  aws: 'aws: no AWS credentials here: set AWS_PROFILE to a profile of ~/.aws/config (`aws configure`, `aws configure sso` then `aws sso login`), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
  gcp: 'gcp: no application-default credentials here: run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS',
};

/**
 * The settings with each cloud provider's personal loader attached, when this environment
 * uses personal logins; unchanged where the job's OIDC token can be minted.
 */
export function withPersonalLogins(settings: Settings, env: NodeJS.ProcessEnv): Settings {
  if (!usesPersonalLogin(env)) return settings;
  const home = homeOf(env);
  const refuse = inJob(env) && settings.pipeline.requireOidc;
  const guarded = <T extends { source: string }>(
    provider: keyof typeof NONE | 'azure',
    find: () => Promise<T | undefined>,
  ): PersonalLoader<T> =>
    once(async () => {
      const found = await find();
      if (refuse) throw refusal(provider, found?.source);
      if (!found)
        throw new ActionError('PROVIDER_NOT_CONFIGURED', NONE[provider as keyof typeof NONE]);
      return found;
    });
  const { providers } = settings;
  const azureTokens = new Map<string, ReturnType<typeof azureCliToken>>();
  return {
    ...settings,
    providers: {
      ...providers,
      vault: { ...providers.vault, personal: guarded('vault', () => findVaultToken(env, home)) },
      aws: { ...providers.aws, personal: guarded('aws', () => findAwsCredential({ env, home })) },
      gcp: { ...providers.gcp, personal: guarded('gcp', () => findGoogleCredential(env, home)) },
      azure: {
        ...providers.azure,
        personal: (resource) => {
          if (refuse) return Promise.reject(refusal('azure', AZ_SOURCE));
          let pending = azureTokens.get(resource);
          if (!pending) azureTokens.set(resource, (pending = azureCliToken(resource, env)));
          return pending;
        },
      },
    },
  };
}

const OIDC_INSTEAD: Record<'vault' | 'aws' | 'gcp' | 'azure', string> = {
  vault: 'OIDC_SECRETS_VAULT_URL and OIDC_SECRETS_VAULT_ROLE',
  aws: 'OIDC_SECRETS_AWS_ROLE_ARN and OIDC_SECRETS_AWS_REGION',
  gcp: 'OIDC_SECRETS_GCP_WORKLOAD_IDENTITY_PROVIDER',
  azure: 'OIDC_SECRETS_AZURE_CLIENT_ID and OIDC_SECRETS_AZURE_TENANT_ID',
};

function refusal(
  provider: 'vault' | 'aws' | 'gcp' | 'azure',
  source: string | undefined,
): ActionError {
  const instead =
    `In a job, give it permissions: id-token: write and log in with the job's OIDC token (${OIDC_INSTEAD[provider]}), ` +
    'or set OIDC_SECRETS_REQUIRE_OIDC=false to allow it on this runner.';
  return new ActionError(
    'POLICY_REFUSED',
    source
      ? `require-oidc: ${provider}: ${source} holds a person's own login, a long-lived credential, and this is a GitHub Actions job. ${instead}`
      : `require-oidc: ${provider}: this job cannot mint a GitHub OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL is not set). ${instead}`,
  );
}
