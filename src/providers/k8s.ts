// Kubernetes Secrets: `GET /api/v1/namespaces/NS/secrets/NAME` (and, for a `*` locator, the
// namespace's `secrets` list with `labelSelector`), authenticated in this order:
// 1. `k8s-server`: the job's GitHub OIDC token (audience `k8s-audience`) as bearer, for an
//    API server whose OIDC authenticator trusts GitHub's issuer;
// 2. what the front end found without OIDC (core/k8s-access.ts): the in-cluster service
//    account, or for the CLI outside Actions the kubeconfig's current context.
// A Secret's `data` values are base64; the value of a reference is a JSON object of every key
// decoded (`#KEY` selects one). Both forms are masks: the decoded leaves pass the gate as
// any JSON value does, the base64 text is registered here as it arrives.
import { SecretNotFoundError } from '../core/not-found.js';
import { ActionError } from '../core/errors.js';
import { formatClaims, shownClaims } from '../core/claims.js';
import type { K8sAccess, K8sCredential, K8sRoute } from '../core/k8s-access.js';
import type { Location } from '../core/plan/types.js';
import { named } from '../core/settings.js';
import type { K8sSettings } from '../core/settings.js';
import { HttpError, type HttpResponse, type RequestTls } from '../net/http.js';
import { printableText } from './binary.js';
import { jsonNumberField, jsonStringField } from './error-body.js';
import type {
  FetchedSecret,
  ListRequest,
  ListedSecret,
  ProviderDeps,
  ProviderModule,
  SecretProvider,
} from './types.js';

/** Items asked per list page; the API server pages with `continue` (API concepts, "Retrieving large results sets in chunks"). */
const LIST_PAGE = 250;

export function checkK8sSettings(k8s: K8sSettings): ActionError[] {
  if (k8s.server) return [];
  let route: K8sRoute | undefined;
  try {
    route = k8s.ambient();
  } catch (error) {
    if (error instanceof ActionError) return [error];
    throw error;
  }
  if (route) return [];
  return [
    new ActionError(
      'PROVIDER_NOT_CONFIGURED',
      `k8s: references need ${named('k8s.server')} (an API server whose OIDC authenticator trusts the job's token issuer), ` +
        'or a cluster reachable without it: a runner pod (KUBERNETES_SERVICE_HOST and its service-account token), or for the CLI outside GitHub Actions a kubeconfig with a current context',
      undefined,
      { setting: 'k8s.server' },
    ),
  ];
}

/** A Secret as the API returns it (core/v1 Secret): only what is read here. */
interface SecretObject {
  metadata?: { name?: unknown };
  data?: unknown;
}

interface SecretList {
  items?: unknown;
  metadata?: { continue?: unknown };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function createK8sProvider(k8s: K8sSettings, deps: ProviderDeps): SecretProvider {
  const { http } = deps;
  /** Set by login: where requests go and what authenticates them. */
  let server = '';
  let headers: Record<string, string> = {};
  let tls: RequestTls | undefined;
  /** The OIDC token sent as bearer, kept to explain a 401 by its claims. */
  let jwt: string | undefined;
  /** How the requests authenticate, for messages. */
  let identity = '';

  const request = async (path: string, what: string): Promise<HttpResponse> =>
    http.request({
      method: 'GET',
      url: `${server}${path}`,
      headers,
      what,
      ...(tls ? { tls } : {}),
    });

  /** Every key of a Secret, decoded; base64 texts registered as masks first. */
  const decodeData = (data: unknown, where: string): string => {
    const out: Record<string, string> = {};
    if (data !== undefined && data !== null) {
      if (typeof data !== 'object' || Array.isArray(data))
        throw new ActionError('READ_FAILED', `${where}: the Secret's data is not an object`);
      for (const [key, encoded] of Object.entries(data as Record<string, unknown>)) {
        if (typeof encoded !== 'string')
          throw new ActionError(
            'READ_FAILED',
            `${where}: the Secret's data.${key} is not base64 text`,
          );
        deps.admitCredential(encoded, `the base64 form of ${where} key ${key}`);
        const bytes = Buffer.from(encoded, 'base64');
        let text: string;
        try {
          text = utf8.decode(bytes);
        } catch {
          // Binary data is exported as its base64 text (as AWS SecretBinary is); what a step
          // decoding it would print is a secret too.
          const printable = printableText(bytes);
          if (printable !== undefined)
            deps.admitCredential(printable, `the decoded binary value of ${where} key ${key}`);
          text = encoded;
        }
        out[key] = text;
      }
    }
    return JSON.stringify(out);
  };

  return {
    name: 'k8s',

    // With a server given (the action's route), its connection is opened while the OIDC
    // token is on its way: the reads start the moment the token arrives, and the TLS
    // handshake with the cluster's CA would follow it. kube-apiserver offers HTTP/2, and then
    // every read is a stream of that connection; over HTTP/1.1 one is opened a read (one for
    // a listing). A kubeconfig's or the pod's server is known only once its route is opened.
    prepare(locations: readonly Location[]) {
      if (!k8s.server || !URL.canParse(k8s.server)) return; // the login says what is wrong
      const calls = locations.filter((l) => !l.list).length;
      http.preconnect(
        k8s.server,
        Math.max(1, calls),
        k8s.caCertificate ? { ca: k8s.caCertificate } : undefined,
      );
    },

    async login() {
      if (k8s.server) {
        server = k8s.server;
        const token = await deps.identity.idToken(k8s.audience);
        jwt = token;
        headers = { authorization: `Bearer ${token}` };
        tls = k8s.caCertificate ? { ca: k8s.caCertificate } : undefined;
        identity = `the job's OIDC token (audience ${k8s.audience}) at ${named('k8s.server')}`;
        return;
      }
      const [problem] = checkK8sSettings(k8s);
      if (problem) throw problem;
      const access: K8sAccess = await (k8s.ambient() as K8sRoute).open();
      server = access.server.replace(/\/+$/, '');
      identity = access.source;
      let credential: K8sCredential;
      try {
        credential = await access.credential();
      } catch (error) {
        if (error instanceof ActionError) throw error;
        throw new ActionError(
          'AUTH_FAILED',
          `k8s: could not get a credential from ${access.source}`,
          undefined,
          { cause: error },
        );
      }
      if (credential.token)
        deps.admitCredential(credential.token, `the Kubernetes token of ${access.source}`);
      if (credential.key)
        deps.admitCredential(credential.key, `the client key of ${access.source}`);
      headers = credential.token ? { authorization: `Bearer ${credential.token}` } : {};
      tls =
        access.ca || credential.certificate
          ? { ca: access.ca, cert: credential.certificate, key: credential.key }
          : undefined;
      if (!credential.token && !(credential.certificate && credential.key)) {
        throw new ActionError(
          'AUTH_FAILED',
          `k8s: ${access.source} gave neither a token nor a client certificate and key`,
        );
      }
    },

    async read(location: Location): Promise<FetchedSecret> {
      const where = `k8s:${location.locator}`;
      if (location.options.selector !== undefined) {
        throw new ActionError(
          'REFERENCE_INVALID',
          `${where}: the selector option applies to a listing (NAMESPACE/* or NAMESPACE/PREFIX*)`,
        );
      }
      const [namespace = '', name = ''] = location.locator.split('/');
      let response: HttpResponse;
      try {
        response = await request(
          `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`,
          `read ${where}`,
        );
      } catch (error) {
        throw statusError(error, where, 'get', identity, jwt);
      }
      const secret = response.json<SecretObject>();
      return { value: decodeData(secret.data, where) };
    },

    async list(listing: ListRequest): Promise<ListedSecret[]> {
      const slash = listing.prefix.indexOf('/');
      const namespace = listing.prefix.slice(0, slash);
      const namePrefix = listing.prefix.slice(slash + 1);
      const where = `k8s:${listing.prefix}*`;
      if (slash <= 0 || namePrefix.includes('/')) {
        throw new ActionError(
          'REFERENCE_INVALID',
          `${where}: a listing is NAMESPACE/* or NAMESPACE/PREFIX*`,
        );
      }
      const found: ListedSecret[] = [];
      let next: string | undefined;
      do {
        const query = new URLSearchParams({ limit: String(LIST_PAGE) });
        if (listing.options.selector) query.set('labelSelector', listing.options.selector);
        if (next) query.set('continue', next);
        let response: HttpResponse;
        try {
          response = await request(
            `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets?${query.toString()}`,
            `list ${where}`,
          );
        } catch (error) {
          throw statusError(error, where, 'list', identity, jwt);
        }
        const page = response.json<SecretList>();
        const items = Array.isArray(page.items) ? (page.items as SecretObject[]) : [];
        for (const item of items) {
          const name = item.metadata?.name;
          if (typeof name !== 'string' || !name.startsWith(namePrefix)) continue;
          const locator = `${namespace}/${name}`;
          found.push({
            relativeName: name.slice(namePrefix.length),
            locator,
            value: { value: decodeData(item.data, `k8s:${locator}`) },
          });
          if (found.length > listing.max) return found;
        }
        const token = page.metadata?.continue;
        next = typeof token === 'string' && token !== '' ? token : undefined;
      } while (next);
      return found;
    },
  };
}

export const k8sProvider: ProviderModule<K8sSettings> = {
  check: checkK8sSettings,
  create: createK8sProvider,
};

/**
 * A Kubernetes `Status` answer in its own words (`secrets "db" is forbidden: User "…" cannot
 * get resource "secrets" …`), with its reason and code; a NotFound Status is *not found*
 * (SecretNotFoundError, what `?optional` tolerates).
 */
function statusError(
  error: unknown,
  where: string,
  verb: 'get' | 'list',
  identity: string,
  jwt: string | undefined,
): Error {
  if (!(error instanceof HttpError) || error.status === undefined) return error as Error;
  const body = error.bodyExcerpt;
  const status = jsonStringField(body, 'kind') === 'Status';
  const message = (status ? jsonStringField(body, 'message') : undefined) ?? (body || 'no details');
  const reason = status ? jsonStringField(body, 'reason') : undefined;
  const code = (status ? jsonNumberField(body, 'code') : undefined) ?? error.status;
  const said = `HTTP ${code}${reason ? ` ${reason}` : ''}: ${message}`;
  switch (error.status) {
    case 404:
      // Only the API server's own NotFound Status says the Secret does not exist (what
      // `?optional` tolerates); a bare 404 is a wrong server or path and stays an error.
      return reason === 'NotFound'
        ? new SecretNotFoundError(`${where}: not found (${said})`)
        : new ActionError('READ_FAILED', `${where}: not found (${said})`);
    case 403:
      return new ActionError(
        'ACCESS_DENIED',
        `${where}: access denied (${said}). Authenticated with ${identity}: bind that user to a Role allowing ${verb} on secrets${verb === 'get' ? ' (resourceNames may name the Secret)' : ''} in the namespace.`,
      );
    case 401: {
      const hint = jwt
        ? `\nHint: the API server must trust the token's issuer (its --oidc-issuer-url, or a jwt issuer of its AuthenticationConfiguration) with the audience ${named('k8s.audience')} among its audiences, and the token must be unexpired. The job's OIDC token carried:\n${formatClaims(shownClaims(jwt))}`
        : '';
      return new ActionError(
        'AUTH_FAILED',
        `${where}: the API server did not accept ${identity} (${said})${hint}`,
      );
    }
    default:
      return new ActionError('READ_FAILED', `${where}: ${said}`);
  }
}
