// A plain-HTTP server on loopback for the HTTP client's unit tests: counts requests, and on
// close destroys its open sockets and clears the timers a handler registered (a handler
// that trickles a body keeps one), so a test never leaves the process waiting.
import http from 'node:http';
import type net from 'node:net';
import type { AddressInfo } from 'node:net';

export type LocalHandler = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  /** 1 for the first request, 2 for the second, … */
  hit: number,
) => void;

export interface LocalServer {
  url: string;
  hits(): number;
  /** Timers the handler started: cleared on close. */
  timers: Set<NodeJS.Timeout>;
  close(): Promise<void>;
}

export async function serveLocal(handler: LocalHandler): Promise<LocalServer> {
  let hits = 0;
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => handler(req, res, ++hits));
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits: () => hits,
    timers,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearInterval(t);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
