// Output masking throughput of `oidc-secrets run`: 100 MB of log-like text with 50 masks
// (and a few occurrences in it) through the masking Transform, against a pass-through
// Transform fed the same chunks in the same session. Medians of several runs.
import { randomBytes } from 'node:crypto';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MaskAutomaton, createMaskingStream } from '../src/core/mask-stream.js';
import { median, printTable } from './stats.js';

const TOTAL_MB = Number(process.env.BENCH_MASK_MB ?? 100);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CHUNK = 64 * 1024;

const masks = Array.from({ length: 50 }, () => randomBytes(24).toString('base64url'));
// Log lines, with a mask every ~200 KB, some of them straddling a chunk boundary.
const lines = [
  '2026-11-01T12:00:00.123Z INFO  request handled path=/api/v1/items status=200 duration=12ms\n',
  '2026-11-01T12:00:00.456Z DEBUG cache hit key=user:1234 ttl=300 region=eu-west-1\n',
  '2026-11-01T12:00:00.789Z WARN  slow query table=orders rows=18231 elapsed=1.2s\n',
];
const chunks: Buffer[] = [];
let planted = 0;
for (let c = 0; c < 8; c++) {
  const chunk = Buffer.alloc(CHUNK);
  for (let i = 0, l = 0; i < CHUNK; l++) i += chunk.write(lines[l % lines.length]!, i);
  chunks.push(chunk);
}
for (const c of [0, 3, 6]) {
  // A mask split across this chunk and the next: its first 10 bytes end chunk c.
  const mask = Buffer.from(masks[c]!);
  mask.copy(chunks[c]!, CHUNK - 10, 0, 10);
  mask.copy(chunks[c + 1]!, 0, 10);
  planted++;
}
const chunkCount = Math.ceil((TOTAL_MB * 1e6) / CHUNK);

async function throughput(makeTransform: () => Transform): Promise<{ mbps: number; out: number }> {
  let out = 0;
  let i = 0;
  const source = new Readable({
    read() {
      this.push(i < chunkCount ? chunks[i++ % chunks.length] : null);
    },
  });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      out += chunk.length;
      callback();
    },
  });
  const started = performance.now();
  await pipeline(source, makeTransform(), sink);
  const seconds = (performance.now() - started) / 1000;
  return { mbps: (chunkCount * CHUNK) / 1e6 / seconds, out };
}

const automaton = new MaskAutomaton(masks);
const passThrough = () =>
  new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      callback(null, chunk);
    },
  });
const baseline: number[] = [];
const masked: number[] = [];
let outBytes = 0;
await throughput(() => createMaskingStream(automaton)); // warm-up
for (let r = 0; r < RUNS; r++) {
  baseline.push((await throughput(passThrough)).mbps);
  const result = await throughput(() => createMaskingStream(automaton));
  masked.push(result.mbps);
  outBytes = result.out;
}
const inBytes = chunkCount * CHUNK;
const seconds = (mbps: number): string => `${((inBytes / 1e6 / mbps) * 1000).toFixed(0)} ms`;
printTable([
  ['stream', `MB/s, median of ${RUNS}`, `time for ${(inBytes / 1e6).toFixed(0)} MB`],
  [
    'pass-through Transform (plumbing only)',
    median(baseline).toFixed(0),
    seconds(median(baseline)),
  ],
  ['masking Transform, 50 masks', median(masked).toFixed(0), seconds(median(masked))],
]);
const occurrences = (inBytes - outBytes) / (masks[0]!.length - 3);
console.log(
  `\nmasking throughput: ${median(masked).toFixed(0)} MB/s; ` +
    `${occurrences} occurrences masked, every one split across two chunks ` +
    `(${planted} per ${chunks.length} chunks planted)`,
);
