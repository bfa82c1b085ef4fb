// A scan worker thread (bundled on its own as dist/scan-worker.js): compiles the rules it is
// given, says it is ready, then runs each job it is sent and sends back what it found.
import { parentPort, workerData } from 'node:worker_threads';
import { runJob, type ScanJob } from './batch.js';
import { compileConfig } from './config.js';
import { Detector } from './detector.js';
import type { RawConfig } from './types.js';

export interface WorkerInit {
  raw: RawConfig;
  source: string;
  configFile?: string;
}

export type WorkerReply =
  | { kind: 'ready' }
  | { kind: 'done'; id: number; result: ReturnType<typeof runJob> }
  | { kind: 'failed'; id: number; message: string };

const port = parentPort;
if (port) {
  const init = workerData as WorkerInit;
  const detector = new Detector({
    ...compileConfig(init.raw, init.source),
    configFile: init.configFile,
  });
  port.on('message', ({ id, job }: { id: number; job: ScanJob }) => {
    let reply: WorkerReply;
    try {
      reply = { kind: 'done', id, result: runJob(detector, job) };
    } catch (err) {
      // The message only: a stack or a fragment could carry scanned text.
      reply = { kind: 'failed', id, message: (err as Error).message };
    }
    port.postMessage(reply);
  });
  port.postMessage({ kind: 'ready' } satisfies WorkerReply);
}
