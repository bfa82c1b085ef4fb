// Azure: the job's OIDC token as the client assertion of an Entra ID client-credentials
// request (a federated identity credential on the app) → a Key Vault access token → Key
// Vault `GET secrets/{name}[/{version}]` in whichever vault each reference names.
// Entra access tokens cannot be revoked; they expire after about an hour.
import { ActionError } from '../core/errors.js';
import { HttpError, type HttpResponse } from '../net/http.js';
import { formatClaims, shownClaims } from '../core/claims.js';
import { jsonNumberField, jsonStringField } from './error-body.js';
import { SecretNotFoundError } from '../core/not-found.js';
import type { Location } from '../core/plan/types.js';
import { preconnectReads } from './preconnect.js';
import { labelled, named } from '../core/settings.js';
import type { AzureSettings } from '../core/settings.js';
import type {
  FetchedSecret,
  ListedSecret,
  ListRequest,
  ProviderDeps,
  ProviderModule,
  SecretProvider,
} from './types.js';

const DEFAULT_AUTHORITY = 'https://login.microsoftonline.com';
const DEFAULT_VAULT_SUFFIX = 'vault.azure.net';
const API_VERSION = '7.4';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TENANT =
  /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9.-]+\.[a-z]{2,})$/i;

/**
 * The Key Vault resource whose token a vault suffix needs: sovereign clouds have their own,
 * private endpoints (privatelink.vaultcore.azure.net) and proxies use the public one.
 */
export function keyVaultResource(suffix: string): string {
  if (suffix.endsWith('vault.azure.cn')) return 'https://vault.azure.cn';
  if (suffix.endsWith('vault.usgovcloudapi.net')) return 'https://vault.usgovcloudapi.net';
  if (suffix.endsWith('vault.microsoftazure.de')) return 'https://vault.microsoftazure.de';
  return 'https://vault.azure.net';
}

/**
 * The base URL of a vault. A DNS suffix gives `https://{vault}.{suffix}` as Azure names
 * vaults; a URL (a local emulator, a proxy fronting several vaults) gives `{url}/{vault}`.
 */
export function vaultBaseUrl(vault: string, suffix: string): string {
  if (suffix.includes('://')) return `${suffix.replace(/\/+$/, '')}/${vault}`;
  return `https://${vault}.${suffix}`;
}

/** A client id (a GUID) and a tenant (a GUID or a verified domain). */
export function checkAzureSettings(azure: AzureSettings): ActionError[] {
  // Outside Actions the person's Azure CLI session logs in: no app is needed.
  if (azure.personal && !azure.clientId && !azure.tenantId) return [];
  if (!azure.clientId || !azure.tenantId) {
    return [
      new ActionError(
        'PROVIDER_NOT_CONFIGURED',
        `azure: references need ${named('azure.clientId')} and ${named('azure.tenantId')} (an Entra app with a federated credential for this repository)`,
        undefined,
        { setting: azure.clientId ? 'azure.tenantId' : 'azure.clientId' },
      ),
    ];
  }
  const problems: ActionError[] = [];
  if (!GUID.test(azure.clientId)) {
    problems.push(
      new ActionError(
        'INPUT_INVALID',
        `${labelled('azure.clientId')}: expected the application (client) id, a GUID`,
        undefined,
        { setting: 'azure.clientId' },
      ),
    );
  }
  if (!TENANT.test(azure.tenantId)) {
    problems.push(
      new ActionError(
        'INPUT_INVALID',
        `${labelled('azure.tenantId')}: expected the directory (tenant) id, a GUID, or a verified domain`,
        undefined,
        { setting: 'azure.tenantId' },
      ),
    );
  }
  return problems;
}

function createAzureProvider(azure: AzureSettings, context: ProviderDeps): SecretProvider {
  const { http } = context;
  const authority = (azure.endpoints.authority ?? DEFAULT_AUTHORITY).replace(/\/+$/, '');
  const suffix = azure.endpoints.keyvaultSuffix ?? DEFAULT_VAULT_SUFFIX;
  const resource = keyVaultResource(suffix);
  let accessToken: string | undefined;

  return {
    name: 'azure',

    credential: () =>
      accessToken
        ? {
            provider: 'azure',
            accessToken,
            vaultUrl: (vault: string) => vaultBaseUrl(vault, suffix),
          }
        : undefined,

    async login() {
      const [problem] = checkAzureSettings(azure);
      if (problem) throw problem;
      if (azure.personal) {
        // Outside Actions: a Key Vault token of the person's Azure CLI session (expires on
        // its own within the hour, and cannot be revoked).
        const personal = await azure.personal(resource);
        context.admitCredential(
          personal.accessToken,
          `the Azure access token from ${personal.source}`,
        );
        accessToken = personal.accessToken;
        context.log.debug(
          `azure: using the token from ${personal.source} (expires ${personal.expiresOn ?? '?'})`,
        );
        return;
      }
      const jwt = await context.identity.idToken(azure.audience);
      const what = `azure login (Entra client credentials for app ${azure.clientId})`;
      let response: HttpResponse;
      try {
        response = await http.request({
          method: 'POST',
          url: `${authority}/${encodeURIComponent(azure.tenantId)}/oauth2/v2.0/token`,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: azure.clientId,
            scope: `${resource}/.default`,
            client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
            client_assertion: jwt,
          }).toString(),
          what,
        });
      } catch (error) {
        throw loginError(error, jwt, what, azure.audience);
      }
      const token = response.json<{ access_token?: unknown }>().access_token;
      if (typeof token !== 'string' || token === '') {
        throw new ActionError('AUTH_FAILED', `${what}: Entra answered without an access token`);
      }
      context.admitCredential(token, 'the Azure access token');
      accessToken = token;
    },

    // Each key vault's connection (HTTP/2) or connections are opened while the OIDC token
    // and the Entra exchange are on their way.
    prepare(locations: readonly Location[]) {
      preconnectReads(http, locations, (l) => vaultBaseUrl(l.locator.split('/')[0] ?? '', suffix));
    },

    async read(location: Location): Promise<FetchedSecret> {
      const [vault = '', name = '', version] = location.locator.split('/');
      const url = new URL(
        `${vaultBaseUrl(vault, suffix)}/secrets/${encodeURIComponent(name)}${version ? `/${version}` : ''}`,
      );
      url.searchParams.set('api-version', API_VERSION);
      let response: HttpResponse;
      try {
        response = await http.request({
          method: 'GET',
          url,
          headers: { authorization: `Bearer ${accessToken ?? ''}` },
          what: `read azure:${location.locator}`,
        });
      } catch (error) {
        throw readError(error, location, azure.personal ? '' : azure.clientId);
      }
      const value = response.json<{ value?: unknown }>().value;
      if (typeof value !== 'string') {
        throw new ActionError('READ_FAILED', `azure:${location.locator}: the answer has no value`);
      }
      return { value };
    },

    async list(request: ListRequest): Promise<ListedSecret[]> {
      // Get Secrets: `GET {vault}/secrets?maxresults=25` (the most a page holds), then every
      // `nextLink`, until max + 1 enabled matches. Items carry `id` ({vault}/secrets/{name})
      // and `attributes.enabled`, never a value; disabled secrets are left out. A nextLink is
      // followed only on the vault's own origin: the token goes nowhere else.
      const [vault = '', namePrefix = ''] = request.prefix.split('/');
      const vaultUrl = vaultBaseUrl(vault, suffix);
      const first = new URL(`${vaultUrl}/secrets`);
      first.searchParams.set('api-version', API_VERSION);
      first.searchParams.set('maxresults', '25');
      const found: ListedSecret[] = [];
      let next: URL | undefined = first;
      while (next && found.length <= request.max) {
        let answer: {
          value?: Array<{ id?: unknown; attributes?: { enabled?: unknown } }>;
          nextLink?: unknown;
        };
        try {
          const response = await http.request({
            method: 'GET',
            url: next,
            headers: { authorization: `Bearer ${accessToken ?? ''}` },
            what: `list azure:${request.prefix}*`,
          });
          answer = response.json();
        } catch (error) {
          throw readError(error, { locator: `${request.prefix}*` }, azure.clientId);
        }
        for (const item of answer.value ?? []) {
          const name =
            typeof item.id === 'string' ? /\/secrets\/([^/?#]+)$/.exec(item.id)?.[1] : undefined;
          if (!name || !/^[A-Za-z0-9-]{1,127}$/.test(name) || !name.startsWith(namePrefix))
            continue;
          if (item.attributes?.enabled === false) continue;
          found.push({ relativeName: name.slice(namePrefix.length), locator: `${vault}/${name}` });
        }
        next = nextPage(answer.nextLink, first, request.prefix);
      }
      return next ? found.slice(0, request.max + 1) : found;
    },
  };
}

/** The next page of a listing: none, or a nextLink on the vault's own list URL. */
function nextPage(link: unknown, first: URL, prefix: string): URL | undefined {
  if (link === null || link === undefined || link === '') return undefined;
  let url: URL | undefined;
  try {
    url = typeof link === 'string' ? new URL(link) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || url.origin !== first.origin || url.pathname !== first.pathname) {
    throw new ActionError(
      'READ_FAILED',
      `azure:${prefix}*: the listing's nextLink does not point at the same vault's secret list; not followed`,
    );
  }
  return url;
}

export const azureProvider: ProviderModule<AzureSettings> = {
  check: checkAzureSettings,
  create: createAzureProvider,
};

/** `AADSTS700213: …` without the trace ids and timestamp Entra appends. */
function entraReason(error: HttpError): { code?: number; text: string } {
  const body = error.bodyExcerpt;
  const oauthError = jsonStringField(body, 'error');
  const description = (jsonStringField(body, 'error_description') ?? '')
    .replace(/\s*Trace ID:.*$/s, '')
    .trim();
  const code = jsonNumberField(body, 'error_codes') ?? Number(/AADSTS(\d+)/.exec(body)?.[1] ?? NaN);
  const text = oauthError ? `${oauthError}: ${description}` : body;
  return { code: Number.isNaN(code) ? undefined : code, text };
}

function loginError(error: unknown, jwt: string, what: string, audience: string): Error {
  if (!(error instanceof HttpError) || error.status === undefined || error.status >= 500)
    return error as Error;
  const reason = entraReason(error);
  return new ActionError(
    'AUTH_FAILED',
    `${what} was refused (HTTP ${error.status}): ${reason.text}\n${entraHint(reason.code, audience)}\n` +
      `The job's OIDC token carried:\n${formatClaims(shownClaims(jwt))}`,
  );
}

/** Which part of the federated credential most likely failed, from the AADSTS code. */
export function entraHint(code: number | undefined, audience: string): string {
  switch (code) {
    case 700211:
      return "Hint: no federated credential of the app has the token's issuer: set its issuer to the iss shown below (https://token.actions.githubusercontent.com, or your GHES/enterprise issuer).";
    case 700212:
      return `Hint: no federated credential of the app lists the token's audience (${audience}): add it to the credential's audiences, or set ${named('azure.audience')} to the credential's audience (api://AzureADTokenExchange by default).`;
    case 700213:
    case 7002138:
      return (
        "Hint: no federated credential of the app has the token's subject, compared exactly and case-sensitively: add one for the sub shown below " +
        '(repo:OWNER/REPO:ref:refs/heads/BRANCH, :environment:NAME when the job has an environment, :pull_request; repositories created from mid-2026 use repo:OWNER@OWNER_ID/REPO@REPO_ID:…).'
      );
    case 700024:
      return 'Hint: the token was not valid at the time Entra checked it: check the runner clock.';
    case 700016:
      return `Hint: ${named('azure.clientId')} names no application in this tenant: check it and ${named('azure.tenantId')}.`;
    case 90002:
      return `Hint: ${named('azure.tenantId')} names no tenant in this cloud: check it, and azure-authority in ${named('endpoints')} for sovereign clouds.`;
    default:
      return "Hint: compare the app's federated credentials (issuer, subject, audience) with the token's claims below.";
  }
}

function vaultMessage(error: HttpError): string {
  const message = jsonStringField(error.bodyExcerpt, 'message');
  if (message === undefined) return error.bodyExcerpt || 'no details';
  const code = jsonStringField(error.bodyExcerpt, 'code') ?? 'error';
  return `${code}: ${message.split(/\r?\n/)[0]}`;
}

function readError(error: unknown, location: Pick<Location, 'locator'>, clientId: string): Error {
  const where = `azure:${location.locator}`;
  if (error instanceof HttpError && error.status === undefined && /ENOTFOUND/.test(error.message)) {
    // A vault is a DNS name: a name that does not resolve is a vault that does not exist.
    return new ActionError(
      'SECRET_NOT_FOUND',
      `${where}: no Key Vault answers under this name (its host name does not resolve); check the vault name and azure-keyvault-suffix in ${named('endpoints')}`,
    );
  }
  if (!(error instanceof HttpError) || error.status === undefined) return error as Error;
  const message = vaultMessage(error);
  if (error.status === 404)
    return jsonStringField(error.bodyExcerpt, 'code') === 'SecretNotFound'
      ? new SecretNotFoundError(`${where}: not found (HTTP 404): ${message}`)
      : new ActionError('SECRET_NOT_FOUND', `${where}: not found (HTTP 404): ${message}`);
  if (error.status === 403) {
    return new ActionError(
      'ACCESS_DENIED',
      `${where}: access denied (HTTP 403): ${message}. Give ${clientId ? `app ${clientId}` : 'your Azure CLI account'} the Key Vault Secrets User role on the vault or secret (RBAC), or an access policy with secret get.`,
    );
  }
  if (error.status === 401) {
    return new ActionError(
      'AUTH_FAILED',
      `${where}: Key Vault refused the access token (HTTP 401): ${message}`,
    );
  }
  return new ActionError('READ_FAILED', `${where}: HTTP ${error.status}: ${message}`);
}

/** The Entra authority later steps use too (AZURE_AUTHORITY_HOST), `endpoints` applied. */
export function azureAuthority(azure: AzureSettings): string {
  return (azure.endpoints.authority ?? DEFAULT_AUTHORITY).replace(/\/+$/, '');
}
