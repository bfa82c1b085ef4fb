// Google Cloud: Workload Identity Federation. The job's OIDC token → STS token exchange
// (RFC 8693) → a federated access token; optionally → IAM Credentials generateAccessToken to
// act as a service account; then Secret Manager `versions/*:access`, whose payload is checked
// against its CRC32C. Post revokes the access token at the OAuth 2.0 revocation endpoint.
import { ActionError } from '../core/errors.js';
import { HttpError, type HttpResponse } from '../net/http.js';
import { formatClaims, shownClaims } from '../core/claims.js';
import { printableText } from './binary.js';
import { SecretNotFoundError } from '../core/not-found.js';
import { jsonStringField } from './error-body.js';
import type { LedgerEntry } from '../core/ledger.js';
import { personalAccessToken } from './gcp-personal.js';
import { preconnectReads } from './preconnect.js';
import type { Location } from '../core/plan/types.js';
import { labelled, named } from '../core/settings.js';
import type { GcpSettings } from '../core/settings.js';
import type {
  FetchedSecret,
  ListedSecret,
  ListRequest,
  ProviderDeps,
  ProviderModule,
  RevocationResult,
  SecretProvider,
} from './types.js';

const PROVIDER_NAME =
  /^(?:\/\/iam\.googleapis\.com\/)?(projects\/[0-9]+\/locations\/global\/workloadIdentityPools\/[a-z0-9-]{4,32}\/providers\/[a-z0-9-]{4,32})$/;
const SERVICE_ACCOUNT = /^[a-z0-9][a-z0-9-]*@[a-z0-9.-]+\.gserviceaccount\.com$/;
const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';

const DEFAULTS = {
  sts: 'https://sts.googleapis.com',
  iamcredentials: 'https://iamcredentials.googleapis.com',
  secretmanager: 'https://secretmanager.googleapis.com',
  oauth2: 'https://oauth2.googleapis.com',
};

/** CRC32C (Castagnoli), the checksum Secret Manager sends with every payload. */
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
  for (const byte of data) crc = (CRC32C_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** `projects/N/…/providers/P` from the input, with or without `//iam.googleapis.com/`. */
export function providerResourceName(input: string): string | undefined {
  return PROVIDER_NAME.exec(input.trim())?.[1];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The payload as text when it is UTF-8 (almost always); undefined for binary payloads. */
function utf8Text(bytes: Buffer): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Whether `payload.dataCrc32c` (int64 as a decimal string, or a number) is the bytes' CRC32C. */
function checksumMatches(expected: unknown, bytes: Uint8Array): boolean {
  const text = typeof expected === 'number' ? String(expected) : expected;
  return (
    typeof text === 'string' && /^[0-9]{1,20}$/.test(text) && BigInt(text) === BigInt(crc32c(bytes))
  );
}

/** A provider resource name, and a service account e-mail when one is given. */
export function checkGcpSettings(gcp: GcpSettings): ActionError[] {
  // Outside Actions application-default credentials log in: no provider is needed.
  if (gcp.personal && !gcp.workloadIdentityProvider) return [];
  if (!gcp.workloadIdentityProvider) {
    return [
      new ActionError(
        'PROVIDER_NOT_CONFIGURED',
        `gcp: references need ${named('gcp.workloadIdentityProvider')} (projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER)`,
        undefined,
        { setting: 'gcp.workloadIdentityProvider' },
      ),
    ];
  }
  const problems: ActionError[] = [];
  if (!providerResourceName(gcp.workloadIdentityProvider)) {
    problems.push(
      new ActionError(
        'INPUT_INVALID',
        `${labelled('gcp.workloadIdentityProvider')}: expected projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER (the project number, not its id)`,
        undefined,
        { setting: 'gcp.workloadIdentityProvider' },
      ),
    );
  }
  if (gcp.serviceAccount && !SERVICE_ACCOUNT.test(gcp.serviceAccount)) {
    problems.push(
      new ActionError(
        'INPUT_INVALID',
        `${labelled('gcp.serviceAccount')}: expected a service account e-mail such as deployer@my-project.iam.gserviceaccount.com`,
        undefined,
        { setting: 'gcp.serviceAccount' },
      ),
    );
  }
  return problems;
}

function createGcpProvider(gcp: GcpSettings, context: ProviderDeps): SecretProvider {
  const { http } = context;
  const endpoint = (service: keyof typeof DEFAULTS) =>
    (gcp.endpoints[service] ?? DEFAULTS[service]).replace(/\/+$/, '');
  let accessToken: string | undefined;

  const requireProvider = (): string => {
    const [problem] = checkGcpSettings(gcp);
    if (problem) throw problem;
    return providerResourceName(gcp.workloadIdentityProvider) as string;
  };

  return {
    name: 'gcp',

    credential: () =>
      accessToken ? { provider: 'gcp', accessToken, kmsEndpoint: gcp.endpoints.kms } : undefined,

    // Secret Manager's connection (HTTP/2) or connections are opened while the OIDC token
    // and the STS exchange are on their way.
    prepare(locations: readonly Location[]) {
      preconnectReads(http, locations, (l) => secretManagerBase(gcp, l.locator));
    },

    async login() {
      if (gcp.personal) {
        // Outside Actions: application-default credentials, not recorded for revocation
        // (see gcp-personal.ts: revoking would log the person out).
        const personal = await gcp.personal();
        context.log.debug(`gcp: using the application-default credentials of ${personal.source}`);
        accessToken = await personalAccessToken(personal, {
          http,
          oauth2: endpoint('oauth2'),
          iamcredentials: endpoint('iamcredentials'),
          scope: CLOUD_PLATFORM,
          admitCredential: context.admitCredential,
        });
        return;
      }
      const name = requireProvider();
      // Google's default for a provider without allowed audiences: its own resource name.
      const audience = gcp.audience || `https://iam.googleapis.com/${name}`;
      const jwt = await context.identity.idToken(audience);
      const what = `gcp login (STS token exchange, provider ${name})`;
      let federated: string;
      try {
        const response = await http.request({
          method: 'POST',
          url: `${endpoint('sts')}/v1/token`,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
            audience: `//iam.googleapis.com/${name}`,
            scope: CLOUD_PLATFORM,
            requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
            subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
            subject_token: jwt,
          }).toString(),
          what,
        });
        federated = tokenField(response, 'access_token', what);
      } catch (error) {
        throw stsError(error, jwt, what, audience);
      }
      context.admitCredential(federated, 'the GCP federated access token');
      accessToken = federated;

      if (gcp.serviceAccount) {
        const impersonation = `gcp impersonation (generateAccessToken for ${gcp.serviceAccount})`;
        try {
          const response = await http.request({
            method: 'POST',
            url: `${endpoint('iamcredentials')}/v1/projects/-/serviceAccounts/${encodeURIComponent(gcp.serviceAccount)}:generateAccessToken`,
            headers: { authorization: `Bearer ${federated}`, 'content-type': 'application/json' },
            body: JSON.stringify({ scope: [CLOUD_PLATFORM], lifetime: '3600s' }),
            what: impersonation,
          });
          accessToken = tokenField(response, 'accessToken', impersonation);
        } catch (error) {
          throw impersonationError(error, impersonation, name, gcp.serviceAccount, jwt);
        }
        context.admitCredential(accessToken, 'the GCP service account access token');
      }
      context.record({
        provider: 'gcp',
        kind: 'token',
        label: gcp.serviceAccount
          ? `access token of ${gcp.serviceAccount}`
          : 'federated access token',
        data: { token: accessToken },
      });
    },

    async read(location: Location): Promise<FetchedSecret> {
      const what = `read gcp:${location.locator}`;
      let response: HttpResponse;
      try {
        response = await http.request({
          method: 'GET',
          url: `${secretManagerBase(gcp, location.locator)}/v1/${location.locator}:access`,
          headers: { authorization: `Bearer ${accessToken ?? ''}` },
          what,
        });
      } catch (error) {
        throw readError(
          error,
          location,
          gcp.personal
            ? 'your Google account (or the service account it impersonates)'
            : gcp.serviceAccount,
          gcp.workloadIdentityProvider,
        );
      }
      // SecretPayload in REST JSON is {"data": string, "dataCrc32c": string}: the CRC32C is
      // an int64, which proto3 JSON writes as a decimal string (a number is accepted too).
      const body = response.json<{ payload?: { data?: unknown; dataCrc32c?: unknown } }>();
      const data = body.payload?.data;
      if (typeof data !== 'string') {
        throw new ActionError('READ_FAILED', `gcp:${location.locator}: the answer has no payload`);
      }
      const bytes = Buffer.from(data, 'base64');
      const expected = body.payload?.dataCrc32c;
      if (expected !== undefined && !checksumMatches(expected, bytes)) {
        throw new ActionError(
          'READ_FAILED',
          `gcp:${location.locator}: the payload does not match its CRC32C checksum (corrupted in transit); nothing was used`,
        );
      }
      const text = utf8Text(bytes);
      if (text !== undefined) return { value: text };
      // Binary: exported as base64, and what decoding it would print is masked as well.
      const printable = printableText(bytes);
      if (printable !== undefined)
        context.admitCredential(printable, `the decoded binary value of gcp:${location.locator}`);
      return { value: bytes.toString('base64') };
    },

    async list(request: ListRequest): Promise<ListedSecret[]> {
      // secrets.list (GET /v1/{parent}/secrets, pageSize up to 25000, pageToken, filter),
      // every page until max + 1; the name prefix is matched here (a filter's `name:` is a
      // substring test). Matches are read as …/versions/latest in the read round.
      const marker = request.prefix.lastIndexOf('/secrets/') + '/secrets/'.length;
      const parent = request.prefix.slice(0, marker - '/secrets/'.length);
      const namePrefix = request.prefix.slice(marker);
      const what = `list gcp:${request.prefix}* (secrets.list)`;
      const found: ListedSecret[] = [];
      let pageToken: string | undefined;
      do {
        const url = new URL(`${secretManagerBase(gcp, request.prefix)}/v1/${parent}/secrets`);
        url.searchParams.set('pageSize', String(Math.min(request.max + 1, 25000)));
        if (request.options.filter) url.searchParams.set('filter', request.options.filter);
        if (pageToken) url.searchParams.set('pageToken', pageToken);
        let answer: { secrets?: Array<{ name?: unknown }>; nextPageToken?: unknown };
        try {
          const response = await http.request({
            method: 'GET',
            url,
            headers: { authorization: `Bearer ${accessToken ?? ''}` },
            what,
          });
          answer = response.json();
        } catch (error) {
          throw listError(error, request.prefix, gcp.serviceAccount, gcp.workloadIdentityProvider);
        }
        for (const secret of answer.secrets ?? []) {
          const id = typeof secret.name === 'string' ? secret.name.split('/').pop() : undefined;
          if (!id || !/^[A-Za-z0-9_-]{1,255}$/.test(id) || !id.startsWith(namePrefix)) continue;
          found.push({
            relativeName: id.slice(namePrefix.length),
            locator: `${parent}/secrets/${id}/versions/latest`,
          });
        }
        pageToken =
          typeof answer.nextPageToken === 'string' && answer.nextPageToken
            ? answer.nextPageToken
            : undefined;
      } while (pageToken && found.length <= request.max);
      return pageToken ? found.slice(0, request.max + 1) : found;
    },

    async revoke(entries: readonly LedgerEntry[]): Promise<RevocationResult[]> {
      return Promise.all(
        entries.map(async (entry): Promise<RevocationResult> => {
          const token = entry.data.token;
          if (entry.kind !== 'token' || !token) {
            return { entry, outcome: 'failed', detail: 'nothing recorded to revoke' };
          }
          try {
            await http.request({
              method: 'POST',
              url: `${endpoint('oauth2')}/revoke`,
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: new URLSearchParams({ token }).toString(),
              what: `revoke gcp ${entry.label}`,
            });
            return { entry, outcome: 'revoked' };
          } catch (error) {
            if (error instanceof HttpError && error.status === 400) {
              return {
                entry,
                outcome: 'already-gone',
                detail: 'the token had already expired or been revoked',
              };
            }
            const detail =
              error instanceof HttpError && error.status !== undefined
                ? `HTTP ${error.status}: ${googleMessage(error)}`
                : error instanceof Error
                  ? error.message
                  : String(error);
            return { entry, outcome: 'failed', detail };
          }
        }),
      );
    },
  };
}

export const gcpProvider: ProviderModule<GcpSettings> = {
  check: checkGcpSettings,
  create: createGcpProvider,
};

/**
 * Where a Secret Manager resource is served. A regional one (`projects/P/locations/L/…`) at
 * `secretmanager.L.rep.googleapis.com` or the `gcp-secretmanager-L` override: the global
 * `gcp-secretmanager` override does not apply to it (SPEC §1.1a).
 */
function secretManagerBase(gcp: GcpSettings, resource: string): string {
  const location = /^projects\/[^/]+\/locations\/([^/]+)\//.exec(resource)?.[1];
  const base = location
    ? (gcp.endpoints.regionalSecretmanager?.[location] ??
      `https://secretmanager.${location}.rep.googleapis.com`)
    : (gcp.endpoints.secretmanager ?? DEFAULTS.secretmanager);
  return base.replace(/\/+$/, '');
}

function listError(
  error: unknown,
  prefix: string,
  serviceAccount: string,
  provider: string,
): Error {
  if (error instanceof HttpError && error.status === 403) {
    const who = serviceAccount || `the workload identity of ${provider}`;
    return new ActionError(
      'ACCESS_DENIED',
      `gcp:${prefix}*: access denied: ${googleMessage(error)}. A listing needs secretmanager.secrets.list on the project (roles/secretmanager.viewer) for ${who}, besides secretAccessor on the matches.`,
    );
  }
  if (error instanceof HttpError && error.status === 400) {
    return new ActionError(
      'REFERENCE_INVALID',
      `gcp:${prefix}*: ${googleMessage(error)} (check ?filter=)`,
    );
  }
  return readError(error, { locator: `${prefix}*` }, serviceAccount, provider);
}

function tokenField(response: HttpResponse, field: string, what: string): string {
  const value = response.json<Record<string, unknown>>()[field];
  if (typeof value !== 'string' || value === '') {
    throw new ActionError('AUTH_FAILED', `${what}: the answer has no ${field}`);
  }
  return value;
}

/** The message of `{"error":{"message"}}` or `{"error","error_description"}` bodies. */
function googleMessage(error: HttpError): string {
  const text = error.bodyExcerpt;
  const oauthError = jsonStringField(text, 'error');
  if (oauthError !== undefined) {
    const description = jsonStringField(text, 'error_description');
    return description ? `${oauthError}: ${description}` : oauthError;
  }
  const message = jsonStringField(text, 'message');
  const status = jsonStringField(text, 'status');
  if (message !== undefined) return status ? `${status}: ${message}` : message;
  return text;
}

function stsError(error: unknown, jwt: string, what: string, audience: string): Error {
  if (!(error instanceof HttpError) || error.status === undefined || error.status >= 500)
    return error as Error;
  const reason = googleMessage(error);
  return new ActionError(
    'AUTH_FAILED',
    `${what} was refused (HTTP ${error.status}): ${reason}\n${stsHint(reason, audience)}\n` +
      `The job's OIDC token carried:\n${formatClaims(shownClaims(jwt))}`,
  );
}

/** Which trust condition most likely failed, from the STS answer. */
export function stsHint(reason: string, audience: string): string {
  if (/attribute condition/i.test(reason)) {
    return "Hint: the provider's attribute condition rejected the token: compare it with the claims below (assertion.repository, assertion.ref, …; sub has two forms: repo:OWNER/REPO:… and repo:OWNER@OWNER_ID/REPO@REPO_ID:…).";
  }
  if (/audience/i.test(reason) && /invalid_grant/.test(reason)) {
    return `Hint: the token's aud (${audience}) is not an allowed audience of the provider: leave ${named('gcp.audience')} empty to use the provider's default, or set it to one of the provider's allowed audiences.`;
  }
  if (/invalid_target/.test(reason)) {
    return `Hint: the workload identity pool or provider does not exist or is disabled: check ${named('gcp.workloadIdentityProvider')} (it names the project by number).`;
  }
  if (/"audience"/.test(reason)) {
    return `Hint: ${named('gcp.workloadIdentityProvider')} must be the full provider name, projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER.`;
  }
  if (/expired|stale/i.test(reason)) {
    return 'Hint: the token had expired when Google checked it: check the runner clock.';
  }
  if (/issuer|signature/i.test(reason)) {
    return "Hint: Google could not verify the token: check the provider's issuer URI (https://token.actions.githubusercontent.com, or your GHES/enterprise issuer).";
  }
  return "Hint: compare the provider's audiences, attribute mapping and condition with the token's claims below.";
}

function impersonationError(
  error: unknown,
  what: string,
  providerName: string,
  serviceAccount: string,
  jwt: string,
): Error {
  if (!(error instanceof HttpError) || error.status === undefined || error.status >= 500)
    return error as Error;
  const pool = providerName.replace(/\/providers\/[^/]+$/, '');
  const repository = shownClaims(jwt).repository ?? 'OWNER/REPO';
  return new ActionError(
    'AUTH_FAILED',
    `${what} was refused (HTTP ${error.status}): ${googleMessage(error)}\n` +
      `Hint: grant roles/iam.workloadIdentityUser on ${serviceAccount} to the workload identity, e.g. ` +
      `principalSet://iam.googleapis.com/${pool}/attribute.repository/${repository} (the provider must map attribute.repository), ` +
      `or leave ${named('gcp.serviceAccount')} empty and grant the secrets to the principal directly.`,
  );
}

function readError(
  error: unknown,
  location: Pick<Location, 'locator'>,
  serviceAccount: string,
  provider: string,
): Error {
  if (!(error instanceof HttpError) || error.status === undefined) return error as Error;
  const where = `gcp:${location.locator}`;
  const message = googleMessage(error);
  if (error.status === 404)
    return jsonStringField(error.bodyExcerpt, 'status') === 'NOT_FOUND'
      ? new SecretNotFoundError(`${where}: not found: ${message}`)
      : new ActionError('SECRET_NOT_FOUND', `${where}: not found: ${message}`);
  if (error.status === 403) {
    const who = serviceAccount || `the workload identity of ${provider}`;
    return new ActionError(
      'ACCESS_DENIED',
      `${where}: access denied: ${message}. Grant roles/secretmanager.secretAccessor on the secret to ${who}.`,
    );
  }
  if (error.status === 401) {
    return new ActionError(
      'AUTH_FAILED',
      `${where}: the access token was refused (HTTP 401): ${message}`,
    );
  }
  return new ActionError('READ_FAILED', `${where}: HTTP ${error.status}: ${message}`);
}

/** The base URL of a Google service, with the `endpoints` override applied. */
export function gcpEndpoint(gcp: GcpSettings, service: keyof typeof DEFAULTS): string {
  return (gcp.endpoints[service] ?? DEFAULTS[service]).replace(/\/+$/, '');
}

/** The audience the job's OIDC token is minted for (the provider's default without one). */
export function gcpTokenAudience(gcp: GcpSettings, name: string): string {
  return gcp.audience || `https://iam.googleapis.com/${name}`;
}
