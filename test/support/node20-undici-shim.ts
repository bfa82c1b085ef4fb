// @kubernetes/client-node 2.x depends on undici 8, which wants Node >= 22.19; this machine
// and the CLI's floor are Node 20. undici 8 uses three things Node 20 lacks: it binds
// zlib.createZstdDecompress at load, marks its Cache objects with
// worker_threads.markAsUncloneable, and calls Promise.withResolvers per request. The tests
// only need the official client's HTTP requests (no zstd body, no structured cloning), so
// these stand-ins let it run on Node 20. Run this before the client is loaded (a dynamic
// import after it: jest links static imports before evaluating any module).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const zlib = require('node:zlib') as Record<string, unknown>;
zlib.createZstdDecompress ??= () => {
  throw new Error('zstd decompression is not available on this Node version');
};
const workerThreads = require('node:worker_threads') as Record<string, unknown>;
workerThreads.markAsUncloneable ??= () => undefined;

interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}
const promise = Promise as unknown as { withResolvers?: <T>() => Resolvers<T> };
promise.withResolvers ??= <T>(): Resolvers<T> => {
  let resolve!: Resolvers<T>['resolve'];
  let reject!: Resolvers<T>['reject'];
  const made = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise: made, resolve, reject };
};
