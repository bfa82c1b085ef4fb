// Bundles every entry into dist/ (or the directory given as the first argument, which the
// staleness test uses to compare against dist/). The bundles must run from a directory
// without node_modules, as the runner runs them.
// - The action's entries (main, post, scan) and the demo: one self-contained file each.
// - The CLI: code-split, so that each command loads only its own code (`run` must add
//   little to the command it runs; the scanner alone is most of the CLI's size).
import { build } from 'esbuild';
import { readdir, rm, rmdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';

const outdir = resolve(process.argv[2] ?? 'dist');

/** entry point → output name; the action.yml files and package.json "bin" name these. */
export const entries = {
  main: 'src/main.ts',
  post: 'src/post.ts',
  scan: 'src/scan/main.ts',
  demo: 'demo/demo.ts',
};

const common = {
  outdir,
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
  charset: 'utf8',
  // Some dependencies are CommonJS and call require() for node built-ins: give the ESM
  // bundle a real require (see shared/TOOLCHAIN.md).
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
  metafile: true,
};

const results = await Promise.all([
  build({ ...common, entryPoints: entries, splitting: false }),
  build({
    ...common,
    entryPoints: { cli: 'src/cli.ts' },
    splitting: true,
    chunkNames: 'cli-chunks/[name]-[hash]',
  }),
]);

// Files are overwritten in place (never an empty dist/ while something runs it); whatever
// the build no longer makes is removed afterwards.
const made = new Set(
  results.flatMap((result) =>
    Object.keys(result.metafile.outputs).map((path) => relative(outdir, resolve(path))),
  ),
);
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
