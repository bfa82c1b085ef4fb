// A TCP proxy in front of a local emulator that charges each connect and every chunk half a
// round trip each way, so that TCP and TLS handshakes cost what they cost on a network (the
// emulators' own latency delays answers only).
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

/** Starts a proxy to `target`'s port on 127.0.0.1; resolves to its URL (`target`'s scheme). */
export function startDelayingProxy(target: string, rttMs: number): Promise<string> {
  const half = rttMs / 2;
  const forward = (from: Socket, to: Socket) => {
    from.on('data', (chunk) => setTimeout(() => to.write(chunk), half));
    from.on('end', () => setTimeout(() => to.end(), half));
    from.on('error', () => to.destroy());
    from.on('close', () => setTimeout(() => to.destroy(), half));
  };
  const server = createServer((client) => {
    client.pause();
    // No Nagle on the proxy's own sockets: with it, the second segment of an answer waited
    // for the client's delayed ACK (40 ms on Linux), a stall of the proxy, not of the client.
    client.setNoDelay(true);
    // The connect's own round trip (SYN, SYN-ACK) before anything flows.
    setTimeout(() => {
      const upstream = connect(Number(new URL(target).port), '127.0.0.1');
      upstream.setNoDelay(true);
      forward(client, upstream);
      forward(upstream, client);
      client.resume();
    }, rttMs);
  });
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () => {
      server.unref();
      const { port } = server.address() as AddressInfo;
      done(`${new URL(target).protocol}//127.0.0.1:${port}`);
    }),
  );
}
