// `npm run bench -- scan-process`: `oidc-secrets scan` end to end AS A PROCESS — node start-up, loading the bundle,
// compiling the rules, walking and reading the tree, the workflow lint, SARIF written — over
// a 20 MiB tree of ~2,500 files, next to secretlint run the same way in the same run.
//
// The tree: seeded source-like files (TypeScript, Python, Go, JSON, YAML, .env, Markdown)
// with the words scanners key on (token, secret, password, key…), a few fake credentials,
// and a `.github/workflows/` directory of a few hundred KB of workflows (what made the
// workflow lint's YAML parsing show in profiles).
//
// Rows: our built bundle (dist/cli.cjs, build it first) with the built-in rules, and with
// the gitleaks config given by --gitleaks FILE (gitleaks' full default config; not kept in
// the repository: fetch it into /tmp); secretlint 13 with its recommended preset, driven by a
// small script that walks the same tree file by file (secretlint's own CLI is not installed;
// @secretlint/core is what it runs); and three baselines of time only, the same command
// over an empty tree (node, the bundle, the rules, the SARIF), a script that only walks the
// tree and reads its bytes (the least any node scanner does) and a bare `node -e ""`: what a
// throughput target leaves for the work itself. Throughput is MiB (2^20 bytes) over wall
// time, the median of --runs runs (default 5); the rows take turns so load slows them
// alike. The ratio column compares each row with secretlint in the same run: on a shared
// machine the ratio is the stable number, the MiB/s swing with the load (printed with the
// core count).
//
// Options: --size MiB (default 20), --files N (default 2500), --runs N, --gitleaks FILE,
// --keep, --cpu-prof DIR (profile one run of each of our rows into DIR), --compare-cli FILE
// (another build's cli.cjs, e.g. the base commit's, as one more row: before and after in
// the same run; with --gitleaks, one row for each config).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './stats.js';
import { seededRandom } from './seeded-random.js';

const here = dirname(fileURLToPath(import.meta.url));
const CLI = resolve(here, '..', 'dist', 'cli.cjs');

function option(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? undefined : process.argv[at + 1];
}
const SIZE_MIB = Number(option('size') ?? 20);
const FILES = Number(option('files') ?? 2500);
const RUNS = Number(option('runs') ?? 5);
const GITLEAKS = option('gitleaks');
const PROFILE_DIR = option('cpu-prof');
const COMPARE_CLI = option('compare-cli');
const KEEP = process.argv.includes('--keep');

// Seeded, so every run and every machine scans the same tree.
const random = seededRandom(20261206);
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
const int = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HEX = '0123456789abcdef';
const from = (alphabet: string, n: number): string =>
  Array.from({ length: n }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');

const WORDS =
  'user account order invoice payment session request response cache queue worker job task event handler client server config option value item list record entry index count limit page name status state result error message data payload body header query filter report metric trace span policy role group team project branch commit build deploy release service endpoint route path file bucket stream buffer batch retry timeout schedule node cluster region host port network proxy gateway health'.split(
    ' ',
  );
const word = (): string => pick(WORDS);
const ident = (): string => word() + word()[0]!.toUpperCase() + word().slice(1);

/** Lines of everyday code, some naming keys, tokens and passwords without holding one. */
const LINES: ((ext: string) => string)[] = [
  () => `  const ${ident()} = await ${ident()}.${ident()}(${ident()}, ${int(0, 900)});`,
  () => `  if (!${ident()}) throw new Error('${word()} ${word()} ${word()} failed');`,
  () => `  logger.info(\`${word()} ${word()}: \${${ident()}}\`);`,
  () => `  // ${word()} the ${word()} before the ${word()} ${word()} expires`,
  () => `  const tokenType = 'Bearer';`,
  () => `  const password = process.env.DB_PASSWORD;`,
  () => `  headers: { Authorization: \`Bearer \${token}\` },`,
  () => `  const cacheKey = \`${word()}:\${id}\`;`,
  () => `  const secretName = '${word()}-${word()}-credentials';`,
  () => `  commit: '${from(HEX, 40)}',`,
  () =>
    `  id: '${from(HEX, 8)}-${from(HEX, 4)}-4${from(HEX, 3)}-a${from(HEX, 3)}-${from(HEX, 12)}',`,
  () => `  integrity: 'sha512-${Buffer.from(from(ALNUM, 48)).toString('base64')}',`,
  () => `  ${word()}_${word()} = ${word()}_${word()}(${word()}, timeout=${int(1, 60)})`,
  () => `  return ${ident()}.${ident()}(${ident()}).${ident()}()`,
];

/** Fake credentials of a few formats, one every ~40 KB: findings the report and SARIF carry. */
const PLANTS: (() => string)[] = [
  () => `  const key = 'AKIA${from('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}';`,
  () => `  token: 'ghp_${from(ALNUM, 36)}',`,
  () => `  slack: 'xoxb-${int(1e10, 9e10)}-${int(1e10, 9e10)}-${from(ALNUM, 24)}',`,
  () => `  const stripeKey = 'sk_live_${from(ALNUM, 24)}';`,
];

function body(bytes: number): string {
  const out: string[] = [];
  let size = 0;
  while (size < bytes) {
    const line = random() < 0.0006 ? pick(PLANTS)() : pick(LINES)('');
    out.push(line);
    size += line.length + 1;
  }
  return out.join('\n') + '\n';
}

function workflow(index: number): string {
  const jobs: string[] = [];
  for (let j = 0; j < int(4, 9); j++) {
    const steps: string[] = [];
    for (let s = 0; s < int(6, 14); s++)
      steps.push(
        `      - name: ${word()} ${word()}\n        uses: actions/${word()}@v${int(1, 5)}\n        with:\n          ${word()}: \${{ secrets.${word().toUpperCase()}_TOKEN }}\n          path: ${word()}/${word()}\n        env:\n          NODE_ENV: production\n          ${word().toUpperCase()}_URL: https://${word()}.example.com/${word()}`,
      );
    jobs.push(
      `  ${word()}-${j}:\n    runs-on: ubuntu-latest\n    permissions:\n      contents: read\n    steps:\n${steps.join('\n')}`,
    );
  }
  return `name: ${word()} ${index}\non:\n  push:\n    branches: [main]\n  pull_request:\njobs:\n${jobs.join('\n')}\n`;
}

/** Writes the tree; returns its size in bytes. */
function generate(dir: string): number {
  const exts = ['.ts', '.ts', '.ts', '.py', '.go', '.json', '.yaml', '.env', '.md'];
  let total = 0;
  const workflowDir = join(dir, '.github', 'workflows');
  mkdirSync(workflowDir, { recursive: true });
  // ~60 workflows of ~6 KB: a few hundred KB of YAML for the lint.
  for (let i = 0; i < 60; i++) {
    const text = workflow(i);
    writeFileSync(join(workflowDir, `${word()}-${i}.yml`), text);
    total += text.length;
  }
  const target = SIZE_MIB * 1024 * 1024;
  const count = FILES - 60;
  for (let i = 0; i < count; i++) {
    // Log-uniform sizes around the mean that the target and file count set.
    const mean = (target - total) / (count - i);
    const size = Math.max(200, Math.round(mean * Math.exp((random() - 0.5) * 2) * 0.85));
    const rel = join(pick(['services', 'packages', 'apps', 'infra']), word(), word());
    mkdirSync(join(dir, rel), { recursive: true });
    const text = body(size);
    writeFileSync(join(dir, rel, `${word()}_${i}${pick(exts)}`), text);
    total += text.length;
  }
  return total;
}

/** secretlint, driven as its CLI would be: walk the tree, lint each file, print the count. */
function secretlintScript(): string {
  const core = import.meta.resolve('@secretlint/core');
  const preset = import.meta.resolve('@secretlint/secretlint-rule-preset-recommend');
  const profiler = import.meta.resolve('@secretlint/profiler');
  return `
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
const { lintSource } = await import(${JSON.stringify(core)});
const { creator } = await import(${JSON.stringify(preset)});
const { secretLintProfiler } = await import(${JSON.stringify(profiler)});
secretLintProfiler.setEnabled(false); // as its CLI runs without --profile
const config = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: creator }] };
let found = 0;
async function walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await walk(path);
    else if (entry.isFile()) {
      const result = await lintSource({
        source: { filePath: path, content: readFileSync(path, 'utf8'), ext: extname(path), contentType: 'text' },
        options: { config },
      });
      found += result.messages.length;
    }
  }
}
await walk(process.argv[2]);
process.stdout.write(found + ' findings\\n');
`;
}

/**
 * The least any node scanner does: walk the tree and read every file's bytes, then exit. No
 * decoding, no detection, no lint, no report. Over the target's budget, the target is out of
 * reach for a scanner in node on this machine whatever its engine.
 */
const READ_ONLY_SCRIPT = `
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
let bytes = 0;
function walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path);
    else if (entry.isFile()) bytes += readFileSync(path).length;
  }
}
walk(process.argv[2]);
process.stdout.write(bytes + ' bytes read\\n');
`;

interface Row {
  name: string;
  command: (dir: string, out: string) => string[];
  times: number[];
  summary: string;
  /** A baseline of time only (no tree scanned): start-up alone, node alone. */
  floor?: boolean;
}

/**
 * Each row's own cache directory (the CLI's compile cache and stored RE2 translations),
 * warmed by the untimed round: two builds sharing one directory would replace each other's
 * entries at every turn, and each start would pay for it.
 */
const cacheHomes = new Set<string>();
function cacheHome(row: string): string {
  const dir = join(tmpdir(), `scan-process-cache-${process.pid}-${row.replace(/\W+/g, '-')}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  cacheHomes.add(dir);
  return dir;
}

function timed(args: string[], cwd: string, row = ''): { ms: number; stdout: string } {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, XDG_CACHE_HOME: cacheHome(row) },
  });
  const ms = performance.now() - started;
  // Exit 1 is "found something"; anything else is a failed run, not a time.
  if (result.status !== 0 && result.status !== 1)
    throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr.slice(0, 500)}`);
  if (result.stderr.includes('warning')) console.log(result.stderr.trim().slice(0, 2000));
  return { ms, stdout: result.stdout };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'scan-process-'));
  const out = mkdtempSync(join(tmpdir(), 'scan-process-out-'));
  const empty = mkdtempSync(join(tmpdir(), 'scan-process-empty-'));
  try {
    const bytes = generate(dir);
    const script = join(out, 'secretlint-walk.mjs');
    writeFileSync(script, secretlintScript());
    const readOnly = join(out, 'read-only.mjs');
    writeFileSync(readOnly, READ_ONLY_SCRIPT);
    const rows: Row[] = [
      {
        name: 'oidc-secrets scan (built-in rules)',
        command: (d, o) => [CLI, 'scan', '--no-ignore', '--sarif', join(o, 'builtin.sarif'), d],
        times: [],
        summary: '',
      },
    ];
    if (COMPARE_CLI)
      rows.push({
        name: `compared build (built-in rules)`,
        command: (d, o) => [
          resolve(COMPARE_CLI),
          'scan',
          '--no-ignore',
          '--sarif',
          join(o, 'compared.sarif'),
          d,
        ],
        times: [],
        summary: '',
      });
    if (GITLEAKS)
      rows.push({
        name: "oidc-secrets scan (gitleaks' default config)",
        command: (d, o) => [
          CLI,
          'scan',
          '--no-ignore',
          '--config',
          resolve(GITLEAKS),
          '--sarif',
          join(o, 'gitleaks.sarif'),
          d,
        ],
        times: [],
        summary: '',
      });
    if (GITLEAKS && COMPARE_CLI)
      rows.push({
        name: "compared build (gitleaks' default config)",
        command: (d, o) => [
          resolve(COMPARE_CLI),
          'scan',
          '--no-ignore',
          '--config',
          resolve(GITLEAKS),
          '--sarif',
          join(o, 'compared-gitleaks.sarif'),
          d,
        ],
        times: [],
        summary: '',
      });
    // What the target leaves for the work itself: the same command over an empty tree
    // (node, the bundle, the rules, the SARIF) and a bare node start, in the same rounds.
    const startUpRow: Row = {
      name: 'start-up alone (the same command, empty tree)',
      command: (_d, o) => [CLI, 'scan', '--no-ignore', '--sarif', join(o, 'empty.sarif'), empty],
      times: [],
      summary: '',
      floor: true,
    };
    const readOnlyRow: Row = {
      name: 'node reading the tree (walk, read, no scan)',
      command: (d) => [readOnly, d],
      times: [],
      summary: '',
      floor: true,
    };
    rows.push(startUpRow, readOnlyRow, {
      name: 'node -e ""',
      command: () => ['-e', ''],
      times: [],
      summary: '',
      floor: true,
    });
    const secretlintRow: Row = {
      name: 'secretlint 13 (preset-recommend)',
      command: (d) => [script, d],
      times: [],
      summary: '',
    };
    rows.push(secretlintRow);
    console.log(
      `tree: ${(bytes / 1048576).toFixed(1)} MiB in ${FILES} files (60 workflows under .github/workflows); ` +
        `${availableParallelism()} cores, load average ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')} before the runs`,
    );
    // One untimed round warms the page cache; then the rows take turns.
    for (const row of rows) timed(row.command(dir, out), dir, row.name);
    for (let r = 0; r < RUNS; r++) {
      for (const row of rows) {
        const { ms, stdout } = timed(row.command(dir, out), dir, row.name);
        row.times.push(ms);
        row.summary = stdout.trim().split('\n').pop() ?? '';
      }
    }
    if (PROFILE_DIR) {
      mkdirSync(PROFILE_DIR, { recursive: true });
      for (const row of rows.filter((r) => r !== secretlintRow && !r.floor))
        timed(
          ['--cpu-prof', '--cpu-prof-dir', resolve(PROFILE_DIR), ...row.command(dir, out)],
          dir,
          row.name,
        );
      console.log(`CPU profiles in ${PROFILE_DIR}`);
    }
    const secretlint = median(secretlintRow.times);
    console.log('');
    for (const row of rows) {
      const ms = median(row.times);
      if (row.floor) {
        console.log(
          `${row.name.padEnd(46)} ${'-'.padStart(7)}        ${ms.toFixed(0).padStart(6)} ms`,
        );
        continue;
      }
      console.log(
        `${row.name.padEnd(46)} ${(bytes / 1048576 / (ms / 1000)).toFixed(1).padStart(7)} MiB/s  ` +
          `${ms.toFixed(0).padStart(6)} ms  ${(secretlint / ms).toFixed(1).padStart(5)}x secretlint  (${row.summary})`,
      );
    }
    const startUp = median(startUpRow.times);
    console.log(
      `\n100 MiB/s over this tree is the whole process in ${((bytes / 1048576 / 100) * 1000).toFixed(0)} ms; ` +
        `its start-up alone (empty tree) took ${startUp.toFixed(0)} ms, ` +
        `node walking and reading it with no scan ${median(readOnlyRow.times).toFixed(0)} ms`,
    );
    console.log(
      `medians of ${RUNS} runs, each a fresh process (start-up, reading, SARIF written); ` +
        `load average ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')} after`,
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
    rmSync(empty, { recursive: true, force: true });
    for (const home of cacheHomes) rmSync(home, { recursive: true, force: true });
    if (KEEP) console.log(`tree kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

await main();
