// A person's own login, for the CLI outside GitHub Actions (SPEC §3.1 "On a laptop"). The
// CLI finds it (variables, files under HOME, `az`, `credential_process`) and hands each
// provider a loader of these plain descriptions; the provider does the wire protocol
// (a token check, STS AssumeRole, the SSO portal, Google's refresh grant, impersonation).
// Providers never read the environment or files themselves.
//
// `source` says where the credential came from in the front end's words ("VAULT_TOKEN",
// "~/.vault-token", "profile dev in ~/.aws/config"): messages name it, never its value.

export interface VaultPersonal {
  token: string;
  source: string;
}

export interface AwsKeys {
  accessKeyId: string;
  secretAccessKey: string;
  /** Absent for an IAM user's long-term keys. */
  sessionToken?: string | undefined;
  /** ISO 8601, when the keys are temporary and say so. */
  expiration?: string | undefined;
}

/** One link of the AWS chain, as the shared config files describe it. */
export type AwsPersonal =
  | { kind: 'keys'; keys: AwsKeys; source: string }
  | {
      kind: 'assume-role';
      roleArn: string;
      sessionName?: string | undefined;
      externalId?: string | undefined;
      durationSeconds?: number | undefined;
      /** The credentials AssumeRole is signed with (a source_profile's, or the chain's). */
      from: AwsPersonal;
      source: string;
    }
  | {
      kind: 'sso';
      /** The cached IAM Identity Center access token (`aws sso login`). */
      accessToken: string;
      accountId: string;
      roleName: string;
      /** The region of the portal (sso_region). */
      ssoRegion: string;
      /** The portal's base URL when not the region's (AWS_ENDPOINT_URL_SSO). */
      portalUrl?: string | undefined;
      source: string;
    };

/** A Google user or impersonation credential, as application-default credentials hold it. */
export type GcpPersonal =
  | {
      kind: 'authorized_user';
      clientId: string;
      clientSecret: string;
      refreshToken: string;
      source: string;
    }
  | {
      kind: 'impersonated';
      serviceAccount: string;
      delegates: string[];
      from: GcpPersonal;
      source: string;
    };

/** A Key Vault access token the person's Azure CLI session minted. */
export interface AzurePersonal {
  accessToken: string;
  /** ISO 8601 or a date string, when the CLI said. */
  expiresOn?: string | undefined;
  source: string;
}

/**
 * Resolves the person's credential when a provider logs in (not before: a run that names no
 * aws: reference never reads ~/.aws). Throws an ActionError naming what to set when there
 * is none, or when the policy refuses it.
 */
export type PersonalLoader<T> = () => Promise<T>;
