// Plumbing shared by the OIDC issuer and Vault emulators: a real HTTP(S) server on
// 127.0.0.1 with a random port, a log of what it answered, injected latency, and a fault
// hook that can drop the connection, hang, or answer in the emulator's place. Each emulator
// only supplies `handle(request) → reply`, i.e. its service's wire protocol.
import {
  createServer as createHttpServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import {
  constants as http2Constants,
  createSecureServer,
  type Http2ServerRequest,
} from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

export interface TlsOptions {
  /** PEM private key. */
  key: string | Buffer;
  /** PEM certificate (chain). */
  cert: string | Buffer;
  /** CAs whose client certificates are accepted: asks every client for one (optional). */
  clientCa?: string | Buffer;
  /**
   * With clientCa: refuse a client without a certificate from it at the handshake (mutual
   * TLS as Vault's `tls_require_and_verify_client_cert`); without it, a certificate is asked
   * for but optional (the Kubernetes API server's way).
   */
  requireClientCertificate?: boolean;
  /**
   * Offer HTTP/2 beside HTTP/1.1 in ALPN, as Vault's TCP listener does (NextProtos "h2",
   * "http/1.1"): a client that asks for h2 gets it, any other HTTP/1.1.
   */
  http2?: boolean;
}

/** The client certificate of a TLS request, when it chains to TlsOptions.clientCa. */
export interface ClientCertificate {
  /** Subject common name and organisations (Kubernetes: user name and groups). */
  commonName: string;
  organizations: string[];
}

export interface ServedRequest {
  method: string;
  /** Parsed against the server's own base URL. */
  url: URL;
  /** Path and query exactly as they arrived. */
  rawUrl: string;
  /** Lower-case header names, as Node delivers them. */
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** A verified client certificate (TlsOptions.clientCa), if the client sent one. */
  clientCertificate?: ClientCertificate;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** A string or Buffer is sent as is; anything else is sent as JSON. */
  body?: unknown;
}

/** What a fault hook may do instead of the emulator: drop the connection, hang, or answer. */
export type Fault = 'reset' | 'hang' | Reply | undefined | void;
export type FaultHook<R = ServedRequest> = (request: R) => Fault | Promise<Fault>;

/** One answered request. `status` is 0 for a dropped connection and -1 for a hang. */
export interface LoggedRequest {
  method: string;
  /** Path without the query string (queries may carry credentials). */
  path: string;
  status: number;
  fault?: 'reset' | 'hang' | 'reply';
}

export interface HttpServerOptions {
  tls?: TlsOptions;
  /** Extra fields for each log entry (the Vault emulator adds the namespace). */
  describe?: (request: ServedRequest) => Record<string, unknown>;
}

export type Handler = (request: ServedRequest) => Promise<Reply> | Reply;

export interface EmulatorServer<L extends LoggedRequest = LoggedRequest> {
  /** `http://127.0.0.1:PORT` (or https), no trailing slash. */
  readonly url: string;
  readonly requests: L[];
  /** Delays every response (faults included) by `ms`. */
  setLatency(ms: number): void;
  setFault(hook: FaultHook | undefined): void;
  /** TCP connections accepted so far (each TLS handshake is one). */
  connections(): number;
  close(): Promise<void>;
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

export function jsonReply(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Reply {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body };
}

function encodeBody(body: unknown): Buffer {
  if (body === undefined) return Buffer.alloc(0);
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.from(JSON.stringify(body), 'utf8');
}

export async function startHttpServer<L extends LoggedRequest = LoggedRequest>(
  handler: Handler,
  options: HttpServerOptions = {},
): Promise<EmulatorServer<L>> {
  let latency = 0;
  let fault: FaultHook | undefined;
  const requests: L[] = [];
  const sockets = new Set<Socket>();
  const hung = new Set<ServerResponse>();
  let base = '';

  const log = (request: ServedRequest, status: number, kind?: LoggedRequest['fault']) => {
    const entry: LoggedRequest = { method: request.method, path: request.url.pathname, status };
    if (kind) entry.fault = kind;
    requests.push({ ...entry, ...options.describe?.(request) } as L);
  };

  const send = (res: ServerResponse, reply: Reply) => {
    const body = encodeBody(reply.body);
    const headers: Record<string, string | number> = { ...reply.headers };
    // 204 and 304 carry no body, and Node refuses a content-length on them.
    if (reply.status !== 204 && reply.status !== 304) headers['content-length'] = body.length;
    res.writeHead(reply.status, headers);
    res.end(reply.status === 204 || reply.status === 304 ? undefined : body);
  };

  const onRequest = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawUrl = req.url ?? '/';
    const request: ServedRequest = {
      method: req.method ?? 'GET',
      url: new URL(rawUrl, base),
      rawUrl,
      headers: req.headers,
      body: Buffer.concat(chunks),
    };
    const verified = verifiedClientCertificate(req);
    if (verified) request.clientCertificate = verified;
    if (latency > 0) await sleep(latency);

    const injected = fault ? await fault(request) : undefined;
    if (injected === 'reset') {
      log(request, 0, 'reset');
      // HTTP/2: the request's stream is reset (RST_STREAM), its connection's other streams
      // go on, as a server does when one request fails under it.
      if (req.httpVersionMajor === 2) {
        (req as unknown as Http2ServerRequest).stream.close(http2Constants.NGHTTP2_INTERNAL_ERROR);
        return;
      }
      // An RST rather than a FIN, where Node offers it: clients see ECONNRESET.
      const socket = req.socket as Socket & { resetAndDestroy?: () => void };
      if (socket.resetAndDestroy) socket.resetAndDestroy();
      else socket.destroy();
      return;
    }
    if (injected === 'hang') {
      log(request, -1, 'hang');
      hung.add(res);
      return;
    }
    if (injected) {
      log(request, injected.status, 'reply');
      send(res, injected);
      return;
    }
    let reply: Reply;
    try {
      reply = await handler(request);
    } catch (error) {
      // An emulator bug must fail a test loudly, not hang it.
      reply = {
        status: 500,
        headers: { 'content-type': 'text/plain' },
        body: `emulator error: ${(error as Error).message}`,
      };
    }
    log(request, reply.status);
    send(res, reply);
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    onRequest(req, res).catch(() => res.destroy());
  };
  const tlsOptions = options.tls && {
    key: options.tls.key,
    cert: options.tls.cert,
    ...(options.tls.clientCa
      ? {
          ca: options.tls.clientCa,
          requestCert: true,
          rejectUnauthorized: options.tls.requireClientCertificate === true,
        }
      : {}),
  };
  const server = !tlsOptions
    ? createHttpServer(listener)
    : options.tls?.http2
      ? createSecureServer(
          { ...tlsOptions, allowHTTP1: true },
          listener as unknown as Parameters<typeof createSecureServer>[1],
        )
      : createHttpsServer(tlsOptions, listener);
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  let accepted = 0;
  server.on('connection', (socket: Socket) => {
    accepted++;
    track(socket);
  });
  server.on('secureConnection', track);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  base = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;

  let closed: Promise<void> | undefined;
  return {
    url: base,
    requests,
    setLatency(ms: number) {
      latency = ms;
    },
    setFault(hook: FaultHook | undefined) {
      fault = hook;
    },
    connections: () => accepted,
    close() {
      closed ??= new Promise<void>((resolve) => {
        for (const res of hung) {
          const stream = (res as unknown as { stream?: { destroy(): void } }).stream;
          if (stream) stream.destroy();
          else res.destroy();
        }
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      });
      return closed;
    },
  };
}

/** The bearer token of an `Authorization` header, if there is one. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const header = headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

/** A header's single value (Node gives arrays for repeated headers). */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** The subject of a client certificate the TLS layer verified against clientCa. */
function verifiedClientCertificate(req: IncomingMessage): ClientCertificate | undefined {
  const socket = req.socket as TLSSocket;
  if (typeof socket.getPeerCertificate !== 'function' || !socket.authorized) return undefined;
  const subject = socket.getPeerCertificate().subject as
    Record<string, string | string[] | undefined> | undefined;
  if (!subject) return undefined;
  const list = (value: string | string[] | undefined) =>
    value === undefined ? [] : Array.isArray(value) ? value : [value];
  return { commonName: list(subject.CN)[0] ?? '', organizations: list(subject.O) };
}
