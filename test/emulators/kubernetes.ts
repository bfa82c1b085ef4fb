// A Kubernetes API server's Secret endpoints over real HTTPS, with the API server's own
// authentication and authorisation in front of them:
// - OIDC bearer tokens, checked as kube-apiserver's OIDC authenticator checks them: the
//   issuer must be the configured one, the signature verifies against the issuer's JWKS
//   (fetched over HTTP), `aud` holds one of the configured audiences (--oidc-client-id /
//   `jwt[].issuer.audiences`), the token is unexpired, and the username comes from the
//   username claim (default `sub`), prefixed with `ISSUER#` unless the claim is `email` or a
//   prefix is configured (--oidc-username-prefix; `-` for none);
// - service-account tokens the emulator itself issued (`system:serviceaccount:NS:NAME`);
// - client certificates chaining to its client CA (CN = user, O = groups).
// Authorisation is RBAC-like: rules bind a user (or group) to verbs (`get`, `list`) in a
// namespace, optionally only for some resourceNames. Errors are `Status` objects with the
// API server's messages (`secrets "db" is forbidden: User "…" cannot get resource "secrets"
// in API group "" in the namespace "ci"`, `secrets "db" not found`, `Unauthorized`).
// Routes: GET /api/v1/namespaces/NS/secrets/NAME, and GET /api/v1/namespaces/NS/secrets with
// labelSelector, limit and continue.
import { randomUUID } from 'node:crypto';
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';
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

const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

export interface KubernetesOidcOptions {
  /** The issuer trusted (--oidc-issuer-url). */
  issuer: string;
  /** Where its JWKS is; defaults to `<issuer>/.well-known/jwks` as GitHub publishes it. */
  jwksUrl?: string;
  /** Accepted `aud` values (--oidc-client-id). */
  audiences: readonly string[];
  /** Default `sub`. */
  usernameClaim?: string;
  /** Default `ISSUER#` for claims other than email; `-` for none. */
  usernamePrefix?: string;
}

export interface KubernetesEmulatorOptions {
  /**
   * Server certificate; the client CA goes in `tls.clientCa`. HTTP/2 is offered beside
   * HTTP/1.1, as kube-apiserver's TLS listener offers it, unless `http2: false`.
   */
  tls: TlsOptions;
  oidc?: KubernetesOidcOptions;
}

export interface SecretFixture {
  /** Values as text (UTF-8) or bytes; stored base64 in `data` as the API server does. */
  data: Record<string, string | Buffer>;
  labels?: Record<string, string>;
  type?: string;
}

export interface RbacRule {
  /** A user name or `group:NAME`. */
  subject: string;
  namespace: string;
  verbs: ReadonlyArray<'get' | 'list'>;
  /** Only these Secrets (get); a rule with resourceNames never allows list. */
  resourceNames?: readonly string[];
}

export interface KubernetesLoggedRequest extends LoggedRequest {
  /** Who the request authenticated as (empty when it did not). */
  user: string;
}

export interface KubernetesEmulator extends EmulatorServer<KubernetesLoggedRequest> {
  addSecret(namespace: string, name: string, secret: SecretFixture): void;
  grant(rule: RbacRule): void;
  /**
   * A bound service-account token as the TokenRequest API would issue it; with
   * `lifetimeSeconds` 0, a legacy token Secret's token (no `exp`: it never expires).
   */
  serviceAccountToken(namespace: string, name: string, lifetimeSeconds?: number): Promise<string>;
  /** Service-account tokens issued so far (for leak checks). */
  readonly issuedTokens: readonly string[];
}

interface StoredSecret {
  namespace: string;
  name: string;
  uid: string;
  resourceVersion: string;
  created: string;
  labels: Record<string, string>;
  type: string;
  data: Record<string, string>;
}

interface Identity {
  user: string;
  groups: string[];
}

function status(code: number, reason: string, message: string, details?: object): Reply {
  return jsonReply(code, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  });
}

/** One requirement of a label selector (Kubernetes "Labels and Selectors"). */
type Requirement =
  | { key: string; op: 'exists' | '!exists' }
  | { key: string; op: '=' | '!='; value: string }
  | { key: string; op: 'in' | 'notin'; values: string[] };

export function parseLabelSelector(text: string): Requirement[] | undefined {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  const out: Requirement[] = [];
  for (const raw of parts) {
    const part = raw.trim();
    if (!part) continue;
    let match = /^(!?)([A-Za-z0-9./_-]+)$/.exec(part);
    if (match) {
      out.push({ key: match[2] as string, op: match[1] ? '!exists' : 'exists' });
      continue;
    }
    match = /^([A-Za-z0-9./_-]+)\s*(==|=|!=)\s*([A-Za-z0-9._-]*)$/.exec(part);
    if (match) {
      out.push({
        key: match[1] as string,
        op: match[2] === '!=' ? '!=' : '=',
        value: match[3] as string,
      });
      continue;
    }
    match = /^([A-Za-z0-9./_-]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
    if (match) {
      out.push({
        key: match[1] as string,
        op: match[2] as 'in' | 'notin',
        values: (match[3] as string).split(',').map((v) => v.trim()),
      });
      continue;
    }
    return undefined;
  }
  return out;
}

function matches(labels: Record<string, string>, requirements: Requirement[]): boolean {
  return requirements.every((r) => {
    const has = Object.hasOwn(labels, r.key);
    const value = labels[r.key];
    switch (r.op) {
      case 'exists':
        return has;
      case '!exists':
        return !has;
      case '=':
        return value === r.value;
      case '!=':
        return value !== r.value;
      case 'in':
        return has && r.values.includes(value as string);
      case 'notin':
        return !has || !r.values.includes(value as string);
    }
  });
}

export async function startKubernetes(
  options: KubernetesEmulatorOptions,
): Promise<KubernetesEmulator> {
  const secrets = new Map<string, StoredSecret>();
  const rules: RbacRule[] = [];
  const issuedTokens: string[] = [];
  let version = 1000;

  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const saKid = randomUUID();
  const saKeys = createLocalJWKSet({
    keys: [{ ...(await exportJWK(publicKey)), kid: saKid, alg: 'RS256' }],
  });
  const oidc = options.oidc;
  const verifier = oidc
    ? createOidcVerifier({
        issuers: [oidc.issuer],
        ...(oidc.jwksUrl ? { jwksUrl: () => oidc.jwksUrl as string } : {}),
        now: () => Date.now(),
      })
    : undefined;

  const authenticate = async (request: ServedRequest): Promise<Identity | undefined> => {
    const token = bearerToken(request.headers);
    if (token) {
      // A service-account token of this cluster?
      try {
        const { payload } = await jwtVerify(token, saKeys, {
          issuer: SERVICE_ACCOUNT_ISSUER,
          audience: SERVICE_ACCOUNT_ISSUER,
          algorithms: ['RS256'],
        });
        if (typeof payload.sub === 'string')
          return {
            user: payload.sub,
            groups: ['system:serviceaccounts', 'system:authenticated'],
          };
        return undefined;
      } catch {
        // Not one of ours: the OIDC authenticator's turn.
      }
      if (!oidc || !verifier) return undefined;
      const verdict = await verifier.verify(token);
      if (!verdict.ok) return undefined;
      if (!audiences(verdict.claims).some((aud) => oidc.audiences.includes(aud))) return undefined;
      const claim = oidc.usernameClaim ?? 'sub';
      const value = verdict.claims[claim];
      if (typeof value !== 'string' || value === '') return undefined;
      const prefix =
        oidc.usernamePrefix === '-'
          ? ''
          : (oidc.usernamePrefix ?? (claim === 'email' ? '' : `${oidc.issuer}#`));
      return { user: `${prefix}${value}`, groups: ['system:authenticated'] };
    }
    if (request.clientCertificate) {
      return {
        user: request.clientCertificate.commonName,
        groups: [...request.clientCertificate.organizations, 'system:authenticated'],
      };
    }
    return undefined;
  };

  const allowed = (who: Identity, verb: 'get' | 'list', namespace: string, name?: string) =>
    rules.some(
      (rule) =>
        (rule.subject === who.user || who.groups.some((g) => rule.subject === `group:${g}`)) &&
        rule.namespace === namespace &&
        rule.verbs.includes(verb) &&
        (verb === 'list'
          ? rule.resourceNames === undefined
          : rule.resourceNames === undefined || rule.resourceNames.includes(name as string)),
    );

  const render = (secret: StoredSecret) => ({
    metadata: {
      name: secret.name,
      namespace: secret.namespace,
      uid: secret.uid,
      resourceVersion: secret.resourceVersion,
      creationTimestamp: secret.created,
      ...(Object.keys(secret.labels).length ? { labels: secret.labels } : {}),
    },
    ...(Object.keys(secret.data).length ? { data: secret.data } : {}),
    type: secret.type,
  });

  const identities = new WeakMap<ServedRequest, string>();

  const handle = async (request: ServedRequest): Promise<Reply> => {
    const who = await authenticate(request);
    if (!who) return status(401, 'Unauthorized', 'Unauthorized');
    identities.set(request, who.user);
    const path = request.url.pathname;
    const one = /^\/api\/v1\/namespaces\/([^/]+)\/secrets\/([^/]+)$/.exec(path);
    const all = /^\/api\/v1\/namespaces\/([^/]+)\/secrets$/.exec(path);
    if (request.method !== 'GET' || (!one && !all))
      return status(404, 'NotFound', 'the server could not find the requested resource', {});
    if (one) {
      const namespace = decodeURIComponent(one[1] as string);
      const name = decodeURIComponent(one[2] as string);
      if (!allowed(who, 'get', namespace, name)) {
        return status(
          403,
          'Forbidden',
          `secrets "${name}" is forbidden: User "${who.user}" cannot get resource "secrets" in API group "" in the namespace "${namespace}"`,
          { name, kind: 'secrets' },
        );
      }
      const secret = secrets.get(`${namespace}/${name}`);
      if (!secret)
        return status(404, 'NotFound', `secrets "${name}" not found`, { name, kind: 'secrets' });
      return jsonReply(200, { kind: 'Secret', apiVersion: 'v1', ...render(secret) });
    }
    const namespace = decodeURIComponent((all as RegExpExecArray)[1] as string);
    if (!allowed(who, 'list', namespace)) {
      return status(
        403,
        'Forbidden',
        `secrets is forbidden: User "${who.user}" cannot list resource "secrets" in API group "" in the namespace "${namespace}"`,
        { kind: 'secrets' },
      );
    }
    const selectorText = request.url.searchParams.get('labelSelector') ?? '';
    const selector = parseLabelSelector(selectorText);
    if (!selector)
      return status(400, 'BadRequest', `unable to parse requirement: invalid label selector`);
    const limit = Number(request.url.searchParams.get('limit') ?? '0');
    const start = Number(
      Buffer.from(request.url.searchParams.get('continue') ?? '', 'base64url').toString() || '0',
    );
    const inNamespace = [...secrets.values()]
      .filter((s) => s.namespace === namespace && matches(s.labels, selector))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const end = limit > 0 ? start + limit : inNamespace.length;
    const page = inNamespace.slice(start, end);
    return jsonReply(200, {
      kind: 'SecretList',
      apiVersion: 'v1',
      metadata: {
        resourceVersion: String(version),
        ...(end < inNamespace.length
          ? { continue: Buffer.from(String(end)).toString('base64url') }
          : {}),
      },
      items: page.map(render),
    });
  };

  const server = await startHttpServer<KubernetesLoggedRequest>(handle, {
    tls: { http2: true, ...options.tls },
    describe: (request) => ({ user: identities.get(request) ?? '' }),
  });

  return Object.assign(server, {
    issuedTokens,
    addSecret(namespace: string, name: string, secret: SecretFixture) {
      const data: Record<string, string> = {};
      for (const [key, value] of Object.entries(secret.data))
        data[key] = Buffer.from(value).toString('base64');
      secrets.set(`${namespace}/${name}`, {
        namespace,
        name,
        uid: randomUUID(),
        resourceVersion: String(++version),
        created: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        labels: { ...secret.labels },
        type: secret.type ?? 'Opaque',
        data,
      });
    },
    grant(rule: RbacRule) {
      rules.push(rule);
    },
    async serviceAccountToken(namespace: string, name: string, lifetimeSeconds = 3600) {
      const jwt = new SignJWT({
        'kubernetes.io': { namespace, serviceaccount: { name, uid: randomUUID() } },
      })
        .setProtectedHeader({ alg: 'RS256', kid: saKid })
        .setIssuer(SERVICE_ACCOUNT_ISSUER)
        .setAudience(SERVICE_ACCOUNT_ISSUER)
        .setSubject(`system:serviceaccount:${namespace}:${name}`)
        .setIssuedAt();
      if (lifetimeSeconds > 0)
        jwt.setExpirationTime(Math.floor(Date.now() / 1000) + lifetimeSeconds);
      const token = await jwt.sign(privateKey);
      issuedTokens.push(token);
      return token;
    },
  });
}
