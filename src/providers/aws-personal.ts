// The AWS credential chain's wire half, for the CLI outside Actions: the CLI reads the
// variables and the shared config files into an AwsPersonal description; this turns it into
// keys: long-term or session keys as given, `sts:AssumeRole` signed with the source profile's
// keys (role_arn + source_profile), or IAM Identity Center's portal `GetRoleCredentials` with
// the cached SSO access token.
import { SignatureV4 } from '@smithy/signature-v4';
import { ActionError } from '../core/errors.js';
import { HttpError, type HttpClient } from '../net/http.js';
import type { AwsKeys, AwsPersonal } from '../core/personal.js';
import { jsonStringField } from './error-body.js';
import { NodeSha256, xmlText, signPost } from './aws-sts.js';
import type { ProviderDeps } from './types.js';

export interface ChainContext {
  http: HttpClient;
  /** The region STS is signed for. */
  region: string;
  /** STS's base URL (the aws-sts endpoint, or the region's). */
  stsBase: string;
  admitCredential: ProviderDeps['admitCredential'];
  log: ProviderDeps['log'];
}

/** Keys from one link of the chain; every secret part passes the mask gate on arrival. */
export async function personalKeys(personal: AwsPersonal, chain: ChainContext): Promise<AwsKeys> {
  switch (personal.kind) {
    case 'keys':
      admitKeys(personal.keys, chain, personal.source);
      return personal.keys;
    case 'assume-role': {
      const from = await personalKeys(personal.from, chain);
      return assumeRole(from, personal, chain);
    }
    case 'sso':
      return ssoRoleCredentials(personal, chain);
  }
}

function admitKeys(keys: AwsKeys, chain: ChainContext, source: string): void {
  chain.admitCredential(keys.accessKeyId, `the AWS access key id from ${source}`);
  chain.admitCredential(keys.secretAccessKey, `the AWS secret access key from ${source}`);
  if (keys.sessionToken)
    chain.admitCredential(keys.sessionToken, `the AWS session token from ${source}`);
}

/** `sts:AssumeRole` (Query API, SigV4 with the caller's keys), as the CLI's role profiles do. */
export async function assumeRole(
  from: AwsKeys,
  role: {
    roleArn: string;
    sessionName?: string | undefined;
    externalId?: string | undefined;
    durationSeconds?: number | undefined;
    source: string;
  },
  chain: ChainContext,
): Promise<AwsKeys> {
  const what = `aws sts:AssumeRole of ${role.roleArn} (with the credentials of ${role.source})`;
  const url = new URL(chain.stsBase.endsWith('/') ? chain.stsBase : `${chain.stsBase}/`);
  const params: Record<string, string> = {
    Action: 'AssumeRole',
    Version: '2011-06-15',
    RoleArn: role.roleArn,
    // The AWS CLI names its role sessions botocore-session-<epoch seconds>; ours say who made them.
    RoleSessionName: role.sessionName || `oidc-secrets-${Math.floor(Date.now() / 1000)}`,
    ...(role.durationSeconds ? { DurationSeconds: String(role.durationSeconds) } : {}),
    ...(role.externalId ? { ExternalId: role.externalId } : {}),
  };
  const body = new URLSearchParams(params).toString();
  const signer = new SignatureV4({
    service: 'sts',
    region: chain.region,
    credentials: {
      accessKeyId: from.accessKeyId,
      secretAccessKey: from.secretAccessKey,
      ...(from.sessionToken ? { sessionToken: from.sessionToken } : {}),
    },
    sha256: NodeSha256,
  });
  const headers = await signPost(
    signer,
    url,
    {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    },
    body,
  );
  let xml: string;
  try {
    xml = (await chain.http.request({ method: 'POST', url, headers, body, what })).text();
  } catch (error) {
    if (!(error instanceof HttpError) || error.status === undefined || error.status >= 500)
      throw error;
    const code = xmlText(error.bodyExcerpt, 'Code') ?? `HTTP ${error.status}`;
    const message = xmlText(error.bodyExcerpt, 'Message') ?? error.bodyExcerpt;
    throw new ActionError(
      'AUTH_FAILED',
      `${what} was refused (HTTP ${error.status} ${code}): ${message}` +
        (code === 'AccessDenied'
          ? `\nHint: the role's trust policy must allow sts:AssumeRole by the identity of ${role.source}, and that identity's policy must allow it too.`
          : code === 'ExpiredToken' || code === 'InvalidClientTokenId'
            ? `\nHint: the credentials of ${role.source} are expired or unknown: renew them.`
            : ''),
    );
  }
  const keys: AwsKeys = {
    accessKeyId: xmlText(xml, 'AccessKeyId') ?? '',
    secretAccessKey: xmlText(xml, 'SecretAccessKey') ?? '',
    sessionToken: xmlText(xml, 'SessionToken') ?? '',
    expiration: xmlText(xml, 'Expiration'),
  };
  if (!keys.accessKeyId || !keys.secretAccessKey || !keys.sessionToken) {
    throw new ActionError('AUTH_FAILED', `${what}: STS answered without session credentials`);
  }
  admitKeys(keys, chain, `the session of ${role.roleArn}`);
  chain.log.debug(`aws: assumed ${role.roleArn} until ${keys.expiration ?? '?'}`);
  return keys;
}

interface RoleCredentialsAnswer {
  roleCredentials?: {
    accessKeyId?: unknown;
    secretAccessKey?: unknown;
    sessionToken?: unknown;
    /** Epoch milliseconds ("Type: Long", API_RoleCredentials in the portal API reference). */
    expiration?: unknown;
  };
}

/**
 * IAM Identity Center portal `GetRoleCredentials`: `GET /federation/credentials?account_id=
 * &role_name=` with the access token in `x-amz-sso_bearer_token` (the portal API reference);
 * the answer is `{"roleCredentials": {accessKeyId, secretAccessKey, sessionToken, expiration}}`.
 */
async function ssoRoleCredentials(
  sso: Extract<AwsPersonal, { kind: 'sso' }>,
  chain: ChainContext,
): Promise<AwsKeys> {
  chain.admitCredential(sso.accessToken, `the SSO access token from ${sso.source}`);
  const base = (sso.portalUrl ?? `https://portal.sso.${sso.ssoRegion}.amazonaws.com`).replace(
    /\/+$/,
    '',
  );
  const url = new URL(`${base}/federation/credentials`);
  url.searchParams.set('account_id', sso.accountId);
  url.searchParams.set('role_name', sso.roleName);
  const what = `aws sso:GetRoleCredentials (role ${sso.roleName} in account ${sso.accountId}, ${sso.source})`;
  let answer: RoleCredentialsAnswer;
  try {
    const response = await chain.http.request({
      method: 'GET',
      url,
      headers: { 'x-amz-sso_bearer_token': sso.accessToken },
      what,
    });
    answer = response.json<RoleCredentialsAnswer>();
  } catch (error) {
    if (!(error instanceof HttpError) || error.status === undefined || error.status >= 500)
      throw error;
    const message = jsonStringField(error.bodyExcerpt, 'message') ?? error.bodyExcerpt;
    throw new ActionError(
      'AUTH_FAILED',
      `${what} was refused (HTTP ${error.status}): ${message}` +
        (error.status === 401
          ? '\nHint: the SSO session has expired or was logged out: run `aws sso login` again.'
          : error.status === 403
            ? '\nHint: your IAM Identity Center user is not assigned this permission set in this account.'
            : ''),
    );
  }
  const credentials = answer.roleCredentials ?? {};
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const keys: AwsKeys = {
    accessKeyId: text(credentials.accessKeyId),
    secretAccessKey: text(credentials.secretAccessKey),
    sessionToken: text(credentials.sessionToken),
    expiration:
      typeof credentials.expiration === 'number'
        ? new Date(credentials.expiration).toISOString()
        : undefined,
  };
  if (!keys.accessKeyId || !keys.secretAccessKey || !keys.sessionToken) {
    throw new ActionError('AUTH_FAILED', `${what}: the portal answered without role credentials`);
  }
  admitKeys(keys, chain, sso.source);
  return keys;
}
