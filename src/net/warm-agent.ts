// Keep-alive agents that can open connections before the requests that will use them
// (HttpClient.preconnect). A connection opened ahead is made by the agent's own
// createConnection — for https with the agent's TLS options and the server name node's
// Agent would give it — and handed over when the agent next asks for a connection to that
// host and port; node documents overriding `createConnection` for such agents
// ("custom agents may override this method"). Until handed over, an early connection holds
// no request, keeps the process from exiting no more than an idle keep-alive socket does
// (unref), and a failure closes it unseen: the request that would have used it makes a new
// connection and reports its own errors.
import type http from 'node:http';
import type https from 'node:https';
import { isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export interface WarmAgent extends http.Agent {
  /**
   * Opens connections to `url`'s host and port until `count` wait there unused (counting
   * the agent's idle keep-alive connections to it).
   */
  preconnect(url: URL, count: number): void;
  /** A connection to `url`'s server opened elsewhere (made with this agent's TLS options), to use as an early one. */
  adopt(url: URL, socket: Socket): void;
}

type AgentClass = new (options?: https.AgentOptions) => http.Agent;

export function warmAgentClass(Base: AgentClass): new (options?: https.AgentOptions) => WarmAgent {
  return class extends Base implements WarmAgent {
    private readonly early = new Map<string, Socket[]>();

    preconnect(url: URL, count: number): void {
      const { host, port, secure } = serverOf(url);
      const waiting = this.waiting(serverKey(host, port));
      // What node's Agent.createSocket passes its createConnection for a request to this
      // server: its own options, the server name as calculateServerName gives it (never an
      // IP address), keep-alive probing, and the key TLS sessions are cached under.
      const options: http.ClientRequestArgs & Record<string, unknown> = {
        ...(this as unknown as { options: object }).options,
        host,
        port,
        ...(secure ? { servername: isIP(host) ? '' : host } : {}),
        keepAlive: true,
        keepAliveInitialDelay: (this as unknown as { keepAliveMsecs: number }).keepAliveMsecs,
      };
      options._agentKey = this.getName(options);
      // Idle keep-alive connections to the same server serve as well as new ones.
      const idle = this.freeSockets[options._agentKey as string]?.length ?? 0;
      while (waiting.length + idle < count) {
        const socket = super.createConnection(options) as Socket | null | undefined;
        if (!socket) return;
        fileEarly(waiting, socket);
      }
    }

    adopt(url: URL, socket: Socket): void {
      const { host, port } = serverOf(url);
      fileEarly(this.waiting(serverKey(host, port)), socket);
    }

    /** The early connections to a server that are still open. */
    private waiting(key: string): Socket[] {
      const waiting = (this.early.get(key) ?? []).filter((socket) => !socket.destroyed);
      this.early.set(key, waiting);
      return waiting;
    }

    override createConnection(
      options: http.ClientRequestArgs,
      callback?: (err: Error | null, stream: Duplex) => void,
    ): Duplex | null | undefined {
      // Node's request options carry the host without brackets, as url.hostname is read above.
      const waiting = this.early.get(
        serverKey(String(options.host ?? 'localhost'), Number(options.port)),
      );
      while (waiting?.length) {
        const socket = waiting.pop() as Socket;
        if (socket.destroyed || !socket.writable || socket.readableEnded) continue;
        socket.removeListener('error', dropEarly);
        socket.ref();
        return socket;
      }
      return super.createConnection(options, callback);
    }

    override destroy(): void {
      for (const waiting of this.early.values()) for (const socket of waiting) socket.destroy();
      this.early.clear();
      super.destroy();
    }
  };
}

function serverOf(url: URL): { host: string; port: number; secure: boolean } {
  const host = url.hostname.replace(/^\[|\]$/g, ''); // an IPv6 address without its brackets
  const secure = url.protocol === 'https:';
  return { host, port: Number(url.port || (secure ? 443 : 80)), secure };
}

/** Keeps an early connection until it is asked for: unref'd, and closed if it fails. */
function fileEarly(waiting: Socket[], socket: Socket): void {
  socket.unref();
  socket.on('error', dropEarly);
  waiting.push(socket);
}

/** Where a connection goes, as early connections are filed and asked for. */
function serverKey(host: string, port: number): string {
  return `${host}:${port}`;
}

/**
 * An early connection that fails is closed and never handed over (see above). Closed here
 * because a TLS socket reports a handshake refused by the server (a missing client
 * certificate) as an error without destroying itself: left as it was, it looked usable and
 * the login request written to it waited for its deadline.
 */
function dropEarly(this: Socket): void {
  this.destroy();
}
