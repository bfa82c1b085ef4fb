// HashiCorp Vault's HTTP API, as much of it as the action touches, over real HTTP(S) on
// 127.0.0.1. Response shapes, status codes and error wording follow Vault's API docs and
// source (vault-plugin-auth-jwt path_login.go and claims.go, hashicorp/cap jwt.go, the core's
// request_handling.go, vault-plugin-secrets-kv path_data.go):
// - JWT auth: real signature verification against the issuer's JWKS fetched over HTTP, then
//   iss, sub, aud, time claims, bound claims, user claim — failing with Vault's 400 messages;
// - tokens (`hvs.…`) with policies, TTLs, lookup/renew/revoke-self; revoking a token revokes
//   the leases it created;
// - ACL policies (path globs, capabilities), with Vault's 403 bodies;
// - namespaces (X-Vault-Namespace header or path prefix): a namespace sees only its mounts;
// - KV v1, KV v2 (versions, soft delete, destroy), a database-style dynamic engine with leases;
// - sys/leases/revoke|renew, sys/internal/ui/mounts (KV version discovery).
// Vault has no official JavaScript client, so its published HTTP API reference is the pin
// (developer.hashicorp.com/vault/api-docs): `POST /v1/auth/{mount}/login` with {role, jwt}
// answers {"auth": {"client_token", "accessor", "policies", "lease_duration", "renewable"}}
// (api-docs/auth/jwt); a KV v2 read `GET /v1/{mount}/data/{path}` answers
// {"data": {"data": {...}, "metadata": {"version", ...}}} (api-docs/secret/kv/kv-v2); a
// dynamic secret carries top-level "lease_id", "lease_duration", "renewable"; errors are
// {"errors": [string, ...]} with the HTTP status (api-docs, "Error Response").
// Tests drive it through plain methods (addKvV2, addJwtRole, …) and inspect it (liveLeases,
// requests); latency and a fault hook come from the shared HTTP server.
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import {
  compactVerify,
  createRemoteJWKSet,
  decodeProtectedHeader,
  type JWTVerifyGetKey,
} from 'jose';
import type { OidcIssuer } from './oidc-issuer.js';
import { createPkiEngine, type IssuedCertificate, type PkiRoleOptions } from './vault-pki.js';
import { newTransitKey, transitRequest, type TransitKey } from './vault-transit.js';
import {
  headerValue,
  jsonReply,
  startHttpServer,
  type FaultHook,
  type LoggedRequest,
  type Reply,
  type ServedRequest,
  type TlsOptions,
} from './http-server.js';

// ---------------------------------------------------------------------------------------
// Public types

export type Capability =
  'create' | 'read' | 'update' | 'patch' | 'delete' | 'list' | 'sudo' | 'deny';

/** A policy: path pattern → capabilities. `*` at the end is a prefix glob, `+` one segment. */
export type PolicyRules = Record<string, Capability[]>;

type ClaimValue = string | number | boolean;

/** A JWT auth role, with Vault's parameter names. TTLs are in seconds. */
export interface JwtRole {
  role_type?: 'jwt' | 'oidc';
  bound_audiences?: string | string[];
  bound_subject?: string;
  bound_claims?: Record<string, ClaimValue | ClaimValue[]>;
  bound_claims_type?: 'string' | 'glob';
  /** Claim used as the identity alias name; Vault requires it, we default to `sub`. */
  user_claim?: string;
  /** Claim → metadata key, copied into the token's metadata. */
  claim_mappings?: Record<string, string>;
  token_policies?: string[];
  token_ttl?: number;
  token_max_ttl?: number;
  token_no_default_policy?: boolean;
  /** Leeway for nbf/exp/iat in seconds; Vault's default is 60, negative disables. */
  clock_skew_leeway?: number;
}

export interface Scope {
  /** Vault Enterprise namespace path, e.g. `team-a` or `team-a/ci`; default the root. */
  namespace?: string;
}

export interface JwtAuthConfig extends Scope {
  /** Take jwks_url and bound_issuer from this issuer. */
  issuer?: OidcIssuer;
  jwksUrl?: string;
  /** Expected `iss`; empty means not checked (as in Vault). */
  boundIssuer?: string;
  /** Accepted JWS algorithms; Vault accepts every asymmetric one by default. */
  supportedAlgs?: string[];
}

export interface VaultOptions {
  /** Configures the default JWT auth mount from this issuer (jwks_url + bound_issuer). */
  issuer?: OidcIssuer;
  jwksUrl?: string;
  boundIssuer?: string;
  /** Path of the default JWT auth mount (`auth/<path>/login`); default `jwt`. */
  jwtPath?: string;
  /** Namespace of the default JWT auth mount. */
  jwtNamespace?: string;
  /**
   * Serve HTTPS with this key and certificate; HTTP/2 is offered beside HTTP/1.1 as Vault's
   * listener offers it, unless `http2: false` (a load balancer in front that speaks only 1.1).
   */
  tls?: TlsOptions;
  /** The emulator's clock, epoch milliseconds (JWT validation, token and lease expiry). */
  now?: () => number;
}

export interface VaultRequest extends LoggedRequest {
  /** The namespace the request addressed ('' is the root); absent when none was given. */
  namespace?: string;
}

/** What the fault hook sees: the HTTP request plus the namespace it addressed. */
export interface VaultFaultRequest extends ServedRequest {
  namespace: string;
  /** Path after `/v1/` and after any namespace prefix, e.g. `secret/data/ci/db`. */
  apiPath: string;
}

export interface DatabaseRoleOptions extends Scope {
  ttlSeconds?: number;
  maxTtlSeconds?: number;
}

export interface TokenOptions extends Scope {
  policies?: string[];
  ttlSeconds?: number;
  noDefaultPolicy?: boolean;
  meta?: Record<string, string>;
}

export interface VaultEmulator {
  readonly url: string;
  /** A root token (policy `root`), for tests that need to look around. */
  readonly rootToken: string;
  /** Adds another JWT auth mount (the constructor's options configure `jwt`). */
  enableJwtAuth(path: string, config: JwtAuthConfig): void;
  /** Adds or replaces a role on a JWT auth mount (default mount `jwt`). */
  addJwtRole(name: string, role: JwtRole, options?: Scope & { authPath?: string }): void;
  addPolicy(name: string, rules: PolicyRules, options?: Scope): void;
  /** Writes a KV v1 secret (mounts the engine on first use). */
  addKvV1(mount: string, path: string, data: Record<string, unknown>, options?: Scope): void;
  /** Writes a new version of a KV v2 secret; returns the version number. */
  addKvV2(
    mount: string,
    path: string,
    data: Record<string, unknown>,
    options?: Scope & { customMetadata?: Record<string, string> },
  ): number;
  /** Soft-deletes a version (default: the current one), as `DELETE …/data/<path>` does. */
  deleteKvV2(mount: string, path: string, version?: number, options?: Scope): void;
  /** Destroys a version for good. */
  destroyKvV2(mount: string, path: string, version: number, options?: Scope): void;
  addDatabaseRole(mount: string, role: string, options?: DatabaseRoleOptions): void;
  /** A PKI engine role (root namespace): `{mount}/issue/{role}`, `sign`, `revoke` (vault-pki.ts). */
  addPkiRole(mount: string, role: string, options?: PkiRoleOptions): void;
  /** Every certificate the PKI engine issued, revoked or not. */
  certificates(): IssuedCertificate[];
  /** Creates an aes256-gcm96 transit key (mounts the transit engine on first use). */
  addTransitKey(mount: string, name: string, options?: Scope): void;
  /** Mints a token directly (a "static" token, as a user would paste into VAULT_TOKEN). */
  issueToken(options?: TokenOptions): string;
  /** Dynamic leases not revoked, not expired, whose token is still valid. */
  liveLeases(): string[];
  /** Tokens not revoked and not expired (the root token excluded). */
  liveTokens(): number;
  /** Lease ids in the order they were revoked (by sys/leases/revoke or with their token). */
  readonly revokedLeases: string[];
  /** Every lease ever issued, with what the test may want to assert on. */
  leases(): LeaseInfo[];
  readonly requests: VaultRequest[];
  setLatency(ms: number): void;
  setFault(hook: FaultHook<VaultFaultRequest> | undefined): void;
  close(): Promise<void>;
}

export interface LeaseInfo {
  leaseId: string;
  namespace: string;
  mount: string;
  role: string;
  username: string;
  ttlSeconds: number;
  revoked: boolean;
  /** When it expires unless renewed, epoch milliseconds (the emulator's clock). */
  expiresAt: number;
}

// ---------------------------------------------------------------------------------------
// Vault's wire constants

/** The 403 for a missing, revoked or expired token (Vault ≥ 1.16 adds "invalid token"). */
export const INVALID_TOKEN_ERROR =
  '2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n';
/** The 403 for a valid token whose policies do not allow the operation. */
export const PERMISSION_DENIED_ERROR = '1 error occurred:\n\t* permission denied\n\n';
export const KV_V2_INVALID_PATH_WARNING =
  "Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv get' for this operation.";
/** Default and max TTL of tokens and KV v1 reads: the system's 768h. */
export const SYSTEM_DEFAULT_TTL = 2764800;
const DEFAULT_DB_TTL = 3600;
const DEFAULT_CLOCK_SKEW_LEEWAY = 60;
const MISSING_TIME_CLAIM_LEEWAY = 150;
const SUPPORTED_ALGS = [
  'RS256',
  'RS384',
  'RS512',
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
];

/** Vault's built-in `default` policy, the parts a CI token uses. */
const DEFAULT_POLICY: PolicyRules = {
  'auth/token/lookup-self': ['read'],
  'auth/token/renew-self': ['update'],
  'auth/token/revoke-self': ['update'],
  'sys/capabilities-self': ['update'],
  'sys/leases/lookup': ['update'],
  'sys/leases/renew': ['update'],
  'sys/renew': ['update'],
  'cubbyhole/*': ['create', 'read', 'update', 'delete', 'list'],
};

// ---------------------------------------------------------------------------------------
// Internal state

interface JwtAuthMount {
  namespace: string;
  path: string;
  accessor: string;
  jwks?: JWTVerifyGetKey;
  jwksUrl?: string;
  boundIssuer: string;
  supportedAlgs: string[];
  roles: Map<string, JwtRole>;
  /** Stable entity ids per alias, as the identity store keeps them. */
  entities: Map<string, string>;
}

interface KvV2Version {
  data: Record<string, unknown>;
  createdTime: string;
  deletionTime: string;
  destroyed: boolean;
}

interface KvV2Secret {
  currentVersion: number;
  oldestVersion: number;
  createdTime: string;
  updatedTime: string;
  customMetadata: Record<string, string> | null;
  versions: Map<number, KvV2Version>;
}

type Mount =
  | {
      kind: 'kv1';
      namespace: string;
      path: string;
      accessor: string;
      uuid: string;
      secrets: Map<string, Record<string, unknown>>;
    }
  | {
      kind: 'kv2';
      namespace: string;
      path: string;
      accessor: string;
      uuid: string;
      secrets: Map<string, KvV2Secret>;
    }
  | {
      kind: 'database';
      namespace: string;
      path: string;
      accessor: string;
      uuid: string;
      roles: Map<string, { ttl: number; maxTtl: number }>;
    }
  | {
      kind: 'transit';
      namespace: string;
      path: string;
      accessor: string;
      uuid: string;
      keys: Map<string, TransitKey>;
    };

interface TokenEntry {
  id: string;
  accessor: string;
  namespace: string;
  policies: string[];
  meta: Record<string, string> | null;
  displayName: string;
  path: string;
  entityId: string;
  issuedAt: number;
  /** Seconds; 0 for the root token (no expiry). */
  ttl: number;
  /** Seconds from issue past which renewals cannot extend it (token_max_ttl, else 768h). */
  maxTtl: number;
  expiresAt?: number;
  revoked: boolean;
}

interface Lease {
  id: string;
  namespace: string;
  mount: string;
  role: string;
  username: string;
  tokenId: string;
  ttl: number;
  /** Seconds from issue past which renewals cannot extend it (the role's max_ttl, else 768h). */
  maxTtl: number;
  issuedAt: number;
  expiresAt: number;
  revoked: boolean;
}

class VaultError extends Error {
  constructor(
    readonly status: number,
    readonly errors: string[],
  ) {
    super(errors.join('; '));
  }
}

/** Ends the request with Vault's error body `{"errors": [...]}`. */
function fail(status: number, ...errors: string[]): never {
  throw new VaultError(status, errors);
}

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const base62 = (length: number) => Array.from({ length }, () => BASE62[randomInt(62)]).join('');

const normalizeNamespace = (ns: string | undefined) => (ns ?? '').replace(/^\/+|\/+$/g, '');
const normalizeMount = (mount: string) => mount.replace(/^\/+|\/+$/g, '');

/** Is `child` the namespace `parent` or one nested in it? */
const withinNamespace = (child: string, parent: string) =>
  parent === '' || child === parent || child.startsWith(`${parent}/`);

const isoTime = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z');

/** Vault's default password policy: 20 characters, at least one of each class and a dash. */
function generatePassword(): string {
  const classes = ['abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', '0123456789', '-'];
  const all = classes.slice(0, 3).join('') + '-';
  const chars = classes.map((set) => set[randomInt(set.length)] as string);
  while (chars.length < 20) chars.push(all[randomInt(all.length)] as string);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j] as string, chars[i] as string];
  }
  return chars.join('');
}

// ---------------------------------------------------------------------------------------
// ACL

/** Vault's glob for bound claims (ryanuber/go-glob): `*` matches any run of characters. */
export function globMatch(pattern: string, value: string): boolean {
  const regex = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${regex}$`, 's').test(value);
}

function patternMatches(pattern: string, path: string): boolean {
  const glob = pattern.endsWith('*');
  const body = glob ? pattern.slice(0, -1) : pattern;
  const segments = body.split('/');
  const target = path.split('/');
  if (!glob && segments.length !== target.length) return false;
  if (glob && target.length < segments.length) return false;
  for (let i = 0; i < segments.length; i++) {
    const want = segments[i] as string;
    const have = target[i] as string;
    const last = i === segments.length - 1;
    if (want === '+') continue;
    if (glob && last) return have.startsWith(want);
    if (want !== have) return false;
  }
  return true;
}

/**
 * The capabilities a set of policies grants on a path: an exact rule wins, otherwise the most
 * specific matching glob (longest literal prefix, then fewer `+`), as Vault's ACL resolves it.
 * Rules for the same pattern in several policies are merged; `deny` overrides all.
 */
function capabilitiesFor(policies: PolicyRules[], path: string): Set<Capability> {
  const merged = new Map<string, Set<Capability>>();
  for (const rules of policies) {
    for (const [pattern, caps] of Object.entries(rules)) {
      const set = merged.get(pattern) ?? new Set<Capability>();
      for (const cap of caps) set.add(cap);
      merged.set(pattern, set);
    }
  }
  const exact = merged.get(path);
  let chosen = exact && !path.includes('+') ? exact : undefined;
  if (!chosen) {
    let best: { score: [number, number, number]; caps: Set<Capability> } | undefined;
    for (const [pattern, caps] of merged) {
      if (!(pattern.includes('*') || pattern.includes('+')) || !patternMatches(pattern, path))
        continue;
      const literal = pattern.split('+')[0]?.replace(/\*$/, '').length ?? 0;
      const plusCount = pattern.split('+').length - 1;
      const score: [number, number, number] = [literal, -plusCount, pattern.endsWith('*') ? 0 : 1];
      if (!best || compareScore(score, best.score) > 0) best = { score, caps };
    }
    chosen = best?.caps;
  }
  if (!chosen || chosen.has('deny')) return new Set();
  return chosen;
}

function compareScore(a: [number, number, number], b: [number, number, number]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return 0;
}

// ---------------------------------------------------------------------------------------
// The emulator

export async function startVault(options: VaultOptions = {}): Promise<VaultEmulator> {
  const now = options.now ?? Date.now;
  const namespaces = new Map<string, string>([['', 'root']]); // path → id
  const authMounts = new Map<string, JwtAuthMount>(); // `${ns}|${path}`
  const mounts = new Map<string, Mount>(); // `${ns}|${path}`
  const pki = createPkiEngine(() => now());
  const policies = new Map<string, PolicyRules>(); // `${ns}|${name}`
  const tokens = new Map<string, TokenEntry>();
  const leases = new Map<string, Lease>();
  const revokedLeases: string[] = [];

  const ensureNamespace = (ns: string) => {
    const path = normalizeNamespace(ns);
    const parts = path.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      if (prefix && !namespaces.has(prefix)) namespaces.set(prefix, base62(5));
    }
    return path;
  };
  const nsSuffix = (ns: string) => (ns ? `.${namespaces.get(ns)}` : '');

  // --- tokens and leases -------------------------------------------------------------

  const createToken = (spec: {
    namespace: string;
    policies: string[];
    ttl: number;
    meta: Record<string, string> | null;
    displayName: string;
    path: string;
    entityId?: string;
    maxTtl?: number;
  }): TokenEntry => {
    const entry: TokenEntry = {
      id: `hvs.${base62(24)}${nsSuffix(spec.namespace)}`,
      accessor: `${base62(24)}${nsSuffix(spec.namespace)}`,
      namespace: spec.namespace,
      policies: spec.policies,
      meta: spec.meta,
      displayName: spec.displayName,
      path: spec.path,
      entityId: spec.entityId ?? '',
      issuedAt: now(),
      ttl: spec.ttl,
      maxTtl: spec.maxTtl && spec.maxTtl > 0 ? spec.maxTtl : SYSTEM_DEFAULT_TTL,
      expiresAt: spec.ttl > 0 ? now() + spec.ttl * 1000 : undefined,
      revoked: false,
    };
    tokens.set(entry.id, entry);
    return entry;
  };

  const tokenValid = (entry: TokenEntry) =>
    !entry.revoked && (entry.expiresAt === undefined || entry.expiresAt > now());

  const revokeLease = (lease: Lease) => {
    if (lease.revoked) return;
    lease.revoked = true;
    revokedLeases.push(lease.id);
  };

  const revokeToken = (entry: TokenEntry) => {
    // Vault revokes the leases a token created together with the token.
    for (const lease of leases.values()) if (lease.tokenId === entry.id) revokeLease(lease);
    entry.revoked = true;
  };

  const sanitizePolicies = (names: string[], addDefault: boolean) => {
    const set = new Set(names.map((n) => n.trim().toLowerCase()).filter(Boolean));
    if (addDefault && !set.has('root')) set.add('default');
    return [...set].sort();
  };

  const rootToken = createToken({
    namespace: '',
    policies: ['root'],
    ttl: 0,
    meta: null,
    displayName: 'root',
    path: 'auth/token/root',
  }).id;

  const policyRulesFor = (entry: TokenEntry): PolicyRules[] =>
    entry.policies.flatMap((name) => {
      if (name === 'default') {
        const custom = policies.get(`${entry.namespace}|default`);
        return custom ? [custom] : [DEFAULT_POLICY];
      }
      const rules = policies.get(`${entry.namespace}|${name}`);
      return rules ? [rules] : [];
    });

  const allowed = (entry: TokenEntry, requestNs: string, apiPath: string, cap: Capability) => {
    if (entry.policies.includes('root')) return true;
    // Policies are written relative to the token's namespace.
    const nsRelative = requestNs.slice(entry.namespace.length).replace(/^\//, '');
    const policyPath = nsRelative ? `${nsRelative}/${apiPath}` : apiPath;
    const caps = capabilitiesFor(policyRulesFor(entry), policyPath);
    return caps.has(cap) || (cap === 'create' && caps.has('update'));
  };

  // --- mounts --------------------------------------------------------------------------

  const mountKey = (ns: string, path: string) => `${ns}|${normalizeMount(path)}`;

  const getOrCreateMount = <K extends Mount['kind']>(
    kind: K,
    ns: string,
    path: string,
  ): Extract<Mount, { kind: K }> => {
    const key = mountKey(ns, path);
    const existing = mounts.get(key);
    if (existing) {
      if (existing.kind !== kind)
        throw new Error(`mount ${path} is already a ${existing.kind} mount`);
      return existing as Extract<Mount, { kind: K }>;
    }
    const prefix = kind === 'database' || kind === 'transit' ? kind : 'kv';
    const common = {
      namespace: ns,
      path: normalizeMount(path),
      accessor: `${prefix}_${randomBytes(4).toString('hex')}`,
      uuid: randomUUID(),
    };
    const mount = (
      kind === 'database'
        ? { kind, ...common, roles: new Map() }
        : kind === 'transit'
          ? { kind, ...common, keys: new Map() }
          : { kind, ...common, secrets: new Map() }
    ) as Extract<Mount, { kind: K }>;
    mounts.set(key, mount);
    return mount;
  };

  /** The mount a request path falls under: the longest mount path that prefixes it. */
  const findMount = (ns: string, apiPath: string): { mount: Mount; rest: string } | undefined => {
    let best: Mount | undefined;
    for (const mount of mounts.values()) {
      if (mount.namespace !== ns) continue;
      if (apiPath === mount.path || apiPath.startsWith(`${mount.path}/`)) {
        if (!best || mount.path.length > best.path.length) best = mount;
      }
    }
    return best
      ? { mount: best, rest: apiPath.slice(best.path.length).replace(/^\//, '') }
      : undefined;
  };

  const enableJwtAuth = (path: string, config: JwtAuthConfig) => {
    const ns = ensureNamespace(config.namespace ?? '');
    const jwksUrl = config.jwksUrl ?? config.issuer?.jwksUrl;
    const key = mountKey(ns, path);
    const previous = authMounts.get(key);
    authMounts.set(key, {
      namespace: ns,
      path: normalizeMount(path),
      accessor: previous?.accessor ?? `auth_jwt_${randomBytes(4).toString('hex')}`,
      // Vault caches the key set and refetches it when a kid is unknown; so does jose's.
      jwks: jwksUrl
        ? createRemoteJWKSet(new URL(jwksUrl), { cooldownDuration: 0, timeoutDuration: 5000 })
        : undefined,
      jwksUrl,
      boundIssuer: config.boundIssuer ?? config.issuer?.issuer ?? '',
      supportedAlgs: config.supportedAlgs ?? SUPPORTED_ALGS,
      roles: previous?.roles ?? new Map(),
      entities: previous?.entities ?? new Map(),
    });
  };

  enableJwtAuth(options.jwtPath ?? 'jwt', {
    namespace: options.jwtNamespace,
    issuer: options.issuer,
    jwksUrl: options.jwksUrl,
    boundIssuer: options.boundIssuer,
  });

  // --- request plumbing ------------------------------------------------------------------

  /** Header namespace, then any namespace named by the leading path segments. */
  const resolveNamespace = (
    request: ServedRequest,
  ): { namespace: string; apiPath: string; given: boolean } => {
    const header = headerValue(request.headers, 'x-vault-namespace');
    let ns = normalizeNamespace(header);
    let apiPath = request.url.pathname.replace(/^\/v1\/?/, '');
    apiPath = apiPath
      .split('/')
      .map((segment) => decodeURIComponent(segment))
      .join('/');
    let given = header !== undefined;
    for (;;) {
      const first = apiPath.split('/')[0] ?? '';
      const candidate = ns ? `${ns}/${first}` : first;
      if (first && namespaces.has(candidate) && apiPath.includes('/')) {
        ns = candidate;
        apiPath = apiPath.slice(first.length + 1);
        given = true;
      } else break;
    }
    return { namespace: ns, apiPath, given };
  };

  const envelope = (fields: {
    data?: unknown;
    auth?: unknown;
    leaseId?: string;
    renewable?: boolean;
    leaseDuration?: number;
    warnings?: string[] | null;
    mountType?: string;
  }) => ({
    request_id: randomUUID(),
    lease_id: fields.leaseId ?? '',
    renewable: fields.renewable ?? false,
    lease_duration: fields.leaseDuration ?? 0,
    data: fields.data ?? null,
    wrap_info: null,
    warnings: fields.warnings ?? null,
    auth: fields.auth ?? null,
    mount_type: fields.mountType ?? '',
  });

  const vaultReply = (status: number, body: unknown): Reply =>
    jsonReply(status, body, { 'cache-control': 'no-store' });
  const errorReply = (status: number, errors: string[]): Reply => vaultReply(status, { errors });

  const parseBody = (request: ServedRequest): Record<string, unknown> => {
    const text = request.body.toString('utf8').trim();
    if (!text) return {};
    try {
      const value = JSON.parse(text) as unknown;
      return value && typeof value === 'object' && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : {};
    } catch (error) {
      return fail(400, `failed to parse JSON input: ${(error as Error).message}`);
    }
  };

  type Operation = 'read' | 'list' | 'update' | 'delete' | 'patch';
  const operationOf = (request: ServedRequest): Operation => {
    switch (request.method) {
      case 'GET':
        return request.url.searchParams.get('list') === 'true' ? 'list' : 'read';
      case 'LIST':
        return 'list';
      case 'POST':
      case 'PUT':
        return 'update';
      case 'DELETE':
        return 'delete';
      case 'PATCH':
        return 'patch';
      default:
        return fail(405, 'unsupported operation');
    }
  };

  const unsupported = () =>
    fail(405, PERMISSION_DENIED_ERROR.replace('permission denied', 'unsupported operation'));

  // --- JWT login -----------------------------------------------------------------------

  const login = async (auth: JwtAuthMount, request: ServedRequest): Promise<Reply> => {
    const body = parseBody(request);
    const roleName = String(body.role ?? '').toLowerCase();
    if (!roleName) fail(400, 'missing role');
    const role = auth.roles.get(roleName);
    if (!role) fail(400, `role "${roleName}" could not be found`);
    const r = role;
    if (r.role_type === 'oidc') fail(400, 'role with oidc role_type is not allowed');
    const jwt = typeof body.jwt === 'string' ? body.jwt : '';
    if (!jwt) fail(400, 'missing token');
    const claims = await validateToken(auth, r, jwt);

    const aud = claims.aud;
    const boundAudiences = toList(r.bound_audiences);
    if (
      aud !== undefined &&
      (Array.isArray(aud) ? aud.length > 0 : aud !== '') &&
      boundAudiences.length === 0
    ) {
      fail(400, 'audience claim found in JWT but no audiences bound to the role');
    }

    const userClaim = r.user_claim ?? 'sub';
    const userValue = claims[userClaim];
    if (userValue === undefined) fail(400, `claim "${userClaim}" not found in token`);
    if (typeof userValue !== 'string')
      fail(400, `claim "${userClaim}" could not be converted to string`);
    const alias = userValue;
    const metadata: Record<string, string> = { role: roleName };
    for (const [claim, key] of Object.entries(r.claim_mappings ?? {})) {
      const value = claims[claim];
      if (value === undefined) continue;
      if (typeof value !== 'string') fail(400, `error converting claim '${claim}' to string`);
      metadata[key] = value as string;
    }

    validateBoundClaims(r, claims);

    let ttl = r.token_ttl && r.token_ttl > 0 ? r.token_ttl : SYSTEM_DEFAULT_TTL;
    if (r.token_max_ttl && r.token_max_ttl > 0) ttl = Math.min(ttl, r.token_max_ttl);
    const entityKey = alias;
    let entityId = auth.entities.get(entityKey);
    if (!entityId) {
      entityId = randomUUID();
      auth.entities.set(entityKey, entityId);
    }
    const token = createToken({
      namespace: auth.namespace,
      policies: sanitizePolicies(r.token_policies ?? [], !r.token_no_default_policy),
      ttl,
      meta: metadata,
      displayName: `${auth.path.replace(/\//g, '-')}-${alias}`,
      path: `auth/${auth.path}/login`,
      entityId,
      maxTtl: r.token_max_ttl ?? 0,
    });
    return vaultReply(
      200,
      envelope({
        auth: {
          client_token: token.id,
          accessor: token.accessor,
          policies: token.policies,
          token_policies: token.policies,
          metadata,
          lease_duration: ttl,
          renewable: true,
          entity_id: entityId,
          token_type: 'service',
          orphan: true,
          mfa_requirement: null,
          num_uses: 0,
        },
        mountType: 'jwt',
      }),
    );
  };

  const validateToken = async (
    auth: JwtAuthMount,
    role: JwtRole,
    jwt: string,
  ): Promise<Record<string, unknown>> => {
    const prefix = 'error validating token: ';
    if (!auth.jwks) fail(400, 'could not load configuration');
    if (jwt.split('.').length !== 3) {
      fail(
        400,
        `${prefix}error verifying token signature: oidc: malformed jwt: go-jose/go-jose: compact JWS format must have three parts`,
      );
    }
    let payload: Uint8Array;
    try {
      ({ payload } = await compactVerify(jwt, auth.jwks as JWTVerifyGetKey));
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (
        code === 'ERR_JWKS_TIMEOUT' ||
        code === 'ERR_JOSE_GENERIC' ||
        code === 'ERR_JWKS_INVALID' ||
        !code
      ) {
        fail(
          400,
          `${prefix}error verifying token signature: fetching keys oidc: get keys failed: ${(error as Error).message}`,
        );
      }
      if (code === 'ERR_JWS_INVALID') {
        fail(
          400,
          `${prefix}error verifying token signature: oidc: malformed jwt: ${(error as Error).message}`,
        );
      }
      // No key with the token's kid, or a key that does not verify the signature.
      fail(400, `${prefix}error verifying token signature: failed to verify id token signature`);
    }
    const alg = decodeProtectedHeader(jwt).alg ?? '';
    if (!auth.supportedAlgs.includes(alg)) {
      fail(
        400,
        `${prefix}invalid algorithm (alg) header parameter: token signed with unexpected algorithm`,
      );
    }
    let claims: Record<string, unknown>;
    try {
      claims = JSON.parse(new TextDecoder().decode(payload!)) as Record<string, unknown>;
    } catch {
      return fail(400, `${prefix}error verifying token signature: oidc: malformed jwt payload`);
    }

    if (auth.boundIssuer && auth.boundIssuer !== claims.iss)
      fail(400, `${prefix}invalid issuer (iss) claim`);
    if (role.bound_subject && role.bound_subject !== claims.sub)
      fail(400, `${prefix}invalid subject (sub) claim`);
    const expected = toList(role.bound_audiences);
    if (expected.length > 0) {
      const audiences = Array.isArray(claims.aud)
        ? claims.aud
        : claims.aud === undefined
          ? []
          : [claims.aud];
      if (!expected.some((a) => audiences.includes(a))) {
        fail(
          400,
          `${prefix}invalid audience (aud) claim: audience claim does not match any expected audience`,
        );
      }
    }

    const num = (v: unknown) => (typeof v === 'number' ? Math.floor(v) : 0);
    const iat = num(claims.iat);
    let exp = num(claims.exp);
    let nbf = num(claims.nbf);
    if (!iat && !exp && !nbf)
      fail(
        400,
        `${prefix}no issued at (iat), not before (nbf), or expiration time (exp) claims in token`,
      );
    if (!exp) exp = Math.max(iat, nbf) + MISSING_TIME_CLAIM_LEEWAY;
    if (!nbf) nbf = iat || exp - MISSING_TIME_CLAIM_LEEWAY;
    const skew =
      role.clock_skew_leeway === undefined || role.clock_skew_leeway === 0
        ? DEFAULT_CLOCK_SKEW_LEEWAY
        : Math.max(0, role.clock_skew_leeway);
    const nowSeconds = now() / 1000;
    if (nowSeconds + skew < nbf)
      fail(400, `${prefix}invalid not before (nbf) claim: token not yet valid`);
    if (nowSeconds - skew > exp)
      fail(400, `${prefix}invalid expiration time (exp) claim: token is expired`);
    if (iat && nowSeconds + skew < iat)
      fail(400, `${prefix}invalid issued at (iat) claim: token issued in the future`);
    return claims;
  };

  const validateBoundClaims = (role: JwtRole, claims: Record<string, unknown>) => {
    const glob = role.bound_claims_type === 'glob';
    for (const [claim, expectedRaw] of Object.entries(role.bound_claims ?? {})) {
      const actualRaw = claimAt(claims, claim);
      if (actualRaw === undefined || actualRaw === null)
        fail(400, `error validating claims: claim "${claim}" is missing`);
      const actual = Array.isArray(actualRaw) ? (actualRaw as unknown[]) : [actualRaw];
      const expected = Array.isArray(expectedRaw) ? expectedRaw : [expectedRaw];
      const found = expected.some((want) =>
        actual.some((have) =>
          glob
            ? typeof want === 'string' && typeof have === 'string' && globMatch(want, have)
            : have === want,
        ),
      );
      if (!found)
        fail(
          400,
          `error validating claims: claim "${claim}" does not match any associated bound claim values`,
        );
    }
  };

  // --- secrets engines -----------------------------------------------------------------

  /**
   * LIST of a folder: the keys one level below it, sub-folders suffixed with `/`, sorted; a
   * folder with nothing below answers 404 with no errors (api-docs/secret/kv/kv-v2#list-secrets:
   * `{"data": {"keys": ["foo", "foo/"]}}`).
   */
  const listKeys = (paths: Iterable<string>, folder: string): Reply => {
    const keys = new Set<string>();
    for (const path of paths) {
      if (!path.startsWith(folder)) continue;
      const below = path.slice(folder.length);
      const slash = below.indexOf('/');
      keys.add(slash < 0 ? below : below.slice(0, slash + 1));
    }
    if (keys.size === 0) return errorReply(404, []);
    return vaultReply(200, envelope({ data: { keys: [...keys].sort() }, mountType: 'kv' }));
  };

  const kv1 = (mount: Extract<Mount, { kind: 'kv1' }>, rest: string, op: Operation): Reply => {
    if (op === 'list') return listKeys(mount.secrets.keys(), rest);
    if (op !== 'read') return unsupported();
    const data = mount.secrets.get(rest);
    if (!data) return errorReply(404, []);
    return vaultReply(200, envelope({ data, leaseDuration: SYSTEM_DEFAULT_TTL, mountType: 'kv' }));
  };

  const kv2VersionMetadata = (version: number, v: KvV2Version, secret: KvV2Secret) => ({
    created_time: v.createdTime,
    custom_metadata: secret.customMetadata,
    deletion_time: v.deletionTime,
    destroyed: v.destroyed,
    version,
  });

  const kv2 = (
    mount: Extract<Mount, { kind: 'kv2' }>,
    rest: string,
    op: Operation,
    request: ServedRequest,
  ): Reply => {
    const [section, ...pathParts] = rest.split('/');
    const path = pathParts.join('/');
    if (section === 'data' && op === 'read') {
      const secret = mount.secrets.get(path);
      if (!secret) return errorReply(404, []);
      const versionParam = request.url.searchParams.get('version');
      if (versionParam && !/^\d+$/.test(versionParam)) {
        return errorReply(400, [`error converting input ${versionParam} for field "version"`]);
      }
      const wanted =
        versionParam && Number(versionParam) > 0 ? Number(versionParam) : secret.currentVersion;
      const version = secret.versions.get(wanted);
      if (!version) return errorReply(404, []);
      const metadata = kv2VersionMetadata(wanted, version, secret);
      // A deleted or destroyed version answers 404 with its metadata, as Vault does.
      if (version.deletionTime || version.destroyed) {
        return vaultReply(404, envelope({ data: { data: null, metadata }, mountType: 'kv' }));
      }
      return vaultReply(200, envelope({ data: { data: version.data, metadata }, mountType: 'kv' }));
    }
    if (section === 'metadata' && op === 'list') {
      const folder = path && !path.endsWith('/') ? `${path}/` : path;
      return listKeys(mount.secrets.keys(), folder);
    }
    if (section === 'metadata' && op === 'read') {
      const secret = mount.secrets.get(path);
      if (!secret) return errorReply(404, []);
      const versions: Record<string, unknown> = {};
      for (const [n, v] of secret.versions) {
        versions[String(n)] = {
          created_time: v.createdTime,
          deletion_time: v.deletionTime,
          destroyed: v.destroyed,
        };
      }
      return vaultReply(
        200,
        envelope({
          data: {
            cas_required: false,
            created_time: secret.createdTime,
            current_version: secret.currentVersion,
            custom_metadata: secret.customMetadata,
            delete_version_after: '0s',
            max_versions: 0,
            oldest_version: secret.oldestVersion,
            updated_time: secret.updatedTime,
            versions,
          },
          mountType: 'kv',
        }),
      );
    }
    if (section === 'data' || section === 'metadata') return unsupported();
    // A v1-style path on a v2 mount: Vault answers 404 with a warning and no error.
    return vaultReply(404, envelope({ warnings: [KV_V2_INVALID_PATH_WARNING], mountType: 'kv' }));
  };

  const database = (
    mount: Extract<Mount, { kind: 'database' }>,
    rest: string,
    op: Operation,
    token: TokenEntry,
  ): Reply => {
    const match = /^creds\/([^/]+)$/.exec(rest);
    if (!match)
      return errorReply(404, [
        `no handler for route "${mount.path}/${rest}". route entry not found.`,
      ]);
    if (op !== 'read') return unsupported();
    const roleName = match[1] as string;
    const role = mount.roles.get(roleName);
    if (!role) return errorReply(400, [`unknown role: ${roleName}`]);
    const display = token.displayName.slice(0, 8);
    const username =
      `v-${display}-${roleName.slice(0, 8)}-${base62(20)}-${Math.floor(now() / 1000)}`.slice(0, 63);
    const password = generatePassword();
    const ttl = role.maxTtl > 0 ? Math.min(role.ttl, role.maxTtl) : role.ttl;
    const lease: Lease = {
      id: `${mount.path}/creds/${roleName}/${base62(24)}${nsSuffix(mount.namespace)}`,
      namespace: mount.namespace,
      mount: mount.path,
      role: roleName,
      username,
      tokenId: token.id,
      ttl,
      maxTtl: role.maxTtl > 0 ? role.maxTtl : SYSTEM_DEFAULT_TTL,
      issuedAt: now(),
      expiresAt: now() + ttl * 1000,
      revoked: false,
    };
    leases.set(lease.id, lease);
    return vaultReply(
      200,
      envelope({
        leaseId: lease.id,
        renewable: true,
        leaseDuration: ttl,
        data: { username, password },
        mountType: 'database',
      }),
    );
  };

  // --- system and token-store endpoints ----------------------------------------------------

  const lookupSelf = (token: TokenEntry): Reply => {
    const remaining =
      token.expiresAt === undefined ? 0 : Math.max(0, Math.round((token.expiresAt - now()) / 1000));
    return vaultReply(
      200,
      envelope({
        data: {
          accessor: token.accessor,
          creation_time: Math.floor(token.issuedAt / 1000),
          creation_ttl: token.ttl,
          display_name: token.displayName,
          entity_id: token.entityId,
          expire_time: token.expiresAt === undefined ? null : isoTime(token.expiresAt),
          explicit_max_ttl: 0,
          id: token.id,
          issue_time: isoTime(token.issuedAt),
          meta: token.meta,
          num_uses: 0,
          orphan: true,
          path: token.path,
          policies: token.policies,
          renewable: token.ttl > 0,
          ttl: remaining,
          type: 'service',
        },
        mountType: 'token',
      }),
    );
  };

  const leaseIdFrom = (body: Record<string, unknown>, suffix: string) => {
    const fromBody = typeof body.lease_id === 'string' ? body.lease_id : '';
    return fromBody || suffix;
  };

  const systemOrTokenStore = (
    apiPath: string,
    op: Operation,
    token: TokenEntry,
    request: ServedRequest,
    requestNs: string,
  ): Reply | undefined => {
    if (apiPath === 'auth/token/lookup-self') {
      return op === 'read' ? lookupSelf(token) : unsupported();
    }
    if (apiPath === 'auth/token/revoke-self') {
      if (op !== 'update') return unsupported();
      revokeToken(token);
      return { status: 204 };
    }
    if (apiPath === 'auth/token/renew-self') {
      if (op !== 'update') return unsupported();
      const body = parseBody(request);
      const increment = Number(body.increment ?? 0) || token.ttl;
      // The grant is capped at the token's max TTL counted from its issue, and Vault says so
      // in a warning (sdk/framework's "TTL value is capped accordingly").
      const warnings: string[] = [];
      if (token.ttl > 0) {
        const cap = token.issuedAt + token.maxTtl * 1000;
        const wanted = now() + increment * 1000;
        if (wanted > cap) {
          warnings.push(
            `TTL of "${increment}s" exceeded the effective max_ttl of "${Math.max(0, Math.round((cap - now()) / 1000))}s"; TTL value is capped accordingly`,
          );
        }
        token.expiresAt = Math.min(wanted, cap);
      }
      return vaultReply(
        200,
        envelope({
          auth: {
            client_token: token.id,
            accessor: token.accessor,
            policies: token.policies,
            token_policies: token.policies,
            metadata: token.meta,
            lease_duration: token.expiresAt ? Math.round((token.expiresAt - now()) / 1000) : 0,
            renewable: token.ttl > 0,
            entity_id: token.entityId,
            token_type: 'service',
            orphan: true,
            mfa_requirement: null,
            num_uses: 0,
          },
          warnings: warnings.length ? warnings : null,
          mountType: 'token',
        }),
      );
    }
    const revoke = /^sys\/(?:leases\/revoke|revoke)(?:\/(.+))?$/.exec(apiPath);
    if (revoke) {
      if (op !== 'update') return unsupported();
      const leaseId = leaseIdFrom(parseBody(request), revoke[1] ?? '');
      if (!leaseId) return errorReply(400, ['lease_id must be specified']);
      const lease = leases.get(leaseId);
      // Revoking a lease Vault does not know is not an error.
      if (lease && withinNamespace(lease.namespace, requestNs)) revokeLease(lease);
      return { status: 204 };
    }
    const renew = /^sys\/(?:leases\/renew|renew)(?:\/(.+))?$/.exec(apiPath);
    if (renew) {
      if (op !== 'update') return unsupported();
      const body = parseBody(request);
      const leaseId = leaseIdFrom(body, renew[1] ?? '');
      const lease = leases.get(leaseId);
      const owner = lease ? tokens.get(lease.tokenId) : undefined;
      // A lease dies with its token (Vault revokes a token's leases when it expires).
      if (!lease || lease.revoked || lease.expiresAt <= now() || !owner || !tokenValid(owner))
        return errorReply(400, ['lease not found']);
      const increment = Number(body.increment ?? 0) || lease.ttl;
      const cap = lease.issuedAt + lease.maxTtl * 1000;
      lease.expiresAt = Math.min(now() + increment * 1000, cap);
      const granted = Math.max(0, Math.round((lease.expiresAt - now()) / 1000));
      return vaultReply(
        200,
        envelope({
          leaseId,
          renewable: true,
          leaseDuration: granted,
          warnings:
            granted < increment
              ? [
                  `TTL of "${increment}s" exceeded the effective max_ttl of "${granted}s"; TTL value is capped accordingly`,
                ]
              : null,
          mountType: 'system',
        }),
      );
    }
    return undefined;
  };

  const uiMounts = (apiPath: string, requestNs: string, token: TokenEntry | undefined): Reply => {
    const target = apiPath.replace(/^sys\/internal\/ui\/mounts\/?/, '');
    const found = findMount(requestNs, target);
    const denied = () =>
      errorReply(403, [
        `preflight capability check returned 403, please ensure client's policies grant access to path "${target.split('/')[0] ?? ''}/"`,
      ]);
    if (!found) {
      return token ? errorReply(400, [`no mount found for path "${target}"`]) : denied();
    }
    const { mount } = found;
    if (!token || !tokenValid(token) || !withinNamespace(requestNs, token.namespace))
      return denied();
    // The preflight check passes when the token has any capability somewhere in the mount.
    const rules = policyRulesFor(token);
    const anyAccess =
      token.policies.includes('root') ||
      rules.some((r) =>
        Object.entries(r).some(
          ([pattern, caps]) =>
            !caps.includes('deny') &&
            caps.length > 0 &&
            (pattern.startsWith(`${mount.path}/`) ||
              pattern === mount.path ||
              (pattern.endsWith('*') && `${mount.path}/`.startsWith(pattern.slice(0, -1)))),
        ),
      );
    if (!anyAccess) return denied();
    const type = mount.kind === 'database' ? 'database' : 'kv';
    return vaultReply(
      200,
      envelope({
        data: {
          accessor: mount.accessor,
          config: { default_lease_ttl: 0, force_no_cache: false, max_lease_ttl: 0 },
          description: '',
          external_entropy_access: false,
          local: false,
          options:
            mount.kind === 'kv2'
              ? { version: '2' }
              : mount.kind === 'kv1'
                ? { version: '1' }
                : null,
          path: `${mount.path}/`,
          plugin_version: '',
          running_plugin_version: '',
          seal_wrap: false,
          type,
          uuid: mount.uuid,
        },
        mountType: 'system',
      }),
    );
  };

  // --- the handler ---------------------------------------------------------------------

  const handle = async (request: ServedRequest): Promise<Reply> => {
    if (!request.url.pathname.startsWith('/v1/')) {
      return {
        status: 404,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        body: '404 page not found\n',
      };
    }
    try {
      const resolved = resolveNamespace(request);
      const { namespace } = resolved;
      const op = operationOf(request);
      // Vault's router adds the trailing slash to a LIST path before policies see it, so
      // `secret/metadata/app/*` grants listing `secret/metadata/app`.
      const apiPath =
        op === 'list' && !resolved.apiPath.endsWith('/')
          ? `${resolved.apiPath}/`
          : resolved.apiPath;

      const loginMatch = /^auth\/(.+)\/login$/.exec(apiPath);
      const authMount = loginMatch
        ? authMounts.get(mountKey(namespace, loginMatch[1] as string))
        : undefined;
      if (authMount) {
        if (op !== 'update') return unsupported();
        return await login(authMount, request);
      }

      const tokenValue =
        headerValue(request.headers, 'x-vault-token') ??
        /^Bearer\s+(\S+)$/i.exec(headerValue(request.headers, 'authorization') ?? '')?.[1];
      const token = tokenValue ? tokens.get(tokenValue) : undefined;

      if (apiPath.startsWith('sys/internal/ui/mounts')) return uiMounts(apiPath, namespace, token);

      if (!tokenValue) return errorReply(400, ['missing client token']);
      // A token is only valid in its own namespace and the namespaces below it.
      if (!token || !tokenValid(token) || !withinNamespace(namespace, token.namespace)) {
        return errorReply(403, [INVALID_TOKEN_ERROR]);
      }
      const capability: Capability = op === 'update' ? 'update' : op;
      if (!allowed(token, namespace, apiPath, capability))
        return errorReply(403, [PERMISSION_DENIED_ERROR]);

      const system = systemOrTokenStore(apiPath, op, token, request, namespace);
      if (system) return system;

      const pkiRoute = namespace === '' ? pki.route(apiPath) : undefined;
      if (pkiRoute) {
        const answer = pki.handle(
          pkiRoute.mount,
          pkiRoute.rest,
          request.method,
          parseBody(request),
        );
        return answer.errors
          ? errorReply(answer.status, answer.errors)
          : vaultReply(answer.status, envelope({ data: answer.data, mountType: 'pki' }));
      }

      const found = findMount(namespace, apiPath);
      if (!found)
        return errorReply(404, [`no handler for route "${apiPath}". route entry not found.`]);
      const { mount, rest } = found;
      switch (mount.kind) {
        case 'kv1':
          return kv1(mount, rest, op);
        case 'kv2':
          return kv2(mount, rest, op, request);
        case 'database':
          return database(mount, rest, op, token);
        case 'transit': {
          if (op !== 'update') return unsupported();
          const result = transitRequest(mount.keys, rest, parseBody(request));
          return result.ok
            ? vaultReply(200, envelope({ data: result.data, mountType: 'transit' }))
            : errorReply(result.status, result.errors);
        }
      }
    } catch (error) {
      if (error instanceof VaultError) return errorReply(error.status, error.errors);
      throw error;
    }
  };

  const server = await startHttpServer<VaultRequest>(handle, {
    tls: options.tls && { http2: true, ...options.tls },
    describe: (request) => {
      if (!request.url.pathname.startsWith('/v1/')) return {};
      const { namespace, given } = resolveNamespace(request);
      return given ? { namespace } : {};
    },
  });

  return {
    url: server.url,
    rootToken,
    enableJwtAuth,
    addJwtRole(name, role, scope = {}) {
      const ns = ensureNamespace(scope.namespace ?? '');
      const auth = authMounts.get(mountKey(ns, scope.authPath ?? options.jwtPath ?? 'jwt'));
      if (!auth)
        throw new Error(
          `no JWT auth mount at auth/${scope.authPath ?? 'jwt'} in namespace "${ns}"`,
        );
      const type = role.role_type ?? 'jwt';
      const bound =
        toList(role.bound_audiences).length > 0 ||
        !!role.bound_subject ||
        Object.keys(role.bound_claims ?? {}).length > 0;
      if (type === 'jwt' && !bound) {
        // What Vault answers when such a role is written.
        throw new Error('must have at least one bound constraint when creating/updating a role');
      }
      auth.roles.set(name.toLowerCase(), { ...role });
    },
    addPolicy(name, rules, scope = {}) {
      const ns = ensureNamespace(scope.namespace ?? '');
      policies.set(`${ns}|${name.toLowerCase()}`, rules);
    },
    addKvV1(mount, path, data, scope = {}) {
      const m = getOrCreateMount('kv1', ensureNamespace(scope.namespace ?? ''), mount);
      m.secrets.set(normalizeMount(path), structuredClone(data));
    },
    addKvV2(mount, path, data, scope = {}) {
      const m = getOrCreateMount('kv2', ensureNamespace(scope.namespace ?? ''), mount);
      const key = normalizeMount(path);
      const created = isoTime(now());
      const secret = m.secrets.get(key) ?? {
        currentVersion: 0,
        oldestVersion: 0,
        createdTime: created,
        updatedTime: created,
        customMetadata: null,
        versions: new Map<number, KvV2Version>(),
      };
      secret.currentVersion += 1;
      secret.updatedTime = created;
      if (scope.customMetadata) secret.customMetadata = { ...scope.customMetadata };
      secret.versions.set(secret.currentVersion, {
        data: structuredClone(data),
        createdTime: created,
        deletionTime: '',
        destroyed: false,
      });
      m.secrets.set(key, secret);
      return secret.currentVersion;
    },
    deleteKvV2(mount, path, version, scope = {}) {
      const m = getOrCreateMount('kv2', ensureNamespace(scope.namespace ?? ''), mount);
      const secret = m.secrets.get(normalizeMount(path));
      const v = secret?.versions.get(version ?? secret.currentVersion);
      if (!v) throw new Error(`no version ${version ?? 'current'} of ${mount}/${path}`);
      v.deletionTime = isoTime(now());
    },
    destroyKvV2(mount, path, version, scope = {}) {
      const m = getOrCreateMount('kv2', ensureNamespace(scope.namespace ?? ''), mount);
      const v = m.secrets.get(normalizeMount(path))?.versions.get(version);
      if (!v) throw new Error(`no version ${version} of ${mount}/${path}`);
      v.destroyed = true;
      v.data = {};
    },
    addPkiRole(mount, role, options) {
      pki.addRole(normalizeMount(mount), role, options);
    },
    certificates: () => pki.issued(),
    addDatabaseRole(mount, role, scope = {}) {
      const m = getOrCreateMount('database', ensureNamespace(scope.namespace ?? ''), mount);
      m.roles.set(role, {
        ttl: scope.ttlSeconds ?? DEFAULT_DB_TTL,
        maxTtl: scope.maxTtlSeconds ?? 0,
      });
    },
    addTransitKey(mount, name, scope = {}) {
      const m = getOrCreateMount('transit', ensureNamespace(scope.namespace ?? ''), mount);
      m.keys.set(name, newTransitKey());
    },
    issueToken(spec = {}) {
      const ns = ensureNamespace(spec.namespace ?? '');
      return createToken({
        namespace: ns,
        policies: sanitizePolicies(spec.policies ?? [], !spec.noDefaultPolicy),
        ttl: spec.ttlSeconds ?? SYSTEM_DEFAULT_TTL,
        meta: spec.meta ?? null,
        displayName: 'token',
        path: 'auth/token/create',
      }).id;
    },
    liveLeases() {
      return [...leases.values()]
        .filter((lease) => {
          const owner = tokens.get(lease.tokenId);
          return !lease.revoked && lease.expiresAt > now() && !!owner && tokenValid(owner);
        })
        .map((lease) => lease.id);
    },
    liveTokens() {
      return [...tokens.values()].filter((t) => t.id !== rootToken && tokenValid(t)).length;
    },
    revokedLeases,
    leases() {
      return [...leases.values()].map((l) => ({
        leaseId: l.id,
        namespace: l.namespace,
        mount: l.mount,
        role: l.role,
        username: l.username,
        ttlSeconds: l.ttl,
        revoked: l.revoked,
        expiresAt: l.expiresAt,
      }));
    },
    requests: server.requests,
    setLatency: server.setLatency,
    setFault(hook) {
      server.setFault(
        hook &&
          ((request: ServedRequest) => {
            const { namespace, apiPath } = request.url.pathname.startsWith('/v1/')
              ? resolveNamespace(request)
              : { namespace: '', apiPath: request.url.pathname };
            return hook({ ...request, namespace, apiPath });
          }),
      );
    },
    close: server.close,
  };
}

function toList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((v) => v !== '');
}

/** A claim by name, or by JSON pointer when it starts with `/` (as Vault's getClaim). */
function claimAt(claims: Record<string, unknown>, name: string): unknown {
  if (!name.startsWith('/')) return claims[name];
  let value: unknown = claims;
  for (const raw of name.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
