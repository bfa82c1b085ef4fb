// The only place that talks to the network. A deadline per attempt (connect, headers and
// body together); retries with jittered exponential backoff on 429, 5xx and connection
// errors, honouring Retry-After; keep-alive connections (a step's reads go to a handful of
// hosts), opened ahead of the requests that will use them, and HTTP/2 where a server told
// to expect many requests offers it (http2-origins.ts); proxies from the environment; a
// private CA (one TLS context for all connections); and error bodies scrubbed before they
// can enter a message.
import type http from 'node:http';
import type http2 from 'node:http2';
import type https from 'node:https';
import { readFileSync } from 'node:fs';
import type net from 'node:net';
import { isIP } from 'node:net';
import type tls from 'node:tls';
import { ActionError } from '../core/errors.js';
import { nodeRequire } from '../core/node-require.js';
import { Http2Origins, type Http2Origin } from './http2-origins.js';
import { warmAgentClass, type WarmAgent } from './warm-agent.js';

/**
 * Node's network modules, loaded on the first request rather than at import: `run` with
 * local secrets only never needs them, and compiling them is part of the CLI's start-up.
 */
type NetworkModules = { http: typeof http; https: typeof https; tls: typeof tls };
let networkModules: NetworkModules | undefined;
function network(): NetworkModules {
  networkModules ??= {
    http: nodeRequire('node:http') as typeof http,
    https: nodeRequire('node:https') as typeof https,
    tls: nodeRequire('node:tls') as typeof tls,
  };
  return networkModules;
}

let warmAgentClasses:
  | {
      http: new (options?: https.AgentOptions) => WarmAgent;
      https: new (options?: https.AgentOptions) => WarmAgent;
    }
  | undefined;
function warmAgents(): NonNullable<typeof warmAgentClasses> {
  const { http, https } = network();
  warmAgentClasses ??= { http: warmAgentClass(http.Agent), https: warmAgentClass(https.Agent) };
  return warmAgentClasses;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  url: string | URL;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** What this request is, for messages: "vault login", "read vault:secret/data/app". */
  what: string;
  /** TLS of this request's server when it differs from the client's (a Kubernetes cluster). */
  tls?: RequestTls;
}

/**
 * A server's own CA and a client certificate, as a kubeconfig gives them. A given CA is the
 * only root trusted for the request (with the ca-certificate input's), as kubectl trusts a
 * cluster's certificate-authority-data and not the public roots.
 */
export interface RequestTls {
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text(): string;
  json<T = unknown>(): T;
}

export interface HttpOptions {
  timeoutMs: number;
  /** Extra attempts after the first for retryable failures. */
  retries: number;
  /** PEM of additional trusted CA certificates (the `ca-certificate` input). */
  ca?: string;
  /** Connections per host; the road's read concurrency. */
  maxSockets: number;
  userAgent: string;
  /** Environment to read proxy settings from: the front end's, never read here by itself. */
  env: NodeJS.ProcessEnv;
  /** Scrubs known secret values from text before it enters an error message. */
  redact?: (text: string) => string;
  /** Backoff base; tests make it small. */
  backoffBaseMs?: number;
  /** Cap on one Retry-After wait, so a provider cannot stall a step for hours. */
  maxRetryAfterMs?: number;
  /** PEM certificate and key presented to servers that ask for one (mutual TLS). */
  clientCertificate?: { cert: string; key: string };
}

/** A failed request: the status (when there was a response) and a scrubbed body excerpt. */
export class HttpError extends ActionError {
  constructor(
    readonly what: string,
    readonly status: number | undefined,
    readonly bodyExcerpt: string,
    message: string,
  ) {
    super('HTTP_FAILED', message);
  }
}

const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'REQUEST_TIMEOUT',
  // HTTP/2: a stream the server reset or refused, a session it closed or that broke. Like a
  // reset connection under HTTP/1.1, the request is made again (on a new session if need be).
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_STREAM_CANCEL',
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_SESSION_ERROR',
  'ERR_HTTP2_INVALID_SESSION',
]);

/** Fields HTTP/2 forbids (RFC 9113 §8.2.2) or carries as pseudo-headers (`host`). */
const CONNECTION_FIELDS = new Set([
  'connection',
  'host',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);
const MAX_BODY_BYTES = 64 * 1024 * 1024;
/**
 * How much of an error response is kept. Error bodies only feed messages (cut to a few
 * hundred characters after scrubbing), so a few KB is plenty; cutting before anything looks
 * at them keeps a hostile or broken provider's 1 GB error page from costing regex time.
 */
export const ERROR_BODY_BYTES = 4 * 1024;

export class HttpClient {
  private agents: { http: WarmAgent; https: WarmAgent } | undefined;
  private readonly proxy: ProxySettings;
  private readonly proxyAgents = new Map<string, http.Agent>();
  /** Agents for requests with their own TLS (RequestTls), one per distinct setting. */
  private readonly tlsAgents = new Map<string, WarmAgent>();
  private readonly derived: HttpClient[] = [];
  private secureContext: tls.SecureContext | undefined;
  /**
   * Servers told to expect many requests (preconnect) that chose HTTP/2, per TLS setting:
   * the client's own (key ''), or a request's own CA and certificate (tlsKey).
   */
  private readonly http2 = new Map<string, Http2Origins>();

  constructor(private readonly options: HttpOptions) {
    this.proxy = readProxySettings(options.env);
  }

  /**
   * The same client (deadlines, retries, proxy, CA, scrubbing) presenting a client
   * certificate: one provider's mutual TLS (vault-client-certificate) is not shown to the
   * others. Closed with this client.
   */
  withClientCertificate(certificate: { cert: string; key: string }): HttpClient {
    const client = new HttpClient({ ...this.options, clientCertificate: certificate });
    this.derived.push(client);
    return client;
  }

  async request(request: HttpRequest): Promise<HttpResponse> {
    const url = typeof request.url === 'string' ? new URL(request.url) : request.url;
    assertSecureUrl(url, request.what);
    let attempt = 0;
    for (;;) {
      let retryAfterMs: number | undefined;
      let failure: HttpError;
      try {
        const response = await this.once(url, request);
        if (response.status >= 200 && response.status < 300) return response;
        // A redirect is refused, never followed and never a value: no provider API answers
        // one, and following it would send the request's token to wherever it points.
        failure =
          response.status >= 300 && response.status < 400
            ? redirectRefused(request, response.status)
            : this.errorFor(request, response);
        if (!isRetryableStatus(response.status)) throw failure;
        retryAfterMs = parseRetryAfter(response.headers['retry-after']);
      } catch (error) {
        if (
          error instanceof HttpError &&
          error.status !== undefined &&
          !isRetryableStatus(error.status)
        )
          throw error;
        failure = error instanceof HttpError ? error : this.networkError(request, url, error);
        if (!(error instanceof HttpError) && !isRetryableNetworkError(error)) throw failure;
      }
      if (attempt >= this.options.retries)
        throw attempt > 0 ? gaveUp(failure, attempt + 1) : failure;
      attempt++;
      await sleep(this.backoffMs(attempt, retryAfterMs));
    }
  }

  /**
   * Opens up to `count` connections to `url`'s server ahead of the requests that will use
   * them, so that their TCP (and TLS) set-up overlaps a wait instead of lengthening the
   * round that needs them: Vault's reads all start the moment its login answers, one
   * connection each, and connecting 200 of them then cost ~15 % of the step's CPU on the
   * critical path (bench/vault.bench.ts; TLS handshakes cost far more). Only servers reached
   * directly: a proxy's tunnel is set up per request.
   */
  preconnect(url: string | URL, count: number, own?: RequestTls): void {
    const target = typeof url === 'string' ? new URL(url) : url;
    const secure = target.protocol === 'https:';
    if (secure && this.proxy.proxyFor(target)) return;
    try {
      assertSecureUrl(target, 'preconnect');
    } catch {
      return; // the request itself says why
    }
    const connections = Math.min(count, this.options.maxSockets);
    if (secure) {
      // One connection first, to learn whether the server speaks HTTP/2 (Http2Origins):
      // then it is the only one needed.
      this.multiplexer(own).prepare(target, connections);
      return;
    }
    // On the next turn of the event loop: a request the caller starts right after this
    // (the OIDC token a login begins with) goes out first, not behind these connections.
    setImmediate(() => (this.agentFor(secure, own) as WarmAgent).preconnect(target, connections));
  }

  /**
   * The HTTP/2 sessions of one TLS setting: the client's own, or a request's own CA and
   * certificate (a Kubernetes API server, which speaks HTTP/2 as kubectl uses it). Their
   * connections use the secure context of that setting's keep-alive agent, which takes
   * over a connection whose server chose HTTP/1.1.
   */
  private multiplexer(own?: RequestTls): Http2Origins {
    const key = this.tlsKey(own) ?? '';
    let origins = this.http2.get(key);
    if (origins) return origins;
    const agent = this.agentFor(true, own) as WarmAgent;
    // The agent's own context (an https.Agent keeps the options it was made with): one
    // secure context per setting, as http-secure-context.test.ts counts.
    const tlsOptions: tls.ConnectionOptions =
      key === ''
        ? this.tlsOptions()
        : { secureContext: (agent as unknown as https.Agent).options.secureContext };
    origins = new Http2Origins({
      http2: nodeRequire('node:http2') as typeof http2,
      connect: (url, alpn) => {
        const host = url.hostname.replace(/^\[|\]$/g, '');
        return network().tls.connect({
          host,
          port: Number(url.port || 443),
          // As node's https agent names the server: never an IP address.
          ...(isIP(host) ? {} : { servername: host }),
          ALPNProtocols: alpn,
          ...tlsOptions,
        });
      },
      adoptHttp1: (url, socket, count) => {
        agent.adopt(url, socket);
        agent.preconnect(url, count);
      },
      timeoutMs: this.options.timeoutMs,
    });
    this.http2.set(key, origins);
    return origins;
  }

  /** Ends idle keep-alive connections so the process can exit at once. */
  close(): void {
    for (const origins of this.http2.values()) origins.close();
    this.agents?.http.destroy();
    this.agents?.https.destroy();
    for (const agent of this.proxyAgents.values()) agent.destroy();
    for (const agent of this.tlsAgents.values()) agent.destroy();
    for (const client of this.derived) client.close();
  }

  /**
   * The TLS options of requests with their own CA or client certificate: one secure context
   * for the agent that carries them (see tlsOptions).
   */
  private requestTlsOptions(own: RequestTls): tls.ConnectionOptions {
    // With a CA of its own, the request presents only its own certificate; without, the
    // client's, unless it brings one.
    const client = own.ca ? undefined : this.options.clientCertificate;
    const identity: tls.SecureContextOptions = client ? { cert: client.cert, key: client.key } : {};
    if (own.cert) identity.cert = own.cert;
    if (own.key) identity.key = own.key;
    const { tls } = network();
    return {
      secureContext: own.ca
        ? tls.createSecureContext({
            ...identity,
            ca: this.options.ca ? [own.ca, this.options.ca] : [own.ca],
          })
        : trustingRootsAnd(tls, this.extraCas(), identity),
    };
  }

  private tlsKey(own: RequestTls | undefined): string | undefined {
    if (!own || !(own.ca || own.cert || own.key)) return undefined;
    return JSON.stringify([own.ca ?? '', own.cert ?? '', own.key ?? '']);
  }

  private agentFor(secure: boolean, own: RequestTls | undefined): http.Agent {
    const key = secure ? this.tlsKey(own) : undefined;
    if (key === undefined || !own) return this.agent(secure);
    let agent = this.tlsAgents.get(key);
    if (!agent) {
      agent = new (warmAgents().https)({
        keepAlive: true,
        maxSockets: this.options.maxSockets,
        scheduling: 'lifo',
        ...this.requestTlsOptions(own),
      });
      this.tlsAgents.set(key, agent);
    }
    return agent;
  }

  /** Keep-alive agents, made on the first request: a step's reads go to a few hosts. */
  private agent(secure: boolean): http.Agent {
    if (!this.agents) {
      const { http, https } = warmAgents();
      const options = {
        keepAlive: true,
        maxSockets: this.options.maxSockets,
        scheduling: 'lifo' as const,
      };
      this.agents = {
        http: new http(options),
        https: new https({ ...options, ...this.tlsOptions() }),
      };
    }
    return secure ? this.agents.https : this.agents.http;
  }

  private backoffMs(attempt: number, retryAfterMs: number | undefined): number {
    const base = this.options.backoffBaseMs ?? 250;
    const exponential = Math.min(base * 2 ** (attempt - 1), 8000);
    // Half jitter (between half and all of the exponential delay): many runners retrying in
    // step would otherwise hit the provider together, and no retry comes back too soon.
    const jittered = exponential / 2 + Math.random() * (exponential / 2);
    if (retryAfterMs === undefined) return jittered;
    return Math.min(Math.max(retryAfterMs, jittered), this.options.maxRetryAfterMs ?? 30_000);
  }

  private async once(url: URL, request: HttpRequest): Promise<HttpResponse> {
    const secure = url.protocol === 'https:';
    const headers: Record<string, string> = {
      'user-agent': this.options.userAgent,
      accept: 'application/json',
      ...request.headers,
    };
    const body = request.body === undefined ? undefined : Buffer.from(request.body);
    if (body) headers['content-length'] = String(body.length);
    // The wait for the server's HTTP/2 session (its first connection still negotiating:
    // bounded, Http2Origins) counts against this attempt's deadline.
    const started = Date.now();
    const multiplexed = secure
      ? await this.http2.get(this.tlsKey(request.tls) ?? '')?.session(url)
      : undefined;
    const timeoutMs = this.options.timeoutMs - (Date.now() - started);
    if (multiplexed) return this.onceHttp2(multiplexed, url, request, headers, body, timeoutMs);

    const { http, https } = network();
    const transport = secure ? https : http;
    // Plain http is only allowed to loopback, which never goes through a proxy: only
    // https needs the CONNECT tunnel.
    const proxyUrl = secure ? this.proxy.proxyFor(url) : undefined;
    const target: http.RequestOptions = {
      method: request.method,
      headers,
      agent: proxyUrl
        ? this.tunnelAgent(proxyUrl, request.tls)
        : this.agentFor(secure, request.tls),
    };
    return this.exchange(request, timeoutMs, (exchange) => {
      const req = transport.request(url, target, (res) =>
        exchange.receive(res.statusCode ?? 0, res.headers, res),
      );
      req.on('error', exchange.fail);
      req.end(body);
      return (error) => req.destroy(error);
    });
  }

  /** One request as a stream of an HTTP/2 session (Http2Origins). */
  private onceHttp2(
    origin: Http2Origin,
    url: URL,
    request: HttpRequest,
    headers: Record<string, string>,
    body: Buffer | undefined,
    timeoutMs: number,
  ): Promise<HttpResponse> {
    const fields: Record<string, string> = {
      ':method': request.method,
      ':path': `${url.pathname}${url.search}`,
    };
    // HTTP/2 field names are lower case, and connection-specific ones are not allowed.
    for (const [name, value] of Object.entries(headers)) {
      const lower = name.toLowerCase();
      if (!CONNECTION_FIELDS.has(lower)) fields[lower] = value;
    }
    return this.exchange(request, timeoutMs, (exchange) => {
      if (origin.session.destroyed) {
        // Ended before this request could start: its reason (a refused handshake, a reset
        // connection) is this request's failure; a retry connects afresh.
        exchange.fail(
          origin.failure ??
            Object.assign(new Error('connection closed'), { code: 'ERR_HTTP2_INVALID_SESSION' }),
        );
        return () => undefined;
      }
      if (origin.open++ === 0) origin.session.ref();
      const stream = origin.session.request(fields, { endStream: body === undefined });
      stream.once('close', () => {
        if (--origin.open === 0) origin.session.unref();
      });
      stream.once('response', (response) => {
        const { ':status': status, ...rest } = response;
        exchange.receive(Number(status ?? 0), rest as http.IncomingHttpHeaders, stream);
      });
      // A stream taken down with its session fails with the session's reason (a TLS alert,
      // a reset connection), which says more than "stream cancelled".
      stream.on('error', (error: Error) => exchange.fail(origin.failure ?? error));
      stream.once('close', () => {
        if (stream.rstCode && stream.rstCode !== 0)
          exchange.fail(
            origin.failure ??
              Object.assign(new Error(`stream reset by the server (${stream.rstCode})`), {
                code: 'ERR_HTTP2_STREAM_ERROR',
              }),
          );
      });
      if (body !== undefined) stream.end(body);
      return (error) => stream.destroy(error);
    });
  }

  /**
   * The part of a request both protocols share: one deadline for the whole attempt (a
   * socket-idle timeout would let a server that trickles a byte a second hold the step for
   * ever), `timeoutMs` from now, and a body read up to its limit. `start` sends the request
   * and returns how to abandon it.
   */
  private exchange(
    request: HttpRequest,
    timeoutMs: number,
    start: (exchange: {
      receive(status: number, headers: http.IncomingHttpHeaders, body: NodeJS.ReadableStream): void;
      fail(error: unknown): void;
    }) => (error?: Error) => void,
  ): Promise<HttpResponse> {
    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false;
      let deadline: NodeJS.Timeout | undefined = undefined; // set once the request has started
      const finish = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        outcome();
      };
      const fail = (error: unknown) => finish(() => reject(error));
      const receive = (
        status: number,
        headers: http.IncomingHttpHeaders,
        res: NodeJS.ReadableStream,
      ) => {
        const success = status >= 200 && status < 300;
        // A success body may be large (up to MAX_BODY_BYTES); anything else is only read
        // for a message, and only its first ERROR_BODY_BYTES.
        const limit = success ? MAX_BODY_BYTES : ERROR_BODY_BYTES;
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          const bytes = Buffer.concat(chunks);
          finish(() =>
            resolve({
              status,
              headers,
              body: bytes,
              text: () => bytes.toString('utf8'),
              json: <T>() => parseJsonBody<T>(bytes, request.what),
            }),
          );
        };
        res.on('data', (chunk: Buffer) => {
          if (settled) return;
          if (size + chunk.length <= limit) {
            size += chunk.length;
            chunks.push(chunk);
            return;
          }
          if (success) {
            abandon(Object.assign(new Error('response body too large'), { code: 'EBODYTOOLARGE' }));
            return;
          }
          // The rest of an error body is not waited for: the connection is dropped.
          chunks.push(chunk.subarray(0, limit - size));
          size = limit;
          done();
          abandon();
        });
        res.on('error', fail);
        res.on('end', done);
      };
      const timedOut = () =>
        Object.assign(new Error(`no answer within ${this.options.timeoutMs / 1000} s`), {
          code: 'REQUEST_TIMEOUT',
        });
      // The attempt's time went on waiting for its connection: not sent at all.
      if (timeoutMs <= 0) return fail(timedOut());
      const abandon = start({ receive, fail });
      if (settled) return; // failed as it started
      deadline = setTimeout(() => {
        const error = timedOut();
        fail(error);
        abandon(error);
      }, timeoutMs);
    });
  }

  private errorFor(request: HttpRequest, response: HttpResponse): HttpError {
    const excerpt = this.scrub(response.text());
    return new HttpError(
      request.what,
      response.status,
      excerpt,
      `${request.what}: HTTP ${response.status}${excerpt ? `: ${excerpt}` : ''}`,
    );
  }

  private networkError(request: HttpRequest, url: URL, error: unknown): HttpError {
    const code = (error as { code?: string }).code;
    const message = error instanceof Error ? error.message : String(error);
    const hint =
      request.tls?.ca && code && UNTRUSTED_CERTIFICATE_CODES.has(code)
        ? "the server's certificate does not chain to the CA given for it (a Kubernetes cluster's: k8s-ca-certificate, the pod's ca.crt or the kubeconfig's certificate-authority)"
        : tlsHint(code, url, Boolean(this.options.ca));
    return new HttpError(
      request.what,
      undefined,
      '',
      `${request.what}: could not reach ${url.host} (${code ?? 'error'}: ${this.scrub(message)})` +
        (hint ? `: ${hint}` : ''),
    );
  }

  private scrub(text: string): string {
    return scrubCredentials(this.options.redact ? this.options.redact(text) : text)
      .slice(0, 500)
      .trim();
  }

  /**
   * The TLS options of this client's connections: one secure context made for all of them.
   * Given the certificates themselves, node makes a context per connection and parses every
   * certificate again, the ~140 public roots beside a private CA included: ~45 ms of CPU per
   * connection on the bench machine, 8 s of a step that opened 200 connections to a Vault
   * with a private CA (bench/vault.bench.ts over HTTP/1.1).
   */
  private tlsOptions(): tls.ConnectionOptions {
    const client = this.options.clientCertificate;
    if (!this.options.ca && !client) return {};
    this.secureContext ??= trustingRootsAnd(
      network().tls,
      this.extraCas(),
      client ? { cert: client.cert, key: client.key } : {},
    );
    return { secureContext: this.secureContext };
  }

  /**
   * The CAs trusted beside node's public roots: the ca-certificate input's, and those of
   * NODE_EXTRA_CA_CERTS (a self-hosted runner's TLS-inspecting proxy, say). Node adds the
   * latter to its default trust only, which a context with a CA of its own does not use: a
   * step given a private CA for Vault lost the runner's proxy CA for every other provider.
   * An unreadable file is passed over, as node passes it over (with its own warning).
   */
  private extraCas(): string[] {
    const cas = this.options.ca ? [this.options.ca] : [];
    const extraFile = this.options.env.NODE_EXTRA_CA_CERTS;
    if (extraFile) {
      try {
        cas.push(readFileSync(extraFile, 'utf8'));
      } catch {
        // node has said so at start-up
      }
    }
    return cas;
  }

  /**
   * An agent that opens HTTPS connections through an HTTP CONNECT proxy.
   *
   * Hand-written rather than taken from https-proxy-agent (issue 12 asked; measured on
   * 7.0.6): bundled and minified it adds 26 KB (8 KB gzipped) to each bundle that can reach
   * the network, +17 % on dist/main.js (154 KB) against the 10 % the issue allows, and
   * loading it (its `debug` dependency probes the terminal) took 27-62 ms on the loaded
   * bench machine, where node itself starts in ~135 ms. It also answers a refused CONNECT by
   * replaying the proxy's answer as though the target had sent it, so a proxy's 403 would
   * read as "vault login: HTTP 403" and not be retried; here it is a connection failure that
   * names the proxy and is retried (tls-proxy.test.ts). Node's own proxy support
   * (`https.Agent({ proxyEnv })`) arrives only in Node 24.5, and the CLI supports Node 20.
   */
  private tunnelAgent(proxyUrl: URL, own?: RequestTls): http.Agent {
    const ownKey = this.tlsKey(own);
    const key = ownKey === undefined ? proxyUrl.href : `${proxyUrl.href} ${ownKey}`;
    const existing = this.proxyAgents.get(key);
    if (existing) return existing;
    const tlsOptions =
      ownKey === undefined || !own ? this.tlsOptions() : this.requestTlsOptions(own);
    const { http, https, tls } = network();
    const agent = new https.Agent({
      keepAlive: true,
      maxSockets: this.options.maxSockets,
      ...tlsOptions,
    });
    const timeoutMs = this.options.timeoutMs;
    // https.Agent calls createConnection(options, callback); the tunnel is made first.
    (agent as unknown as { createConnection: unknown }).createConnection = (
      options: tls.ConnectionOptions & { host?: string; port?: number; servername?: string },
      callback: (error: Error | null, socket?: net.Socket) => void,
    ) => {
      const connect = (proxyUrl.protocol === 'https:' ? https : http).request({
        host: proxyUrl.hostname,
        port: proxyUrl.port || (proxyUrl.protocol === 'https:' ? 443 : 80),
        method: 'CONNECT',
        path: `${options.host}:${options.port}`,
        headers: {
          host: `${options.host}:${options.port}`,
          ...(proxyAuthorization(proxyUrl)
            ? { 'proxy-authorization': proxyAuthorization(proxyUrl) as string }
            : {}),
        },
        timeout: timeoutMs,
      });
      connect.once('connect', (res, socket) => {
        if (res.statusCode !== 200) {
          socket.destroy();
          callback(
            Object.assign(new Error(`proxy answered CONNECT with ${res.statusCode}`), {
              code: 'ECONNREFUSED',
            }),
          );
          return;
        }
        const secured = tls.connect({
          ...options,
          ...tlsOptions,
          socket,
          servername: options.servername ?? options.host,
        });
        callback(null, secured);
      });
      connect.once('timeout', () =>
        connect.destroy(Object.assign(new Error('proxy timeout'), { code: 'ETIMEDOUT' })),
      );
      connect.once('error', (error) => callback(error));
      connect.end();
      return undefined;
    };
    this.proxyAgents.set(key, agent);
    return agent;
  }
}

/**
 * A secure context that trusts node's public roots and `extraCas` beside them (a private CA
 * is added to the roots, not put in their place), presenting `identity`. The CA is added to
 * a context made with node's roots the way node adds each `ca` entry itself (the native
 * context's addCACert, which copies the roots node parsed once per process into a store of
 * the context's own): handing node the roots as text (`tls.rootCertificates`) had them all
 * parsed again, 25 ms of CPU before the first request to Vault could leave.
 */
function trustingRootsAnd(
  tlsModule: typeof tls,
  extraCas: readonly string[],
  identity: tls.SecureContextOptions,
): tls.SecureContext {
  const context = tlsModule.createSecureContext(identity);
  if (extraCas.length === 0) return context;
  const native = (context as unknown as { context?: { addCACert?: (pem: string) => void } })
    .context;
  if (typeof native?.addCACert === 'function') {
    for (const ca of extraCas) native.addCACert(ca);
    return context;
  }
  // A node without it (none seen, 20 to 24): the roots as text, parsed again.
  return tlsModule.createSecureContext({
    ...identity,
    ca: [...tlsModule.rootCertificates, ...extraCas],
  });
}

/**
 * A 3xx answer: refused without its body or Location (provider text, possibly a secret).
 * The description stands in for the body excerpt, which is what providers' error mapping
 * quotes after "HTTP <status>:".
 */
function redirectRefused(request: HttpRequest, status: number): HttpError {
  const description =
    'redirect refused (the provider answered with a redirect, which is never followed: check the URL and any endpoints override)';
  return new HttpError(
    request.what,
    status,
    description,
    `${request.what}: HTTP ${status}: ${description}`,
  );
}

/** The last failure of a retried request, saying that it was retried. */
function gaveUp(failure: HttpError, attempts: number): HttpError {
  return new HttpError(
    failure.what,
    failure.status,
    failure.bodyExcerpt,
    `${failure.message} (gave up after ${attempts} attempts)`,
  );
}

/** Certificate verification failures, with what to do about them. */
const UNTRUSTED_CERTIFICATE_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
]);

function tlsHint(code: string | undefined, url: URL, hasCa: boolean): string | undefined {
  if (!code) return undefined;
  if (UNTRUSTED_CERTIFICATE_CODES.has(code)) {
    return hasCa
      ? `the server's certificate does not chain to the public roots or to the ca-certificate input's CA (does the server send its intermediate certificates?)`
      : `the server's certificate is not trusted: if a private CA issued it, give the CA's PEM text or path in the ca-certificate input`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return `the server's certificate is not issued for ${url.hostname}: check the host name in the URL`;
  if (code === 'CERT_HAS_EXPIRED') return "the server's certificate has expired";
  // TLS alerts a server sends when it requires a client certificate it trusts (mutual TLS).
  if (
    /CERTIFICATE_REQUIRED|ALERT_BAD_CERTIFICATE|ALERT_UNKNOWN_CA|ALERT_HANDSHAKE_FAILURE/.test(code)
  )
    return 'the server requires a client certificate (mutual TLS) that it trusts, and refused the handshake';
  return undefined;
}

function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

function isRetryableNetworkError(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code;
  if (code && RETRYABLE_CODES.has(code)) return true;
  return error instanceof Error && /socket hang up/i.test(error.message);
}

/** Retry-After: delta seconds or an HTTP date. */
export function parseRetryAfter(
  header: string | string[] | undefined,
  now = Date.now(),
): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Literal loopback only: `localhost`, 127.0.0.0/8 and ::1. A name under `.localhost` is not
 * trusted by its name: RFC 6761 asks resolvers to answer it with loopback, but the runner's
 * resolver (a hosts file, a corporate DNS) may not, and plain http to it would send tokens
 * over the network in the clear.
 */
export function isLoopback(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === 'localhost' || host === '::1' || host === '[::1]') return true;
  const octets = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return octets !== null && octets.slice(1).every((o) => Number(o) <= 255);
}

/** Plain http:// sends tokens in the clear: only to loopback (local emulators, sidecars). */
export function assertSecureUrl(url: URL, what: string): void {
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return;
  throw new ActionError(
    'INPUT_INVALID',
    `${what}: ${url.protocol}//${url.host} is refused: use https:// (plain http is allowed only to loopback addresses)`,
  );
}

interface ProxySettings {
  proxyFor(url: URL): URL | undefined;
}

/**
 * HTTPS_PROXY / NO_PROXY (either case), as curl and the runner read them: a NO_PROXY name
 * also covers its subdomains. Not proxy-from-env: it reads process.env itself (the front end
 * hands this module its environment, eslint.config.js) and bypasses only the exact name
 * unless the entry starts with `.` or `*`, where curl and the runner bypass subdomains too.
 */
export function readProxySettings(env: NodeJS.ProcessEnv): ProxySettings {
  const pick = (name: string) => env[name.toLowerCase()] || env[name.toUpperCase()] || undefined;
  const proxyText = pick('https_proxy');
  let proxy: URL | undefined;
  try {
    proxy = proxyText
      ? new URL(proxyText.includes('://') ? proxyText : `http://${proxyText}`)
      : undefined;
  } catch {
    proxy = undefined;
  }
  const noProxy = (pick('no_proxy') ?? '')
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean);
  return {
    proxyFor(url) {
      if (!proxy || isLoopback(url.hostname)) return undefined;
      const host = url.hostname.toLowerCase();
      const port = url.port || '443';
      const bypass = noProxy.some((entry) => {
        if (entry === '*') return true;
        const [entryHost, entryPort] = entry.split(':') as [string, string | undefined];
        if (entryPort && entryPort !== port) return false;
        const bare = entryHost.replace(/^\*?\./, '');
        return host === bare || host.endsWith(`.${bare}`);
      });
      return bypass ? undefined : proxy;
    },
  };
}

function proxyAuthorization(proxyUrl: URL): string | undefined {
  if (!proxyUrl.username) return undefined;
  const credentials = `${decodeURIComponent(proxyUrl.username)}:${decodeURIComponent(proxyUrl.password)}`;
  return `Basic ${Buffer.from(credentials).toString('base64')}`;
}

/**
 * Removes what looks like a credential from provider text (error bodies echo tokens back
 * surprisingly often): JWTs, bearer tokens, Vault and cloud token formats, long opaque runs.
 */
export function scrubCredentials(text: string): string {
  return text
    .replace(/eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, '[jwt]')
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [redacted]')
    .replace(/\b(hv[sbr]|s|b|r)\.[A-Za-z0-9_-]{20,}/g, '[vault-token]')
    .replace(/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, '[aws-access-key]')
    .replace(/\bya29\.[A-Za-z0-9_-]{10,}/g, '[gcp-token]')
    .replace(
      /("(?:password|secret|token|client_secret|access_token|SecretString|value)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi,
      '$1"[redacted]"',
    )
    .replace(/[A-Za-z0-9+/_-]{40,}={0,2}/g, '[redacted]');
}

/**
 * JSON.parse's own errors quote the text they choke on, and a response body may be a
 * secret: the error says only which request it was.
 */
function parseJsonBody<T>(bytes: Buffer, what: string): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch {
    throw new ActionError(
      'READ_FAILED',
      `${what}: the response is not valid JSON (${bytes.length} bytes)`,
    );
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
