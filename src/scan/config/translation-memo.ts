// Translations of RE2 patterns kept from one scan to the next. Compiling the built-in rules
// is mostly translating their patterns (re2.ts parses each, then works out its prefixes,
// longest match and line behaviour): ~90 ms of every `oidc-secrets scan` before it reads a
// file. A translation depends only on the pattern's text and on the translator, so the CLI
// stores them (src/cli/translation-cache.ts, a file named after its own bundle, i.e. after
// this translator); a pattern met for the first time, or a question (`alwaysContains`,
// `requiredLiterals`) not asked before, is translated as usual and added. Without a memo in
// use, `translate` is `translateRe2`.
//
// Why it stays (issue 15: `oidc-secrets scan` at >= 100 MiB/s end to end; numbers in the
// commit that added it). The cost: this file, the CLI's cache file, and trust in that file
// as much as in the compile cache beside it (the same private directory: see compile-cache.ts).
import { translateRe2, type TranslatedRegex } from './re2.js';

/** A translation as stored: its data, and the `alwaysContains` answers asked for so far. */
export interface TranslationRecord {
  source: string;
  flags: string;
  newlines: TranslatedRegex['newlines'];
  /** Infinity is stored as null (JSON has no Infinity). */
  maxLength: number | null;
  anchorsText: boolean;
  groups: number;
  parts: string[];
  leadingLiterals: string[] | null;
  /** `alwaysContains` answers: the words joined with NUL, and the answer. */
  contains: [string, boolean][];
  /** `requiredLiterals`, once asked (only patterns on the linear engine ask). */
  required?: string[][] | null;
}

export type TranslationRecords = Record<string, TranslationRecord>;

let memo: { records: Map<string, TranslationRecord>; added: boolean } | undefined;

/** Translations from now on come from, and go to, these records. */
export function useTranslations(records: TranslationRecords = {}): void {
  memo = { records: new Map(Object.entries(records)), added: false };
}

/** Back to translating every time (tests). */
export function stopUsingTranslations(): void {
  memo = undefined;
}

/** All records when any was added or answered more since `useTranslations`, else undefined. */
export function translationsToSave(): TranslationRecords | undefined {
  return memo?.added ? Object.fromEntries(memo.records) : undefined;
}

/** translateRe2, answered from the records in use where they can. */
export function translate(pattern: string, what: string): TranslatedRegex {
  const state = memo;
  if (state === undefined) return translateRe2(pattern, what);
  let record = state.records.get(pattern);
  let full: TranslatedRegex | undefined;
  if (record === undefined) {
    full = translateRe2(pattern, what);
    record = {
      source: full.source,
      flags: full.flags,
      newlines: full.newlines,
      maxLength: Number.isFinite(full.maxLength) ? full.maxLength : null,
      anchorsText: full.anchorsText,
      groups: full.groups,
      parts: full.parts,
      leadingLiterals: full.leadingLiterals,
      contains: [],
    };
    state.records.set(pattern, record);
    state.added = true;
  }
  const kept = record;
  return {
    source: kept.source,
    flags: kept.flags,
    newlines: kept.newlines,
    maxLength: kept.maxLength ?? Infinity,
    anchorsText: kept.anchorsText,
    groups: kept.groups,
    parts: [...kept.parts],
    leadingLiterals: kept.leadingLiterals && [...kept.leadingLiterals],
    requiredLiterals: () => {
      if (kept.required === undefined) {
        full ??= translateRe2(pattern, what);
        kept.required = full.requiredLiterals();
        state.added = true;
      }
      return kept.required && kept.required.map((set) => [...set]);
    },
    alwaysContains: (words) => {
      const key = words.join('\0');
      const asked = kept.contains.find(([words]) => words === key);
      if (asked) return asked[1];
      full ??= translateRe2(pattern, what);
      const answer = full.alwaysContains(words);
      kept.contains.push([key, answer]);
      state.added = true;
      return answer;
    },
  };
}
