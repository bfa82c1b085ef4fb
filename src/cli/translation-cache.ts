// Where the scan command keeps its RE2 translations between runs (src/scan/config/
// translation-memo.ts says why): one JSON file in the compile cache's private directory
// (compile-cache.ts: ours, mode 0700, else no cache at all), named after the scan bundle's
// file as last written and node's version (bundleIdentity), so that a new build, whose
// translator may differ, never reads an older build's file; older files of the kind are
// removed when a new one is written.
// OIDC_SECRETS_COMPILE_CACHE=0 turns it off with the compile cache. A file that does not
// read back as records is ignored (and replaced), never an error.
import {
  readFileSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { bundleIdentity, privateCacheDir } from './compile-cache.js';
import {
  translationsToSave,
  useTranslations,
  type TranslationRecord,
  type TranslationRecords,
} from '../scan/config/translation-memo.js';

const PREFIX = 'scan-translations-';

const isStrings = (x: unknown): x is string[] =>
  Array.isArray(x) && x.every((s) => typeof s === 'string');

function isRecord(x: unknown): x is TranslationRecord {
  const r = x as Partial<TranslationRecord> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.source === 'string' &&
    typeof r.flags === 'string' &&
    (r.newlines === 'never' || r.newlines === 'edges' || r.newlines === 'inside') &&
    (r.maxLength === null || typeof r.maxLength === 'number') &&
    typeof r.anchorsText === 'boolean' &&
    typeof r.groups === 'number' &&
    isStrings(r.parts) &&
    r.parts.join('') === r.source &&
    (r.leadingLiterals === null || isStrings(r.leadingLiterals)) &&
    Array.isArray(r.contains) &&
    r.contains.every(
      (c) => Array.isArray(c) && typeof c[0] === 'string' && typeof c[1] === 'boolean',
    ) &&
    (r.required === undefined ||
      r.required === null ||
      (Array.isArray(r.required) && r.required.every(isStrings)))
  );
}

function readRecords(file: string): TranslationRecords {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
    const entries = Object.entries(parsed as Record<string, unknown>);
    return entries.every(([, r]) => isRecord(r))
      ? (Object.fromEntries(entries) as TranslationRecords)
      : {};
  } catch {
    return {};
  }
}

/**
 * Puts the stored translations in use for this process (an empty memo when there are none
 * or no cache may be kept); returns what to call once the rules are compiled, to store what
 * was added.
 */
export function useTranslationCache(env: NodeJS.ProcessEnv): () => void {
  // The CommonJS bundle's own file; absent when this runs as an ES module from source.
  const bundle = typeof __filename === 'string' ? __filename : undefined;
  const dir =
    bundle === undefined || env.OIDC_SECRETS_COMPILE_CACHE === '0'
      ? undefined
      : privateCacheDir(env);
  let file: string | undefined;
  if (dir !== undefined && bundle !== undefined) {
    try {
      const identity = bundleIdentity(bundle, statSync(bundle, { bigint: true }));
      if (identity !== undefined) file = join(dir, `${PREFIX}${identity}.json`);
    } catch {
      file = undefined;
    }
  }
  useTranslations(file === undefined ? {} : readRecords(file));
  return () => {
    const records = translationsToSave();
    if (file === undefined || records === undefined) return;
    const temporary = `${file}.${process.pid}.tmp`;
    try {
      writeFileSync(temporary, JSON.stringify(records), { mode: 0o600, flag: 'wx' });
      renameSync(temporary, file);
      for (const name of readdirSync(dir!)) {
        const path = join(dir!, name);
        if (name.startsWith(PREFIX) && path !== file && !name.endsWith('.tmp')) unlinkSync(path);
      }
    } catch {
      // Not stored: the next scan translates again, nothing more.
      try {
        unlinkSync(temporary);
      } catch {
        // already gone
      }
    }
  };
}
