// Bundles every entry into one self-contained ESM file in dist/ (or the directory given
// as the first argument, which the staleness test uses to compare against dist/).
// The bundles must run from a directory without node_modules, as the runner runs them.
import { build } from 'esbuild';
import { readdir, rm } from 'node:fs/promises';
import { basename, resolve } from 'node:path';

const outdir = resolve(process.argv[2] ?? 'dist');

/** entry point → output name; the action.yml files and package.json "bin" name these. */
export const entries = {
  main: 'src/main.ts',
  post: 'src/post.ts',
  scan: 'src/scan/main.ts',
  cli: 'src/cli.ts',
  demo: 'demo/demo.ts',
};

const result = await build({
  entryPoints: entries,
  outdir,
  bundle: true,
  platform: 'node',
  // Prefer packages' ES module builds: esbuild can tree-shake those, not CommonJS. The
  // AWS signer alone is 240 KB through its CommonJS entry and 23 KB through its ESM one.
  mainFields: ['module', 'main'],
  target: 'node20',
  format: 'esm',
  splitting: false,
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
});

// Files are overwritten in place (never an empty dist/ while something runs it); whatever
// the build no longer makes is removed afterwards.
const made = new Set(Object.keys(result.metafile.outputs).map((path) => basename(path)));
for (const name of await readdir(outdir)) {
  if (!made.has(name)) await rm(resolve(outdir, name), { recursive: true, force: true });
}
