// The two files of one AWS profile that `credential_process` reads: its settings (written
// once by main) and its session cache (written by main, then by each call that mints).
// Small on purpose: the credential_process bundle loads this before it knows whether it
// needs the network, and a cached answer must cost little more than node's start-up.
import { lstatSync, readFileSync } from 'node:fs';
import type { AwsRoad, AwsSession } from '../../providers/aws-sts.js';
import { replacePrivateFile } from './private-dir.js';

export interface ProcessSettings {
  version: 1;
  profile: string;
  road: AwsRoad;
  /** The job's OIDC request endpoint as main saw it (ACTIONS_ID_TOKEN_REQUEST_*). */
  oidc: { requestUrl: string; requestToken: string };
  http: { timeoutSeconds: number; retries: number; caCertificate?: string };
  /** The session cache's path. */
  cache: string;
}

/** What the cache holds: a session and when it was minted (epoch ms). */
interface CachedSession extends AwsSession {
  issued: number;
}

/**
 * The longest a session is reused before its end: five minutes (what the AWS SDKs leave
 * themselves before they refresh), or a third of its life when it is shorter than that.
 */
const REFRESH_MARGIN_MS = 5 * 60 * 1000;

/** A file only this user may read or write, and a regular one (not a link). */
export function readPrivateFile(path: string): string {
  const stat = lstatSync(path);
  if (!stat.isFile()) throw new Error(`${path} is not a regular file`);
  if ((stat.mode & 0o077) !== 0) throw new Error(`${path} is readable by others (expected 0600)`);
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) throw new Error(`${path} belongs to another user`);
  return readFileSync(path, 'utf8');
}

export function writeCache(path: string, session: AwsSession, now: number): void {
  const cached: CachedSession = { ...session, issued: now };
  replacePrivateFile(path, JSON.stringify(cached));
}

/** The cached session if it is still good for a while; undefined otherwise. */
export function freshCachedSession(path: string, now: number): AwsSession | undefined {
  let cached: Partial<CachedSession>;
  try {
    cached = JSON.parse(readPrivateFile(path)) as Partial<CachedSession>;
  } catch {
    return undefined;
  }
  const { accessKeyId, secretAccessKey, sessionToken, expiration, issued } = cached;
  if (!accessKeyId || !secretAccessKey || !sessionToken || !expiration) return undefined;
  const ends = Date.parse(expiration);
  if (!Number.isFinite(ends) || typeof issued !== 'number') return undefined;
  const margin = Math.min(REFRESH_MARGIN_MS, (ends - issued) / 3);
  return ends - now > margin
    ? { accessKeyId, secretAccessKey, sessionToken, expiration }
    : undefined;
}

/** The AWS CLI's credential_process answer (botocore and SDK v3 require `Version: 1`). */
export function processAnswer(session: AwsSession): string {
  return JSON.stringify({
    Version: 1,
    AccessKeyId: session.accessKeyId,
    SecretAccessKey: session.secretAccessKey,
    SessionToken: session.sessionToken,
    Expiration: session.expiration,
  });
}
