// A TCP proxy in front of a local server, for what the emulators' own latency cannot show:
// each connect and every chunk can be charged half a round trip each way (so TCP and TLS
// handshakes cost what they cost on a network), and the connections it accepts are counted
// (which endpoint a step connected to, and when).
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

export interface TcpProxy {
  /** `https://127.0.0.1:PORT`: the proxied server's scheme with the proxy's port. */
  readonly url: string;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/** Proxies to `target`'s port on 127.0.0.1, charging `rttMs` per round trip (0: none). */
export function startTcpProxy(target: string, rttMs = 0): Promise<TcpProxy> {
  const half = rttMs / 2;
  const later = (action: () => void) => (half > 0 ? setTimeout(action, half) : action());
  const forward = (from: Socket, to: Socket) => {
    from.on('data', (chunk) => later(() => to.write(chunk)));
    from.on('end', () => later(() => to.end()));
    from.on('error', () => to.destroy());
    from.on('close', () => later(() => to.destroy()));
  };
  let accepted = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    accepted++;
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.pause();
    // No Nagle on the proxy's own sockets: with it, the second segment of an answer waited
    // for the client's delayed ACK (40 ms on Linux), a stall of the proxy, not of the client.
    client.setNoDelay(true);
    // The connect's own round trip (SYN, SYN-ACK) before anything flows.
    const start = () => {
      const upstream = connect(Number(new URL(target).port), '127.0.0.1');
      upstream.setNoDelay(true);
      sockets.add(upstream);
      upstream.on('close', () => sockets.delete(upstream));
      forward(client, upstream);
      forward(upstream, client);
      client.resume();
    };
    if (rttMs > 0) setTimeout(start, rttMs);
    else start();
  });
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () => {
      server.unref();
      const { port } = server.address() as AddressInfo;
      done({
        url: `${new URL(target).protocol}//127.0.0.1:${port}`,
        connections: () => accepted,
        close: () =>
          new Promise((closed) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => closed());
          }),
      });
    }),
  );
}
