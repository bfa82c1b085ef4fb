// Bundles every entry into dist/ (or the directory given as the first argument, which the
// staleness test uses to compare against dist/). The bundles must run from a directory
// without node_modules, as the runner runs them.
// - The action's entries (main, post, scan): one self-contained CommonJS file each, named
//   .js as action.yml names them; dist/package.json ({"type": "commonjs"}) tells node so.
//   CommonJS because the ES module loader costs the step's start-up (measured, Vault step,
//   50 reads at 0 ms, 25 interleaved runs on a loaded 2-core machine: 190 ms of CPU against
//   206 ms as an ES module, for 73 ms of a bare node start): it loads fs/promises, readline
//   and the loader's own modules just to read the file. Trade-off: the bundles must not use
//   top-level await, which esbuild refuses in CommonJS, so the build fails if one does.
// - The demo: one ES module (dist/demo.mjs: it awaits at top level).
// - The CLI: CommonJS, a small dispatcher (cli.cjs) and one bundle per command (cli/*.cjs),
//   so that each command compiles only its own code: `run` must add little to the command it
//   runs, and the scanner alone is most of the CLI's size. CommonJS because node loads it
//   faster than ES modules (measured: `run` started its command ~9 ms sooner than an
//   earlier layout of ES module bundles sharing code-split chunks). Bundles share no code at run time; each command reports
//   its own errors (src/cli/report.ts).
import { build } from 'esbuild';
import { chmod, readFile, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { thirdPartyNotices } from './third-party-notices.mjs';

const outdir = resolve(process.argv[2] ?? 'dist');

/**
 * output name → entry point; the action.yml files name these outputs. Each entry only calls
 * its module's `run` (the modules have no side effects at import, so tests import them).
 */
export const entries = {
  main: 'src/entries/main.ts',
  post: 'src/entries/post.ts',
  scan: 'src/entries/scan.ts',
  // The AWS profiles' credential_process, run by later steps with the runner's node.
  'credential-process': 'src/entries/credential-process.ts',
  'keep-alive': 'src/entries/keep-alive.ts',
};
const demoEntry = { demo: 'demo/demo.ts' };

/**
 * The CLI prints package.json's version (src/cli/dispatch.ts imports the file whole, the one
 * form TypeScript allows for JSON in an ES module). Bundles get a package.json holding only
 * the version, not the scripts and dependency lists.
 */
const versionOnlyPackageJson = {
  name: 'version-only-package-json',
  setup(build) {
    build.onLoad({ filter: /[\\/]package\.json$/ }, async (args) => {
      const { version } = JSON.parse(await readFile(args.path, 'utf8'));
      return { contents: JSON.stringify({ version }), loader: 'json' };
    });
  },
};

const common = {
  outdir,
  plugins: [versionOnlyPackageJson],
  bundle: true,
  platform: 'node',
  // Prefer packages' ES module builds: esbuild can tree-shake those, not CommonJS. The
  // AWS signer alone is 240 KB through its CommonJS entry and 23 KB through its ESM one.
  mainFields: ['module', 'main'],
  target: 'node20',
  format: 'esm',
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'none',
  // No `charset: 'utf8'`: non-ASCII characters (the "—" and "…" of messages) are written as
  // \u escapes, so node reads a bundle with its ASCII fast path and V8 holds its source in
  // one byte per character (2 ms less to read dist/main.js, bench/vault.bench.ts).
  // Some dependencies are CommonJS and call require() for node built-ins: give the ESM
  // bundle a real require (see shared/TOOLCHAIN.md).
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
  metafile: true,
};

/** The CLI's bundles; package.json "bin" names cli.cjs, which loads the others by name. */
export const cliEntries = {
  cli: 'src/entries/cli.ts',
  'cli/run': 'src/entries/cli-run.ts',
  'cli/store': 'src/entries/cli-store.ts',
  'cli/scan': 'src/entries/cli-scan.ts',
  'cli/age': 'src/entries/cli-age.ts',
  'cli/read': 'src/entries/cli-read.ts',
  'cli/redact': 'src/entries/cli-redact.ts',
  'cli/export': 'src/entries/cli-export.ts',
};

const commonJs = {
  ...common,
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  // The one use of import.meta (src/core/node-require.ts: createRequire) gets the CommonJS
  // equivalent.
  define: { 'import.meta.url': '__import_meta_url' },
  banner: {
    // Strict mode first: the directive only counts at the very top, above the banner.
    js: "'use strict'; const __import_meta_url = require('node:url').pathToFileURL(__filename).href;",
  },
};

const results = await Promise.all([
  build({ ...commonJs, outExtension: {}, entryPoints: entries }),
  build({ ...commonJs, entryPoints: cliEntries }),
  build({ ...common, outExtension: { '.js': '.mjs' }, entryPoints: demoEntry }),
]);
// The package is "type": "module"; the action's .js bundles are CommonJS.
const scopePackage = join(outdir, 'package.json');
await writeFile(scopePackage, '{ "type": "commonjs" }\n');
await chmod(join(outdir, 'cli.cjs'), 0o755);

// The CLI runs its bundles through vm.Script (src/cli/compile-cache.ts), which has no
// loader for import(): a dynamic import left in one would fail only when reached.
for (const [file, output] of Object.entries(results[1].metafile.outputs)) {
  const dynamic = output.imports.filter((i) => i.kind === 'dynamic-import');
  if (dynamic.length > 0) {
    throw new Error(
      `${file}: import() of ${dynamic.map((i) => i.path).join(', ')} in a CLI bundle`,
    );
  }
}

// Files are overwritten in place (never an empty dist/ while something runs it); whatever
// the build no longer makes is removed afterwards.
const made = new Set([
  'package.json',
  ...results.flatMap((result) =>
    Object.keys(result.metafile.outputs).map((path) => relative(outdir, resolve(path))),
  ),
]);
async function prune(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      await prune(path);
      if ((await readdir(path)).length === 0) await rmdir(path);
    } else if (!made.has(relative(outdir, path))) {
      await rm(path, { force: true });
    }
  }
}
await prune(outdir);

// Licence notices for the third-party code in the bundles, after the prune (which does not
// know the file). The build fails here on a package without a licence or with one outside
// the allow list. BUILD_METAFILE names a file to receive the metafiles, for the test that
// checks the notices against them.
const metafiles = results.map((result) => result.metafile);
await writeFile(
  join(outdir, 'THIRD_PARTY_NOTICES.txt'),
  thirdPartyNotices(metafiles, process.cwd(), outdir),
);
if (process.env.BUILD_METAFILE) {
  await writeFile(process.env.BUILD_METAFILE, JSON.stringify(metafiles));
}
