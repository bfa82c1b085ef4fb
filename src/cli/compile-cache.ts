// Loads one of the CLI's CommonJS bundles through V8's code cache. Without it node parses
// a bundle on every start and compiles each function the first time it runs: about 5 ms of
// `oidc-secrets run` before it can start the command it wraps (see bench/). With it, V8
// reads the compiled code back instead. Node 22.1+ has module.enableCompileCache() for the
// same purpose; this does the same on every version we support, through the stable vm API.
//
// The cache is code that will be executed, so it lives only where nobody else can write:
// $XDG_CACHE_HOME/oidc-secrets or ~/.cache/oidc-secrets, a directory of ours with mode
// 0700, entries 0600. Anything else (another owner, group- or world-writable, no home,
// Windows) means no cache, never an error. Entries are named after the bundle file as it was
// last written and node's version (bundleIdentity below), because V8 itself only checks the
// source's length and flags. OIDC_SECRETS_COMPILE_CACHE=0 turns it off.
//
// Why it stays (issue 12: each performance trick must show a target needs it). The target:
// `run` adds < 50 ms to the command it wraps (bench/run-overhead.bench.ts). Measured with
// `npm run bench`'s run-overhead, 21 runs, on a machine shared with four other builds, where
// a bare `node -e ""` took 135 ms (about 5 times its usual ~26 ms): `run` added 240 ms with
// the cache and 289 ms with OIDC_SECRETS_COMPILE_CACHE=0, i.e. 1.8 against 2.1 node
// start-ups. At a 26 ms start-up that is ~46 ms against ~56 ms: the cache is what keeps
// `run` inside its 50 ms. The cost: this file, a directory of code that will be executed
// (hence the ownership and mode checks above), and a write at exit after a cache miss.
import {
  type BigIntStats,
  closeSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** What happened to the cache for one load; reported with OIDC_SECRETS_DEBUG=1. */
export type CacheOutcome = 'off' | 'hit' | 'miss' | 'rejected';

export interface LoadedBundle {
  exports: unknown;
  cache: CacheOutcome;
  /**
   * Writes the cache entry when there was none or V8 refused it; a no-op otherwise. Call it
   * at exit, so that the entry holds every function the command compiled, not only the
   * bundle's top level.
   */
  save(): void;
}

/** Runs a CommonJS bundle as `require` would and returns its exports. */
export function loadBundle(file: string, env: NodeJS.ProcessEnv = process.env): LoadedBundle {
  // The text and the identity from one open file: a write after the fstat gives the file a
  // new identity, so no later run can read this run's entry for a different text.
  const fd = openSync(file, 'r');
  let source: string;
  let identity: string | undefined;
  try {
    identity = bundleIdentity(file, fstatSync(fd, { bigint: true }));
    source = readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
  const dir = env.OIDC_SECRETS_COMPILE_CACHE === '0' ? undefined : privateCacheDir(env);
  const entry = dir !== undefined && identity !== undefined ? join(dir, identity) : undefined;
  const cachedData = entry ? readIfPresent(entry) : undefined;

  // The same wrapper node puts around a CommonJS module.
  const script = new Script(
    `(function (exports, require, module, __filename, __dirname) {${source}\n})`,
    { filename: file, ...(cachedData ? { cachedData } : {}) },
  );
  const module = { exports: {} as unknown };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper(module.exports, createRequire(file), module, file, dirname(file));

  const cache: CacheOutcome = !entry
    ? 'off'
    : !cachedData
      ? 'miss'
      : script.cachedDataRejected
        ? 'rejected'
        : 'hit';
  const save = (): void => {
    if (entry && cache !== 'hit') writeEntry(entry, file, script);
  };
  return { exports: module.exports, cache, save };
}

/** How recently written a bundle may be and still have a cache entry (see bundleIdentity). */
const SETTLED_MS = 2000;

/**
 * The name of a bundle's cache entries: its file name, node's version and architecture, and
 * the file as last written — device, inode, size, change and modification times. Every write
 * to a file, and every rename, chmod or utimes of it, sets its change time to the current
 * time (no call sets it back), so a rebuild, an upgrade, a copy over the file or a
 * patch-package edit gives the bundle a new name and its old entries are never read for the
 * new text. Cheaper than hashing the text: hashing the 550 KB scan bundle meant loading
 * node:crypto and cost ~12 ms of every start, more than a hook's whole scan of a commit.
 * Time stamps have a grain (a few ms on ext4, 1 s on ext3 and HFS+, 2 s on FAT): two
 * writes within one grain can leave the same change time, so a file written less than
 * SETTLED_MS ago gets no entry at all (undefined: the run compiles the bundle itself).
 */
export function bundleIdentity(file: string, st: BigIntStats): string | undefined {
  if (Date.now() - Number(st.ctimeMs) < SETTLED_MS) return undefined;
  return [
    basename(file),
    process.version,
    process.arch,
    st.dev,
    st.ino,
    st.size,
    st.ctimeNs,
    st.mtimeNs,
  ].join('-');
}

/** Our cache directory, created if need be; undefined when it is not safely ours. */
export function privateCacheDir(env: NodeJS.ProcessEnv): string | undefined {
  const uid = process.getuid?.();
  if (uid === undefined) return undefined; // Windows: no owner or mode bits to rely on
  let base = env.XDG_CACHE_HOME;
  if (!base) {
    const home = safeHomedir();
    if (!home) return undefined;
    base = join(home, '.cache');
  }
  const dir = join(base, 'oidc-secrets');
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = lstatSync(dir);
    const ours = stat.isDirectory() && stat.uid === uid && (stat.mode & 0o077) === 0;
    return ours ? dir : undefined;
  } catch {
    return undefined;
  }
}

function safeHomedir(): string | undefined {
  try {
    return homedir() || undefined;
  } catch {
    return undefined;
  }
}

function readIfPresent(entry: string): Buffer | undefined {
  try {
    return readFileSync(entry);
  } catch {
    return undefined;
  }
}

/** Replaces the entry atomically and drops the entries of earlier builds of the same bundle. */
function writeEntry(entry: string, file: string, script: Script): void {
  const dir = dirname(entry);
  const temporary = `${entry}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, script.createCachedData(), { mode: 0o600, flag: 'wx' });
    renameSync(temporary, entry);
    const prefix = `${basename(file)}-`;
    for (const name of readdirSync(dir)) {
      if (name.startsWith(prefix) && name !== basename(entry) && !name.endsWith('.tmp')) {
        unlinkSync(join(dir, name));
      }
    }
  } catch {
    // A cache that cannot be written costs the next start a few milliseconds, nothing more.
    try {
      unlinkSync(temporary);
    } catch {
      // already gone
    }
  }
}
