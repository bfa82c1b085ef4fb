// The scan on worker threads reports exactly what one thread reports (same findings, same
// order, same notes), from the TypeScript sources (workers loaded through tsx) and from the
// built bundles (dist/scan-worker.js found beside the CLI's chunks).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScanJob } from '../../../src/scan/batch.js';
import { compileConfig } from '../../../src/scan/config.js';
import { Detector } from '../../../src/scan/detector.js';
import { locateWorker, runJobs } from '../../../src/scan/pool.js';
import { renderText } from '../../../src/scan/report/text.js';
import { builtinConfig } from '../../../src/scan/rules.js';
import { runScan, type ScanResult } from '../../../src/scan/scan.js';
import { listTree } from '../../../src/scan/tree.js';
import { sha, tokens } from '../../unit/scan/helpers.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const config = compileConfig(builtinConfig(), 'built-in');

/** A tree of `count` small files in nested directories; every 7th holds a credential. */
function fixtureTree(count: number, padLines = 0): string {
  const root = mkdtempSync(join(tmpdir(), 'scan-parallel-'));
  const make = [tokens.githubPat, tokens.awsKeyId, tokens.slackBot, tokens.stripeLive, tokens.npm];
  for (let i = 0; i < count; i++) {
    const dir = join(root, `pkg${i % 13}`, i % 2 ? 'src' : 'lib');
    mkdirSync(dir, { recursive: true });
    const lines = [`export const name${i} = 'value ${i}';`, '// nothing to see here'];
    for (let k = 0; k < padLines; k++)
      lines.push(`export const key${k} = config.get('item.${k}');`);
    if (i % 7 === 0) lines.splice(1, 0, `const token = '${make[i % make.length]!()}';`);
    writeFileSync(join(dir, `file${i}.ts`), lines.join('\n') + '\n');
  }
  writeFileSync(join(root, 'pkg0', 'image.bin'), Buffer.from([1, 2, 0, 3]));
  writeFileSync(join(root, 'pkg1', 'big.txt'), 'x'.repeat(5000));
  mkdirSync(join(root, '.git'));
  writeFileSync(join(root, '.git', 'config'), `token = ${tokens.githubPat()}\n`);
  return root;
}

/** What a result reports, findings as hashes (a failing test must not print a secret). */
function digest(result: ScanResult) {
  return {
    findings: result.findings.map((f) => `${f.file}:${f.startLine}:${f.ruleId}:${sha(f.secret)}`),
    notes: result.notes,
    files: result.files,
    bytes: result.bytes,
  };
}

describe('parallel scan', () => {
  let tree: string;
  beforeAll(() => {
    tree = fixtureTree(400);
  });
  afterAll(() => rmSync(tree, { recursive: true, force: true }));

  it('finds a worker to run from the sources', () => {
    expect(locateWorker()).not.toBeNull();
  });

  it('reports on worker threads what one thread reports, in the same order', async () => {
    const request = { root: tree, target: { kind: 'tree' as const, paths: ['.'] }, config };
    const single = await runScan({ ...request, maxFileBytes: 4096, parallel: false });
    const parallel = await runScan({
      ...request,
      maxFileBytes: 4096,
      parallel: { workers: 2, minFiles: 0 },
    });
    expect(single.workers).toBe(0);
    expect(single.findings.length).toBe(58);
    expect(single.notes.map((n) => n.reason).sort()).toEqual(['binary', 'too-large']);
    expect(digest(parallel)).toEqual(digest(single));
  });

  it('runs every job on the workers when the main thread stands aside', async () => {
    const entries = listTree(tree, ['.']).flatMap((e) => ('abs' in e ? [e] : []));
    const jobs: ScanJob[] = [];
    for (let i = 0; i < entries.length; i += 16)
      jobs.push({ kind: 'files', maxBytes: 4096, files: entries.slice(i, i + 16) });
    const detector = new Detector(config);
    const alone = await runJobs(jobs, config, detector, 0);
    const workers = await runJobs(jobs, config, detector, 2, false);
    expect(alone.workersUsed).toBe(0);
    expect(workers.workersUsed).toBeGreaterThan(0);
    const flat = (r: typeof alone) =>
      JSON.stringify(
        r.results.map((x) =>
          x.kind === 'files'
            ? x.files.map((f) => [f.bytes, f.note, f.findings.map((g) => g.fingerprint)])
            : x,
        ),
      );
    expect(sha(flat(workers))).toBe(sha(flat(alone)));
  });

  it('keeps to one thread when the rules were edited after compiling', async () => {
    const edited = { ...config, rules: config.rules.slice(1) };
    const result = await runScan({
      root: tree,
      target: { kind: 'tree', paths: ['.'] },
      config: edited,
      parallel: { workers: 2, minFiles: 0 },
    });
    expect(result.workers).toBe(0);
  });

  it('the built CLI finds dist/scan-worker.js and reports what one thread reports', async () => {
    const out = mkdtempSync(join(tmpdir(), 'scan-parallel-build-'));
    // ~40 MB: long enough (~150 ms) that workers, ready after ~60 ms, take some of it.
    const big = fixtureTree(1600, 600);
    try {
      execFileSync(process.execPath, [join(repoRoot, 'scripts/build.mjs'), out], {
        cwd: repoRoot,
        stdio: 'pipe',
      });
      const run = spawnSync(process.execPath, [join(out, 'cli.js'), 'scan', '--no-lint'], {
        cwd: big,
        encoding: 'utf8',
        env: { PATH: process.env.PATH },
      });
      expect(run.status).toBe(1);
      const lines = run.stdout.trimEnd().split('\n');
      expect(lines.at(-1)).toMatch(/ on \d+ threads$/);
      const single = await runScan({
        root: big,
        target: { kind: 'tree', paths: ['.'] },
        config,
        parallel: false,
      });
      const expected = renderText(single, []).trimEnd().split('\n').slice(0, -1);
      expect(lines.length - 1).toBe(expected.length);
      expect(sha(lines.slice(0, -1).join('\n'))).toBe(sha(expected.join('\n')));
    } finally {
      rmSync(out, { recursive: true, force: true });
      rmSync(big, { recursive: true, force: true });
    }
  });
});
