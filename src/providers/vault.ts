// HashiCorp Vault: JWT/OIDC login with the job's token, KV v1/v2 and dynamic reads, lease
// and token revocation. Wire format: Vault's HTTP API (`/v1/...`, X-Vault-Token,
// X-Vault-Namespace, `{"errors": [...]}` error bodies).
import { ActionError } from '../core/errors.js';
import { SecretNotFoundError } from '../core/not-found.js';
import { HttpError, type HttpResponse } from '../net/http.js';
import { formatClaims, shownClaims } from '../core/claims.js';
import type { LedgerEntry } from '../core/ledger.js';
import { checkPersonalToken } from './vault-personal.js';
import type { Location } from '../core/plan/types.js';
import { named } from '../core/settings.js';
import type { VaultSettings } from '../core/settings.js';
import { admitVaultHeaders, vaultHeaders, vaultHttp } from './vault-transport.js';
import type {
  FetchedSecret,
  ListedSecret,
  ListRequest,
  ProviderDeps,
  ProviderModule,
  RevocationResult,
  SecretProvider,
} from './types.js';

interface VaultEnvelope {
  lease_id?: string;
  lease_duration?: number;
  renewable?: boolean;
  data?: unknown;
  auth?: {
    client_token?: string;
    accessor?: string;
    lease_duration?: number;
    renewable?: boolean;
  } | null;
  errors?: string[];
}

/** A listed key that may become a path segment of a read (reference.ts's VAULT_PATH). */
const VAULT_KEY = /^[A-Za-z0-9_.@+=:-]+$/;

function notConfigured(): ActionError {
  return new ActionError(
    'PROVIDER_NOT_CONFIGURED',
    `vault: references need ${named('vault.url')} (and usually ${named('vault.role')}) to log in with the job OIDC token`,
    undefined,
    { setting: 'vault.url' },
  );
}

/** The URL's form was checked when the settings were read; here: that there is one. */
export function checkVaultSettings(vault: VaultSettings): ActionError[] {
  if (vault.url) return [];
  if (vault.personal) {
    // Outside Actions the vault CLI's own address variable is read too (src/cli/laptop).
    return [
      new ActionError(
        'PROVIDER_NOT_CONFIGURED',
        `vault: references need the Vault address: ${named('vault.url')}, or VAULT_ADDR as the vault CLI uses it`,
        undefined,
        { setting: 'vault.url' },
      ),
    ];
  }
  return [notConfigured()];
}

function createVaultProvider(vault: VaultSettings, context: ProviderDeps): SecretProvider {
  admitVaultHeaders(vault, context.admitCredential);
  const http = vaultHttp(vault, context.http);
  let token: string | undefined;

  const headers = (withToken: string | undefined = token): Record<string, string> =>
    vaultHeaders(vault, withToken);
  const url = (path: string) => `${vault.url}/v1/${path}`;

  const requireUrl = () => {
    if (!vault.url) throw notConfigured();
  };

  /** `{mount}/revoke` with the certificate's serial_number (api-docs/secret/pki#revoke-certificate). */
  const revokeCertificate = async (
    entry: LedgerEntry,
    revoker: string | undefined,
  ): Promise<RevocationResult> => {
    const { mount = '', serial = '' } = entry.data;
    if (!revoker)
      return { entry, outcome: 'failed', detail: 'no Vault token was recorded to revoke it with' };
    if (!VAULT_MOUNT.test(mount) || !SERIAL.test(serial))
      return { entry, outcome: 'failed', detail: 'the recorded certificate is malformed' };
    try {
      await http.request({
        method: 'POST',
        url: url(`${mount}/revoke`),
        headers: headers(revoker),
        body: JSON.stringify({ serial_number: serial }),
        what: `revoke vault certificate ${entry.label}`,
      });
      return { entry, outcome: 'revoked' };
    } catch (error) {
      return { entry, outcome: 'failed', detail: revocationDetail(error) };
    }
  };

  return {
    name: 'vault',

    credential: () =>
      token ? { provider: 'vault', url: vault.url, token, namespace: vault.namespace } : undefined,

    // One request per read, all started when login answers (or a listing does): their
    // connection (HTTP/2) or connections are opened while the OIDC token and the login are
    // on their way (HttpClient.preconnect). A listing's matches are not known in advance:
    // its reads are not counted.
    prepare(locations: readonly Location[]) {
      const listings = locations.filter((l) => l.list).length;
      const reads = locations.length - listings;
      if ((reads > 1 || listings > 0) && URL.canParse(vault.url)) http.preconnect(vault.url, reads);
    },

    async login() {
      requireUrl();
      if (vault.personal) {
        // Outside Actions: the person's own token, checked; not ours to revoke.
        const personal = await vault.personal();
        context.admitCredential(personal.token, 'the Vault token');
        await checkPersonalToken(
          personal,
          { url: url('auth/token/lookup-self'), headers: headers(personal.token) },
          context,
        );
        token = personal.token;
        return;
      }
      const jwt = await context.identity.idToken(vault.audience || undefined);
      const what = `vault login (auth/${vault.authPath}/login, role ${vault.role || '(default)'})`;
      let response: HttpResponse;
      try {
        response = await http.request({
          method: 'POST',
          url: url(`auth/${vault.authPath}/login`),
          headers: headers(undefined),
          body: JSON.stringify({ jwt, ...(vault.role ? { role: vault.role } : {}) }),
          what,
        });
      } catch (error) {
        throw loginError(error, jwt, what);
      }
      const auth = response.json<VaultEnvelope>().auth;
      if (!auth?.client_token) {
        throw new ActionError('AUTH_FAILED', `${what}: Vault answered without a client token`);
      }
      context.admitCredential(auth.client_token, 'the Vault token');
      token = auth.client_token;
      context.record({
        provider: 'vault',
        kind: 'token',
        label: auth.accessor ? `accessor ${auth.accessor.slice(0, 8)}…` : '(no accessor)',
        // ttl and renewable: what the keep-alive and `run` renew on (src/core/renewal.ts).
        data: {
          token: auth.client_token,
          ttl: String(auth.lease_duration ?? 0),
          renewable: String(auth.renewable === true),
          // The TTL counts from here: renewals are timed from it, not from when they start.
          issuedAt: String(Date.now()),
        },
      });
    },

    async read(location: Location): Promise<FetchedSecret> {
      const path = location.locator;
      const target = new URL(url(path));
      if (location.options.version) target.searchParams.set('version', location.options.version);
      // `?method=POST&k=v…` is a write (pki/issue, aws/sts, ssh/sign): the rest is its body.
      const { method, ...fields } = location.options;
      let response: HttpResponse;
      try {
        response = await http.request({
          method: method === 'POST' || method === 'PUT' ? method : 'GET',
          url: target,
          headers: headers(),
          ...(method ? { body: JSON.stringify(fields) } : {}),
          what: `${method ? 'write' : 'read'} vault:${path}`,
        });
      } catch (error) {
        throw readError(error, path, vault.role);
      }
      const body = response.json<VaultEnvelope>();
      const value = secretData(body);
      if (value === undefined) {
        throw new ActionError(
          'READ_FAILED',
          `vault:${path}: the response has no data (is this a secret path?)`,
        );
      }
      const fetched: FetchedSecret = {
        value: typeof value === 'string' ? value : JSON.stringify(value),
      };
      const certificate = method ? issuedCertificate(path, value) : undefined;
      if (certificate) context.record(certificate);
      if (body.lease_id) {
        fetched.lease = {
          id: body.lease_id,
          ttlSeconds: body.lease_duration ?? 0,
          renewable: Boolean(body.renewable),
        };
        context.record({
          provider: 'vault',
          kind: 'lease',
          label: body.lease_id,
          data: {
            leaseId: body.lease_id,
            ttl: String(body.lease_duration ?? 0),
            renewable: String(Boolean(body.renewable)),
            issuedAt: String(Date.now()),
          },
        });
      }
      return fetched;
    },

    async list(request: ListRequest): Promise<ListedSecret[]> {
      // LIST one folder (`GET …?list=true` is the same operation for clients that cannot send
      // the LIST verb). "Folders are suffixed with /" (developer.hashicorp.com/vault/docs/
      // commands/kv/list): sub-folders are skipped, one level only. KV v2 lists under
      // metadata/ what it reads under data/ (api-docs/secret/kv/kv-v2#list-secrets).
      const slash = request.prefix.lastIndexOf('/');
      const folder = request.prefix.slice(0, slash + 1);
      const namePrefix = request.prefix.slice(slash + 1);
      const kv2 = /^[^/]+(\/[^/]+)*?\/data\//.exec(folder);
      const listPath = kv2 ? folder.replace(/\/data\//, '/metadata/') : folder;
      const target = new URL(url(listPath.replace(/\/$/, '')));
      target.searchParams.set('list', 'true');
      let response: HttpResponse;
      try {
        response = await http.request({
          method: 'GET',
          url: target,
          headers: headers(),
          what: `list vault:${request.prefix}*`,
        });
      } catch (error) {
        // Vault answers 404 for a folder with no keys: zero matches, for the road to judge.
        if (error instanceof HttpError && error.status === 404) return [];
        throw listError(error, request.prefix, vault.role);
      }
      const keys = response.json<{ data?: { keys?: unknown } }>().data?.keys;
      if (!Array.isArray(keys)) return [];
      // A key is data from Vault (SPEC §1.4a): only one that is a plain path segment becomes
      // part of a read URL; anything else (`..`, `?`, `#`, `%`) is left out, with a warning.
      const names = keys.filter(
        (k): k is string => typeof k === 'string' && !k.endsWith('/') && k.startsWith(namePrefix),
      );
      const safe = names.filter((k) => VAULT_KEY.test(k) && k !== '.' && k !== '..');
      if (safe.length < names.length) {
        context.log.warning(
          `vault:${request.prefix}*: ${names.length - safe.length} key(s) in the listing are not plain path segments and were skipped`,
        );
      }
      return safe.map((k) => ({
        relativeName: k.slice(namePrefix.length),
        locator: `${folder}${k}`,
      }));
    },

    async revoke(entries: readonly LedgerEntry[]): Promise<RevocationResult[]> {
      requireUrl();
      const tokens = entries.filter((e) => e.kind === 'token');
      const leases = entries.filter((e) => e.kind === 'lease');
      const certificates = entries.filter((e) => e.kind === 'certificate');
      // Any token of this job can revoke its leases when its policy allows sys/leases/revoke;
      // revoking the token afterwards revokes whatever leases it still owns in any case.
      // Leases read with a person's own token are revoked with it (the token itself is theirs).
      const revoker =
        tokens.at(-1)?.data.token ??
        (vault.personal && leases.length ? (await vault.personal()).token : undefined);
      const results: RevocationResult[] = [];
      const leaseResults = await Promise.all(
        leases.map(async (entry): Promise<RevocationResult> => {
          if (!revoker)
            return {
              entry,
              outcome: 'failed',
              detail: 'no Vault token was recorded to revoke it with',
            };
          try {
            await http.request({
              method: 'PUT',
              url: url('sys/leases/revoke'),
              headers: headers(revoker),
              body: JSON.stringify({ lease_id: entry.data.leaseId }),
              what: `revoke vault lease ${entry.label}`,
            });
            return { entry, outcome: 'revoked' };
          } catch (error) {
            return { entry, outcome: 'failed', detail: revocationDetail(error) };
          }
        }),
      );
      // Certificates first, while the token still works: revoking the token does not revoke them.
      results.push(
        ...(await Promise.all(certificates.map((entry) => revokeCertificate(entry, revoker)))),
      );
      const tokenResults: RevocationResult[] = [];
      for (const entry of tokens) {
        try {
          await http.request({
            method: 'POST',
            url: url('auth/token/revoke-self'),
            headers: headers(entry.data.token),
            what: `revoke vault ${entry.label}`,
          });
          tokenResults.push({ entry, outcome: 'revoked' });
        } catch (error) {
          const expired = error instanceof HttpError && error.status === 403;
          tokenResults.push({
            entry,
            outcome: expired ? 'already-gone' : 'failed',
            detail: expired
              ? 'the token had already expired or been revoked'
              : revocationDetail(error),
          });
        }
      }
      // A lease that could not be revoked by itself goes with its token: Vault revokes a
      // token's leases when the token is revoked, or expires.
      const tokenOutcome = tokenResults.find((r) => r.outcome !== 'failed')?.outcome;
      for (const result of leaseResults) {
        if (result.outcome === 'failed' && tokenOutcome === 'revoked') {
          results.push({
            entry: result.entry,
            outcome: 'revoked',
            detail: 'revoked with the token that created it',
          });
        } else if (result.outcome === 'failed' && tokenOutcome === 'already-gone') {
          results.push({
            entry: result.entry,
            outcome: 'already-gone',
            detail: 'its token is gone, and its leases with it',
          });
        } else {
          results.push(result);
        }
      }
      return [...results, ...tokenResults];
    },
  };
}

export const vaultProvider: ProviderModule<VaultSettings> = {
  check: checkVaultSettings,
  create: createVaultProvider,
};

const VAULT_MOUNT = /^[A-Za-z0-9_.@+=-]+(\/[A-Za-z0-9_.@+=-]+)*$/;
const SERIAL = /^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2})*$/;

/**
 * The ledger entry of a certificate a PKI write issued (`{mount}/issue/ROLE`,
 * `{mount}/sign/ROLE`, with a serial_number in the answer): post revokes it.
 */
function issuedCertificate(path: string, data: unknown): LedgerEntry | undefined {
  const match = /^(.+)\/(issue|sign|sign-verbatim)(\/[^/]+)?$/.exec(path);
  const serial = (data as { serial_number?: unknown } | undefined)?.serial_number;
  if (!match || typeof serial !== 'string' || !SERIAL.test(serial)) return undefined;
  return {
    provider: 'vault',
    kind: 'certificate',
    label: `certificate ${serial.slice(0, 11)}… (${match[1]})`,
    data: { mount: match[1] as string, serial },
  };
}

/** KV v2 wraps the secret in data.data next to data.metadata; everything else is data. */
function secretData(body: VaultEnvelope): unknown {
  const data = body.data as { data?: unknown; metadata?: unknown } | undefined;
  if (data && typeof data === 'object' && 'metadata' in data && 'data' in data) {
    // A deleted or destroyed KV v2 version answers with data: null.
    return data.data ?? undefined;
  }
  return data;
}

/**
 * A 404 that says only "nothing here": Vault answers a missing secret with `{"errors":[]}`
 * (a deleted KV v2 version with its metadata and no errors), but a path that no mount
 * serves with "no handler for route" and a v1-style path on a KV v2 mount with a warning:
 * those are wrong references, not absent secrets.
 */
function vaultSaysAbsent(error: HttpError): boolean {
  try {
    const body = JSON.parse(error.bodyExcerpt) as VaultEnvelope & { warnings?: unknown };
    const errors = body.errors ?? [];
    const warnings = body.warnings ?? [];
    return (
      Array.isArray(errors) &&
      errors.length === 0 &&
      Array.isArray(warnings) &&
      warnings.length === 0
    );
  } catch {
    return false;
  }
}

function vaultErrors(error: HttpError): string {
  try {
    const body = JSON.parse(error.bodyExcerpt) as VaultEnvelope;
    if (Array.isArray(body.errors) && body.errors.length)
      return body.errors.join('; ').replace(/\s+/g, ' ').trim();
  } catch {
    // not JSON (a proxy's page, a truncated body): fall back to the excerpt
  }
  return error.bodyExcerpt;
}

function loginError(error: unknown, jwt: string, what: string): Error {
  if (!(error instanceof HttpError) || error.status === undefined || error.status >= 500)
    return error as Error;
  const reason = vaultErrors(error);
  const claims = shownClaims(jwt);
  return new ActionError(
    'AUTH_FAILED',
    `${what} was refused (HTTP ${error.status}): ${reason || 'no reason given'}\n` +
      `${loginHint(reason)}\nThe job's OIDC token carried:\n${formatClaims(claims)}`,
  );
}

/**
 * Which trust condition most likely failed, from Vault's wording. Time and signature come
 * first: their messages also end in "claim" ("invalid expiration time (exp) claim").
 */
export function loginHint(reason: string): string {
  const text = reason.toLowerCase();
  if (
    text.includes('role') &&
    (text.includes('not found') || text.includes('could not be found'))
  ) {
    return `Hint: ${named('vault.role')} names a role that does not exist on this auth mount (check ${named('vault.authPath')} and ${named('vault.namespace')}).`;
  }
  if (text.includes('(exp)') || text.includes('expired')) {
    return 'Hint: the token had expired when Vault checked it: check the clock skew between Vault and the runner.';
  }
  if (/\((nbf|iat)\)|not yet valid|in the future/.test(text)) {
    return "Hint: Vault's clock is behind the token's issue time: check the clock skew between Vault and the runner (or the role's clock_skew_leeway).";
  }
  if (text.includes('signature') || text.includes('issuer') || text.includes('(iss)')) {
    return "Hint: Vault could not verify the token: check the auth method's oidc_discovery_url/jwks_url and bound_issuer (https://token.actions.githubusercontent.com, or your GHES/enterprise issuer).";
  }
  if (text.includes('aud')) {
    return `Hint: the role's bound_audiences does not contain the token's aud: set ${named('vault.audience')} to one of them, or add the aud shown below to the role.`;
  }
  if (text.includes('sub')) {
    return "Hint: the role's bound_subject does not match the token's sub shown below (both forms exist: repo:OWNER/REPO:… and repo:OWNER@ID/REPO@ID:…).";
  }
  if (text.includes('bound claim') || text.includes('claim')) {
    return "Hint: one of the role's bound_claims does not match the token (repository, ref, environment, job_workflow_ref shown below).";
  }
  return "Hint: compare the role's bound_audiences, bound_subject and bound_claims with the token's claims below.";
}

function readError(error: unknown, path: string, role: string): Error {
  if (!(error instanceof HttpError) || error.status === undefined) return error as Error;
  if (error.status === 404) {
    const message =
      `vault:${path}: not found (HTTP 404)` +
      (path.includes('/data/')
        ? ''
        : '. For a KV v2 mount the API path has /data/ after the mount, e.g. secret/data/app');
    return vaultSaysAbsent(error)
      ? new SecretNotFoundError(message)
      : new ActionError('SECRET_NOT_FOUND', message);
  }
  if (error.status === 403) {
    return new ActionError(
      'ACCESS_DENIED',
      `vault:${path}: permission denied (HTTP 403): the policies of role ${role || '(default)'} do not grant read on this path`,
    );
  }
  if (error.status === 400 && /version/i.test(vaultErrors(error))) {
    return new ActionError('SECRET_NOT_FOUND', `vault:${path}: ${vaultErrors(error)}`);
  }
  return new ActionError(
    'READ_FAILED',
    `vault:${path}: HTTP ${error.status}: ${vaultErrors(error)}`,
  );
}

function listError(error: unknown, prefix: string, role: string): Error {
  if (error instanceof HttpError && error.status === 403) {
    return new ActionError(
      'ACCESS_DENIED',
      `vault:${prefix}*: permission denied (HTTP 403): the policies of role ${role || '(default)'} do not grant list on this folder (KV v2: on its metadata/ path)`,
    );
  }
  return readError(error, `${prefix}*`, role);
}

function revocationDetail(error: unknown): string {
  if (error instanceof HttpError) {
    return error.status === undefined
      ? error.message
      : `HTTP ${error.status}: ${vaultErrors(error)}`;
  }
  return error instanceof Error ? error.message : String(error);
}
