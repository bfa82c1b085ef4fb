// loadBundle: the CLI's bundles run through V8's code cache, kept only in a private
// directory, keyed by the bundle file as last written (V8 itself checks only the text's
// length). Within one process V8 also keeps compiled scripts in memory, so reading an entry
// back (a hit, or a damaged entry rejected) is tested across processes in
// integration/cli/run.test.ts.
import { jest } from '@jest/globals';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBundle } from '../../../src/cli/compile-cache.js';

let root: string;
let env: NodeJS.ProcessEnv;
const cacheDir = () => join(root, 'cache', 'oidc-secrets');
const entries = () => readdirSync(cacheDir());

/** A bundle whose functions are compiled lazily, as the CLI's are. */
const bundleText = (answer: number) =>
  `'use strict';const helper=(n)=>n*2;module.exports={answer:()=>helper(${answer}),file:__filename};\n`;

function writeBundle(answer: number): string {
  const file = join(root, 'bundle.cjs');
  writeFileSync(file, bundleText(answer));
  return file;
}

function load(file: string, extraEnv: NodeJS.ProcessEnv = {}) {
  const bundle = loadBundle(file, { ...env, ...extraEnv });
  const exported = bundle.exports as { answer(): number; file: string };
  return { ...bundle, answer: exported.answer(), file: exported.file };
}

/** A file's change time has a grain (a few ms here): let the next write get a later one. */
const nextTick = () => new Promise((done) => setTimeout(done, 30));

const realNow = Date.now.bind(Date);
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'compile-cache-'));
  env = { XDG_CACHE_HOME: join(root, 'cache') };
  // Bundles written a moment ago have no cache entry (below): the tests load theirs as if
  // they had been written a while before.
  jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 5000);
});
afterEach(() => {
  jest.restoreAllMocks();
  rmSync(root, { recursive: true, force: true });
});

describe('loadBundle', () => {
  it('runs the bundle as CommonJS and writes its compiled code to a private cache', () => {
    const file = writeBundle(21);
    const first = load(file);
    expect([first.cache, first.answer, first.file]).toEqual(['miss', 42, file]);
    first.save();
    expect(entries()).toHaveLength(1);
    expect(statSync(cacheDir()).mode & 0o777).toBe(0o700);
    expect(statSync(join(cacheDir(), entries()[0]!)).mode & 0o777).toBe(0o600);
  });

  it('never serves the code of an earlier bundle of the same length', async () => {
    load(writeBundle(21)).save();
    const [old] = entries();
    await nextTick();
    const changed = load(writeBundle(12)); // same length, different code, same file
    expect(bundleText(12)).toHaveLength(bundleText(21).length);
    expect([changed.cache, changed.answer]).toEqual(['miss', 24]);
    changed.save();
    expect(entries()).toHaveLength(1);
    expect(entries()[0]).not.toBe(old); // the earlier build's entry is dropped
  });

  it('keeps no entry for a bundle written less than two seconds ago', () => {
    // Two writes within one grain of the file system's time stamps (1 s on ext3 and HFS+,
    // 2 s on FAT) can leave the same change time: such a fresh file is never cached.
    jest.restoreAllMocks();
    const file = writeBundle(21);
    const fresh = load(file);
    expect([fresh.cache, fresh.answer]).toEqual(['off', 42]);
    fresh.save();
    expect(existsSync(cacheDir()) ? entries() : []).toHaveLength(0);
  });

  it('keeps no cache in a directory others can write, or when turned off', () => {
    const file = writeBundle(21);
    mkdirSync(cacheDir(), { recursive: true });
    chmodSync(cacheDir(), 0o777);
    const shared = load(file);
    expect([shared.cache, shared.answer]).toEqual(['off', 42]);
    shared.save();
    expect(entries()).toHaveLength(0);

    chmodSync(cacheDir(), 0o700);
    const off = load(file, { OIDC_SECRETS_COMPILE_CACHE: '0' });
    expect(off.cache).toBe('off');
    off.save();
    expect(entries()).toHaveLength(0);
  });

  it('runs without a cache when no cache directory can be made', () => {
    const file = writeBundle(21);
    writeFileSync(join(root, 'not-a-dir'), '');
    const bundle = load(file, { XDG_CACHE_HOME: join(root, 'not-a-dir') });
    expect([bundle.cache, bundle.answer]).toEqual(['off', 42]);
  });
});
