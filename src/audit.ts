// The optional audit file (`audit-log` input): one JSON line per read — reference, lines,
// provider, duration, lease id and TTL, outcome. Never a value; error texts are redacted.
import { appendFileSync } from 'node:fs';
import type { ReadRecord } from './road.js';

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

export function writeAudit(
  path: string,
  records: readonly ReadRecord[],
  env: NodeJS.ProcessEnv,
  redact: (text: string) => string,
): void {
  if (!path || records.length === 0) return;
  appendFileSync(
    path,
    auditLines(
      records,
      {
        runId: env.GITHUB_RUN_ID,
        runAttempt: env.GITHUB_RUN_ATTEMPT,
        repository: env.GITHUB_REPOSITORY,
        job: env.GITHUB_JOB,
      },
      redact,
    ),
    { mode: 0o600 },
  );
}
