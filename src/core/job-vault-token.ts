// A Vault token this job's own oidc-secrets step exported (`credentials: vault: env`), told
// apart from one a workflow put in VAULT_TOKEN from `secrets.*`. The exporting step writes a
// record beside its other later-step files (a 0700 mkdtemp directory under RUNNER_TEMP,
// the file 0600, removed by its post step): a salted SHA-256 of the token and the run,
// attempt and job it was minted for. require-oidc (policy.ts) lets VAULT_TOKEN pass only
// when such a record matches it exactly.
//
// What this proves, and what not: a token from `secrets.*` never matches (its digest was
// never recorded), nor does a token from another run, attempt or job, nor a record left
// behind on a self-hosted runner, nor a file someone else's user or a link put there. It is
// not a signature: nothing on the runner is secret from the workflow's own steps, so a
// `run:` step could write a record by hand, just as it could set require-oidc: false. The
// policy's job is to stop long-lived tokens arriving by habit, and a hand-made record is
// as deliberate and as visible in review as turning the policy off.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readSync,
  readdirSync,
} from 'node:fs';
import { join } from 'node:path';

/** The record's name inside the later-step directory. */
export const VAULT_TOKEN_RECORD = 'vault-token.issued.json';
/** Directories main makes under RUNNER_TEMP with mkdtemp (src/github/credentials/private-dir.ts). */
const DIRECTORY = /^oidc-secrets-[A-Za-z0-9]{6}$/;
const MAX_RECORD_BYTES = 4096;
/** More directories than a job makes: a RUNNER_TEMP full of them is not searched further. */
const MAX_DIRECTORIES = 256;

interface VaultTokenRecord {
  v: 1;
  salt: string;
  digest: string;
  run: string;
  attempt: string;
  job: string;
}

const digestOf = (salt: Buffer, token: string): Buffer =>
  createHash('sha256').update('oidc-secrets vault token\0').update(salt).update(token).digest();

const jobOf = (env: NodeJS.ProcessEnv) => ({
  run: env.GITHUB_RUN_ID ?? '',
  attempt: env.GITHUB_RUN_ATTEMPT ?? '',
  job: env.GITHUB_JOB ?? '',
});

/** The record's text for a token this step minted and exports. */
export function vaultTokenRecord(token: string, env: NodeJS.ProcessEnv): string {
  const salt = randomBytes(16);
  const record: VaultTokenRecord = {
    v: 1,
    salt: salt.toString('base64'),
    digest: digestOf(salt, token).toString('base64'),
    ...jobOf(env),
  };
  return JSON.stringify(record);
}

function ownedPrivate(mode: number, uid: number, owner: number | undefined): boolean {
  return (owner === undefined || uid === owner) && (mode & 0o077) === 0;
}

/** A small regular file we own that nobody else can read or write, or undefined. */
function readRecord(path: string, owner: number | undefined): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.size > MAX_RECORD_BYTES || !ownedPrivate(stat.mode, stat.uid, owner))
      return undefined;
    const buffer = Buffer.alloc(stat.size);
    const read = readSync(fd, buffer, 0, stat.size, 0);
    return buffer.subarray(0, read).toString('utf8');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function matches(text: string, token: string, env: NodeJS.ProcessEnv): boolean {
  let record: Partial<VaultTokenRecord>;
  try {
    record = JSON.parse(text) as Partial<VaultTokenRecord>;
  } catch {
    return false;
  }
  const job = jobOf(env);
  if (record.v !== 1 || typeof record.salt !== 'string' || typeof record.digest !== 'string')
    return false;
  // A record from another run, attempt or job (a self-hosted runner's leftovers) is not this job's.
  if (
    !job.run ||
    record.run !== job.run ||
    record.attempt !== job.attempt ||
    record.job !== job.job
  )
    return false;
  const expected = Buffer.from(record.digest, 'base64');
  const actual = digestOf(Buffer.from(record.salt, 'base64'), token);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Whether an earlier oidc-secrets step of this job recorded exporting this very token. */
export function vaultTokenFromThisJob(token: string, env: NodeJS.ProcessEnv): boolean {
  const runnerTemp = env.RUNNER_TEMP;
  if (!runnerTemp || !token) return false;
  const owner = process.getuid?.();
  let names: string[];
  try {
    names = readdirSync(runnerTemp).filter((name) => DIRECTORY.test(name));
  } catch {
    return false;
  }
  for (const name of names.slice(0, MAX_DIRECTORIES)) {
    const dir = join(runnerTemp, name);
    try {
      const stat = lstatSync(dir);
      if (!stat.isDirectory() || !ownedPrivate(stat.mode, stat.uid, owner)) continue;
    } catch {
      continue;
    }
    const text = readRecord(join(dir, VAULT_TOKEN_RECORD), owner);
    if (text !== undefined && matches(text, token, env)) return true;
  }
  return false;
}
