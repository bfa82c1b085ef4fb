// HTTP/2 to a server that many requests go to at once (a step's Vault reads): one TLS
// connection carries every request as a stream of its own, instead of one connection and
// one TLS handshake per request. Used only where the server offers it: the first connection
// asks for "h2" or "http/1.1" in ALPN, and a server that picks http/1.1 (or none) gets
// HTTP/1.1 over that same connection and the keep-alive agent from then on. Vault's TCP
// listener offers both ("NextProtos: h2, http/1.1", internalshared/listenerutil/listener.go:
// "the CLI (net/http) automatically uses HTTP/2"), so Vault's own CLI reads this way too.
//
// Measured with a bare node client against a local server answering after 50 ms: 200 GETs
// over HTTP/1.1 and TLS (200 handshakes) took ~560 ms of CPU and wall time, as HTTP/2
// streams ~200 ms, less than 200 GETs over plain-http keep-alive connections (~250 ms).
import type http2 from 'node:http2';
import type tls from 'node:tls';

export interface Http2Dependencies {
  http2: typeof http2;
  /** Opens the TLS connection, with the client's CA, client certificate and server name. */
  connect(url: URL, alpn: string[]): tls.TLSSocket;
  /**
   * A connection on which the server chose HTTP/1.1: for the keep-alive agent to use, with
   * more opened beside it until `count` wait there.
   */
  adoptHttp1(url: URL, socket: tls.TLSSocket, count: number): void;
  /**
   * How long the first connection may take, handshake and the server's SETTINGS: past it,
   * the server is reached through the agent, whose requests have deadlines of their own.
   */
  timeoutMs: number;
}

/** A session and how many of its streams are open (the session keeps the process alive only then). */
interface Origin {
  session: http2.ClientHttp2Session;
  open: number;
  /** Why the session ended, for the streams it took with it. */
  failure?: Error;
}

export class Http2Origins {
  /** Per origin: the HTTP/2 session, or undefined once the server chose HTTP/1.1. */
  private readonly origins = new Map<string, Promise<Origin | undefined>>();
  /** Origins told to expect requests, and how many. */
  private readonly prepared = new Map<string, number>();
  /** First connections still in their TLS handshake. */
  private readonly connecting = new Set<tls.TLSSocket>();
  private closed = false;

  constructor(private readonly deps: Http2Dependencies) {}

  /**
   * Starts the first connection to `url`'s server if none is open or being opened; `count`
   * requests are coming.
   */
  prepare(url: URL, count: number): void {
    this.prepared.set(url.origin, count);
    // Connected on the next turn of the event loop: a request the caller starts right after
    // this (the OIDC token a login begins with) goes out first, not behind the TLS set-up.
    if (!this.origins.has(url.origin))
      this.origins.set(url.origin, this.negotiate(url, count, setImmediate));
  }

  /**
   * The session for `url`'s server: undefined when that server was never prepared here or
   * speaks HTTP/1.1 (the caller then uses its agent). A session that ended (the server
   * closed it, the connection broke) is replaced by a new connection.
   */
  async session(url: URL): Promise<Origin | undefined> {
    const count = this.prepared.get(url.origin);
    if (count === undefined) return undefined;
    let origin = this.origins.get(url.origin);
    if (!origin) {
      origin = this.negotiate(url, count);
      this.origins.set(url.origin, origin);
    }
    return origin;
  }

  /** Closes every session (requests still open on them fail). */
  close(): void {
    this.closed = true;
    for (const socket of this.connecting) socket.destroy();
    for (const origin of this.origins.values()) void origin.then((o) => o?.session.destroy());
    this.origins.clear();
    this.prepared.clear();
  }

  private negotiate(
    url: URL,
    count: number,
    schedule: (start: () => void) => void = (start) => start(),
  ): Promise<Origin | undefined> {
    const negotiated = new Promise<Origin | undefined>((resolve) =>
      schedule(() => {
        if (this.closed) return resolve(undefined);
        let socket: tls.TLSSocket;
        try {
          socket = this.deps.connect(url, ['h2', 'http/1.1']);
        } catch {
          // The request that follows goes through the agent and reports what went wrong in
          // the words it always has (a CA that cannot be read, …).
          return resolve(undefined);
        }
        this.connecting.add(socket);
        let origin: Origin | undefined;
        let done = false;
        let deadline: NodeJS.Timeout | undefined = undefined;
        /** Settles the negotiation once: `reached` is undefined for the agent's way. */
        const settle = (reached: Origin | undefined) => {
          if (done) return;
          done = true;
          clearTimeout(deadline);
          this.connecting.delete(socket);
          resolve(reached);
        };
        const failed = () => {
          // As above; this connection is not tried again.
          socket.destroy();
          settle(undefined);
        };
        // A server that accepts the connection and then says nothing (a stalled load
        // balancer) must not hold the requests waiting here past their deadline: they go
        // through the agent, and so does every later request to this server.
        deadline = setTimeout(() => {
          // Kept as an HTTP/1.1 server: the session's close below must not have the next
          // request negotiate (and wait) again.
          if (this.origins.get(url.origin) === negotiated)
            this.origins.set(url.origin, Promise.resolve(undefined));
          origin?.session.destroy();
          failed();
        }, this.deps.timeoutMs);
        deadline.unref();
        socket.once('error', failed);
        socket.once('secureConnect', () => {
          socket.removeListener('error', failed);
          if (socket.alpnProtocol !== 'h2') {
            if (done) return;
            this.deps.adoptHttp1(url, socket, count);
            settle(undefined);
            return;
          }
          // Used once the server's SETTINGS arrive (its first frame, right behind the
          // handshake): streams opened before would not know its limit on concurrent streams,
          // and those over it are refused (REFUSED_STREAM).
          const opened = this.open(url, socket, negotiated);
          origin = opened;
          const ready = () => {
            // Until then the session keeps the process alive: requests are waiting on it.
            if (opened.open === 0) opened.session.unref();
            settle(opened);
          };
          opened.session.once('remoteSettings', ready);
          opened.session.once('close', ready);
        });
      }),
    );
    return negotiated;
  }

  private open(url: URL, socket: tls.TLSSocket, negotiated: Promise<Origin | undefined>): Origin {
    const session = this.deps.http2.connect(url.origin, { createConnection: () => socket });
    const origin: Origin = { session, open: 0 };
    const forget = () => {
      // The next request to this server connects afresh (and may find HTTP/1.1 there).
      if (this.origins.get(url.origin) === negotiated) this.origins.delete(url.origin);
    };
    session.on('error', (error: Error) => {
      origin.failure ??= error;
      forget();
    });
    // A TLS handshake the server refuses after the client's part is done (TLS 1.3: a client
    // certificate it wanted) fails the socket without closing it, and the session then
    // never closes either: closed here, with the server's reason kept for the requests.
    socket.on('error', (error: Error) => {
      origin.failure ??= error;
      socket.destroy();
    });
    session.on('goaway', forget);
    session.on('close', forget);
    return origin;
  }
}

export type { Origin as Http2Origin };
