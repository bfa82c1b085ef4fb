// AWS STS + Secrets Manager on one local HTTP(S) server, speaking the real wire protocols:
// - STS Query API `AssumeRoleWithWebIdentity` (GET query or POST form), XML responses and
//   `<ErrorResponse>` errors. The GitHub OIDC token is verified for real (JWKS over HTTP,
//   issuer = an OIDC provider of the account, audience = one of its client IDs, expiry) and
//   then the role's trust policy (aud StringEquals, sub StringLike) is evaluated.
// - Secrets Manager JSON 1.1 (`X-Amz-Target: secretsmanager.GetSecretValue` /
//   `secretsmanager.BatchGetSecretValue`). Every request must carry a valid SigV4 signature
//   made with session keys this STS issued, and the session token that goes with them; the
//   signature is recomputed here (sigv4-verify.ts) over the bytes that arrived.
// - AWS KMS (`X-Amz-Target: TrentService.*`: Encrypt, Decrypt, GenerateDataKey, key policy by
//   role) in aws-kms.ts, signed and checked like Secrets Manager.
// - For a person's own credentials (the CLI outside Actions): IAM users with long-term keys
//   (AKIA…, no session token), STS `AssumeRole` SigV4-signed with a user's or a session's
//   keys (the role's trust policy names the principals), and IAM Identity Center's portal
//   `GET /federation/credentials?account_id=&role_name=` with `x-amz-sso_bearer_token`.
// Routing: a path ending in /federation/credentials is the SSO portal; otherwise a request
// with `X-Amz-Target` is Secrets Manager, anything else is STS, whatever
// the path — so the action's `aws-sts` and `aws-secretsmanager` endpoint overrides may both
// point at this server, with or without a path prefix.
// - STS `AssumeRole` (role chaining): SigV4-signed (service `sts`) with a session this STS
//   issued; the target role's trust names the roles that may assume it and may check the
//   caller's session tags (`aws:PrincipalTag/…`) and the request's (`aws:RequestTag/…`).
//   Session tags and TransitiveTagKeys follow IAM's rules: transitive tags pass down the
//   chain, a request may not set an inherited key again, a chained session lives at most
//   one hour.
// - Session policies (`Policy`, `PolicyArns.member.N.arn` on AssumeRoleWithWebIdentity):
//   a read is allowed only when the role AND the session policies allow it.
// - `sessionLifetimeSeconds` makes every session end that many seconds after it is issued,
//   whatever DurationSeconds asked (the requested duration is still validated).
// Messages and codes follow what AWS answers (see the report of issue 3 for the sources);
// where AWS's exact wording is not public the message says so in words AWS would use.
import { randomBytes, randomUUID } from 'node:crypto';
import {
  jsonReply,
  startHttpServer,
  type EmulatorServer,
  type LoggedRequest,
  type Reply,
  type ServedRequest,
  type TlsOptions,
} from './http-server.js';
import { audiences, createOidcVerifier, stringLike, type GithubClaims } from './oidc-verify.js';
import { parseAuthorization, verifySigV4 } from './sigv4-verify.js';
import { createParameterStore, type ParameterStore } from './ssm.js';
import { createKmsService, type KmsKeyConfig } from './aws-kms.js';

export interface AwsEmulatorOptions {
  /** Issuer URL(s) of the account's IAM OIDC identity providers (the `iss` of GitHub's tokens). */
  issuer: string | readonly string[];
  /** Where to fetch an issuer's JWKS; defaults to `<issuer>/.well-known/jwks`. */
  jwksUrl?: string;
  accountId?: string;
  /** The region this endpoint serves: the SigV4 credential scope must name it. */
  region?: string;
  /** Client IDs (audiences) of the OIDC provider. Role audiences are added automatically. */
  clientIds?: readonly string[];
  tls?: TlsOptions;
  /** Sessions end this many seconds after they are issued (tests of refresh). */
  sessionLifetimeSeconds?: number;
  /**
   * More regions this one server answers for (one `aws-secretsmanager` override serving
   * every region): a request's SigV4 scope names its region, which must be served, and it
   * finds only the secrets of that region, as each regional endpoint of AWS would.
   */
  otherRegions?: readonly string[];
}

/** An IAM policy document as far as this emulator evaluates it. */
export interface PolicyDocument {
  Version?: string;
  Statement: ReadonlyArray<{
    Effect: 'Allow' | 'Deny';
    Action: string | readonly string[];
    Resource: string | readonly string[];
  }>;
}

/** Who may call sts:AssumeRole on a role (its trust policy for role chaining). */
export interface AwsChainTrust {
  /** Role ARNs whose sessions may assume this role. */
  principals: readonly string[];
  /** `StringEquals aws:PrincipalTag/KEY`: the calling session's tags. */
  principalTags?: Readonly<Record<string, string>>;
  /** `StringEquals aws:RequestTag/KEY`: the tags of the AssumeRole request. */
  requestTags?: Readonly<Record<string, string>>;
}

/** A role as its IAM trust policy and permission policy would describe it. */
export interface AwsRoleConfig {
  /** `StringEquals token.actions.githubusercontent.com:aud` (default `sts.amazonaws.com`). */
  audience?: string;
  /** `StringLike token.actions.githubusercontent.com:sub`: any one must match (`*`, `?` wildcards). */
  subjectPatterns: readonly string[];
  /** The role's MaxSessionDuration in seconds (default 3600). */
  maxSessionDuration?: number;
  /** `secretsmanager:GetSecretValue` resources: secret names or ARNs, with wildcards. */
  secrets?: readonly string[];
  /** Whether `secretsmanager:BatchGetSecretValue` is allowed (default true). */
  batch?: boolean;
  /** Trust for sts:AssumeRole from other roles' sessions (role chaining). */
  chainTrust?: AwsChainTrust;
  /** Whether `secretsmanager:ListSecrets` is allowed (default true; its resource is `*`). */
  list?: boolean;
  /** `ssm:GetParameter*` resources: parameter names (with wildcards), for the SSM route. */
  parameters?: readonly string[];
  /** Principal ARNs (IAM users, roles) the trust policy lets call `sts:AssumeRole`. */
  trustedPrincipals?: readonly string[];
}

export interface IamUser {
  arn: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface IssuedSession {
  roleArn: string;
  sessionName: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** Epoch milliseconds. */
  expiration: number;
  subject: string;
  audience: string;
  /** Session tags (principal tags of the session), inherited and requested. */
  tags?: Record<string, string>;
  /** Keys of `tags` that pass to the next session in a chain. */
  transitiveTagKeys?: string[];
  /** Session policies (inline and managed), when the call set any. */
  policies?: PolicyDocument[];
  /** The session this one was assumed from (AssumeRole). */
  parent?: string;
}

export interface CreatedSecret {
  arn: string;
  name: string;
  versionId: string;
}

/** A log entry: which API operation the request was (`sts:AssumeRoleWithWebIdentity`). */
export interface AwsLoggedRequest extends LoggedRequest {
  operation: string;
}

export interface AwsEmulator extends EmulatorServer<AwsLoggedRequest> {
  readonly region: string;
  readonly accountId: string;
  readonly issuedSessions: readonly IssuedSession[];
  addRole(arn: string, config: AwsRoleConfig): void;
  /** A string value becomes `SecretString`, bytes become `SecretBinary`. */
  createSecret(
    name: string,
    value: string | Uint8Array,
    options?: { region?: string },
  ): CreatedSecret;
  /** A new version: it takes AWSCURRENT (and the old current becomes AWSPREVIOUS) unless stages are given. */
  putSecretValue(
    nameOrArn: string,
    value: string | Uint8Array,
    stages?: readonly string[],
  ): CreatedSecret;
  /** A managed policy that `PolicyArns` may name. */
  addManagedPolicy(arn: string, document: PolicyDocument): void;
  /** Parameter Store of this account (served on the same endpoint, `AmazonSSM.*`). */
  readonly parameters: Pick<ParameterStore, 'add'>;
  /** An IAM user with long-term keys that may read `secrets` (and assume roles trusting it). */
  addUser(name: string, config?: { secrets?: readonly string[] }): IamUser;
  /**
   * An IAM Identity Center assignment: the portal gives the holder of `accessToken` (what
   * `aws sso login` caches) credentials for the permission set `roleName` in this account.
   */
  addSsoAssignment(
    accessToken: string,
    roleName: string,
    config?: { secrets?: readonly string[] },
  ): void;
  /** Ends every session issued so far (their keys then meet ExpiredTokenException). */
  expireSessions(): void;
  /** Moves the emulator's clock (token expiry, session expiry, signature skew). */
  advanceClock(ms: number): void;
  now(): number;
  /** A symmetric KMS key whose key policy allows the roles given (aws-kms.ts); its ARN. */
  createKmsKey(config: KmsKeyConfig): string;
  /** Changes the roles a KMS key's policy allows. */
  setKmsKeyRoles(arn: string, roles: readonly string[]): void;
}

const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const DEFAULT_AUDIENCE = 'sts.amazonaws.com';
const SESSION_NAME = /^[\w+=,.@-]*$/;
const BATCH_LIMIT = 20;

interface SecretVersion {
  versionId: string;
  string?: string;
  binary?: Buffer;
  stages: Set<string>;
  created: number;
}

interface StoredSecret {
  name: string;
  arn: string;
  region: string;
  versions: SecretVersion[];
}

interface Role extends Required<
  Omit<AwsRoleConfig, 'secrets' | 'chainTrust' | 'parameters' | 'trustedPrincipals'>
> {
  chainTrust?: AwsChainTrust;
  trustedPrincipals?: readonly string[];
  arn: string;
  name: string;
  id: string;
  secrets: readonly string[];
  parameters: readonly string[];
}

/** ListSecrets' page size bounds (API_ListSecrets: MaxResults 1–100). */
const LIST_PAGE_MAX = 100;

function alnum(length: number, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'): string {
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

function xmlEscape(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function stsError(status: number, code: string, message: string): Reply {
  return {
    status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() },
    body:
      `<ErrorResponse xmlns="${STS_NS}">\n  <Error>\n    <Type>Sender</Type>\n    <Code>${code}</Code>\n` +
      `    <Message>${xmlEscape(message)}</Message>\n  </Error>\n  <RequestId>${randomUUID()}</RequestId>\n</ErrorResponse>\n`,
  };
}

function formFields(text: string): Map<string, string> {
  return new Map(new URLSearchParams(text));
}

function stsParams(request: ServedRequest): Map<string, string> {
  return request.method === 'POST'
    ? formFields(request.body.toString('utf8'))
    : formFields(request.url.search.slice(1));
}

/** The operation a request names, for the request log. */
function operationOf(request: ServedRequest): string {
  const target = request.headers['x-amz-target'];
  if (typeof target === 'string' && target.startsWith('AmazonSSM.'))
    return `ssm:${target.slice('AmazonSSM.'.length)}`;
  if (typeof target === 'string' && target.startsWith('TrentService.'))
    return `kms:${target.slice('TrentService.'.length)}`;
  if (typeof target === 'string')
    return `secretsmanager:${target.replace(/^secretsmanager\./, '')}`;
  if (request.url.pathname.endsWith('/federation/credentials')) return 'sso:GetRoleCredentials';
  return `sts:${stsParams(request).get('Action') ?? '?'}`;
}

function smError(code: string, message: string, status = 400): Reply {
  return jsonReply(
    status,
    { __type: code, message },
    { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() },
  );
}

function smReply(value: unknown): Reply {
  return jsonReply(200, value, {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-requestid': randomUUID(),
  });
}

function validation(field: string, value: string | null, constraint: string): string {
  const shown = value === null ? 'null' : `'${value}'`;
  return `1 validation error detected: Value ${shown} at '${field}' failed to satisfy constraint: ${constraint}`;
}

export async function startAws(options: AwsEmulatorOptions): Promise<AwsEmulator> {
  const accountId = options.accountId ?? '123456789012';
  const region = options.region ?? 'us-east-1';
  const issuers = typeof options.issuer === 'string' ? [options.issuer] : [...options.issuer];
  const clientIds = new Set(options.clientIds ?? [DEFAULT_AUDIENCE]);
  const roles = new Map<string, Role>();
  const secrets: StoredSecret[] = [];
  const sessions = new Map<string, IssuedSession>();
  const issuedSessions: IssuedSession[] = [];
  const managedPolicies = new Map<string, PolicyDocument>();
  let clockOffset = 0;
  const now = () => Date.now() + clockOffset;
  const verifier = createOidcVerifier({
    issuers,
    jwksUrl: options.jwksUrl ? () => options.jwksUrl! : undefined,
    now,
  });

  // ---- STS -------------------------------------------------------------------------------

  async function assumeRoleWithWebIdentity(params: Map<string, string>): Promise<Reply> {
    const roleArn = params.get('RoleArn');
    const sessionName = params.get('RoleSessionName');
    const token = params.get('WebIdentityToken');
    if (roleArn === undefined)
      return stsError(
        400,
        'ValidationError',
        validation('roleArn', null, 'Member must not be null'),
      );
    if (sessionName === undefined) {
      return stsError(
        400,
        'ValidationError',
        validation('roleSessionName', null, 'Member must not be null'),
      );
    }
    if (token === undefined) {
      return stsError(
        400,
        'ValidationError',
        validation('webIdentityToken', null, 'Member must not be null'),
      );
    }
    if (!SESSION_NAME.test(sessionName)) {
      return stsError(
        400,
        'ValidationError',
        validation(
          'roleSessionName',
          sessionName,
          'Member must satisfy regular expression pattern: [\\w+=,.@-]*',
        ),
      );
    }
    if (sessionName.length < 2 || sessionName.length > 64) {
      const bound =
        sessionName.length < 2 ? 'greater than or equal to 2' : 'less than or equal to 64';
      return stsError(
        400,
        'ValidationError',
        validation('roleSessionName', sessionName, `Member must have length ${bound}`),
      );
    }
    const durationText = params.get('DurationSeconds');
    const duration = durationText === undefined ? 3600 : Number(durationText);
    if (!Number.isInteger(duration)) {
      return stsError(
        400,
        'ValidationError',
        `Value '${durationText}' for parameter DurationSeconds is invalid.`,
      );
    }
    if (duration < 900) {
      return stsError(
        400,
        'ValidationError',
        validation(
          'durationSeconds',
          String(duration),
          'Member must have value greater than or equal to 900',
        ),
      );
    }
    if (duration > 43200) {
      return stsError(
        400,
        'ValidationError',
        validation(
          'durationSeconds',
          String(duration),
          'Member must have value less than or equal to 43200',
        ),
      );
    }

    const verdict = await verifier.verify(token);
    if (!verdict.ok) {
      switch (verdict.reason) {
        case 'issuer':
          return stsError(
            400,
            'InvalidIdentityToken',
            `No OpenIDConnect provider found in your account for ${String(verdict.claims?.iss ?? '')}`,
          );
        case 'expired': {
          const exp = Number(verdict.claims?.exp ?? 0);
          return stsError(
            400,
            'ExpiredTokenException',
            `Token expired: current date/time ${Math.floor(now() / 1000)} must be before the expiration date/time ${exp}`,
          );
        }
        case 'keys':
          return stsError(
            400,
            'InvalidIdentityToken',
            "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
          );
        case 'signature':
          return stsError(
            400,
            'InvalidIdentityToken',
            'The web identity token signature could not be verified.',
          );
        case 'malformed':
          return stsError(
            400,
            'InvalidIdentityToken',
            'The web identity token is not a valid JWT.',
          );
      }
    }
    const claims = verdict.claims;
    const tokenAudiences = audiences(claims);
    const audience = tokenAudiences.find((aud) => clientIds.has(aud));
    if (audience === undefined)
      return stsError(400, 'InvalidIdentityToken', 'Incorrect token audience');

    const role = roles.get(roleArn);
    const subject = typeof claims.sub === 'string' ? claims.sub : '';
    const trusted =
      role !== undefined &&
      tokenAudiences.includes(role.audience) &&
      role.subjectPatterns.some((pattern) => stringLike(pattern, subject));
    if (!role || !trusted) {
      return stsError(
        403,
        'AccessDenied',
        'Not authorized to perform sts:AssumeRoleWithWebIdentity',
      );
    }
    if (duration > role.maxSessionDuration) {
      return stsError(
        400,
        'ValidationError',
        'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      );
    }

    const policies = sessionPolicies(params);
    if (!Array.isArray(policies)) return policies;
    const session: IssuedSession = {
      roleArn,
      sessionName,
      accessKeyId: 'ASIA' + alnum(16),
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: 'IQoJb3JpZ2luX2VjE' + randomBytes(300).toString('base64'),
      expiration: now() + lifetime(duration) * 1000,
      subject,
      audience: role.audience,
      ...(policies.length ? { policies } : {}),
    };
    sessions.set(session.accessKeyId, session);
    issuedSessions.push(session);
    const expiration = new Date(session.expiration).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const body =
      `<AssumeRoleWithWebIdentityResponse xmlns="${STS_NS}">\n` +
      `  <AssumeRoleWithWebIdentityResult>\n` +
      `    <SubjectFromWebIdentityToken>${xmlEscape(subject)}</SubjectFromWebIdentityToken>\n` +
      `    <Audience>${xmlEscape(role.audience)}</Audience>\n` +
      `    <AssumedRoleUser>\n` +
      `      <Arn>arn:aws:sts::${accountId}:assumed-role/${xmlEscape(role.name)}/${xmlEscape(sessionName)}</Arn>\n` +
      `      <AssumedRoleId>${role.id}:${xmlEscape(sessionName)}</AssumedRoleId>\n` +
      `    </AssumedRoleUser>\n` +
      `    <Credentials>\n` +
      `      <SessionToken>${session.sessionToken}</SessionToken>\n` +
      `      <SecretAccessKey>${session.secretAccessKey}</SecretAccessKey>\n` +
      `      <Expiration>${expiration}</Expiration>\n` +
      `      <AccessKeyId>${session.accessKeyId}</AccessKeyId>\n` +
      `    </Credentials>\n` +
      `    <Provider>${xmlEscape(String((claims as GithubClaims).iss))}</Provider>\n` +
      `  </AssumeRoleWithWebIdentityResult>\n` +
      `  <ResponseMetadata>\n    <RequestId>${randomUUID()}</RequestId>\n  </ResponseMetadata>\n` +
      `</AssumeRoleWithWebIdentityResponse>\n`;
    return {
      status: 200,
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() },
      body,
    };
  }

  /** The session's end: the emulator's short lifetime when set, else what was asked. */
  function lifetime(requestedSeconds: number): number {
    return options.sessionLifetimeSeconds ?? requestedSeconds;
  }

  /** `Policy` and `PolicyArns.member.N.arn` of a request, or the error STS would answer. */
  function sessionPolicies(params: Map<string, string>): PolicyDocument[] | Reply {
    const documents: PolicyDocument[] = [];
    const inline = params.get('Policy');
    if (inline !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(inline);
      } catch {
        parsed = undefined;
      }
      const statements = (parsed as { Statement?: unknown } | undefined)?.Statement;
      if (!parsed || typeof parsed !== 'object' || statements === undefined) {
        return stsError(
          400,
          'MalformedPolicyDocument',
          'The policy is not in the valid JSON format.',
        );
      }
      documents.push({
        ...(parsed as PolicyDocument),
        Statement: Array.isArray(statements)
          ? statements
          : [statements as PolicyDocument['Statement'][number]],
      });
    }
    for (let n = 1; params.has(`PolicyArns.member.${n}.arn`); n++) {
      const arn = params.get(`PolicyArns.member.${n}.arn`)!;
      const document = managedPolicies.get(arn);
      if (!document)
        return stsError(404, 'NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`);
      documents.push(document);
    }
    return documents;
  }

  function matches(pattern: string | readonly string[], value: string): boolean {
    return (typeof pattern === 'string' ? [pattern] : pattern).some((p) => stringLike(p, value));
  }

  /** Session policies: an explicit deny wins, else some allow is needed (when there are any). */
  function sessionVerdict(
    session: IssuedSession,
    action: string,
    resource: string,
  ): 'allowed' | 'denied' | 'not-allowed' {
    if (!session.policies) return 'allowed';
    const statements = session.policies.flatMap((p) => p.Statement);
    const applies = (s: (typeof statements)[number]) =>
      matches(s.Action, action) && matches(s.Resource, resource);
    if (statements.some((s) => s.Effect === 'Deny' && applies(s))) return 'denied';
    return statements.some((s) => s.Effect === 'Allow' && applies(s)) ? 'allowed' : 'not-allowed';
  }

  /** Tags.member.N.Key/Value and TransitiveTagKeys.member.N of a request. */
  function requestTags(params: Map<string, string>): {
    tags: Record<string, string>;
    transitive: string[];
  } {
    const tags: Record<string, string> = {};
    for (let n = 1; params.has(`Tags.member.${n}.Key`); n++)
      tags[params.get(`Tags.member.${n}.Key`)!] = params.get(`Tags.member.${n}.Value`) ?? '';
    const transitive: string[] = [];
    for (let n = 1; params.has(`TransitiveTagKeys.member.${n}`); n++)
      transitive.push(params.get(`TransitiveTagKeys.member.${n}`)!);
    return { tags, transitive };
  }

  function sessionArn(session: IssuedSession): string {
    const role = roles.get(session.roleArn);
    return `arn:aws:sts::${accountId}:assumed-role/${role?.name ?? '?'}/${session.sessionName}`;
  }

  // ---- A person's credentials: IAM users, AssumeRole, the SSO portal ----------------------

  const longTermKeys = new Set<string>();
  const ssoAssignments = new Map<string, Map<string, string>>();

  /** Long-term keys carry no session token; temporary ones must carry theirs. */
  function tokenPresentedFor(session: IssuedSession, request: ServedRequest): boolean {
    const presented = request.headers['x-amz-security-token'];
    return longTermKeys.has(session.accessKeyId)
      ? presented === undefined
      : presented === session.sessionToken;
  }

  function issueSession(
    roleArn: string,
    sessionName: string,
    durationSeconds: number,
  ): IssuedSession {
    const session: IssuedSession = {
      roleArn,
      sessionName,
      accessKeyId: 'ASIA' + alnum(16),
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: 'IQoJb3JpZ2luX2VjE' + randomBytes(300).toString('base64'),
      expiration: now() + durationSeconds * 1000,
      subject: '',
      audience: '',
    };
    sessions.set(session.accessKeyId, session);
    issuedSessions.push(session);
    return session;
  }

  /**
   * STS signature failures as STS words them (Query API codes, not the JSON services'):
   * InvalidClientTokenId for unknown keys, SignatureDoesNotMatch for a bad signature.
   */
  function stsSignatureError(failure: { code: string; message: string }): Reply {
    switch (failure.code) {
      case 'UnrecognizedClientException':
        return stsError(
          403,
          'InvalidClientTokenId',
          'The security token included in the request is invalid.',
        );
      case 'InvalidSignatureException':
        return stsError(403, 'SignatureDoesNotMatch', failure.message);
      case 'MissingAuthenticationTokenException':
        return stsError(
          403,
          'MissingAuthenticationToken',
          'Request is missing Authentication Token',
        );
      default:
        return stsError(400, 'IncompleteSignature', failure.message);
    }
  }

  /**
   * The portal's GetRoleCredentials (IAM Identity Center Portal API reference): errors are
   * restJson1 with `x-amzn-errortype` — UnauthorizedException (401) for a token that is not
   * a live login, ForbiddenException (403) for a role not assigned.
   */
  function getRoleCredentials(request: ServedRequest): Reply {
    const portalError = (status: number, type: string, message: string): Reply => ({
      status,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': type },
      body: JSON.stringify({ message }),
    });
    const token = request.headers['x-amz-sso_bearer_token'];
    const assignments = typeof token === 'string' ? ssoAssignments.get(token) : undefined;
    if (!assignments)
      return portalError(401, 'UnauthorizedException', 'Session token not found or invalid');
    const accountParam = request.url.searchParams.get('account_id');
    const roleName = request.url.searchParams.get('role_name') ?? '';
    const roleArn = assignments.get(roleName);
    if (accountParam !== accountId || !roleArn)
      return portalError(403, 'ForbiddenException', 'No access');
    const session = issueSession(roleArn, `sso-${alnum(8)}`, 3600);
    return jsonReply(200, {
      roleCredentials: {
        accessKeyId: session.accessKeyId,
        secretAccessKey: session.secretAccessKey,
        sessionToken: session.sessionToken,
        expiration: session.expiration,
      },
    });
  }

  async function assumeRole(request: ServedRequest, params: Map<string, string>): Promise<Reply> {
    const verdict = verifySigV4(
      {
        method: request.method,
        rawUrl: request.rawUrl,
        headers: request.headers,
        body: request.body,
      },
      { region, service: 'sts', now: now(), secretFor: (id) => sessions.get(id)?.secretAccessKey },
    );
    if (!verdict.ok) return stsSignatureError(verdict.failure);
    const caller = sessions.get(verdict.auth.accessKeyId)!;
    if (!tokenPresentedFor(caller, request))
      return stsError(
        403,
        'InvalidClientTokenId',
        'The security token included in the request is invalid.',
      );
    if (now() >= caller.expiration)
      return stsError(403, 'ExpiredToken', 'The security token included in the request is expired');
    const roleArn = params.get('RoleArn');
    const sessionName = params.get('RoleSessionName');
    if (roleArn === undefined)
      return stsError(
        400,
        'ValidationError',
        validation('roleArn', null, 'Member must not be null'),
      );
    if (
      sessionName === undefined ||
      !SESSION_NAME.test(sessionName) ||
      sessionName.length < 2 ||
      sessionName.length > 64
    )
      return stsError(
        400,
        'ValidationError',
        validation(
          'roleSessionName',
          sessionName ?? null,
          'Member must satisfy regular expression pattern: [\\w+=,.@-]*',
        ),
      );
    const duration = Number(params.get('DurationSeconds') ?? 3600);
    if (!Number.isInteger(duration) || duration < 900)
      return stsError(
        400,
        'ValidationError',
        validation(
          'durationSeconds',
          String(duration),
          'Member must have value greater than or equal to 900',
        ),
      );
    const longTerm = longTermKeys.has(caller.accessKeyId);
    // Role chaining (a session's keys) is capped at an hour; a user's keys are not chaining.
    if (!longTerm && duration > 3600)
      return stsError(
        400,
        'ValidationError',
        'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
      );
    const role = roles.get(roleArn);
    const notAuthorized = stsError(
      403,
      'AccessDenied',
      `User: ${sessionArn(caller)} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    );
    const trust = role?.chainTrust;
    const trusted =
      (trust?.principals ?? []).includes(caller.roleArn) ||
      (role?.trustedPrincipals ?? []).includes(caller.roleArn);
    if (!role || !trusted) return notAuthorized;
    if (longTerm && duration > role.maxSessionDuration)
      return stsError(
        400,
        'ValidationError',
        'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      );
    const { tags, transitive } = requestTags(params);
    const inherited = Object.fromEntries(
      (caller.transitiveTagKeys ?? []).map((key) => [key, caller.tags?.[key] ?? '']),
    );
    const inheritedKeys = Object.keys(inherited).map((k) => k.toLowerCase());
    const repeated = Object.keys(tags).find((key) => inheritedKeys.includes(key.toLowerCase()));
    if (repeated !== undefined) {
      // IAM: "If you pass a session tag with the same key as an inherited tag, the operation
      // fails." (AWS's exact error text for it is not public; these are the emulator's words.)
      return stsError(
        400,
        'InvalidParameterValue',
        `The session tag key ${repeated} is inherited from the calling session as a transitive tag and cannot be set again.`,
      );
    }
    if (transitive.some((key) => !(key in tags)))
      return stsError(
        400,
        'InvalidParameterValue',
        'A transitive tag key must be one of the session tags of the request.',
      );
    const callerTags = caller.tags ?? {};
    const tagsMatch = (
      wanted: Readonly<Record<string, string>> | undefined,
      have: Record<string, string>,
    ) =>
      Object.entries(wanted ?? {}).every(([key, value]) => {
        const found = Object.entries(have).find(([k]) => k.toLowerCase() === key.toLowerCase());
        return found?.[1] === value;
      });
    if (!tagsMatch(trust?.principalTags, callerTags) || !tagsMatch(trust?.requestTags, tags))
      return notAuthorized;
    const session: IssuedSession = {
      roleArn,
      sessionName,
      accessKeyId: 'ASIA' + alnum(16),
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: 'IQoJb3JpZ2luX2VjE' + randomBytes(300).toString('base64'),
      expiration: now() + lifetime(duration) * 1000,
      subject: caller.subject,
      audience: caller.audience,
      tags: { ...inherited, ...tags },
      transitiveTagKeys: [...Object.keys(inherited), ...transitive],
      parent: caller.accessKeyId,
    };
    sessions.set(session.accessKeyId, session);
    issuedSessions.push(session);
    const expiration = new Date(session.expiration).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const body =
      `<AssumeRoleResponse xmlns="${STS_NS}">\n` +
      `  <AssumeRoleResult>\n` +
      `    <AssumedRoleUser>\n` +
      `      <Arn>arn:aws:sts::${accountId}:assumed-role/${xmlEscape(role.name)}/${xmlEscape(sessionName)}</Arn>\n` +
      `      <AssumedRoleId>${role.id}:${xmlEscape(sessionName)}</AssumedRoleId>\n` +
      `    </AssumedRoleUser>\n` +
      `    <Credentials>\n` +
      `      <AccessKeyId>${session.accessKeyId}</AccessKeyId>\n` +
      `      <SecretAccessKey>${session.secretAccessKey}</SecretAccessKey>\n` +
      `      <SessionToken>${session.sessionToken}</SessionToken>\n` +
      `      <Expiration>${expiration}</Expiration>\n` +
      `    </Credentials>\n` +
      (Object.keys(tags).length
        ? `    <PackedPolicySize>${Math.min(100, Object.keys(tags).length * 2)}</PackedPolicySize>\n`
        : '') +
      `  </AssumeRoleResult>\n` +
      `  <ResponseMetadata>\n    <RequestId>${randomUUID()}</RequestId>\n  </ResponseMetadata>\n` +
      `</AssumeRoleResponse>\n`;
    return {
      status: 200,
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() },
      body,
    };
  }

  async function sts(request: ServedRequest): Promise<Reply> {
    const params = stsParams(request);
    const action = params.get('Action');
    if (action === undefined) return stsError(400, 'MissingAction', 'Missing Action');
    if (action === 'AssumeRole' && params.get('Version') === '2011-06-15')
      return assumeRole(request, params);
    if (action !== 'AssumeRoleWithWebIdentity' || params.get('Version') !== '2011-06-15') {
      const version = params.get('Version') ?? 'NO_VERSION_SPECIFIED';
      return stsError(
        400,
        'InvalidAction',
        `Could not find operation ${action} for version ${version}`,
      );
    }
    return await assumeRoleWithWebIdentity(params);
  }

  // ---- Secrets Manager -------------------------------------------------------------------

  /** In the region the request was signed for (each regional endpoint sees its own). */
  let requestRegion = region;
  function findSecret(secretId: string, inRegion = requestRegion): StoredSecret | undefined {
    return secrets.find(
      (s) =>
        s.region === inRegion &&
        (s.name === secretId ||
          s.arn === secretId ||
          (secretId.startsWith('arn:') && s.arn.slice(0, -7) === secretId)),
    );
  }

  function allowed(role: Role, secretId: string, secret: StoredSecret | undefined): boolean {
    return role.secrets.some((pattern) => {
      if (pattern.startsWith('arn:')) return stringLike(pattern, secret?.arn ?? secretId);
      return stringLike(pattern, secret?.name ?? secretId);
    });
  }

  function callerArn(session: IssuedSession): string {
    const role = roles.get(session.roleArn)!;
    if (longTermKeys.has(session.accessKeyId)) return session.roleArn;
    return `arn:aws:sts::${accountId}:assumed-role/${role.name}/${session.sessionName}`;
  }

  function denied(session: IssuedSession, action: string, resource?: string): string {
    const on = resource === undefined ? '' : ` on resource: ${resource}`;
    return `User: ${callerArn(session)} is not authorized to perform: ${action}${on} because no identity-based policy allows the ${action} action`;
  }

  function versionEntry(secret: StoredSecret, version: SecretVersion) {
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.versionId,
      ...(version.binary !== undefined
        ? { SecretBinary: version.binary.toString('base64') }
        : { SecretString: version.string }),
      VersionStages: [...version.stages],
      CreatedDate: version.created / 1000,
    };
  }

  type Lookup =
    | { ok: true; secret: StoredSecret; version: SecretVersion }
    | { ok: false; code: string; message: string };

  function lookup(
    session: IssuedSession,
    secretId: string,
    versionId?: string,
    stage?: string,
  ): Lookup {
    const role = roles.get(session.roleArn)!;
    const secret = findSecret(secretId);
    if (!allowed(role, secretId, secret)) {
      return {
        ok: false,
        code: 'AccessDeniedException',
        message: denied(session, 'secretsmanager:GetSecretValue', secretId),
      };
    }
    const bySession = sessionVerdict(
      session,
      'secretsmanager:GetSecretValue',
      secret?.arn ?? secretId,
    );
    if (bySession !== 'allowed') {
      // AWS's AccessDenied messages name the policy type that decided.
      const why =
        bySession === 'denied'
          ? 'with an explicit deny in a session policy'
          : 'because no session policy allows the secretsmanager:GetSecretValue action';
      return {
        ok: false,
        code: 'AccessDeniedException',
        message: `User: ${callerArn(session)} is not authorized to perform: secretsmanager:GetSecretValue on resource: ${secretId} ${why}`,
      };
    }
    if (!secret)
      return {
        ok: false,
        code: 'ResourceNotFoundException',
        message: "Secrets Manager can't find the specified secret.",
      };
    if (versionId !== undefined) {
      const version = secret.versions.find((v) => v.versionId === versionId);
      if (!version) {
        return {
          ok: false,
          code: 'ResourceNotFoundException',
          message: `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`,
        };
      }
      if (stage !== undefined && !version.stages.has(stage)) {
        return {
          ok: false,
          code: 'InvalidRequestException',
          message: 'You provided a VersionStage that is not associated to the provided VersionId.',
        };
      }
      return { ok: true, secret, version };
    }
    const wanted = stage ?? 'AWSCURRENT';
    const version = secret.versions.find((v) => v.stages.has(wanted));
    if (!version) {
      return {
        ok: false,
        code: 'ResourceNotFoundException',
        message: `Secrets Manager can't find the specified secret value for staging label: ${wanted}`,
      };
    }
    return { ok: true, secret, version };
  }

  function getSecretValue(session: IssuedSession, input: Record<string, unknown>): Reply {
    const secretId = input.SecretId;
    if (typeof secretId !== 'string' || secretId.length === 0) {
      return smError(
        'ValidationException',
        validation('secretId', null, 'Member must not be null'),
      );
    }
    const versionId = typeof input.VersionId === 'string' ? input.VersionId : undefined;
    const stage = typeof input.VersionStage === 'string' ? input.VersionStage : undefined;
    const found = lookup(session, secretId, versionId, stage);
    if (!found.ok) return smError(found.code, found.message);
    return smReply(versionEntry(found.secret, found.version));
  }

  function batchGetSecretValue(session: IssuedSession, input: Record<string, unknown>): Reply {
    const role = roles.get(session.roleArn)!;
    if (!role.batch)
      return smError(
        'AccessDeniedException',
        denied(session, 'secretsmanager:BatchGetSecretValue'),
      );
    if (input.Filters !== undefined) {
      return smError(
        'InvalidRequestException',
        'This emulator supports BatchGetSecretValue with SecretIdList only.',
      );
    }
    const list = input.SecretIdList;
    if (!Array.isArray(list) || list.length === 0 || !list.every((id) => typeof id === 'string')) {
      return smError(
        'InvalidParameterException',
        'You must provide either SecretIdList or Filters.',
      );
    }
    if (list.length > BATCH_LIMIT) {
      return smError(
        'ValidationException',
        validation(
          'secretIdList',
          JSON.stringify(list),
          `Member must have length less than or equal to ${BATCH_LIMIT}`,
        ),
      );
    }
    const values: unknown[] = [];
    const errors: unknown[] = [];
    for (const secretId of list as string[]) {
      const found = lookup(session, secretId);
      if (found.ok) values.push(versionEntry(found.secret, found.version));
      else errors.push({ SecretId: secretId, ErrorCode: found.code, Message: found.message });
    }
    return smReply({ SecretValues: values, Errors: errors });
  }

  /**
   * ListSecrets (API_ListSecrets): `Filters` of `{Key, Values}` — `name` is a case-sensitive
   * prefix match (API_Filter), a value starting with `!` negates — `MaxResults` 1–100, and an
   * opaque `NextToken` while more remain. Answers `{SecretList: [{ARN, Name, …}], NextToken}`.
   */
  function listSecrets(session: IssuedSession, input: Record<string, unknown>): Reply {
    const role = roles.get(session.roleArn)!;
    if (!role.list)
      return smError('AccessDeniedException', denied(session, 'secretsmanager:ListSecrets'));
    const max = input.MaxResults === undefined ? LIST_PAGE_MAX : input.MaxResults;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > LIST_PAGE_MAX) {
      return smError(
        'ValidationException',
        validation(
          'maxResults',
          String(max),
          `Member must have value less than or equal to ${LIST_PAGE_MAX}`,
        ),
      );
    }
    const filters = Array.isArray(input.Filters) ? (input.Filters as unknown[]) : [];
    const tests: Array<(secret: StoredSecret) => boolean> = [];
    for (const filter of filters) {
      const { Key: key, Values: values } = (filter ?? {}) as { Key?: unknown; Values?: unknown };
      if (key !== 'name' || !Array.isArray(values) || values.some((v) => typeof v !== 'string'))
        return smError(
          'InvalidParameterException',
          'This emulator supports ListSecrets filters on name only.',
        );
      const wanted = values as string[];
      tests.push((secret) =>
        wanted.some((v) =>
          v.startsWith('!') ? !secret.name.startsWith(v.slice(1)) : secret.name.startsWith(v),
        ),
      );
    }
    const matching = secrets.filter(
      (secret) => secret.region === requestRegion && tests.every((t) => t(secret)),
    );
    const start =
      typeof input.NextToken === 'string'
        ? Number(Buffer.from(input.NextToken, 'base64url').toString('utf8'))
        : 0;
    if (!Number.isInteger(start) || start < 0 || start > matching.length)
      return smError('InvalidNextTokenException', 'The NextToken value is invalid.');
    const page = matching.slice(start, start + max);
    const next = start + page.length;
    return smReply({
      SecretList: page.map((secret) => ({
        ARN: secret.arn,
        Name: secret.name,
        LastChangedDate: (secret.versions.at(-1)?.created ?? now()) / 1000,
        SecretVersionsToStages: Object.fromEntries(
          secret.versions.map((v) => [v.versionId, [...v.stages]]),
        ),
      })),
      ...(next < matching.length
        ? { NextToken: Buffer.from(String(next), 'utf8').toString('base64url') }
        : {}),
    });
  }

  /**
   * A signed JSON 1.1 request: its SigV4 signature (for `service`, in this region or one the
   * server also answers for), its session token and expiry, and its body as an object.
   */
  function authenticate(
    request: ServedRequest,
    service: string,
  ): { session: IssuedSession; input: Record<string, unknown> } | Reply {
    // The region the request was signed for: this one, or one the server also answers for.
    const scoped = parseAuthorization(String(request.headers.authorization ?? ''));
    const signedFor = 'region' in scoped ? scoped.region : region;
    requestRegion = (options.otherRegions ?? []).includes(signedFor) ? signedFor : region;
    const verdict = verifySigV4(
      {
        method: request.method,
        rawUrl: request.rawUrl,
        headers: request.headers,
        body: request.body,
      },
      {
        region: requestRegion,
        service,
        now: now(),
        secretFor: (id) => sessions.get(id)?.secretAccessKey,
      },
    );
    if (!verdict.ok) return smError(verdict.failure.code, verdict.failure.message);
    const session = sessions.get(verdict.auth.accessKeyId)!;
    if (!tokenPresentedFor(session, request)) {
      return smError(
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
      );
    }
    if (now() >= session.expiration) {
      return smError(
        'ExpiredTokenException',
        'The security token included in the request is expired',
      );
    }
    try {
      const parsed: unknown = JSON.parse(request.body.toString('utf8') || '{}');
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('not an object');
      return { session, input: parsed as Record<string, unknown> };
    } catch {
      return smError(
        'SerializationException',
        'Start of structure or map found where not expected.',
      );
    }
  }

  async function secretsManager(request: ServedRequest): Promise<Reply> {
    const target = String(request.headers['x-amz-target']);
    const operation = target.startsWith('secretsmanager.')
      ? target.slice('secretsmanager.'.length)
      : target;
    const authenticated = authenticate(request, 'secretsmanager');
    if (!('session' in authenticated)) return authenticated;
    const { session, input } = authenticated;
    switch (operation) {
      case 'GetSecretValue':
        return getSecretValue(session, input);
      case 'BatchGetSecretValue':
        return batchGetSecretValue(session, input);
      case 'ListSecrets':
        return listSecrets(session, input);
      default:
        return smError('UnknownOperationException', '');
    }
  }

  const parameterStore = createParameterStore({ accountId, region, now });

  /** Parameter Store (ssm.ts), signed for the `ssm` service. */
  function systemsManager(request: ServedRequest): Reply {
    const authenticated = authenticate(request, 'ssm');
    if (!('session' in authenticated)) return authenticated;
    const { session, input } = authenticated;
    const role = roles.get(session.roleArn)!;
    const operation = String(request.headers['x-amz-target']).slice('AmazonSSM.'.length);
    const answer = parameterStore.handle(operation, input, {
      region: requestRegion,
      parameters: role.parameters,
      denied: (action) => denied(session, action),
    });
    return jsonReply(answer.status, answer.body, {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': randomUUID(),
    });
  }

  const kms = createKmsService({
    region,
    accountId,
    now,
    session(accessKeyId) {
      const session = sessions.get(accessKeyId);
      return session && { ...session, callerArn: callerArn(session) };
    },
  });

  const server = await startHttpServer<AwsLoggedRequest>(
    (request) =>
      request.url.pathname.endsWith('/federation/credentials') && request.method === 'GET'
        ? getRoleCredentials(request)
        : String(request.headers['x-amz-target'] ?? '').startsWith('AmazonSSM.')
          ? systemsManager(request)
          : String(request.headers['x-amz-target'] ?? '').startsWith('TrentService.')
            ? kms.handle(request)
            : request.headers['x-amz-target'] !== undefined
              ? secretsManager(request)
              : sts(request),
    { tls: options.tls, describe: (request) => ({ operation: operationOf(request) }) },
  );

  function storeVersion(
    secret: StoredSecret,
    value: string | Uint8Array,
    stages?: readonly string[],
  ): SecretVersion {
    const version: SecretVersion = {
      versionId: randomUUID(),
      ...(typeof value === 'string' ? { string: value } : { binary: Buffer.from(value) }),
      stages: new Set(stages ?? ['AWSCURRENT']),
      created: now(),
    };
    if (stages === undefined) {
      for (const v of secret.versions) v.stages.delete('AWSPREVIOUS');
      for (const v of secret.versions) {
        if (v.stages.delete('AWSCURRENT')) v.stages.add('AWSPREVIOUS');
      }
    }
    secret.versions.push(version);
    return version;
  }

  return {
    ...server,
    region,
    accountId,
    issuedSessions,
    parameters: parameterStore,
    addRole(arn, config) {
      const name = arn.split('/').pop() ?? arn;
      const role: Role = {
        arn,
        name,
        id: 'AROA' + alnum(17),
        audience: config.audience ?? DEFAULT_AUDIENCE,
        subjectPatterns: config.subjectPatterns,
        maxSessionDuration: config.maxSessionDuration ?? 3600,
        secrets: config.secrets ?? [],
        batch: config.batch ?? true,
        ...(config.chainTrust ? { chainTrust: config.chainTrust } : {}),
        list: config.list ?? true,
        parameters: config.parameters ?? [],
        ...(config.trustedPrincipals ? { trustedPrincipals: config.trustedPrincipals } : {}),
      };
      roles.set(arn, role);
      clientIds.add(role.audience);
    },
    createSecret(name, value, where = {}) {
      const inRegion = where.region ?? region;
      if (findSecret(name, inRegion)) throw new Error(`secret ${name} exists already`);
      const secret: StoredSecret = {
        name,
        arn: `arn:aws:secretsmanager:${inRegion}:${accountId}:secret:${name}-${alnum(6, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}`,
        region: inRegion,
        versions: [],
      };
      secrets.push(secret);
      const version = storeVersion(secret, value);
      return { arn: secret.arn, name, versionId: version.versionId };
    },
    putSecretValue(nameOrArn, value, stages) {
      const secret =
        findSecret(nameOrArn, region) ??
        secrets.find((s) => s.arn === nameOrArn || s.arn.slice(0, -7) === nameOrArn);
      if (!secret) throw new Error(`no secret ${nameOrArn}`);
      const version = storeVersion(secret, value, stages);
      return { arn: secret.arn, name: secret.name, versionId: version.versionId };
    },
    addManagedPolicy(arn, document) {
      managedPolicies.set(arn, document);
    },
    addUser(name, config = {}) {
      const arn = `arn:aws:iam::${accountId}:user/${name}`;
      roles.set(arn, {
        arn,
        name,
        id: 'AIDA' + alnum(17),
        audience: '',
        subjectPatterns: [],
        maxSessionDuration: 0,
        secrets: config.secrets ?? [],
        batch: true,
        list: true,
        parameters: [],
      });
      const user: IssuedSession = {
        roleArn: arn,
        sessionName: name,
        accessKeyId: 'AKIA' + alnum(16),
        secretAccessKey: randomBytes(30).toString('base64'),
        sessionToken: '',
        expiration: Number.POSITIVE_INFINITY,
        subject: '',
        audience: '',
      };
      sessions.set(user.accessKeyId, user);
      longTermKeys.add(user.accessKeyId);
      return { arn, accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey };
    },
    addSsoAssignment(accessToken, roleName, config = {}) {
      const arn = `arn:aws:iam::${accountId}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_${roleName}_${randomBytes(8).toString('hex')}`;
      roles.set(arn, {
        arn,
        name: `AWSReservedSSO_${roleName}`,
        id: 'AROA' + alnum(17),
        audience: '',
        subjectPatterns: [],
        maxSessionDuration: 43200,
        secrets: config.secrets ?? [],
        batch: true,
        list: true,
        parameters: [],
      });
      const assignments = ssoAssignments.get(accessToken) ?? new Map<string, string>();
      assignments.set(roleName, arn);
      ssoAssignments.set(accessToken, assignments);
    },
    expireSessions() {
      for (const session of sessions.values())
        if (!longTermKeys.has(session.accessKeyId))
          session.expiration = Math.min(session.expiration, now() - 1000);
    },
    advanceClock(ms) {
      clockOffset += ms;
    },
    now,
    createKmsKey: (config) => kms.createKey(config),
    setKmsKeyRoles: (arn, roles) => kms.setKeyRoles(arn, roles),
  };
}
