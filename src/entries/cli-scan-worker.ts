// dist/cli/scan-worker.cjs: a worker thread of `oidc-secrets scan` over a path tree
// (src/scan/parallel.ts), started by the scan command's bundle; it does nothing elsewhere.
import { runTreeWorker } from '../scan/parallel.js';

runTreeWorker();
