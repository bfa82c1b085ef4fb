// The GitHub Actions OIDC provider as a job sees it, served over real HTTP on 127.0.0.1:
// - the runner's token request endpoint (ACTIONS_ID_TOKEN_REQUEST_URL + `&audience=`, bearer
//   ACTIONS_ID_TOKEN_REQUEST_TOKEN → `{"value": "<jwt>"}`), as @actions/core's getIDToken calls it;
// - the issuer's discovery document and JWKS, so relying parties (the Vault and cloud
//   emulators) verify tokens the way production verifiers do: by fetching the keys.
// The issuer is the emulator's own base URL: `iss` must match where the JWKS is served.
import { randomUUID, randomBytes } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import {
  bearerToken,
  jsonReply,
  startHttpServer,
  type FaultHook,
  type LoggedRequest,
  type Reply,
  type ServedRequest,
  type TlsOptions,
} from './http-server.js';

/** The claim set GitHub puts in an Actions OIDC token (all custom claims are strings). */
export interface GithubClaims {
  iss: string;
  aud: string | string[];
  sub: string;
  repository: string;
  repository_owner: string;
  repository_id: string;
  repository_owner_id: string;
  repository_visibility: string;
  ref: string;
  ref_type: string;
  ref_protected: string;
  sha: string;
  workflow: string;
  workflow_ref: string;
  workflow_sha: string;
  job_workflow_ref: string;
  job_workflow_sha: string;
  event_name: string;
  head_ref: string;
  base_ref: string;
  run_id: string;
  run_number: string;
  run_attempt: string;
  actor: string;
  actor_id: string;
  runner_environment: string;
  environment?: string;
  iat: number;
  nbf: number;
  exp: number;
  jti: string;
  [claim: string]: unknown;
}

/** The claims a test may set; time claims, `iss` and `jti` are the issuer's business. */
export type ClaimOverrides = Partial<GithubClaims>;

export interface OidcIssuerOptions {
  /** Overrides of the default claims (octo-org/octo-repo, push to main). */
  claims?: ClaimOverrides;
  /** Serve `sub` in the immutable form `repo:OWNER@OWNER_ID/REPO@REPO_ID:…`. */
  immutableSubject?: boolean;
  /** Token lifetime; GitHub's tokens live 300 s. */
  lifetimeSeconds?: number;
  /** ACTIONS_ID_TOKEN_REQUEST_TOKEN; random by default. */
  requestToken?: string;
  /** The issuer's clock, epoch milliseconds. */
  now?: () => number;
  tls?: TlsOptions;
}

export interface MintOptions {
  /** `exp - iat`; negative values mint an already expired token. Default: the lifetime. */
  expiresInSeconds?: number;
  /** `iat` in epoch seconds; default now. */
  issuedAt?: number;
  /** Sign with a key the JWKS does not publish, under the published `kid` (a forgery). */
  foreignKey?: boolean;
}

export interface TokenRequestRecord {
  /** The `audience` query parameter, absent when the caller asked for the default. */
  audience?: string;
  status: number;
}

export interface OidcIssuer {
  /** Base URL, which is also the issuer (`iss`). */
  readonly url: string;
  readonly issuer: string;
  readonly jwksUrl: string;
  /** ACTIONS_ID_TOKEN_REQUEST_URL: already carries a query (`?api-version=2.0`). */
  readonly requestUrl: string;
  readonly requestToken: string;
  /** The kid of the current signing key. */
  readonly kid: string;
  /** ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN for a step's env. */
  env(): Record<string, string>;
  /** The claims the next token will carry (without time claims and jti). */
  claims(): Omit<GithubClaims, 'iat' | 'nbf' | 'exp' | 'jti'>;
  /** Merge claim overrides; `undefined` values remove an override (e.g. `environment`). */
  setClaims(overrides: ClaimOverrides): void;
  setImmutableSubject(on: boolean): void;
  /** Signs a token directly (for emulator tests), as the token endpoint would. */
  mint(claims?: ClaimOverrides, options?: MintOptions): Promise<string>;
  /** New signing key with a new kid; the old key stays in the JWKS unless dropOld. */
  rotateKey(options?: { dropOld?: boolean }): Promise<void>;
  readonly tokenRequests: TokenRequestRecord[];
  readonly requests: LoggedRequest[];
  setLatency(ms: number): void;
  setFault(hook: FaultHook | undefined): void;
  close(): Promise<void>;
}

export const DEFAULT_OWNER_ID = '123';
export const DEFAULT_REPOSITORY_ID = '456';

function defaultClaims(): Omit<
  GithubClaims,
  'iss' | 'aud' | 'sub' | 'iat' | 'nbf' | 'exp' | 'jti'
> {
  const sha = 'c040cae0f0dc81641728557b80f09cfa23b83fe5';
  return {
    repository: 'octo-org/octo-repo',
    repository_owner: 'octo-org',
    repository_id: DEFAULT_REPOSITORY_ID,
    repository_owner_id: DEFAULT_OWNER_ID,
    repository_visibility: 'private',
    ref: 'refs/heads/main',
    ref_type: 'branch',
    ref_protected: 'true',
    sha,
    workflow: 'CI',
    workflow_ref: 'octo-org/octo-repo/.github/workflows/ci.yml@refs/heads/main',
    workflow_sha: sha,
    job_workflow_ref: 'octo-org/octo-repo/.github/workflows/ci.yml@refs/heads/main',
    job_workflow_sha: sha,
    event_name: 'push',
    head_ref: '',
    base_ref: '',
    run_id: '9876543210',
    run_number: '42',
    run_attempt: '1',
    actor: 'octocat',
    actor_id: '583231',
    runner_environment: 'github-hosted',
  };
}

/**
 * `sub` as GitHub derives it: environment first, then pull_request, then the ref. The
 * immutable form names owner and repository with their numeric ids.
 */
export function subjectFor(claims: ClaimOverrides, immutable: boolean): string {
  const owner = String(claims.repository_owner ?? '');
  const repo = String(claims.repository ?? '').split('/')[1] ?? '';
  const prefix = immutable
    ? `repo:${owner}@${String(claims.repository_owner_id)}/${repo}@${String(claims.repository_id)}`
    : `repo:${owner}/${repo}`;
  if (claims.environment) return `${prefix}:environment:${String(claims.environment)}`;
  if (claims.event_name === 'pull_request') return `${prefix}:pull_request`;
  return `${prefix}:ref:${String(claims.ref)}`;
}

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

interface SigningKey {
  kid: string;
  privateKey: PrivateKey;
  jwk: JWK;
}

async function newSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
  const kid = randomBytes(12).toString('hex').toUpperCase();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return { kid, privateKey, jwk };
}

// A request token looks like the runner's: an opaque JWT-ish string. Its exact shape does not
// matter to callers, only that it is a bearer secret the emulator checks.
const randomRequestToken = () => `eyJ0eXAiOiJKV1QifQ.${randomBytes(24).toString('base64url')}.sig`;

const IDTOKEN_PATH = '/_apis/distributedtask/hubs/Actions/plans';

export async function startOidcIssuer(options: OidcIssuerOptions = {}): Promise<OidcIssuer> {
  const now = options.now ?? Date.now;
  const lifetime = options.lifetimeSeconds ?? 300;
  const requestToken = options.requestToken ?? randomRequestToken();
  const planId = randomUUID();
  const jobId = randomUUID();
  let immutable = options.immutableSubject ?? false;
  let overrides: ClaimOverrides = { ...options.claims };
  let keys: SigningKey[] = [await newSigningKey()];
  const current = () => keys[keys.length - 1] as SigningKey;
  const tokenRequests: TokenRequestRecord[] = [];
  // Known once the server listens; handlers only run after that.
  let baseUrl = '';

  const issuerUrl = () => baseUrl;

  const template = () => {
    const merged: ClaimOverrides = { ...defaultClaims(), ...overrides };
    for (const [name, value] of Object.entries(merged))
      if (value === undefined) delete merged[name];
    const owner = String(merged.repository_owner);
    return {
      ...merged,
      iss: issuerUrl(),
      // Without an audience GitHub addresses the token to the repository owner's URL.
      aud: merged.aud ?? `https://github.com/${owner}`,
      sub: merged.sub ?? subjectFor(merged, immutable),
    } as Omit<GithubClaims, 'iat' | 'nbf' | 'exp' | 'jti'>;
  };

  const mint = async (claims: ClaimOverrides = {}, mintOptions: MintOptions = {}) => {
    const base: ClaimOverrides = { ...template(), ...claims };
    // A caller that changes what `sub` derives from, but not `sub`, gets a consistent `sub`.
    if (claims.sub === undefined && overrides.sub === undefined) {
      base.sub = subjectFor(base, immutable);
    }
    const iat = mintOptions.issuedAt ?? Math.floor(now() / 1000);
    const payload: ClaimOverrides = {
      ...base,
      jti: claims.jti ?? randomUUID(),
      iat: claims.iat ?? iat,
      // GitHub back-dates nbf to tolerate relying parties' clock skew.
      nbf: claims.nbf ?? iat - 600,
      exp: claims.exp ?? iat + (mintOptions.expiresInSeconds ?? lifetime),
    };
    for (const [name, value] of Object.entries(payload))
      if (value === undefined) delete payload[name];
    const key = mintOptions.foreignKey ? await newSigningKey() : current();
    return new SignJWT(payload as Record<string, unknown>)
      .setProtectedHeader({ alg: 'RS256', kid: current().kid, typ: 'JWT' })
      .sign(key.privateKey);
  };

  const handle = async (request: ServedRequest): Promise<Reply> => {
    const path = request.url.pathname;
    if (path === '/.well-known/openid-configuration' && request.method === 'GET') {
      return jsonReply(200, {
        issuer: issuerUrl(),
        jwks_uri: `${issuerUrl()}/.well-known/jwks`,
        subject_types_supported: ['public', 'pairwise'],
        response_types_supported: ['id_token'],
        claims_supported: [
          'sub',
          'aud',
          'exp',
          'iat',
          'iss',
          'jti',
          'nbf',
          'ref',
          'sha',
          'repository',
          'repository_id',
          'repository_owner',
          'repository_owner_id',
          'run_id',
          'run_number',
          'run_attempt',
          'actor',
          'actor_id',
          'workflow',
          'workflow_ref',
          'workflow_sha',
          'head_ref',
          'base_ref',
          'event_name',
          'ref_type',
          'ref_protected',
          'environment',
          'job_workflow_ref',
          'job_workflow_sha',
          'repository_visibility',
          'runner_environment',
        ],
        id_token_signing_alg_values_supported: ['RS256'],
        scopes_supported: ['openid'],
      });
    }
    if (path === '/.well-known/jwks' && request.method === 'GET') {
      return jsonReply(200, { keys: keys.map((k) => k.jwk) });
    }
    if (path.startsWith(IDTOKEN_PATH) && path.endsWith('/idtoken')) {
      if (request.method !== 'GET')
        return jsonReply(405, { message: 'The requested resource does not support http method.' });
      const audience = request.url.searchParams.get('audience') ?? undefined;
      if (bearerToken(request.headers) !== requestToken) {
        tokenRequests.push({ audience, status: 401 });
        // The Actions service answers in the Azure DevOps error format.
        return jsonReply(401, {
          $id: '1',
          innerException: null,
          message: "TF400813: The user '' is not authorized to access this resource.",
          typeName:
            'Microsoft.TeamFoundation.Framework.Server.UnauthorizedRequestException, Microsoft.TeamFoundation.Framework.Server',
          typeKey: 'UnauthorizedRequestException',
          errorCode: 0,
          eventId: 3000,
        });
      }
      tokenRequests.push({ audience, status: 200 });
      const value = await mint(audience === undefined ? {} : { aud: audience });
      return jsonReply(200, { value });
    }
    return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not Found' };
  };

  const live = await startHttpServer(handle, { tls: options.tls });
  baseUrl = live.url;
  const requestUrl = `${live.url}${IDTOKEN_PATH}/${planId}/jobs/${jobId}/idtoken?api-version=2.0`;

  return {
    url: live.url,
    issuer: live.url,
    jwksUrl: `${live.url}/.well-known/jwks`,
    requestUrl,
    requestToken,
    get kid() {
      return current().kid;
    },
    env: () => ({
      ACTIONS_ID_TOKEN_REQUEST_URL: requestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
    }),
    claims: template,
    setClaims(next: ClaimOverrides) {
      overrides = { ...overrides, ...next };
    },
    setImmutableSubject(on: boolean) {
      immutable = on;
    },
    mint,
    async rotateKey(rotate = {}) {
      const fresh = await newSigningKey();
      keys = rotate.dropOld ? [fresh] : [...keys, fresh];
    },
    tokenRequests,
    requests: live.requests,
    setLatency: live.setLatency,
    setFault: live.setFault,
    close: live.close,
  };
}
