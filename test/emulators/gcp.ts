// Google Cloud's keyless path on one local HTTP(S) server:
// - Security Token Service `POST /v1/token` (RFC 8693 token exchange, form or JSON body):
//   the GitHub OIDC token is verified against the provider's issuer JWKS over HTTP, its
//   audience against the provider's allowed audiences (by default the provider's full resource
//   name, with or without the `https:` prefix, as Google documents), then the attribute
//   mapping and the attribute condition (a CEL subset, cel.ts) are applied.
// - IAM Credentials `POST /v1/projects/-/serviceAccounts/SA:generateAccessToken`: the
//   federated token may impersonate a service account whose roles/iam.workloadIdentityUser
//   binding names its principal or one of its principal sets.
// - Secret Manager `GET /v1/projects/P/secrets/S/versions/V:access` (P an id or a number,
//   V a number or `latest`), answering `payload.data` with `payload.dataCrc32c`, its CRC32C as a decimal string;
//   IAM: members of a secret (or of the project) may access it, be they
//   `serviceAccount:EMAIL` (impersonated token) or principal/principalSet (federated token).
// - OAuth 2.0 revocation `POST /revoke` (token in the query or a form body).
// - Cloud KMS `POST /v1/projects/P/locations/L/keyRings/K/cryptoKeys/C:encrypt|:decrypt`
//   (gcp-kms.ts), IAM by members as for secrets.
// - OAuth 2.0 token endpoint `POST /token` with the refresh-token grant (RFC 6749 §6): the
//   user credentials `gcloud auth application-default login` writes (client_id,
//   client_secret, refresh_token) → a user access token whose IAM member is `user:EMAIL`.
// Routes match on the path's end, so any base-URL prefix of the action's endpoint overrides
// (`gcp-sts`, `gcp-iamcredentials`, `gcp-secretmanager`, `gcp-oauth2`) reaches them.
import { randomBytes } from 'node:crypto';
import { compileCel, type CelScope } from './cel.js';
import {
  bearerToken,
  jsonReply,
  startHttpServer,
  type EmulatorServer,
  type LoggedRequest,
  type Reply,
  type ServedRequest,
  type TlsOptions,
} from './http-server.js';
import { audiences, createOidcVerifier } from './oidc-verify.js';
import { createGcpKms, isKmsPath } from './gcp-kms.js';

export interface GcpEmulatorOptions {
  /** Issuer URL(s) a provider may name; the first one is the default provider issuer. */
  issuer: string | readonly string[];
  /** Where to fetch an issuer's JWKS; defaults to `<issuer>/.well-known/jwks`. */
  jwksUrl?: string;
  projectId?: string;
  projectNumber?: string;
  tls?: TlsOptions;
  /** Every access token (federated or a service account's) ends this many seconds after it is issued. */
  tokenLifetimeSeconds?: number;
}

export interface WorkloadIdentityProviderConfig {
  pool: string;
  provider: string;
  /** The OIDC issuer URI of the provider (default: the emulator's first issuer). */
  issuer?: string;
  /** Allowed audiences; empty means the provider's own resource name (Google's default). */
  allowedAudiences?: readonly string[];
  /** `google.subject` / `attribute.NAME` → `assertion.CLAIM`; default maps google.subject to sub. */
  attributeMapping?: Readonly<Record<string, string>>;
  /** A CEL expression over `assertion`, `attribute` and `google`. */
  attributeCondition?: string;
  disabled?: boolean;
}

/**
 * The workload identity provider most tests and benches set up: a GitHub job's `sub` as its
 * Google subject and its repository as an attribute, so that
 * `principalSet://…/workloadIdentityPools/github/attribute.repository/OWNER/REPO` names
 * every job of a repository. Spread it to add a condition or rename it.
 */
export const GITHUB_ACTIONS_PROVIDER: WorkloadIdentityProviderConfig = {
  pool: 'github',
  provider: 'gh-actions',
  attributeMapping: {
    'google.subject': 'assertion.sub',
    'attribute.repository': 'assertion.repository',
  },
};

export interface IssuedGcpToken {
  kind: 'federated' | 'service-account' | 'user';
  token: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  revoked: boolean;
  /** `principal://…` for a federated token, the service account's e-mail for an impersonated one. */
  principal: string;
  scope: string;
}

export interface GcpLoggedRequest extends LoggedRequest {
  operation: string;
}

export interface GcpEmulator extends EmulatorServer<GcpLoggedRequest> {
  readonly projectId: string;
  readonly projectNumber: string;
  readonly issuedTokens: readonly IssuedGcpToken[];
  /** Returns the provider's resource name and the `//iam.googleapis.com/…` audience for STS. */
  addProvider(config: WorkloadIdentityProviderConfig): { name: string; audience: string };
  /** `members` hold roles/iam.workloadIdentityUser on the account (principal://, principalSet://). */
  addServiceAccount(email: string, members: readonly string[]): void;
  /**
   * Creates a secret with version 1 (more with `addSecretVersion`); members get
   * secretAccessor on it. A `location` makes it a regional secret
   * (`projects/P/locations/L/secrets/S`); `labels` are what a list `filter` can match.
   */
  addSecret(
    secretId: string,
    value: string | Uint8Array,
    members?: readonly string[],
    options?: { location?: string; labels?: Readonly<Record<string, string>> },
  ): void;
  /** roles/secretmanager.viewer on the project: `secretmanager.secrets.list`. */
  grantListing(member: string): void;
  addSecretVersion(
    secretId: string,
    value: string | Uint8Array,
    state?: 'ENABLED' | 'DISABLED',
  ): number;
  /**
   * A user's OAuth refresh token for a new OAuth client (what ADC's authorized_user file
   * holds); tokens refreshed from it act as the member `user:EMAIL`.
   */
  addUser(email: string): { clientId: string; clientSecret: string; refreshToken: string };
  /** roles/secretmanager.secretAccessor on the whole project. */
  grantProject(member: string): void;
  /** Answer every `payload.dataCrc32c` off by one, as a corrupted payload would be. */
  setCorruptChecksums(on: boolean): void;
  advanceClock(ms: number): void;
  now(): number;
  /** A Cloud KMS key `projects/P/locations/L/keyRings/K/cryptoKeys/C`; members may use it. */
  addKmsKey(name: string, members: readonly string[]): void;
}

const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const SUBJECT_TOKEN_TYPES = [
  'urn:ietf:params:oauth:token-type:jwt',
  'urn:ietf:params:oauth:token-type:id_token',
];
const PROVIDER_AUDIENCE =
  /^\/\/iam\.googleapis\.com\/(projects\/([^/]+)\/locations\/global\/workloadIdentityPools\/([^/]+)\/providers\/([^/]+))$/;
const UNAUTHENTICATED =
  'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid ' +
  'authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';

/** CRC32C (Castagnoli), the checksum Secret Manager reports for a payload. */
const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC32C_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

interface Provider extends WorkloadIdentityProviderConfig {
  name: string;
  issuer: string;
  mapping: Readonly<Record<string, string>>;
  condition?: (scope: CelScope) => boolean;
}

interface Identity {
  /** Every IAM member string this token stands for. */
  members: Set<string>;
  principal: string;
}

interface SecretVersion {
  number: number;
  data: Buffer;
  state: 'ENABLED' | 'DISABLED';
}

interface TokenRecord extends IssuedGcpToken {
  identity: Identity;
}

function googleError(code: number, status: string, message: string, details?: unknown[]): Reply {
  const error: Record<string, unknown> = { code, message, status };
  if (details) error.details = details;
  const headers: Record<string, string> =
    code === 401 ? { 'www-authenticate': 'Bearer realm="https://accounts.google.com/"' } : {};
  return jsonReply(
    code,
    { error },
    { 'content-type': 'application/json; charset=UTF-8', ...headers },
  );
}

function stsError(error: string, description: string): Reply {
  return jsonReply(400, { error, error_description: description });
}

function permissionDenied(permission: string, message: string, domain: string): Reply {
  return googleError(403, 'PERMISSION_DENIED', message, [
    {
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: 'IAM_PERMISSION_DENIED',
      domain,
      metadata: { permission },
    },
  ]);
}

/** Form fields or a JSON object, whichever the body is (STS accepts both). */
function bodyFields(request: ServedRequest): Map<string, string> {
  const text = request.body.toString('utf8');
  const type = String(request.headers['content-type'] ?? '');
  if (type.includes('json') || text.trimStart().startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      const fields = new Map<string, string>();
      for (const [key, value] of Object.entries(parsed)) {
        if (typeof value === 'string') fields.set(key, value);
        // google-github-actions and Google's own clients send camelCase in JSON.
        const snake = key.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
        if (typeof value === 'string') fields.set(snake, value);
      }
      return fields;
    } catch {
      return new Map();
    }
  }
  return new Map(new URLSearchParams(text));
}

const ROUTES: ReadonlyArray<[RegExp, string]> = [
  [/\/v1\/token$/, 'sts:token'],
  [
    /\/v1\/projects\/-\/serviceAccounts\/[^/]+:generateAccessToken$/,
    'iamcredentials:generateAccessToken',
  ],
  [
    /\/v1\/projects\/[^/]+\/(locations\/[^/]+\/)?secrets\/[^/]+\/versions\/[^/]+:access$/,
    'secretmanager:access',
  ],
  [/\/v1\/projects\/[^/]+\/(locations\/[^/]+\/)?secrets$/, 'secretmanager:list'],
  [/\/revoke$/, 'oauth2:revoke'],
  [/\/cryptoKeys\/[^/]+:encrypt$/, 'kms:encrypt'],
  [/\/cryptoKeys\/[^/]+:decrypt$/, 'kms:decrypt'],
  [/\/token$/, 'oauth2:token'],
];

function operationOf(request: ServedRequest): string {
  const path = decodeURIComponent(request.url.pathname);
  return ROUTES.find(([pattern]) => pattern.test(path))?.[1] ?? 'unknown';
}

export async function startGcp(options: GcpEmulatorOptions): Promise<GcpEmulator> {
  const issuers = typeof options.issuer === 'string' ? [options.issuer] : [...options.issuer];
  const projectId = options.projectId ?? 'my-proj';
  const projectNumber = options.projectNumber ?? '123456789012';
  const providers = new Map<string, Provider>();
  const serviceAccounts = new Map<string, readonly string[]>();
  // Keyed `LOCATION|SECRET` (LOCATION empty for a global secret).
  const secrets = new Map<
    string,
    { versions: SecretVersion[]; members: Set<string>; labels: Record<string, string> }
  >();
  const projectMembers = new Set<string>();
  const listers = new Set<string>();
  const tokens = new Map<string, TokenRecord>();
  const issuedTokens: TokenRecord[] = [];
  let corruptChecksums = false;
  let clockOffset = 0;
  const now = () => Date.now() + clockOffset;
  const verifier = createOidcVerifier({
    issuers,
    jwksUrl: options.jwksUrl ? () => options.jwksUrl! : undefined,
    now,
  });

  const issue = (
    kind: IssuedGcpToken['kind'],
    identity: Identity,
    lifetime: number,
    scope: string,
  ): TokenRecord => {
    const prefix = kind === 'federated' ? 'ya29.d.' : kind === 'user' ? 'ya29.a0' : 'ya29.c.';
    const record: TokenRecord = {
      kind,
      token: prefix + randomBytes(96).toString('base64url'),
      expiresAt: now() + Math.min(lifetime, options.tokenLifetimeSeconds ?? lifetime) * 1000,
      revoked: false,
      principal: identity.principal,
      scope,
      identity,
    };
    tokens.set(record.token, record);
    issuedTokens.push(record);
    return record;
  };

  /** The live token behind an `Authorization: Bearer` header, or the 401 to answer. */
  const caller = (request: ServedRequest): TokenRecord | Reply => {
    const token = bearerToken(request.headers);
    const record = token ? tokens.get(token) : undefined;
    if (!record || record.revoked || now() >= record.expiresAt)
      return googleError(401, 'UNAUTHENTICATED', UNAUTHENTICATED);
    return record;
  };

  // ---- STS -------------------------------------------------------------------------------

  async function exchange(request: ServedRequest): Promise<Reply> {
    const fields = bodyFields(request);
    if (fields.get('grant_type') !== GRANT_TYPE) {
      return stsError(
        'unsupported_grant_type',
        'Invalid value for "grant_type". Expected ' + GRANT_TYPE + '.',
      );
    }
    if (fields.get('requested_token_type') !== ACCESS_TOKEN_TYPE) {
      return stsError(
        'invalid_request',
        'Invalid value for "requested_token_type". Expected ' + ACCESS_TOKEN_TYPE + '.',
      );
    }
    if (!SUBJECT_TOKEN_TYPES.includes(fields.get('subject_token_type') ?? '')) {
      return stsError('invalid_request', 'Invalid value for "subject_token_type".');
    }
    const subjectToken = fields.get('subject_token');
    if (!subjectToken)
      return stsError('invalid_request', 'Missing required field "subject_token".');
    const match = PROVIDER_AUDIENCE.exec(fields.get('audience') ?? '');
    if (!match) {
      return stsError(
        'invalid_request',
        'Invalid value for "audience". This value should be the full resource name of the Identity Provider. ' +
          'See https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token for the list of possible formats.',
      );
    }
    const provider = providers.get(match[1]!);
    if (!provider || provider.disabled) {
      return jsonReply(400, {
        error: 'invalid_target',
        error_description:
          'The target service indicated by the "audience" parameters is invalid. This might either be because the ' +
          "pool or provider is disabled or deleted or because it doesn't exist.",
      });
    }

    const verdict = await verifier.verify(subjectToken);
    if (!verdict.ok) {
      switch (verdict.reason) {
        case 'issuer':
        case 'malformed':
          return stsError(
            'invalid_grant',
            'The ID Token is invalid or its issuer is not trusted by the provider.',
          );
        case 'expired':
          return stsError('invalid_grant', `ID Token expired at ${String(verdict.claims?.exp)}.`);
        case 'keys':
        case 'signature':
          return stsError('invalid_grant', 'Invalid JWT signature.');
      }
    }
    const claims = verdict.claims;
    if (claims.iss !== provider.issuer) {
      return stsError(
        'invalid_grant',
        `The issuer in ID Token [${String(claims.iss)}] does not match the expected issuer.`,
      );
    }
    const allowed = provider.allowedAudiences?.length
      ? provider.allowedAudiences
      : [`https://iam.googleapis.com/${provider.name}`, `//iam.googleapis.com/${provider.name}`];
    const tokenAudiences = audiences(claims);
    if (!tokenAudiences.some((aud) => allowed.includes(aud))) {
      return stsError(
        'invalid_grant',
        `The audience in ID Token [${tokenAudiences.join(', ')}] does not match the expected audience.`,
      );
    }

    const attribute: Record<string, unknown> = {};
    const google: Record<string, unknown> = {};
    for (const [target, source] of Object.entries(provider.mapping)) {
      const value = claims[source.replace(/^assertion\./, '')];
      if (target.startsWith('attribute.')) attribute[target.slice('attribute.'.length)] = value;
      else google[target.replace(/^google\./, '')] = value;
    }
    if (typeof google.subject !== 'string' || google.subject === '') {
      return stsError(
        'invalid_grant',
        'The mapped attribute google.subject must be a non-empty string.',
      );
    }
    if (provider.condition && !provider.condition({ assertion: claims, attribute, google })) {
      return stsError(
        'unauthorized_client',
        'The given credential is rejected by the attribute condition.',
      );
    }

    const pool = `iam.googleapis.com/projects/${projectNumber}/locations/global/workloadIdentityPools/${provider.pool}`;
    const principal = `principal://${pool}/subject/${google.subject}`;
    const members = new Set([principal, `principalSet://${pool}/*`]);
    for (const [name, value] of Object.entries(attribute)) {
      if (typeof value === 'string')
        members.add(`principalSet://${pool}/attribute.${name}/${value}`);
    }
    const record = issue('federated', { principal, members }, 3600, fields.get('scope') ?? '');
    return jsonReply(200, {
      access_token: record.token,
      issued_token_type: ACCESS_TOKEN_TYPE,
      token_type: 'Bearer',
      expires_in: Math.round((record.expiresAt - now()) / 1000),
    });
  }

  // ---- IAM Credentials -------------------------------------------------------------------

  function generateAccessToken(request: ServedRequest, email: string): Reply {
    const who = caller(request);
    if (!('token' in who)) return who;
    let input: { scope?: unknown; lifetime?: unknown };
    try {
      input = JSON.parse(request.body.toString('utf8') || '{}') as typeof input;
    } catch {
      return googleError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
    }
    const bindings = serviceAccounts.get(email);
    if (!bindings || !bindings.some((member) => who.identity.members.has(member))) {
      return permissionDenied(
        'iam.serviceAccounts.getAccessToken',
        "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).",
        'iam.googleapis.com',
      );
    }
    const scope = Array.isArray(input.scope)
      ? input.scope.filter((s): s is string => typeof s === 'string')
      : [];
    if (scope.length === 0) return googleError(400, 'INVALID_ARGUMENT', 'Scope required.');
    const lifetimeText = typeof input.lifetime === 'string' ? input.lifetime : '3600s';
    const lifetime = /^(\d+)(?:\.\d+)?s$/.exec(lifetimeText)?.[1];
    if (lifetime === undefined || Number(lifetime) < 1 || Number(lifetime) > 3600) {
      return googleError(
        400,
        'INVALID_ARGUMENT',
        `Invalid value for lifetime: ${lifetimeText}. The lifetime must be between 1s and 3600s.`,
      );
    }
    const identity: Identity = { principal: email, members: new Set([`serviceAccount:${email}`]) };
    const record = issue('service-account', identity, Number(lifetime), scope.join(' '));
    return jsonReply(200, {
      accessToken: record.token,
      expireTime: new Date(record.expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
  }

  // ---- Secret Manager --------------------------------------------------------------------

  function access(
    request: ServedRequest,
    project: string,
    secretId: string,
    versionText: string,
    location = '',
  ): Reply {
    const who = caller(request);
    if (!('token' in who)) return who;
    const where = location ? `locations/${location}/` : '';
    const resource = `projects/${project}/${where}secrets/${secretId}/versions/${versionText}`;
    const denied = () =>
      permissionDenied(
        'secretmanager.versions.access',
        `Permission 'secretmanager.versions.access' denied for resource '${resource}' (or it may not exist).`,
        'secretmanager.googleapis.com',
      );
    if (project !== projectId && project !== projectNumber) return denied();
    const secret = secrets.get(`${location}|${secretId}`);
    const projectWide = [...projectMembers].some((member) => who.identity.members.has(member));
    const onSecret =
      secret !== undefined &&
      [...secret.members].some((member) => who.identity.members.has(member));
    if (!projectWide && !onSecret) return denied();
    const secretName = `projects/${projectNumber}/${where}secrets/${secretId}`;
    if (!secret || secret.versions.length === 0) {
      return googleError(404, 'NOT_FOUND', `Secret [${secretName}] not found or has no versions.`);
    }
    const version =
      versionText === 'latest'
        ? secret.versions.at(-1)
        : /^\d+$/.test(versionText)
          ? secret.versions.find((v) => v.number === Number(versionText))
          : undefined;
    if (!version) {
      return googleError(
        404,
        'NOT_FOUND',
        `Secret Version [${secretName}/versions/${versionText}] not found.`,
      );
    }
    if (version.state !== 'ENABLED') {
      return googleError(
        400,
        'FAILED_PRECONDITION',
        `Secret Version [${secretName}/versions/${version.number}] is in ${version.state} state.`,
      );
    }
    const checksum = crc32c(version.data) + (corruptChecksums ? 1 : 0);
    // AccessSecretVersionResponse, REST reference: {"name": string, "payload": {object
    // (SecretPayload)}}; SecretPayload's JSON representation is {"data": string,
    // "dataCrc32c": string}: bytes as base64, and the CRC32C "encoded as a Int64 for
    // compatibility", which proto3 JSON writes as a decimal string. Google's REST client
    // (__tests__/unit/emulators/gcp-official.test.ts) reads exactly these names.
    return jsonReply(200, {
      name: `${secretName}/versions/${version.number}`,
      payload: { data: version.data.toString('base64'), dataCrc32c: String(checksum) },
    });
  }

  /**
   * secrets.list (REST: `GET /v1/{parent=projects/*}/secrets`, and the regional
   * `projects/*\/locations/*` parent): `pageSize`, `pageToken`, `filter` → `{"secrets": [Secret],
   * "nextPageToken", "totalSize"}`. Needs `secretmanager.secrets.list` on the project. The
   * filter understands the forms a CI setup uses: `labels.KEY=VALUE`, `labels.KEY:*`,
   * `name:TEXT` (the name contains TEXT), joined by AND or blanks.
   */
  function list(request: ServedRequest, project: string, location = ''): Reply {
    const who = caller(request);
    if (!('token' in who)) return who;
    const where = location ? `locations/${location}` : '';
    const parent = `projects/${project}${where ? `/${where}` : ''}`;
    if (
      (project !== projectId && project !== projectNumber) ||
      ![...listers].some((member) => who.identity.members.has(member))
    ) {
      return permissionDenied(
        'secretmanager.secrets.list',
        `Permission 'secretmanager.secrets.list' denied for resource '${parent}' (or it may not exist).`,
        'secretmanager.googleapis.com',
      );
    }
    const filter = request.url.searchParams.get('filter') ?? '';
    const terms = filter.split(/\s+(?:AND\s+)?/).filter(Boolean);
    const tests: Array<(id: string, labels: Record<string, string>) => boolean> = [];
    for (const term of terms) {
      const label = /^labels\.([a-z0-9_-]+)([=:])(.+)$/.exec(term);
      const name = /^name:(.+)$/.exec(term);
      if (label) {
        const [, key = '', op, value = ''] = label;
        tests.push((_, labels) =>
          op === ':' && value === '*' ? key in labels : labels[key] === value,
        );
      } else if (name) {
        tests.push((id) => id.includes(name[1]!));
      } else {
        return googleError(400, 'INVALID_ARGUMENT', `Invalid filter: ${term}`);
      }
    }
    const matching = [...secrets]
      .filter(([key]) => key.startsWith(`${location}|`))
      .map(([key, secret]) => ({ id: key.slice(location.length + 1), secret }))
      .filter(({ id, secret }) => tests.every((t) => t(id, secret.labels)))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    const pageSize = Number(request.url.searchParams.get('pageSize') ?? '25000');
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 25000)
      return googleError(400, 'INVALID_ARGUMENT', 'page_size must be between 1 and 25000');
    const token = request.url.searchParams.get('pageToken');
    const start = token ? Number(Buffer.from(token, 'base64url').toString('utf8')) : 0;
    const page = matching.slice(start, start + pageSize);
    const next = start + page.length;
    return jsonReply(200, {
      secrets: page.map(({ id, secret }) => ({
        name: `projects/${projectNumber}/${where ? `${where}/` : ''}secrets/${id}`,
        ...(location ? {} : { replication: { automatic: {} } }),
        createTime: new Date(now()).toISOString(),
        labels: secret.labels,
        etag: `"${randomBytes(6).toString('hex')}"`,
      })),
      ...(next < matching.length
        ? { nextPageToken: Buffer.from(String(next), 'utf8').toString('base64url') }
        : {}),
      totalSize: matching.length,
    });
  }

  // ---- OAuth 2.0 revocation --------------------------------------------------------------

  function revoke(request: ServedRequest): Reply {
    const token = request.url.searchParams.get('token') ?? bodyFields(request).get('token');
    if (!token)
      return jsonReply(400, { error: 'invalid_request', error_description: 'Bad Request' });
    const record = tokens.get(token);
    if (!record || record.revoked || now() >= record.expiresAt) {
      return jsonReply(400, {
        error: 'invalid_token',
        error_description: 'Token expired or revoked',
      });
    }
    record.revoked = true;
    return jsonReply(200, {});
  }

  // ---- OAuth 2.0 token endpoint (refresh grant) ------------------------------------------

  const users = new Map<string, { clientId: string; clientSecret: string; email: string }>();

  /**
   * RFC 6749 §5.1/§5.2 answers as Google's endpoint words them: an unknown client is 401
   * invalid_client, an unknown or revoked refresh token 400 invalid_grant ("Bad Request"),
   * and a success {"access_token", "expires_in", "scope", "token_type": "Bearer"}.
   */
  function refreshGrant(request: ServedRequest): Reply {
    const fields = bodyFields(request);
    const grantType = fields.get('grant_type') ?? '';
    if (grantType !== 'refresh_token') {
      return jsonReply(400, {
        error: 'unsupported_grant_type',
        error_description: `Invalid grant_type: ${grantType}`,
      });
    }
    const user = users.get(fields.get('refresh_token') ?? '');
    const clientId = fields.get('client_id') ?? '';
    if (![...users.values()].some((u) => u.clientId === clientId)) {
      return jsonReply(401, {
        error: 'invalid_client',
        error_description: 'The OAuth client was not found.',
      });
    }
    if (!user || user.clientId !== clientId || user.clientSecret !== fields.get('client_secret')) {
      return jsonReply(400, { error: 'invalid_grant', error_description: 'Bad Request' });
    }
    const scope =
      'https://www.googleapis.com/auth/cloud-platform openid https://www.googleapis.com/auth/userinfo.email';
    const record = issue(
      'user',
      { principal: user.email, members: new Set([`user:${user.email}`]) },
      3599,
      scope,
    );
    return jsonReply(200, {
      access_token: record.token,
      expires_in: 3599,
      scope,
      token_type: 'Bearer',
    });
  }

  const notFound = () => googleError(404, 'NOT_FOUND', 'Requested entity was not found.');
  const kms = createGcpKms({ projectId, projectNumber, crc32c, googleError, permissionDenied });

  const server = await startHttpServer<GcpLoggedRequest>(
    async (request) => {
      const path = decodeURIComponent(request.url.pathname);
      const operation = operationOf(request);
      if (operation === 'sts:token' && request.method === 'POST') return exchange(request);
      if (operation === 'iamcredentials:generateAccessToken' && request.method === 'POST') {
        const email = /serviceAccounts\/([^/]+):generateAccessToken$/.exec(path)![1]!;
        return generateAccessToken(request, email);
      }
      if (operation === 'secretmanager:access' && request.method === 'GET') {
        const m =
          /projects\/([^/]+)\/(?:locations\/([^/]+)\/)?secrets\/([^/]+)\/versions\/([^/]+):access$/.exec(
            path,
          )!;
        return access(request, m[1]!, m[3]!, m[4]!, m[2] ?? '');
      }
      if (operation === 'secretmanager:list' && request.method === 'GET') {
        const m = /projects\/([^/]+)\/(?:locations\/([^/]+)\/)?secrets$/.exec(path)!;
        return list(request, m[1]!, m[2] ?? '');
      }
      if (operation === 'oauth2:revoke' && request.method === 'POST') return revoke(request);
      if (isKmsPath(path) && request.method === 'POST') {
        const who = caller(request);
        return 'token' in who ? kms.handle(request, path, who.identity) : who;
      }
      if (operation === 'oauth2:token' && request.method === 'POST') return refreshGrant(request);
      return notFound();
    },
    { tls: options.tls, describe: (request) => ({ operation: operationOf(request) }) },
  );

  return {
    ...server,
    projectId,
    projectNumber,
    issuedTokens,
    addProvider(config) {
      const name = `projects/${projectNumber}/locations/global/workloadIdentityPools/${config.pool}/providers/${config.provider}`;
      const mapping = config.attributeMapping ?? { 'google.subject': 'assertion.sub' };
      for (const [target, source] of Object.entries(mapping)) {
        if (
          !/^(google\.subject|attribute\.[a-z_][a-z0-9_]*)$/.test(target) ||
          !/^assertion\.\w+$/.test(source)
        ) {
          throw new Error(`unsupported attribute mapping ${target}=${source}`);
        }
      }
      providers.set(name, {
        ...config,
        name,
        issuer: config.issuer ?? issuers[0]!,
        mapping,
        condition: config.attributeCondition ? compileCel(config.attributeCondition) : undefined,
      });
      return { name, audience: `//iam.googleapis.com/${name}` };
    },
    addServiceAccount(email, members) {
      serviceAccounts.set(email, [...members]);
    },
    addKmsKey: (name, members) => kms.addKey(name, members),
    addSecret(secretId, value, members = [], where = {}) {
      secrets.set(`${where.location ?? ''}|${secretId}`, {
        versions: [{ number: 1, data: Buffer.from(value), state: 'ENABLED' }],
        members: new Set(members),
        labels: { ...where.labels },
      });
    },
    grantListing(member) {
      listers.add(member);
    },
    addSecretVersion(secretId, value, state = 'ENABLED') {
      const secret = secrets.get(`|${secretId}`);
      if (!secret) throw new Error(`no secret ${secretId}`);
      const number = (secret.versions.at(-1)?.number ?? 0) + 1;
      secret.versions.push({ number, data: Buffer.from(value), state });
      return number;
    },
    addUser(email) {
      const user = {
        email,
        clientId: `${randomBytes(6).readUIntBE(0, 6)}-${randomBytes(12).toString('hex')}.apps.googleusercontent.com`,
        clientSecret: `GOCSPX-${randomBytes(21).toString('base64url')}`,
      };
      const refreshToken = `1//0g${randomBytes(72).toString('base64url')}`;
      users.set(refreshToken, user);
      return { clientId: user.clientId, clientSecret: user.clientSecret, refreshToken };
    },
    grantProject(member) {
      projectMembers.add(member);
    },
    setCorruptChecksums(on) {
      corruptChecksums = on;
    },
    advanceClock(ms) {
      clockOffset += ms;
    },
    now,
  };
}
