// AWS STS + Secrets Manager on one local HTTP(S) server, speaking the real wire protocols:
// - STS Query API `AssumeRoleWithWebIdentity` (GET query or POST form), XML responses and
//   `<ErrorResponse>` errors. The GitHub OIDC token is verified for real (JWKS over HTTP,
//   issuer = an OIDC provider of the account, audience = one of its client IDs, expiry) and
//   then the role's trust policy (aud StringEquals, sub StringLike) is evaluated.
// - Secrets Manager JSON 1.1 (`X-Amz-Target: secretsmanager.GetSecretValue` /
//   `secretsmanager.BatchGetSecretValue`). Every request must carry a valid SigV4 signature
//   made with session keys this STS issued, and the session token that goes with them; the
//   signature is recomputed here (sigv4-verify.ts) over the bytes that arrived.
// - For a person's own credentials (the CLI outside Actions): IAM users with long-term keys
//   (AKIA…, no session token), STS `AssumeRole` SigV4-signed with a user's or a session's
//   keys (the role's trust policy names the principals), and IAM Identity Center's portal
//   `GET /federation/credentials?account_id=&role_name=` with `x-amz-sso_bearer_token`.
// Routing: a path ending in /federation/credentials is the SSO portal; otherwise a request
// with `X-Amz-Target` is Secrets Manager, anything else is STS, whatever
// the path — so the action's `aws-sts` and `aws-secretsmanager` endpoint overrides may both
// point at this server, with or without a path prefix.
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
import { verifySigV4 } from './sigv4-verify.js';

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
  /** Principal ARNs (users, roles) the trust policy lets call `sts:AssumeRole`. */
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
  createSecret(name: string, value: string | Uint8Array): CreatedSecret;
  /** A new version: it takes AWSCURRENT (and the old current becomes AWSPREVIOUS) unless stages are given. */
  putSecretValue(
    nameOrArn: string,
    value: string | Uint8Array,
    stages?: readonly string[],
  ): CreatedSecret;
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
  versions: SecretVersion[];
}

interface Role extends Required<Omit<AwsRoleConfig, 'secrets' | 'trustedPrincipals'>> {
  arn: string;
  name: string;
  id: string;
  secrets: readonly string[];
  trustedPrincipals?: readonly string[];
}

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

    const session: IssuedSession = {
      roleArn,
      sessionName,
      accessKeyId: 'ASIA' + alnum(16),
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: 'IQoJb3JpZ2luX2VjE' + randomBytes(300).toString('base64'),
      expiration: now() + duration * 1000,
      subject,
      audience: role.audience,
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

  // ---- A person's credentials: IAM users, AssumeRole, the SSO portal ----------------------

  const longTermKeys = new Set<string>();
  const ssoAssignments = new Map<string, Map<string, string>>();

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

  /** The IAM principal ARN behind keys: the user, or the role a session assumed. */
  function principalArn(session: IssuedSession): string {
    return session.roleArn;
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

  /** `sts:AssumeRole` signed with a user's long-term keys or a session's (role chaining). */
  function assumeRole(request: ServedRequest, params: Map<string, string>): Reply {
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
    const presented = request.headers['x-amz-security-token'];
    if (
      longTermKeys.has(caller.accessKeyId)
        ? presented !== undefined
        : presented !== caller.sessionToken
    ) {
      return stsError(
        403,
        'InvalidClientTokenId',
        'The security token included in the request is invalid.',
      );
    }
    if (now() >= caller.expiration) {
      return stsError(400, 'ExpiredToken', 'The security token included in the request is expired');
    }
    const roleArn = params.get('RoleArn');
    const sessionName = params.get('RoleSessionName');
    if (roleArn === undefined)
      return stsError(
        400,
        'ValidationError',
        validation('roleArn', null, 'Member must not be null'),
      );
    if (sessionName === undefined || !SESSION_NAME.test(sessionName) || sessionName.length < 2) {
      return stsError(
        400,
        'ValidationError',
        validation(
          'roleSessionName',
          sessionName ?? null,
          'Member must satisfy regular expression pattern: [\\w+=,.@-]*',
        ),
      );
    }
    const role = roles.get(roleArn);
    const principal = principalArn(caller);
    if (!role || !(role.trustedPrincipals ?? []).includes(principal)) {
      return stsError(
        403,
        'AccessDenied',
        `User: ${callerArn(caller)} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
      );
    }
    const duration = Number(params.get('DurationSeconds') ?? 3600);
    if (!Number.isInteger(duration) || duration < 900 || duration > role.maxSessionDuration) {
      return stsError(
        400,
        'ValidationError',
        'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      );
    }
    const session = issueSession(roleArn, sessionName, duration);
    const expiration = new Date(session.expiration).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const body =
      `<AssumeRoleResponse xmlns="${STS_NS}">\n` +
      `  <AssumeRoleResult>\n` +
      `    <AssumedRoleUser>\n` +
      `      <AssumedRoleId>${role.id}:${xmlEscape(sessionName)}</AssumedRoleId>\n` +
      `      <Arn>arn:aws:sts::${accountId}:assumed-role/${xmlEscape(role.name)}/${xmlEscape(sessionName)}</Arn>\n` +
      `    </AssumedRoleUser>\n` +
      `    <Credentials>\n` +
      `      <AccessKeyId>${session.accessKeyId}</AccessKeyId>\n` +
      `      <SecretAccessKey>${session.secretAccessKey}</SecretAccessKey>\n` +
      `      <SessionToken>${session.sessionToken}</SessionToken>\n` +
      `      <Expiration>${expiration}</Expiration>\n` +
      `    </Credentials>\n` +
      `  </AssumeRoleResult>\n` +
      `  <ResponseMetadata>\n    <RequestId>${randomUUID()}</RequestId>\n  </ResponseMetadata>\n` +
      `</AssumeRoleResponse>\n`;
    return {
      status: 200,
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() },
      body,
    };
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

  function findSecret(secretId: string): StoredSecret | undefined {
    return secrets.find(
      (s) =>
        s.name === secretId ||
        s.arn === secretId ||
        (secretId.startsWith('arn:') && s.arn.slice(0, -7) === secretId),
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

  async function secretsManager(request: ServedRequest): Promise<Reply> {
    const target = String(request.headers['x-amz-target']);
    const operation = target.startsWith('secretsmanager.')
      ? target.slice('secretsmanager.'.length)
      : target;
    const verdict = verifySigV4(
      {
        method: request.method,
        rawUrl: request.rawUrl,
        headers: request.headers,
        body: request.body,
      },
      {
        region,
        service: 'secretsmanager',
        now: now(),
        secretFor: (id) => sessions.get(id)?.secretAccessKey,
      },
    );
    if (!verdict.ok) return smError(verdict.failure.code, verdict.failure.message);
    const session = sessions.get(verdict.auth.accessKeyId)!;
    // Long-term keys carry no session token; temporary ones must carry theirs.
    const presented = request.headers['x-amz-security-token'];
    if (
      longTermKeys.has(session.accessKeyId)
        ? presented !== undefined
        : presented !== session.sessionToken
    ) {
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
    let input: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(request.body.toString('utf8') || '{}');
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('not an object');
      input = parsed as Record<string, unknown>;
    } catch {
      return smError(
        'SerializationException',
        'Start of structure or map found where not expected.',
      );
    }
    switch (operation) {
      case 'GetSecretValue':
        return getSecretValue(session, input);
      case 'BatchGetSecretValue':
        return batchGetSecretValue(session, input);
      default:
        return smError('UnknownOperationException', '');
    }
  }

  const server = await startHttpServer<AwsLoggedRequest>(
    (request) =>
      request.url.pathname.endsWith('/federation/credentials') && request.method === 'GET'
        ? getRoleCredentials(request)
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
        ...(config.trustedPrincipals ? { trustedPrincipals: config.trustedPrincipals } : {}),
      };
      roles.set(arn, role);
      clientIds.add(role.audience);
    },
    createSecret(name, value) {
      if (findSecret(name)) throw new Error(`secret ${name} exists already`);
      const secret: StoredSecret = {
        name,
        arn: `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-${alnum(6, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}`,
        versions: [],
      };
      secrets.push(secret);
      const version = storeVersion(secret, value);
      return { arn: secret.arn, name, versionId: version.versionId };
    },
    putSecretValue(nameOrArn, value, stages) {
      const secret = findSecret(nameOrArn);
      if (!secret) throw new Error(`no secret ${nameOrArn}`);
      const version = storeVersion(secret, value, stages);
      return { arn: secret.arn, name: secret.name, versionId: version.versionId };
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
  };
}
