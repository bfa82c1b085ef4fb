// Test fixtures for the scan: credentials generated at test time in each provider's format
// (never real, never committed), and throw-away git repositories built with the git CLI.
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, randomInt } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Finding } from '../../../src/scan/types.js';

export const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const LOWER = 'abcdefghijklmnopqrstuvwxyz';
export const DIGITS = '0123456789';
export const B62 = UPPER + LOWER + DIGITS;
export const B64URL = B62 + '-_';
export const HEX = '0123456789abcdef';

export function random(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** Assertion messages compare hashes, never values. */
export const sha = (text: string): string =>
  createHash('sha256').update(text).digest('hex').slice(0, 16);

export const tokens = {
  githubPat: () => 'ghp_' + random(B62, 36),
  awsKeyId: () => 'AKIA' + random('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16),
  awsSecret: () => random(B62 + '+/', 40),
  slackBot: () => `xoxb-${random(DIGITS, 12)}-${random(DIGITS, 12)}-${random(B62, 24)}`,
  stripeLive: () => 'sk_live_' + random(B62, 32),
  npm: () => 'npm_' + random(B62, 36),
  gitlab: () => 'glpat-' + random(B62, 20),
  jwt: () =>
    [
      Buffer.from(JSON.stringify({ alg: 'RS256', kid: random(HEX, 8) })).toString('base64url'),
      Buffer.from(JSON.stringify({ sub: random(HEX, 16), exp: 1900000000 })).toString('base64url'),
      random(B64URL, 43),
    ].join('.'),
  password: () => random(B62, 8) + '#' + random(B62, 14),
  // A '#' would start a URL's fragment: a password in a URL has none unescaped.
  urlPassword: () => random(B62, 8) + '!' + random(B62, 14),
  privateKey: () =>
    generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString(),
};

// --- git fixtures -----------------------------------------------------------------------

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_COMMITTER_NAME: 'Test Author',
  GIT_COMMITTER_EMAIL: 'author@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    'git',
    ['-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main', ...args],
    {
      cwd,
      env: { ...process.env, ...GIT_ENV },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  ).trim();
}

export class Repo {
  readonly dir: string;
  constructor(dir?: string) {
    this.dir = dir ?? mkdtempSync(join(tmpdir(), 'scan-repo-'));
    if (!dir) git(this.dir, 'init', '-q');
  }

  write(path: string, content: string): this {
    mkdirSync(dirname(join(this.dir, path)), { recursive: true });
    writeFileSync(join(this.dir, path), content);
    return this;
  }

  /** Writes the files, commits them all, returns the new commit's sha. */
  commit(message: string, files: Record<string, string> = {}): string {
    for (const [path, content] of Object.entries(files)) this.write(path, content);
    git(this.dir, 'add', '-A');
    git(this.dir, 'commit', '-q', '--allow-empty', '-m', message);
    return this.head();
  }

  head(): string {
    return git(this.dir, 'rev-parse', 'HEAD');
  }

  git(...args: string[]): string {
    return git(this.dir, ...args);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * The `feature` branch of `origin` (a base commit, then the PR's) checked out one commit deep
 * as actions/checkout makes it, and the pull_request event payload for `base`..its tip. The
 * caller removes `workspace`.
 */
export function pullRequestCheckout(
  origin: Repo,
  base: string,
  number = 12,
): {
  workspace: string;
  head: string;
  payload: Record<string, unknown>;
} {
  const head = origin.head();
  const workspace = mkdtempSync(join(tmpdir(), 'scan-ws-'));
  git(
    tmpdir(),
    'clone',
    '-q',
    '--depth=1',
    '--branch',
    'feature',
    `file://${origin.dir}`,
    workspace,
  );
  const commits = Number(git(origin.dir, 'rev-list', '--count', `${base}..${head}`));
  const payload = {
    number,
    pull_request: {
      number,
      commits,
      base: { sha: base, ref: 'main' },
      head: { sha: head, ref: 'feature' },
    },
  };
  return { workspace, head, payload };
}

/** A finding as the detector makes it, for report tests (the secret is the test's own fake). */
export function fakeFinding(secret: string, overrides: Partial<Finding> = {}): Finding {
  const base: Finding = {
    ruleId: 'github-pat',
    description: 'GitHub personal access token',
    file: 'src/app config.ts',
    commit: 'c'.repeat(40),
    startLine: 7,
    startColumn: 16,
    endLine: 7,
    endColumn: 56,
    matchLine: 7,
    matchColumn: 1,
    secret,
    match: secret,
    entropy: 4.7,
    tags: ['secret'],
    fingerprint: `${'c'.repeat(40)}:src/app config.ts:github-pat:7`,
    globalFingerprint: 'src/app config.ts:github-pat:7',
  };
  return { ...base, ...overrides };
}
