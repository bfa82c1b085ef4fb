// The optional audit file (`audit-log` input): one JSON line per read — reference, lines,
// provider, duration, lease id and TTL, outcome. Never a value; error texts are redacted.
import { closeSync, constants, fstatSync, openSync, writeSync } from 'node:fs';
import { ActionError } from './errors.js';
import type { ReadRecord } from './resolve.js';

export interface AuditContext {
  runId: string | undefined;
  runAttempt: string | undefined;
  repository: string | undefined;
  job: string | undefined;
}

export function auditLines(
  records: readonly ReadRecord[],
  context: AuditContext,
  redact: (text: string) => string,
): string {
  const time = new Date().toISOString();
  return records
    .map((record) =>
      JSON.stringify({
        time,
        repository: context.repository,
        run_id: context.runId,
        run_attempt: context.runAttempt,
        job: context.job,
        reference: `${record.location.provider}:${record.location.locator}`,
        options: Object.keys(record.location.options).length ? record.location.options : undefined,
        lines: record.location.lines,
        provider: record.location.provider,
        duration_ms: record.durationMs,
        lease_id: record.leaseId,
        lease_ttl_seconds: record.leaseTtlSeconds,
        outcome: record.outcome,
        error: record.error === undefined ? undefined : redact(record.error),
      }),
    )
    .map((line) => line + '\n')
    .join('');
}

/**
 * Appends the records to `path`. The file is opened without following a link (O_NOFOLLOW)
 * and must be a regular file: a link planted at the audit path by an earlier step would
 * otherwise make this step append to any file the runner's user can write (a shell's rc
 * file, another job's log). O_NOFOLLOW does not exist on Windows.
 */
export function writeAudit(
  path: string,
  records: readonly ReadRecord[],
  env: NodeJS.ProcessEnv,
  redact: (text: string) => string,
): void {
  if (!path || records.length === 0) return;
  const text = auditLines(
    records,
    {
      runId: env.GITHUB_RUN_ID,
      runAttempt: env.GITHUB_RUN_ATTEMPT,
      repository: env.GITHUB_REPOSITORY,
      job: env.GITHUB_JOB,
    },
    redact,
  );
  const flags =
    constants.O_WRONLY |
    constants.O_APPEND |
    constants.O_CREAT |
    (process.platform === 'win32' ? 0 : constants.O_NOFOLLOW | constants.O_NONBLOCK);
  let fd: number;
  try {
    fd = openSync(path, flags, 0o600);
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new ActionError(
      'INPUT_INVALID',
      code === 'ELOOP'
        ? `input audit-log: ${path} is a symbolic link; refusing to write the audit log through it`
        : `input audit-log: cannot open ${path} for appending (${code ?? 'error'})`,
    );
  }
  try {
    if (!fstatSync(fd).isFile())
      throw new ActionError(
        'INPUT_INVALID',
        `input audit-log: ${path} is not a regular file; refusing to write the audit log to it`,
      );
    const bytes = Buffer.from(text, 'utf8');
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
  } finally {
    closeSync(fd);
  }
}
