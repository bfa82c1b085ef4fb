// `oidc-secrets scan --history` against `git log -p --all` on the same repository: the
// nightly full-history scan must finish within 2x the time git itself takes to print every
// commit's patch (issue 15).
//
// The repository is generated with `git fast-import` from a seeded generator: 10,000 commits
// (a main line and feature branches forked from it, some commits cherry-picked onto a second
// branch) over 300 source-like files; each commit edits one to three files (a changed line
// and an added one), some commits add a planted credential. Both commands run as processes
// (start-up included), interleaved so that a busy machine slows both alike; the figures are
// medians. `git log` writes to /dev/null; the scan reads git's output through a pipe, runs
// the detector and prints its report to /dev/null.
//
// Options (environment): BENCH_COMMITS (default 10000), BENCH_RUNS (default 5).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { median, ms, printTable } from './stats.js';
import { seededRandom } from './seeded-random.js';

const CLI = resolve('dist/cli.cjs');
const COMMITS = Number(process.env.BENCH_COMMITS ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TARGET_RATIO = 2;
const FILES = 300;

if (!existsSync(CLI)) {
  console.error(`${CLI} is missing: run npm run build first`);
  process.exit(1);
}

const random = seededRandom(20261206);
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
const word = () =>
  pick(['user', 'order', 'item', 'price', 'count', 'value', 'name', 'index', 'total', 'state']);
const B62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const token = (n: number) => Array.from({ length: n }, () => pick([...B62])).join('');

function sourceLine(i: number): string {
  return pick([
    `  const ${word()}${i} = ${word()}.${word()}(${Math.floor(random() * 1000)});`,
    `  if (${word()} > ${Math.floor(random() * 100)}) return ${word()}Of(${word()});`,
    `  // ${word()} the ${word()} before the ${word()} is read (${i})`,
    `  logger.debug("${word()} ${word()}", { ${word()}: ${word()}${i} });`,
  ]);
}

/** The fast-import stream: returns it and how many planted secrets it holds. */
function generate(): { stream: string; planted: number } {
  const files: string[][] = Array.from({ length: FILES }, (_, f) =>
    Array.from({ length: 30 }, (_, i) => sourceLine(f * 100 + i)),
  );
  const paths = files.map((_, f) => `src/${pick(['api', 'core', 'ui', 'jobs'])}/module${f}.ts`);
  const out: string[] = [];
  let mark = 0;
  let planted = 0;
  let time = 1_700_000_000;
  const branchTips = new Map<string, number>();
  const commit = (branch: string, from: number | undefined, edits: [number, string][]) => {
    mark++;
    time += 60;
    const message = `change ${mark}`;
    out.push(`commit refs/heads/${branch}`, `mark :${mark}`);
    out.push(`committer Bench <bench@example.com> ${time} +0000`);
    out.push(`data ${Buffer.byteLength(message)}`, message);
    if (from !== undefined) out.push(`from :${from}`);
    for (const [f, text] of edits) {
      out.push(`M 100644 inline ${paths[f]}`, `data ${Buffer.byteLength(text)}`, text);
    }
    branchTips.set(branch, mark);
    return mark;
  };
  const edit = (f: number, n: number): [number, string] => {
    const lines = files[f]!;
    lines[Math.floor(random() * lines.length)] = sourceLine(n);
    if (random() < 0.02) {
      lines.push(`  const ghToken = "ghp_${token(36)}";`);
      planted++;
    } else lines.push(sourceLine(n + 1));
    if (lines.length > 60) lines.splice(0, 10);
    return [f, lines.join('\n') + '\n'];
  };
  let main: number | undefined;
  const feature: { name: string; tip: number }[] = [];
  for (let n = 0; n < COMMITS; n++) {
    const edits = Array.from({ length: 1 + Math.floor(random() * 3) }, () =>
      edit(Math.floor(random() * FILES), n * 10),
    );
    if (n > 100 && random() < 0.15) {
      // A feature branch commit, forked from main now and then.
      if (feature.length === 0 || random() < 0.05)
        feature.push({ name: `feature/${feature.length}`, tip: main! });
      const f = feature[feature.length - 1]!;
      f.tip = commit(f.name, f.tip, edits);
    } else if (n > 100 && random() < 0.03) {
      // The same change on main and on a release branch (a cherry-pick).
      main = commit('main', main, edits);
      const release = branchTips.get('release') ?? main;
      commit('release', release, edits);
      n++;
    } else {
      main = commit('main', main, edits);
    }
  }
  out.push('done', '');
  return { stream: out.join('\n'), planted };
}

const dir = mkdtempSync(join(tmpdir(), 'bench-history-'));
try {
  const started = performance.now();
  spawnSync('git', ['init', '-q', dir]);
  const { stream, planted } = generate();
  const imported = spawnSync('git', ['fast-import', '--quiet', '--done'], {
    cwd: dir,
    input: stream,
    maxBuffer: 1 << 30,
  });
  if (imported.status !== 0) throw new Error(`fast-import failed: ${imported.stderr.toString()}`);
  spawnSync('git', ['checkout', '-q', 'main'], { cwd: dir });
  const count = spawnSync('git', ['rev-list', '--all', '--count'], { cwd: dir, encoding: 'utf8' });
  console.log(
    `repository: ${count.stdout.trim()} commits, ${planted} planted tokens, generated in ${ms(performance.now() - started)}; ${cpus().length} cores`,
  );

  const time = (
    command: string,
    args: string[],
  ): { ms: number; status: number | null; stdout: string } => {
    const t0 = performance.now();
    const r = spawnSync(command, args, {
      cwd: dir,
      encoding: 'utf8',
      maxBuffer: 1 << 28,
      stdio: ['ignore', command === 'git' ? 'ignore' : 'pipe', 'pipe'],
    });
    return { ms: performance.now() - t0, status: r.status, stdout: r.stdout ?? '' };
  };

  const gitTimes: number[] = [];
  const scanTimes: number[] = [];
  let found = 0;
  for (let run = 0; run < RUNS; run++) {
    gitTimes.push(time('git', ['log', '-p', '--all']).ms);
    const scan = time(process.execPath, [CLI, 'scan', '--history', '--no-lint']);
    if (scan.status !== 1) throw new Error(`scan --history exited ${scan.status}`);
    found = Number(/^(\d+) leaked credentials?/m.exec(scan.stdout)?.[1] ?? 0);
    scanTimes.push(scan.ms);
  }
  const g = median(gitTimes);
  const s = median(scanTimes);
  printTable([
    ['command', 'median', 'runs'],
    ['git log -p --all', ms(g), gitTimes.map((t) => t.toFixed(0)).join(' ')],
    ['oidc-secrets scan --history', ms(s), scanTimes.map((t) => t.toFixed(0)).join(' ')],
  ]);
  console.log(
    `ratio ${(s / g).toFixed(2)}x (target <= ${TARGET_RATIO}x): ${s / g <= TARGET_RATIO ? 'met' : 'NOT met'}; ` +
      `${found} findings for ${planted} planted tokens`,
  );
  if (found !== planted) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
