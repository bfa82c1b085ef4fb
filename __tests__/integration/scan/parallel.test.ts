// A path tree shared with worker threads (src/scan/parallel.ts) reports exactly what the
// one-thread scan reports: the same findings in the same order, the same notes, the same
// counts, whichever thread scanned which file. The workers run the built bundle
// (dist/cli/scan-worker.cjs: `npm run build` first).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadScanConfig } from '../../../src/scan/config/config.js';
import { Detector } from '../../../src/scan/detect/detector.js';
import { scanTreeInParallel } from '../../../src/scan/parallel.js';
import { listTree, scanTree } from '../../../src/scan/sources/tree.js';
import type { Finding, ScanNote } from '../../../src/scan/types.js';
import { runCli } from '../cli/cli-process.js';
import { random, B62, sha, tokens } from '../../unit/scan/helpers.js';

const WORKER = resolve('dist/cli/scan-worker.cjs');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Every secret planted in the tree: no output may hold one. */
const planted: string[] = [];

/** ~400 files: code, planted credentials, a base64-wrapped one, binaries, a key store, a link. */
function makeTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'scan-parallel-'));
  dirs.push(dir);
  for (let i = 0; i < 400; i++) {
    const sub = join(dir, `pkg${i % 7}`, `mod${i % 13}`);
    mkdirSync(sub, { recursive: true });
    const lines: string[] = [];
    for (let l = 0; l < 40; l++)
      lines.push(`export const value${l} = compute('${random(B62, 12)}');`);
    if (i % 9 === 0) {
      const pat = tokens.githubPat();
      planted.push(pat);
      lines.splice(i % 40, 0, `const token = '${pat}';`);
    }
    if (i % 31 === 0) {
      const key = tokens.awsKeyId();
      planted.push(key);
      // Found only by decoding: the key is inside a base64 run.
      lines.push(`data: ${Buffer.from(`aws_access_key_id = ${key}\n`).toString('base64')}`);
    }
    writeFileSync(join(sub, `file${i}.ts`), lines.join('\n') + '\n');
  }
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    Buffer.from(Array.from({ length: 512 }, (_, k) => (k * 37) % 256)),
  ]);
  writeFileSync(join(dir, 'pkg3', 'logo.png'), png);
  writeFileSync(join(dir, 'pkg5', 'store.p12'), png);
  symlinkSync(join(dir, 'pkg1'), join(dir, 'pkg1-link'));
  return dir;
}

function redacted(findings: Finding[]): string[] {
  // Compared by hashes and places: a failing assertion never prints a secret.
  return findings.map(
    (f) =>
      `${f.file}:${f.startLine}:${f.startColumn}:${f.ruleId}:${f.decoded ?? ''}:${sha(f.secret)}`,
  );
}

describe('a path tree shared with worker threads', () => {
  const dir = makeTree();
  const config = loadScanConfig({ root: dir, env: {} });
  const entries = listTree(dir, ['.']);

  function serial(): { findings: Finding[]; notes: ScanNote[]; files: number; bytes: number } {
    const detector = new Detector(config, { maxDecodeDepth: 2 });
    const findings: Finding[] = [];
    const notes: ScanNote[] = [];
    const stats = scanTree({
      root: dir,
      paths: ['.'],
      maxBytes: 10 << 20,
      onFile: (path, bytes) => findings.push(...detector.detectFile(path, bytes)),
      onNote: (note) => notes.push(note),
    });
    return { findings, notes, ...stats };
  }

  async function shared(script: string, slowHere: boolean) {
    const detector = new Detector(config, { maxDecodeDepth: 2 });
    if (slowHere) {
      // This thread sleeps before each file, so that the worker surely starts in time to
      // take files (the test is about the merge, not about speed).
      const own = detector.detectFile.bind(detector);
      const pause = new Int32Array(new SharedArrayBuffer(4));
      detector.detectFile = (path, bytes) => {
        Atomics.wait(pause, 0, 0, 15);
        return own(path, bytes);
      };
    }
    const findings: Finding[] = [];
    const notes: ScanNote[] = [];
    const stats = await scanTreeInParallel({
      entries,
      config,
      detector,
      maxDecodeDepth: 2,
      maxBytes: 10 << 20,
      parallel: { script, workers: 2 },
      onFile: (_path, found) => findings.push(...found),
      onNote: (note) => notes.push(note),
    });
    return { findings, notes, ...stats };
  }

  it('finds what one thread finds, in the same order, with the same notes and counts', async () => {
    const one = serial();
    expect(one.findings.some((f) => f.decoded === 'base64')).toBe(true);
    // The key store and the image are notes here (runScan tries path-only rules on them).
    expect(one.notes.map((n) => `${n.path} ${n.reason}`).sort()).toEqual([
      'pkg3/logo.png binary',
      'pkg5/store.p12 binary',
    ]);
    const many = await shared(WORKER, true);
    expect(many.byWorkers).toBeGreaterThan(0);
    expect(redacted(many.findings)).toEqual(redacted(one.findings));
    expect(many.findings).toEqual(one.findings);
    expect(many.notes).toEqual(one.notes);
    expect([many.files, many.bytes]).toEqual([one.files, one.bytes]);
  }, 60_000);

  it('a worker that cannot start leaves its share to this thread: the same result', async () => {
    const one = serial();
    const alone = await shared(join(dir, 'no-such-worker.cjs'), false);
    expect(alone.byWorkers).toBe(0);
    expect(alone.findings).toEqual(one.findings);
    expect(alone.notes).toEqual(one.notes);
  }, 60_000);

  it('the CLI prints the same report and SARIF with workers as without', async () => {
    const out = mkdtempSync(join(tmpdir(), 'scan-parallel-out-'));
    dirs.push(out);
    const run = (threads: string) =>
      runCli(['scan', '--no-ignore', '--sarif', join(out, `${threads}.sarif`), '.'], {
        cwd: dir,
        env: { OIDC_SECRETS_SCAN_THREADS: threads, OIDC_SECRETS_DEBUG: '1' },
      });
    const alone = await run('0');
    const shared2 = await run('2');
    expect(alone.code).toBe(1);
    expect(alone.stdout).toMatch(/pkcs12-file/);
    expect(shared2.code).toBe(1);
    expect(shared2.stderr).toMatch(/2 worker thread\(s\) scanned \d+ of 402 entries/);
    expect(alone.stderr).not.toMatch(/worker thread/);
    const timeless = (text: string) => text.replace(/ in \d+\.\d\d s$/m, '');
    expect(timeless(shared2.stdout)).toBe(timeless(alone.stdout));
    expect(readFileSync(join(out, '2.sarif'), 'utf8')).toBe(
      readFileSync(join(out, '0.sarif'), 'utf8'),
    );
    const bad = await runCli(['scan', '--no-ignore', '.'], {
      cwd: dir,
      env: { OIDC_SECRETS_SCAN_THREADS: 'many' },
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/OIDC_SECRETS_SCAN_THREADS: expected a number of worker threads/);
    for (const secret of planted) {
      for (const text of [alone.stdout, shared2.stdout, alone.stderr, shared2.stderr]) {
        expect(text.includes(secret)).toBe(false);
        expect(text.includes(Buffer.from(secret).toString('base64'))).toBe(false);
      }
    }
  }, 60_000);
});
