// Leak checks for logs, outputs and files: does any secret — whole, one of its lines, or one
// of its JSON leaves — appear in a text? A finding names the secret only by a sha256 prefix
// and its length, so a failing test never prints the value it was protecting.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export type LeakKind = 'value' | 'line' | 'leaf';

export interface LeakFinding {
  kind: LeakKind;
  /** First 12 hex characters of the sha256 of the leaked text. */
  sha256: string;
  length: number;
  /** Index of the secret in the list given. */
  secret: number;
  /** Where it was found, when scanning several texts (a file path, a step name). */
  where?: string;
}

export interface LeakOptions {
  /** Ignore candidates shorter than this (default 1: everything non-empty is checked). */
  minLength?: number;
}

export const fingerprint = (text: string): string =>
  createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 12);

/** How a secret may be named in a message: hash prefix and length, never the value. */
export const describeSecret = (text: string): string =>
  `sha256:${fingerprint(text)}… (${text.length} chars)`;

/**
 * Lines of a multi-line secret that carry nothing secret (SPEC §1.2): blanks, JSON/YAML
 * structure, ASCII punctuation shorter than 4 characters. Any other line (a line of symbols
 * or emoji, PEM armour) must not be readable.
 */
const onlyPunctuation = (line: string) =>
  /^[{}[\],:"'\-\s]*$/.test(line) || /^[!-/:-@[-`{-~]{1,3}$/.test(line);

/** Strings and numbers at the leaves of a JSON value; `true`/`false`/`null` are no secrets. */
export function jsonLeaves(value: unknown): string[] {
  const out: string[] = [];
  const walk = (node: unknown) => {
    if (typeof node === 'string') out.push(node);
    else if (typeof node === 'number' && Number.isFinite(node)) out.push(String(node));
    else if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') Object.values(node).forEach(walk);
  };
  walk(value);
  return out;
}

/** Every string/number leaf of fixture objects, as a flat list of secrets. */
export function secretsOf(...values: unknown[]): string[] {
  return [...new Set(values.flatMap((v) => (typeof v === 'string' ? [v] : jsonLeaves(v))))];
}

/** The texts that must not appear for one secret, each with its kind. */
export function leakCandidates(secret: unknown): Array<{ kind: LeakKind; text: string }> {
  const out: Array<{ kind: LeakKind; text: string }> = [];
  const add = (kind: LeakKind, text: string) => {
    if (text !== '' && !out.some((c) => c.text === text)) out.push({ kind, text });
  };
  if (typeof secret === 'string') {
    add('value', secret);
    if (/[\r\n]/.test(secret)) {
      for (const line of secret.split(/\r?\n|\r/)) {
        const trimmed = line.trim();
        if (!onlyPunctuation(trimmed)) add('line', trimmed);
      }
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(secret);
    } catch {
      parsed = undefined;
    }
    if (parsed !== null && typeof parsed === 'object') {
      for (const leaf of jsonLeaves(parsed)) add('leaf', leaf);
    }
  } else if (typeof secret === 'number') {
    add('value', String(secret));
  } else if (secret !== null && typeof secret === 'object') {
    for (const leaf of jsonLeaves(secret)) add('leaf', leaf);
  }
  return out;
}

/** Every way the secrets show up in the text (empty when nothing leaked). */
export function findLeaks(
  text: string,
  secrets: ReadonlyArray<unknown>,
  options: LeakOptions = {},
  where?: string,
): LeakFinding[] {
  const minLength = options.minLength ?? 1;
  const findings: LeakFinding[] = [];
  secrets.forEach((secret, index) => {
    for (const candidate of leakCandidates(secret)) {
      if (candidate.text.length < minLength || !text.includes(candidate.text)) continue;
      findings.push({
        kind: candidate.kind,
        sha256: fingerprint(candidate.text),
        length: candidate.text.length,
        secret: index,
        ...(where === undefined ? {} : { where }),
      });
    }
  });
  return findings;
}

export function formatFindings(findings: LeakFinding[]): string {
  return findings
    .map(
      (f) =>
        `- secret #${f.secret}: ${f.kind} sha256:${f.sha256}… (${f.length} chars)${f.where ? ` in ${f.where}` : ''}`,
    )
    .join('\n');
}

/** Throws (naming leaks by hash and length only) if any secret appears in the text. */
export function expectNoLeak(
  text: string,
  secrets: ReadonlyArray<unknown>,
  options: LeakOptions = {},
): void {
  const findings = findLeaks(text, secrets, options);
  if (findings.length > 0) {
    throw new Error(`${findings.length} secret leak(s) found:\n${formatFindings(findings)}`);
  }
}

/** Leaks in every regular file under a directory (paths reported relative to it). */
export function findLeaksInDir(
  dir: string,
  secrets: ReadonlyArray<unknown>,
  options: LeakOptions & { skip?: (path: string) => boolean } = {},
): LeakFinding[] {
  const findings: LeakFinding[] = [];
  const walk = (current: string) => {
    for (const name of readdirSync(current)) {
      const path = join(current, name);
      if (options.skip?.(path)) continue;
      const stat = statSync(path);
      if (stat.isDirectory()) walk(path);
      else if (stat.isFile())
        findings.push(
          ...findLeaks(readFileSync(path, 'utf8'), secrets, options, relative(dir, path)),
        );
    }
  };
  walk(dir);
  return findings;
}
