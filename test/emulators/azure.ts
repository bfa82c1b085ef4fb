// Microsoft Entra ID's token endpoint and Azure Key Vault on one local HTTP(S) server:
// - `POST /{tenant}/oauth2/v2.0/token` with the client-credentials grant and the GitHub OIDC
//   token as `client_assertion` (jwt-bearer). The assertion is checked against the app's
//   federated identity credentials the way Entra does: issuer (AADSTS700211), signature via
//   the issuer's JWKS over HTTP, validity window (AADSTS700024), audience (AADSTS700212), and
//   an exact, case-sensitive subject (AADSTS700213). The answer is a signed v1 access token
//   (`iss` https://sts.windows.net/{tenant}/) for the resource of the `.default` scope.
// - Key Vault `GET …/secrets/{name}[/{version}]?api-version=7.x` with that bearer token:
//   audience `https://vault.azure.net` (AKV10022), access policies or RBAC per vault, and
//   the real error bodies and `WWW-Authenticate` challenge.
// - Key Vault keys `GET …/keys/{name}[/{version}]`, `POST …/{version}/wrapkey|unwrapkey`
//   (azure-keys.ts), behind the same token checks.
// - A user's token as the Azure CLI holds it after `az login` (`userToken`: appid the Azure
//   CLI's public client id, idtyp user, oid the user's object id): Key Vault grants a user by
//   object id, an application by client id.
// Addressing several vaults on one 127.0.0.1 server: a request whose path starts with
// `/{vault}/secrets/` is for that vault (path-prefix routing: the action's vault base URL is
// then `<emulator url>/{vault}`), and so is a request whose Host header's first label names
// a known vault (`{vault}.vault.azure.net` sent to this server).
import { randomBytes, randomUUID } from 'node:crypto';
import {
  SignJWT,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  createLocalJWKSet,
  type JWTPayload,
} from 'jose';
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
import { keyRequest, newKeyVersion, type KeyVaultKeys } from './azure-keys.js';

export const TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';
/** The Azure CLI's public client (application) id, the appid of the tokens it gets for users. */
export const AZURE_CLI_CLIENT_ID = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
const KEY_VAULT_RESOURCE = 'https://vault.azure.net';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const FIC_DOCS = 'https://learn.microsoft.com/entra/workload-id/workload-identity-federation';
// Key Vault data-plane versions the SDKs list (7.0 … 7.6, 7.6-preview.2, 2025-07-01, which
// @azure/keyvault-secrets 4.11 sends by default).
const API_VERSION = /^(?:7\.[0-6](?:-preview(?:\.\d+)?)?|2025-07-01)$/;

export interface AzureEmulatorOptions {
  tenantId?: string;
  /** Issuers whose JWKS may be fetched (the `issuer` of federated credentials). */
  issuer: string | readonly string[];
  /** Where to fetch an issuer's JWKS; defaults to `<issuer>/.well-known/jwks`. */
  jwksUrl?: string;
  /** The Key Vault resource (audience of its tokens); `https://vault.azure.cn` for China. */
  keyVaultResource?: string;
  tls?: TlsOptions;
  /** Access tokens live this many seconds (Entra's are about an hour). */
  tokenLifetimeSeconds?: number;
}

export interface FederatedCredential {
  issuer: string;
  /** Compared exactly and case-sensitively, as Entra does. */
  subject: string;
  audiences?: readonly string[];
}

export interface VaultConfig {
  /** `accessPolicy` grants `get` on every secret of the vault; `rbac` may scope to secrets. */
  permissionModel?: 'accessPolicy' | 'rbac';
  location?: string;
}

export interface SecretOptions {
  contentType?: string;
  tags?: Record<string, string>;
  enabled?: boolean;
}

export interface IssuedAzureToken {
  clientId: string;
  accessToken: string;
  resource: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export interface AzureLoggedRequest extends LoggedRequest {
  operation: string;
  /** The vault a Key Vault request addressed. */
  vault?: string;
}

export interface AzureEmulator extends EmulatorServer<AzureLoggedRequest> {
  readonly tenantId: string;
  readonly issuedTokens: readonly IssuedAzureToken[];
  /** An app registration (its service principal's object id is returned). */
  addApp(clientId: string, federatedCredentials: readonly FederatedCredential[]): string;
  addVault(name: string, config?: VaultConfig): void;
  /** Adds a secret (or a new version of it); returns the version id. Creates the vault if needed. */
  addSecret(vault: string, name: string, value: string, options?: SecretOptions): string;
  /** Access policy `get` on the vault, or with RBAC a role assignment on the vault or the named secrets. */
  grant(vault: string, clientId: string, secrets?: readonly string[]): void;
  /**
   * A Key Vault access token of a user signed in to the Azure CLI (what `az account
   * get-access-token --resource https://vault.azure.net` prints as accessToken). Grant the
   * user with `grant(vault, objectId)`.
   */
  userToken(
    upn: string,
    options?: { objectId?: string; lifetimeSeconds?: number },
  ): Promise<{ accessToken: string; objectId: string; expiresAt: number }>;
  /** Key Vault's URL for a vault on this server (path-prefix addressing). */
  vaultUrl(vault: string): string;
  /** An RSA key (or a new version of it) in a vault; returns the version id. */
  addKey(vault: string, name: string): string;
  /** Access policy key permissions (default get, wrapKey, unwrapKey) for an app on a vault. */
  grantKeys(vault: string, clientId: string, permissions?: readonly string[]): void;
  advanceClock(ms: number): void;
  now(): number;
}

interface App {
  clientId: string;
  objectId: string;
  credentials: FederatedCredential[];
}

interface SecretVersion {
  version: string;
  value: string;
  contentType?: string;
  tags?: Record<string, string>;
  enabled: boolean;
  created: number;
}

interface Vault {
  name: string;
  permissionModel: 'accessPolicy' | 'rbac';
  location: string;
  secrets: Map<string, SecretVersion[]>;
  /** clientId → secret names it may get, or '*' for the whole vault. */
  grants: Map<string, Set<string>>;
  keys: KeyVaultKeys;
}

const stamp = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');
const isoTicks = (ms: number) => new Date(ms).toISOString().replace('Z', '0000Z');

function entraError(
  status: number,
  error: string,
  code: number,
  message: string,
  now: number,
): Reply {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = stamp(now);
  return jsonReply(status, {
    error,
    error_description: `AADSTS${code}: ${message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  });
}

function vaultError(
  status: number,
  code: string,
  message: string,
  inner?: string,
  headers: Record<string, string> = {},
): Reply {
  const error: Record<string, unknown> = { code, message };
  if (inner) error.innererror = { code: inner };
  return jsonReply(
    status,
    { error },
    { 'content-type': 'application/json; charset=utf-8', ...headers },
  );
}

const TOKEN_PATH = /\/([^/]+)\/oauth2\/v2\.0\/token$/;
const DISCOVERY_PATH = /\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/;

export async function startAzure(options: AzureEmulatorOptions): Promise<AzureEmulator> {
  const tenantId = options.tenantId ?? randomUUID();
  const issuers = typeof options.issuer === 'string' ? [options.issuer] : [...options.issuer];
  const vaultResource = options.keyVaultResource ?? KEY_VAULT_RESOURCE;
  const apps = new Map<string, App>();
  const vaults = new Map<string, Vault>();
  const issuedTokens: IssuedAzureToken[] = [];
  let clockOffset = 0;
  const now = () => Date.now() + clockOffset;
  const verifier = createOidcVerifier({
    issuers,
    jwksUrl: options.jwksUrl ? () => options.jwksUrl! : undefined,
    now,
  });
  // Entra's own signing key for the access tokens it issues; Key Vault trusts only it.
  const signing = await generateKeyPair('RS256');
  const kid = randomBytes(8).toString('hex');
  const entraKeys = createLocalJWKSet({
    keys: [{ ...(await exportJWK(signing.publicKey)), kid, alg: 'RS256' }],
  });
  const entraIssuer = `https://sts.windows.net/${tenantId}/`;
  let base = '';

  // ---- Entra token endpoint ----------------------------------------------------------------

  async function token(request: ServedRequest, tenant: string): Promise<Reply> {
    const t = now();
    if (tenant !== tenantId) {
      return entraError(
        400,
        'invalid_request',
        90002,
        `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
        t,
      );
    }
    const form = new URLSearchParams(request.body.toString('utf8'));
    const clientId = form.get('client_id');
    if (!clientId) {
      return entraError(
        400,
        'invalid_request',
        900144,
        "The request body must contain the following parameter: 'client_id'.",
        t,
      );
    }
    if (form.get('grant_type') !== 'client_credentials') {
      return entraError(
        400,
        'unsupported_grant_type',
        70003,
        'The app requested an unsupported grant type. This emulator serves client_credentials only.',
        t,
      );
    }
    const scope = form.get('scope');
    if (!scope) {
      return entraError(
        400,
        'invalid_request',
        900144,
        "The request body must contain the following parameter: 'scope'.",
        t,
      );
    }
    if (!scope.endsWith('/.default') || scope.includes(' ')) {
      return entraError(
        400,
        'invalid_scope',
        1002012,
        `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
        t,
      );
    }
    const assertion = form.get('client_assertion');
    if (!assertion || form.get('client_assertion_type') !== ASSERTION_TYPE) {
      return entraError(
        401,
        'invalid_client',
        7000216,
        "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
        t,
      );
    }
    const app = apps.get(clientId);
    if (!app) {
      return entraError(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
        t,
      );
    }

    const verdict = await verifier.verify(assertion);
    if (!verdict.ok && verdict.reason === 'malformed') {
      return entraError(400, 'invalid_request', 50027, 'JWT token is invalid or malformed.', t);
    }
    const claims = verdict.ok ? verdict.claims : (verdict.claims ?? {});
    const iss = String(claims.iss ?? '');
    const byIssuer = app.credentials.filter((c) => c.issuer === iss);
    if (byIssuer.length === 0) {
      return entraError(
        401,
        'invalid_client',
        700211,
        `No matching federated identity record found for presented assertion issuer '${iss}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. ${FIC_DOCS}`,
        t,
      );
    }
    if (!verdict.ok) {
      if (verdict.reason === 'expired') {
        const from = Number(claims.nbf ?? claims.iat ?? 0) * 1000;
        const until = Number(claims.exp ?? 0) * 1000;
        return entraError(
          401,
          'invalid_client',
          700024,
          `Client assertion is not within its valid time range. Current time: ${isoTicks(t)}, assertion valid from ${isoTicks(from)}, expiry time of assertion ${isoTicks(until)}. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .`,
          t,
        );
      }
      return entraError(
        401,
        'invalid_client',
        50013,
        'Assertion failed signature validation. [Reason - The key was not found.]',
        t,
      );
    }
    const presented = audiences(claims);
    const byAudience = byIssuer.filter((c) =>
      (c.audiences ?? [TOKEN_EXCHANGE_AUDIENCE]).some((aud) => presented.includes(aud)),
    );
    if (byAudience.length === 0) {
      return entraError(
        401,
        'invalid_client',
        700212,
        `No matching federated identity record found for presented assertion audience '${presented.join(', ')}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. ${FIC_DOCS}`,
        t,
      );
    }
    const subject = String(claims.sub ?? '');
    if (!byAudience.some((c) => c.subject === subject)) {
      return entraError(
        401,
        'invalid_client',
        700213,
        `No matching federated identity record found for presented assertion subject '${subject}'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. ${FIC_DOCS}`,
        t,
      );
    }

    const resource = scope.slice(0, -'/.default'.length);
    const lifetime = options.tokenLifetimeSeconds ?? 3599;
    const iat = Math.floor(t / 1000);
    const accessToken = await new SignJWT({
      aud: resource,
      iss: entraIssuer,
      iat,
      nbf: iat - 300,
      exp: iat + lifetime,
      appid: clientId,
      appidacr: '2',
      idp: entraIssuer,
      idtyp: 'app',
      oid: app.objectId,
      sub: app.objectId,
      tid: tenantId,
      ver: '1.0',
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
      .sign(signing.privateKey);
    issuedTokens.push({ clientId, accessToken, resource, expiresAt: t + lifetime * 1000 });
    return jsonReply(200, {
      token_type: 'Bearer',
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: accessToken,
    });
  }

  // ---- Key Vault -------------------------------------------------------------------------

  /** Which vault and which secret path a request addresses, if it is a Key Vault request. */
  function route(
    request: ServedRequest,
  ): { vault: string; rest: string[]; vaultUrl: string } | undefined {
    const segments = request.url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const host = String(request.headers.host ?? '');
    const label = host.split('.')[0] ?? '';
    if (host.includes('.') && vaults.has(label) && segments[0] === 'secrets') {
      return { vault: label, rest: segments.slice(1), vaultUrl: `https://${host}` };
    }
    if (segments[1] === 'secrets' && segments[0] !== undefined) {
      return { vault: segments[0], rest: segments.slice(2), vaultUrl: `${base}/${segments[0]}` };
    }
    return undefined;
  }

  /** A Key Vault keys request: `/{vault}/keys/…`, or `/keys/…` on a vault's host name. */
  function keysRoute(
    request: ServedRequest,
  ): { vault: string; rest: string[]; vaultUrl: string } | undefined {
    const segments = request.url.pathname.split('/').map(decodeURIComponent);
    // Empty segments are kept: `keys/NAME//wrapkey` is a versionless call.
    const host = String(request.headers.host ?? '');
    const label = host.split('.')[0] ?? '';
    if (host.includes('.') && vaults.has(label) && segments[1] === 'keys') {
      return { vault: label, rest: segments.slice(2), vaultUrl: `https://${host}` };
    }
    if (segments[0] !== '' || segments[2] !== 'keys' || !segments[1]) return undefined;
    return { vault: segments[1], rest: segments.slice(3), vaultUrl: `${base}/${segments[1]}` };
  }

  async function keysRequest(
    request: ServedRequest,
    vaultName: string,
    rest: string[],
    vaultUrl: string,
  ): Promise<Reply> {
    const vault = vaults.get(vaultName);
    if (!vault) return { status: 404, headers: { 'content-type': 'text/plain' }, body: '' };
    const who = await authorize(request);
    if ('status' in who) return who;
    return keyRequest(request, vault, rest, vaultUrl, who);
  }

  /** The checks every Key Vault request passes first: api-version, then the bearer token. */
  async function authorize(
    request: ServedRequest,
  ): Promise<Reply | { appId: string; caller: string; grantee: string }> {
    const challenge = {
      'www-authenticate': `Bearer authorization="${base}/${tenantId}", resource="${vaultResource}"`,
    };
    const apiVersion = request.url.searchParams.get('api-version');
    if (!apiVersion || !API_VERSION.test(apiVersion)) {
      return vaultError(
        400,
        'BadParameter',
        'The request URI contains an invalid or missing api-version parameter.',
      );
    }
    const bearer = bearerToken(request.headers);
    if (!bearer) {
      return vaultError(
        401,
        'Unauthorized',
        'AKV10000: Request is missing a Bearer or PoP token.',
        undefined,
        challenge,
      );
    }
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(bearer, entraKeys, {
        currentDate: new Date(now()),
        algorithms: ['RS256'],
      }));
    } catch (error) {
      const expired = (error as { code?: string }).code === 'ERR_JWT_EXPIRED';
      const message = expired
        ? 'Token validation failed: the token is expired.'
        : 'Token validation failed: the signature is invalid.';
      return vaultError(401, 'Unauthorized', message, undefined, challenge);
    }
    if (claims.iss !== entraIssuer) {
      return vaultError(
        401,
        'Unauthorized',
        `AKV10032: Invalid issuer. Expected one of ${entraIssuer}, found: ${String(claims.iss)}.`,
        undefined,
        challenge,
      );
    }
    const aud = String(claims.aud);
    if (aud.replace(/\/$/, '') !== vaultResource) {
      return vaultError(
        401,
        'Unauthorized',
        `AKV10022: Invalid audience. Expected ${vaultResource}, found: ${aud}.`,
        undefined,
        challenge,
      );
    }
    const appId = String(claims.appid);
    return {
      appId,
      caller: `appid=${appId};oid=${String(claims.oid)};iss=${entraIssuer}`,
      // A user (the Azure CLI's token) is granted by object id; an application by client id.
      grantee: claims.idtyp === 'user' ? String(claims.oid) : appId,
    };
  }

  async function getSecret(
    request: ServedRequest,
    vaultName: string,
    rest: string[],
    vaultUrl: string,
  ): Promise<Reply> {
    const vault = vaults.get(vaultName);
    // A vault that does not exist has no DNS name; here it answers a bare 404.
    if (!vault) return { status: 404, headers: { 'content-type': 'text/plain' }, body: '' };
    const who = await authorize(request);
    if ('status' in who) return who;

    const [name, version] = rest;
    const { appId, caller } = who;
    if (rest.length === 0) return listSecrets(request, vault, appId, caller, vaultUrl);
    if (!name || rest.length > 2)
      return vaultError(400, 'BadParameter', 'The request URI is not valid.');
    const grant = vault.grants.get(who.grantee);
    if (!grant || (!grant.has('*') && !grant.has(name))) {
      if (vault.permissionModel === 'rbac') {
        return vaultError(
          403,
          'Forbidden',
          'Caller is not authorized to perform action on resource.\r\n' +
            'If role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\n' +
            `Caller: ${caller}\r\n` +
            "Action: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'\r\n" +
            `Resource: '/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg/providers/microsoft.keyvault/vaults/${vault.name}/secrets/${name}'\r\n` +
            'Assignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: null \r\n' +
            `Vault: ${vault.name};location=${vault.location}\r\n`,
          'ForbiddenByRbac',
        );
      }
      return vaultError(
        403,
        'Forbidden',
        `The user, group or application '${caller}' does not have secrets get permission on key vault '${vault.name};location=${vault.location}'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287`,
        'AccessDenied',
      );
    }
    const versions = vault.secrets.get(name);
    const found =
      version === undefined ? versions?.at(-1) : versions?.find((v) => v.version === version);
    if (!found) {
      return vaultError(
        404,
        'SecretNotFound',
        `A secret with (name/id) ${version === undefined ? name : `${name}/${version}`} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
      );
    }
    if (!found.enabled)
      return vaultError(
        403,
        'Forbidden',
        'Operation get is not allowed on a disabled secret.',
        'SecretDisabled',
      );
    const body: Record<string, unknown> = {
      value: found.value,
      id: `${vaultUrl}/secrets/${name}/${found.version}`,
      attributes: {
        enabled: found.enabled,
        created: Math.floor(found.created / 1000),
        updated: Math.floor(found.created / 1000),
        recoveryLevel: 'Recoverable+Purgeable',
        recoverableDays: 90,
      },
    };
    if (found.contentType !== undefined) body.contentType = found.contentType;
    if (found.tags !== undefined) body.tags = found.tags;
    return jsonReply(200, body, { 'content-type': 'application/json; charset=utf-8' });
  }

  /**
   * Get Secrets (`GET {vault}/secrets?api-version=7.x[&maxresults=N]`, N 1–25): one item per
   * secret, its latest version's attributes and no value — `{"value": [{"id":
   * "{vault}/secrets/{name}", "attributes": {"enabled", …}, "contentType", "tags"}],
   * "nextLink": url or null}`, the next page behind `$skiptoken`. Listing needs the vault-wide
   * `list` permission (an access policy, or an RBAC role on the vault).
   */
  function listSecrets(
    request: ServedRequest,
    vault: Vault,
    appId: string,
    caller: string,
    vaultUrl: string,
  ): Reply {
    if (!vault.grants.get(appId)?.has('*')) {
      return vaultError(
        403,
        'Forbidden',
        `The user, group or application '${caller}' does not have secrets list permission on key vault '${vault.name};location=${vault.location}'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287`,
        'AccessDenied',
      );
    }
    const maxText = request.url.searchParams.get('maxresults');
    const max = maxText === null ? 25 : Number(maxText);
    if (!Number.isInteger(max) || max < 1 || max > 25)
      return vaultError(400, 'BadParameter', 'invalid maxresults: it must be between 1 and 25.');
    const skip = Number(request.url.searchParams.get('$skiptoken') ?? '0');
    const names = [...vault.secrets.keys()].sort();
    const page = names.slice(skip, skip + max);
    const next = skip + page.length;
    const nextLink =
      next < names.length
        ? `${vaultUrl}/secrets?api-version=${request.url.searchParams.get('api-version')}&$skiptoken=${next}&maxresults=${max}`
        : null;
    return jsonReply(
      200,
      {
        value: page.map((name) => {
          const latest = vault.secrets.get(name)!.at(-1)!;
          return {
            id: `${vaultUrl}/secrets/${name}`,
            attributes: {
              enabled: latest.enabled,
              created: Math.floor(latest.created / 1000),
              updated: Math.floor(latest.created / 1000),
              recoveryLevel: 'Recoverable+Purgeable',
            },
            ...(latest.contentType !== undefined ? { contentType: latest.contentType } : {}),
            ...(latest.tags !== undefined ? { tags: latest.tags } : {}),
          };
        }),
        nextLink,
      },
      { 'content-type': 'application/json; charset=utf-8' },
    );
  }

  /**
   * Entra's OpenID Connect discovery document for a tenant
   * (`{authority}/{tenant}/v2.0/.well-known/openid-configuration`). MSAL (under
   * @azure/identity) reads it before its first token request and requires
   * authorization_endpoint, token_endpoint, issuer and jwks_uri.
   */
  function discovery(tenant: string): Reply {
    if (tenant !== tenantId) {
      return entraError(
        400,
        'invalid_tenant',
        90002,
        `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
        now(),
      );
    }
    const authority = `${base}/${tenantId}`;
    return jsonReply(200, {
      token_endpoint: `${authority}/oauth2/v2.0/token`,
      authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
      issuer: `${authority}/v2.0`,
      jwks_uri: `${authority}/discovery/v2.0/keys`,
      token_endpoint_auth_methods_supported: [
        'client_secret_post',
        'private_key_jwt',
        'client_secret_basic',
      ],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      tenant_region_scope: 'EU',
    });
  }

  const operationOf = (request: ServedRequest): { operation: string; vault?: string } => {
    if (TOKEN_PATH.test(request.url.pathname)) return { operation: 'entra:token' };
    if (DISCOVERY_PATH.test(request.url.pathname)) return { operation: 'entra:discovery' };
    const addressed = route(request);
    if (addressed) return { operation: 'keyvault:getSecret', vault: addressed.vault };
    const key = keysRoute(request);
    if (key) {
      const last = key.rest.at(-1);
      const operation =
        last === 'wrapkey' ? 'wrapKey' : last === 'unwrapkey' ? 'unwrapKey' : 'getKey';
      return { operation: `keyvault:${operation}`, vault: key.vault };
    }
    return { operation: 'unknown' };
  };

  const server = await startHttpServer<AzureLoggedRequest>(
    async (request) => {
      const tokenPath = TOKEN_PATH.exec(request.url.pathname);
      if (tokenPath && request.method === 'POST')
        return token(request, decodeURIComponent(tokenPath[1]!));
      const discoveryPath = DISCOVERY_PATH.exec(request.url.pathname);
      if (discoveryPath && request.method === 'GET')
        return discovery(decodeURIComponent(discoveryPath[1]!));
      const addressed = route(request);
      if (addressed && request.method === 'GET')
        return getSecret(request, addressed.vault, addressed.rest, addressed.vaultUrl);
      const key = keysRoute(request);
      if (key) return keysRequest(request, key.vault, key.rest, key.vaultUrl);
      return { status: 404, headers: { 'content-type': 'text/plain' }, body: '' };
    },
    { tls: options.tls, describe: operationOf },
  );
  base = server.url;

  const vaultFor = (name: string, config: VaultConfig = {}): Vault => {
    let vault = vaults.get(name);
    if (!vault) {
      vault = {
        name,
        permissionModel: config.permissionModel ?? 'accessPolicy',
        location: config.location ?? 'westeurope',
        secrets: new Map(),
        grants: new Map(),
        keys: { keys: new Map(), grants: new Map() },
      };
      vaults.set(name, vault);
    }
    return vault;
  };

  return {
    ...server,
    tenantId,
    issuedTokens,
    addApp(clientId, federatedCredentials) {
      const objectId = randomUUID();
      apps.set(clientId, { clientId, objectId, credentials: [...federatedCredentials] });
      return objectId;
    },
    addVault(name, config) {
      vaults.delete(name);
      vaultFor(name, config);
    },
    addSecret(vault, name, value, secretOptions = {}) {
      const versions = vaultFor(vault).secrets.get(name) ?? [];
      const version = randomBytes(16).toString('hex');
      versions.push({
        version,
        value,
        ...secretOptions,
        enabled: secretOptions.enabled ?? true,
        created: now(),
      });
      vaultFor(vault).secrets.set(name, versions);
      return version;
    },
    grant(vault, clientId, secrets) {
      const target = vaultFor(vault);
      const set = target.grants.get(clientId) ?? new Set<string>();
      if (secrets === undefined || target.permissionModel === 'accessPolicy') set.add('*');
      else for (const name of secrets) set.add(name);
      target.grants.set(clientId, set);
    },
    async userToken(upn, userOptions = {}) {
      const objectId = userOptions.objectId ?? randomUUID();
      const lifetime = userOptions.lifetimeSeconds ?? 3599;
      const iat = Math.floor(now() / 1000);
      const accessToken = await new SignJWT({
        aud: vaultResource,
        iss: entraIssuer,
        iat,
        nbf: iat - 300,
        exp: iat + lifetime,
        // The Azure CLI's public client id: user tokens it gets name it as appid.
        appid: AZURE_CLI_CLIENT_ID,
        appidacr: '0',
        idtyp: 'user',
        oid: objectId,
        sub: randomBytes(16).toString('base64url'),
        tid: tenantId,
        upn,
        scp: 'user_impersonation',
        ver: '1.0',
      })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
        .sign(signing.privateKey);
      issuedTokens.push({
        clientId: AZURE_CLI_CLIENT_ID,
        accessToken,
        resource: vaultResource,
        expiresAt: (iat + lifetime) * 1000,
      });
      return { accessToken, objectId, expiresAt: (iat + lifetime) * 1000 };
    },
    vaultUrl: (vault) => `${base}/${vault}`,
    addKey(vault, name) {
      const keys = vaultFor(vault).keys.keys;
      const version = newKeyVersion(now());
      keys.set(name, [...(keys.get(name) ?? []), version]);
      return version.version;
    },
    grantKeys(vault, clientId, permissions = ['get', 'wrapKey', 'unwrapKey']) {
      vaultFor(vault).keys.grants.set(clientId, new Set(permissions));
    },
    advanceClock(ms) {
      clockOffset += ms;
    },
    now,
  };
}
