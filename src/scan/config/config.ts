// Loads a gitleaks configuration (`.gitleaks.toml`) the way gitleaks v8 reads it: rules,
// per-rule and global allowlists (old single-table and new array forms), `[extend]` with
// `useDefault` (our built-in rule set plays gitleaks' default config), `path` and
// `disabledRules`. A rule that exists in both the file and what it extends is merged field
// by field: the file's non-empty fields win, keywords, tags and allowlists add up.
import { OidcSecretsError, type ErrorAbout } from '../../core/errors.js';
import { dirname, isAbsolute, posix, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { builtinConfig } from './rules.js';
import { compileLinear, RegexTranslationError, type LinearRegex } from './re2.js';
import { translate } from './translation-memo.js';
import { insideRoot, readFileNoFollow, workTreeReader, type SettingsReader } from './settings.js';
import type {
  Allowlist,
  RawAllowlist,
  RawConfig,
  RawRequired,
  RawRule,
  RegexTarget,
  Rule,
  ScanConfig,
  TextTest,
} from '../types.js';

/** A gitleaks config the scan cannot use: the message names the file and the key. */
export class ScanConfigError extends OidcSecretsError {
  override readonly name = 'ScanConfigError';
  declare readonly code: 'SCAN_CONFIG';
  constructor(message: string, about?: ErrorAbout) {
    super('SCAN_CONFIG', message, about);
  }
}

const MAX_EXTEND_DEPTH = 2;

export interface LoadConfigOptions {
  /** Scan root: where `.gitleaks.toml` is looked for and what paths are relative to. */
  root: string;
  /** Explicit config file (relative to the current directory or absolute). */
  configPath?: string;
  /** `GITLEAKS_CONFIG`-style fallback from the environment. */
  env?: NodeJS.ProcessEnv;
  /**
   * Where files inside the repository are read from (settings.ts): the base commit on a pull
   * request, else the work tree (the default). Links are never followed.
   */
  reader?: SettingsReader;
}

/** A config file: inside the repository (read through the reader) or outside it (a path). */
type ConfigLocation = { repo: string } | { outside: string };

/** Finds and loads the config: explicit path, `GITLEAKS_CONFIG`, `<root>/.gitleaks.toml`, or the built-in rules. */
export function loadScanConfig(options: LoadConfigOptions): ScanConfig {
  const reader = options.reader ?? workTreeReader(options.root);
  const explicit = options.configPath || options.env?.GITLEAKS_CONFIG || '';
  let location: ConfigLocation | undefined;
  let text: string | undefined;
  if (explicit) {
    const abs = resolve(explicit);
    const rel = insideRoot(options.root, abs);
    location = rel !== null ? { repo: rel } : { outside: abs };
    text = readLocation(location, reader);
    if (text === undefined)
      throw new ScanConfigError(
        `config: ${explicit} does not exist${rel !== null && reader.commit ? ` in ${reader.where}` : ''}`,
      );
  } else {
    text = readLocation({ repo: '.gitleaks.toml' }, reader);
    if (text !== undefined) location = { repo: '.gitleaks.toml' };
  }
  if (!location || text === undefined) return compileConfig(builtinConfig(), 'built-in');
  const shown = 'repo' in location ? location.repo : location.outside;
  const warnings: string[] = [];
  const raw = validateConfig(parseTomlText(text, shown), shown, warnings);
  const extendFiles: string[] = [];
  const config = compileConfig(
    resolveExtends(raw, shown, location, 0, {
      reader,
      root: options.root,
      extendFiles,
      warnings,
    }),
    describeSource(raw, shown) + (reader.commit ? ` from ${reader.where}` : ''),
  );
  return {
    ...config,
    configFile: 'repo' in location ? location.repo : undefined,
    extendFiles,
    warnings,
  };
}

function readLocation(location: ConfigLocation, reader: SettingsReader): string | undefined {
  try {
    return 'repo' in location
      ? reader.read(location.repo)
      : readFileNoFollow(location.outside, location.outside);
  } catch (err) {
    throw new ScanConfigError(`config: ${(err as Error).message}`, { cause: err });
  }
}

/** The file an `[extend] path` names, relative to the file that names it. */
function extendLocation(
  from: ConfigLocation,
  path: string,
  context: ExtendContext,
  name: string,
): ConfigLocation {
  if ('outside' in from) return { outside: resolve(dirname(from.outside), path) };
  if (!isAbsolute(path)) {
    const rel = posix.normalize(posix.join(posix.dirname(from.repo), path.split('\\').join('/')));
    if (rel !== '..' && !rel.startsWith('../')) return { repo: rel };
  }
  const abs = resolve(context.root, posix.dirname(from.repo), path);
  const rel = insideRoot(context.root, abs);
  if (rel !== null) return { repo: rel };
  if (context.reader.commit)
    throw new ScanConfigError(
      `${name}: extend.path ${path} is outside the repository: on a pull request the config and what it extends are read from ${context.reader.where}`,
    );
  return { outside: abs };
}

interface ExtendContext {
  reader: SettingsReader;
  root: string;
  /** Repository files the config extends, in the order read (what a change must not edit unseen). */
  extendFiles: string[];
  /** Unknown keys found in the config and what it extends. */
  warnings: string[];
}

/** Parses TOML text as a gitleaks config (`name` is used in errors). */
export function parseScanConfig(text: string, name: string, baseDir = process.cwd()): ScanConfig {
  const warnings: string[] = [];
  const raw = validateConfig(parseTomlText(text, name), name, warnings);
  const context = { reader: workTreeReader(baseDir), root: baseDir, extendFiles: [], warnings };
  const config = compileConfig(
    resolveExtends(raw, name, { outside: resolve(baseDir, name) }, 0, context),
    describeSource(raw, name),
  );
  return { ...config, warnings };
}

function describeSource(raw: RawConfig, name: string): string {
  if (raw.extend?.useDefault) return `${name} (extending the built-in rules)`;
  if (raw.extend?.path) return `${name} (extending ${raw.extend.path})`;
  return name;
}

function parseTomlText(text: string, name: string): unknown {
  try {
    return parseToml(text);
  } catch (err) {
    // smol-toml's message names line and column; the first line is enough.
    const first = String((err as Error).message).split('\n')[0];
    throw new ScanConfigError(`${name}: not valid TOML: ${first}`);
  }
}

// --- shape validation -------------------------------------------------------------------

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown, where: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new ScanConfigError(`${where} must be a string`);
  return v;
}

function strList(v: unknown, where: string): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    throw new ScanConfigError(`${where} must be an array of strings`);
  }
  return v as string[];
}

function num(v: unknown, where: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new ScanConfigError(`${where} must be a number`);
  return v;
}

// The keys gitleaks' config format has (config/config.go's ViperConfig, v8.28): anything
// else is a warning naming it, since gitleaks' own loader ignores unknown keys silently and a
// misspelt `stopword` or `withinLine` would otherwise do nothing without a word.
const CONFIG_KEYS = ['title', 'description', 'extend', 'rules', 'allowlist', 'allowlists'];
const EXTEND_KEYS = ['useDefault', 'path', 'url', 'disabledRules'];
const RULE_KEYS = [
  'id',
  'description',
  'regex',
  'secretGroup',
  'entropy',
  'keywords',
  'path',
  'tags',
  'allowlist',
  'allowlists',
  'required',
  'skipReport',
];
const ALLOWLIST_KEYS = [
  'description',
  'condition',
  'commits',
  'paths',
  'regexTarget',
  'regexes',
  'stopwords',
];
const REQUIRED_KEYS = ['id', 'withinLines', 'withinColumns'];

/** Where unknown keys are said: one warning per key, naming where it was found. */
type Warnings = string[];

function warnUnknown(
  v: Record<string, unknown>,
  known: readonly string[],
  where: string,
  warnings: Warnings,
): void {
  for (const key of Object.keys(v)) {
    if (known.includes(key)) continue;
    // A different case, a missing or extra ending (`stopword`, `withinLine`): said as a hint.
    const lower = key.toLowerCase();
    const near = known.find((k) => {
      const l = k.toLowerCase();
      return l === lower || l.startsWith(lower) || lower.startsWith(l);
    });
    warnings.push(
      `${where}: unknown key "${key}" is ignored${near ? ` (did you mean "${near}"?)` : ''}`,
    );
  }
}

function validateAllowlist(
  v: unknown,
  where: string,
  global: boolean,
  warnings: Warnings,
): RawAllowlist {
  if (!isObject(v)) throw new ScanConfigError(`${where} must be a table`);
  warnUnknown(v, global ? [...ALLOWLIST_KEYS, 'targetRules'] : ALLOWLIST_KEYS, where, warnings);
  const a: RawAllowlist = {
    description: str(v.description, `${where}.description`),
    condition: str(v.condition, `${where}.condition`),
    commits: strList(v.commits, `${where}.commits`),
    paths: strList(v.paths, `${where}.paths`),
    regexTarget: str(v.regexTarget, `${where}.regexTarget`),
    regexes: strList(v.regexes, `${where}.regexes`),
    stopwords: strList(v.stopwords, `${where}.stopwords`),
  };
  if (global) a.targetRules = strList(v.targetRules, `${where}.targetRules`);
  return a;
}

function validateRequired(v: unknown, where: string, warnings: Warnings): RawRequired {
  if (!isObject(v)) throw new ScanConfigError(`${where} must be a table`);
  warnUnknown(v, REQUIRED_KEYS, where, warnings);
  const id = str(v.id, `${where}.id`);
  if (!id) throw new ScanConfigError(`${where}: a required rule needs an \`id\``);
  const bound = (key: 'withinLines' | 'withinColumns'): number | undefined => {
    const n = num(v[key], `${where}.${key}`);
    if (n !== undefined && (!Number.isInteger(n) || n < 0))
      throw new ScanConfigError(`${where}.${key} must be a whole number, 0 or more`);
    return n;
  };
  return { id, withinLines: bound('withinLines'), withinColumns: bound('withinColumns') };
}

function validateRule(v: unknown, index: number, name: string, warnings: Warnings): RawRule {
  const where0 = `${name}: rules[${index}]`;
  if (!isObject(v)) throw new ScanConfigError(`${where0} must be a table`);
  const id = str(v.id, `${where0}.id`);
  if (!id) throw new ScanConfigError(`${where0}: a rule needs an \`id\``);
  const where = `${name}: rule "${id}"`;
  warnUnknown(v, RULE_KEYS, where, warnings);
  const rule: RawRule = {
    id,
    description: str(v.description, `${where}: description`),
    regex: str(v.regex, `${where}: regex`),
    secretGroup: num(v.secretGroup, `${where}: secretGroup`),
    entropy: num(v.entropy, `${where}: entropy`),
    keywords: strList(v.keywords, `${where}: keywords`),
    path: str(v.path, `${where}: path`),
    tags: strList(v.tags, `${where}: tags`),
  };
  if (v.skipReport !== undefined) {
    if (typeof v.skipReport !== 'boolean')
      throw new ScanConfigError(`${where}: skipReport must be true or false`);
    rule.skipReport = v.skipReport;
  }
  if (v.required !== undefined) {
    if (!Array.isArray(v.required))
      throw new ScanConfigError(
        `${where}: required must be an array of tables ([[rules.required]])`,
      );
    rule.required = v.required.map((r, k) =>
      validateRequired(r, `${where}: required[${k}]`, warnings),
    );
  }
  if (v.allowlist !== undefined && v.allowlists !== undefined) {
    throw new ScanConfigError(
      `${where}: [rules.allowlist] cannot be used alongside [[rules.allowlists]]`,
    );
  }
  if (v.allowlist !== undefined)
    rule.allowlists = [validateAllowlist(v.allowlist, `${where}: allowlist`, false, warnings)];
  if (v.allowlists !== undefined) {
    if (!Array.isArray(v.allowlists))
      throw new ScanConfigError(`${where}: allowlists must be an array of tables`);
    rule.allowlists = v.allowlists.map((a, k) =>
      validateAllowlist(a, `${where}: allowlists[${k}]`, false, warnings),
    );
  }
  return rule;
}

/** Checks a parsed TOML document's shape; unknown keys are pushed to `warnings`. */
export function validateConfig(v: unknown, name: string, warnings: Warnings = []): RawConfig {
  if (!isObject(v)) throw new ScanConfigError(`${name}: expected a TOML table`);
  warnUnknown(v, CONFIG_KEYS, name, warnings);
  const config: RawConfig = {
    title: str(v.title, `${name}: title`),
    description: str(v.description, `${name}: description`),
  };
  if (v.extend !== undefined) {
    if (!isObject(v.extend)) throw new ScanConfigError(`${name}: [extend] must be a table`);
    warnUnknown(v.extend, EXTEND_KEYS, `${name}: [extend]`, warnings);
    const useDefault = v.extend.useDefault;
    if (useDefault !== undefined && typeof useDefault !== 'boolean') {
      throw new ScanConfigError(`${name}: extend.useDefault must be true or false`);
    }
    if (v.extend.url !== undefined) {
      throw new ScanConfigError(
        `${name}: extend.url is not supported (no network fetch of rules): use extend.path`,
      );
    }
    config.extend = {
      useDefault,
      path: str(v.extend.path, `${name}: extend.path`),
      disabledRules: strList(v.extend.disabledRules, `${name}: extend.disabledRules`),
    };
    if (config.extend.useDefault && config.extend.path) {
      throw new ScanConfigError(`${name}: extend.useDefault and extend.path cannot both be set`);
    }
  }
  if (v.rules !== undefined) {
    if (!Array.isArray(v.rules))
      throw new ScanConfigError(`${name}: rules must be an array of tables ([[rules]])`);
    config.rules = v.rules.map((r, k) => validateRule(r, k, name, warnings));
  }
  if (v.allowlist !== undefined && v.allowlists !== undefined) {
    throw new ScanConfigError(`${name}: [allowlist] cannot be used alongside [[allowlists]]`);
  }
  const globals: RawAllowlist[] = [];
  if (v.allowlist !== undefined)
    globals.push(validateAllowlist(v.allowlist, `${name}: [allowlist]`, true, warnings));
  if (v.allowlists !== undefined) {
    if (!Array.isArray(v.allowlists))
      throw new ScanConfigError(`${name}: allowlists must be an array of tables`);
    v.allowlists.forEach((a, k) =>
      globals.push(validateAllowlist(a, `${name}: allowlists[${k}]`, true, warnings)),
    );
  }
  if (globals.length > 0) config.allowlists = globals;
  return config;
}

// --- extension ----------------------------------------------------------------------------

/** Flattens `[extend]` into one raw config (rules in id order, as gitleaks sorts them). */
function resolveExtends(
  config: RawConfig,
  name: string,
  from: ConfigLocation,
  depth: number,
  context: ExtendContext,
): RawConfig {
  const ext = config.extend;
  if (!ext || depth >= MAX_EXTEND_DEPTH || (!ext.useDefault && !ext.path)) return config;
  let base: RawConfig;
  if (ext.useDefault) {
    base = builtinConfig();
  } else {
    const location = extendLocation(from, ext.path!, context, name);
    const text = readLocation(location, context.reader);
    if (text === undefined)
      throw new ScanConfigError(
        `${name}: extend.path ${ext.path} does not exist${'repo' in location && context.reader.commit ? ` in ${context.reader.where}` : ''}`,
      );
    if ('repo' in location) context.extendFiles.push(location.repo);
    const raw = validateConfig(parseTomlText(text, ext.path!), ext.path!, context.warnings);
    base = resolveExtends(raw, ext.path!, location, depth + 1, context);
  }
  const disabled = new Set(ext.disabledRules ?? []);
  const rules = new Map<string, RawRule>();
  for (const rule of base.rules ?? []) if (!disabled.has(rule.id)) rules.set(rule.id, rule);
  for (const rule of config.rules ?? []) {
    const under = rules.get(rule.id);
    rules.set(rule.id, under ? mergeRule(under, rule) : rule);
  }
  return {
    ...config,
    extend: undefined,
    rules: [...rules.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    allowlists: [...(config.allowlists ?? []), ...(base.allowlists ?? [])],
  };
}

function mergeRule(base: RawRule, over: RawRule): RawRule {
  return {
    id: base.id,
    description: over.description || base.description,
    regex: over.regex || base.regex,
    path: over.path || base.path,
    secretGroup: over.secretGroup || base.secretGroup,
    entropy: over.entropy || base.entropy,
    keywords: [...(base.keywords ?? []), ...(over.keywords ?? [])],
    tags: [...(base.tags ?? []), ...(over.tags ?? [])],
    allowlists: [...(base.allowlists ?? []), ...(over.allowlists ?? [])],
    // gitleaks (config.go `extend`) keeps the base rule's required parts and skipReport; a
    // file that overrides a rule without saying either keeps them too, and one that says
    // them is heard.
    required: over.required ?? base.required,
    skipReport: over.skipReport ?? base.skipReport,
  };
}

// --- compilation ----------------------------------------------------------------------------
//
// Two engines. V8's RegExp backtracks: a pattern such as `(a|aa)+$` takes exponential time,
// and no check on a pattern's text can rule that out in general. So it runs only the
// patterns this package ships (the built-in rules, allowlists and paths), each audited for
// linear time and covered by the linearity tests; any other pattern — written in a config,
// or changed by one — runs on re2js, RE2's linear-time engine. A configured pattern whose
// text equals a built-in one is the same audited pattern and keeps the native engine.

/** Where a pattern is used: it is audited for that use (a rule regex runs over whole files). */
export type PatternRole = 'rule' | 'path' | 'allowlist';

let audited: Record<PatternRole, ReadonlySet<string>> | undefined;

/** Every regex text of the built-in config, by use: rules, paths, allowlist regexes. */
function auditedPatterns(): Record<PatternRole, ReadonlySet<string>> {
  if (audited) return audited;
  const sets = { rule: new Set<string>(), path: new Set<string>(), allowlist: new Set<string>() };
  const addAllowlist = (a: RawAllowlist): void => {
    for (const p of a.paths ?? []) sets.path.add(p);
    for (const r of a.regexes ?? []) sets.allowlist.add(r);
  };
  const builtin = builtinConfig();
  for (const rule of builtin.rules ?? []) {
    if (rule.regex) sets.rule.add(rule.regex);
    if (rule.path) sets.path.add(rule.path);
    for (const a of rule.allowlists ?? []) addAllowlist(a);
  }
  for (const a of builtin.allowlists ?? []) addAllowlist(a);
  return (audited = sets);
}

/** Whether a pattern may run on V8's backtracking engine in this use (see above). */
export function runsNative(pattern: string, role: PatternRole): boolean {
  return auditedPatterns()[role].has(pattern);
}

type NativeTest = (pattern: string, role: PatternRole) => boolean;

export interface CompileOptions {
  /**
   * Which patterns run on V8's backtracking engine; default: the audited built-in ones
   * (`runsNative`). Tests pass their own to cover both engines with one config.
   */
  native?: NativeTest;
}

function configError(err: unknown): unknown {
  return err instanceof RegexTranslationError
    ? new ScanConfigError(err.message, { cause: err })
    : err;
}

function compileRegex(
  pattern: string,
  what: string,
  role: PatternRole,
  native: NativeTest,
): RegExp | LinearRegex {
  try {
    if (!native(pattern, role)) return compileLinear(pattern, what);
    const t = translate(pattern, what);
    return new RegExp(t.source, t.flags);
  } catch (err) {
    throw configError(err);
  }
}

function compileAllowlist(a: RawAllowlist, where: string, native: NativeTest): Allowlist {
  const condition = (a.condition ?? '').toUpperCase();
  if (!['', 'OR', '||', 'AND', '&&'].includes(condition)) {
    throw new ScanConfigError(
      `${where}: unknown condition "${a.condition}" (expected "AND" or "OR")`,
    );
  }
  const target = a.regexTarget ?? 'secret';
  if (!['secret', 'match', 'line', ''].includes(target)) {
    throw new ScanConfigError(
      `${where}: unknown regexTarget "${target}" (expected "secret", "match" or "line")`,
    );
  }
  const commits = new Set((a.commits ?? []).map((c) => c.trim().toLowerCase()).filter(Boolean));
  const paths = (a.paths ?? []).map((p, k) =>
    compileRegex(p, `${where}: paths[${k}]`, 'path', native),
  );
  const regexes = (a.regexes ?? []).map((r, k) =>
    compileRegex(r, `${where}: regexes[${k}]`, 'allowlist', native),
  );
  const stopwords = [...new Set((a.stopwords ?? []).map((s) => s.toLowerCase()).filter(Boolean))];
  if (commits.size === 0 && paths.length === 0 && regexes.length === 0 && stopwords.length === 0) {
    throw new ScanConfigError(
      `${where}: an allowlist needs at least one of commits, paths, regexes or stopwords`,
    );
  }
  return {
    description: a.description ?? '',
    condition: condition === 'AND' || condition === '&&' ? 'AND' : 'OR',
    commits,
    paths,
    regexTarget: (target || 'secret') as RegexTarget,
    regexes,
    stopwords,
    anyPath: joinRegexes(paths, `${where}: paths`),
    anyRegex: joinRegexes(regexes, `${where}: regexes`),
    anyStopword: containsAny(stopwords),
  };
}

/** A test for "contains one of these words": one alternation of literals. */
function containsAny(words: readonly string[]): TextTest | undefined {
  if (words.length === 0) return undefined;
  const regex = new RegExp(words.map((w) => w.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&')).join('|'));
  return { test: (text: string) => regex.test(text) };
}

/**
 * Regexes joined into as few alternations as possible: one per set of flags (a pattern that
 * folds case cannot share a regex with exact ones), and patterns anchored at the start apart,
 * run sticky at offset 0 — joined unanchored they would be tried at every offset. Patterns
 * on the linear engine join into one RE2 alternation (each keeps its inline flags, which
 * RE2 scopes to the group).
 */
function joinRegexes(list: readonly (RegExp | LinearRegex)[], what: string): TextTest | undefined {
  if (list.length === 0) return undefined;
  const groups = new Map<string, string[]>();
  const linear: string[] = [];
  for (const r of list) {
    if (!(r instanceof RegExp)) {
      linear.push(`(?:${r.source})`);
      continue;
    }
    const key = (r.source.startsWith('^') ? 'y' : '') + r.flags.replace('g', '');
    groups.set(key, [...(groups.get(key) ?? []), `(?:${r.source})`]);
  }
  const tests = [...groups].map(([flags, sources]) => {
    const joined = new RegExp(sources.join('|'), flags);
    if (!flags.includes('y')) return (text: string) => joined.test(text);
    return (text: string) => {
      joined.lastIndex = 0;
      return joined.test(text);
    };
  });
  if (linear.length > 0) {
    let joined: LinearRegex;
    try {
      joined = compileLinear(linear.join('|'), what);
    } catch (err) {
      throw configError(err);
    }
    tests.push((text: string) => joined.test(text));
  }
  return tests.length === 1
    ? { test: tests[0]! }
    : { test: (text: string) => tests.some((t) => t(text)) };
}

/** Compiles a flattened raw config: every regex translated, every field checked. */
export function compileConfig(
  raw: RawConfig,
  source: string,
  options: CompileOptions = {},
): ScanConfig {
  const native = options.native ?? runsNative;
  const byId = new Map<string, Rule>();
  for (const r of raw.rules ?? []) {
    const where = `rule "${r.id}"`;
    if (!r.regex && !r.path) throw new ScanConfigError(`${where}: needs a regex or a path`);
    let pattern: Rule['pattern'];
    if (r.regex) {
      let t;
      let linear: LinearRegex | undefined;
      try {
        t = translate(r.regex, `${where} regex`);
        if (!native(r.regex, 'rule')) linear = compileLinear(r.regex, `${where} regex`, {}, t);
      } catch (err) {
        throw configError(err);
      }
      const secretGroup = r.secretGroup ?? 0;
      if (!Number.isInteger(secretGroup) || secretGroup < 0 || secretGroup > t.groups) {
        throw new ScanConfigError(
          `${where}: secretGroup ${secretGroup} does not exist (the regex has ${t.groups} capture groups)`,
        );
      }
      pattern = {
        regex: linear ?? new RegExp(t.source, [...new Set(t.flags + 'g')].join('')),
        engine: linear ? 'linear' : 'native',
        re2Source: r.regex,
        newlines: t.newlines,
        maxLength: t.maxLength,
        anchorsText: t.anchorsText,
        leadingLiterals: t.leadingLiterals,
        parts: t.parts,
        keywordsInside: t.alwaysContains(
          (r.keywords ?? []).map((k) => k.toLowerCase()).filter(Boolean),
        ),
      };
    }
    const entropy = r.entropy ?? 0;
    if (entropy < 0 || entropy > 8)
      throw new ScanConfigError(`${where}: entropy must be between 0 and 8`);
    byId.set(r.id, {
      id: r.id,
      description: r.description ?? r.id,
      pattern,
      path: r.path ? compileRegex(r.path, `${where} path`, 'path', native) : undefined,
      secretGroup: r.secretGroup ?? 0,
      entropy,
      keywords: [...new Set((r.keywords ?? []).map((k) => k.toLowerCase()).filter(Boolean))],
      tags: [...new Set(r.tags ?? [])],
      allowlists: (r.allowlists ?? []).map((a, k) =>
        compileAllowlist(a, `${where}: allowlists[${k}]`, native),
      ),
      required: (r.required ?? []).map((q) => ({
        id: q.id,
        withinLines: q.withinLines,
        withinColumns: q.withinColumns,
      })),
      skipReport: r.skipReport ?? false,
    });
  }
  // As gitleaks does after all rules are read (config.go Translate): a required part names a
  // rule that exists.
  for (const rule of byId.values()) {
    for (const part of rule.required) {
      if (!byId.has(part.id))
        throw new ScanConfigError(
          `rule "${rule.id}": [[rules.required]] rule "${part.id}" does not exist`,
        );
    }
  }
  const globals: Allowlist[] = [];
  (raw.allowlists ?? []).forEach((a, k) => {
    const compiled = compileAllowlist(a, `allowlists[${k}]`, native);
    if (a.targetRules && a.targetRules.length > 0) {
      for (const id of a.targetRules) {
        const rule = byId.get(id);
        if (!rule)
          throw new ScanConfigError(`allowlists[${k}]: target rule "${id}" does not exist`);
        byId.set(id, { ...rule, allowlists: [...rule.allowlists, compiled] });
      }
    } else {
      globals.push(compiled);
    }
  });
  return { source, rules: [...byId.values()], allowlists: globals };
}
