// The keep-alive process (dist/keep-alive.js), started detached by main. It receives its
// plan over the IPC pipe, answers `ready`, then renews on the shared schedule
// (src/core/renewal.ts) until post stops it (SIGTERM), the runner's job process is gone,
// keep-alive-max-seconds pass, or nothing is left to renew. It never writes to stdout or
// stderr (main gives it none: the job log cannot see it); its log and state file are in its
// directory under RUNNER_TEMP.
import { appendFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHttpClient } from '../../core/context.js';
import { describeError } from '../../core/errors.js';
import { MaskGate } from '../../core/mask.js';
import { RenewalSchedule, type Renewable, type RenewalEvent } from '../../core/renewal.js';
import { vaultRenewals } from '../../providers/vault-renew.js';
import { GitHubOidc } from '../oidc.js';
import { parsePlan, type KeepAlivePlan } from './plan.js';
import { LOG_FILE, STATE_FILE, type KeepAliveState, type KeepAliveStatus } from './state.js';
import { tokenFileRenewal } from './token-file.js';

const PLAN_TIMEOUT_MS = 10_000;

export function run(): void {
  const timer = setTimeout(() => process.exit(2), PLAN_TIMEOUT_MS);
  process.once('message', (message) => {
    clearTimeout(timer);
    let plan: KeepAlivePlan;
    try {
      plan = parsePlan(message);
    } catch {
      process.exit(2);
    }
    try {
      start(plan);
    } catch (error) {
      writeStartFailure(plan.dir, describeError(error));
      process.exit(2);
    }
    // Main has let go of the pipe already (or will): nothing else arrives on it.
    if (process.connected) process.disconnect();
  });
}

/** Tells post why it never ran (post reports the state file's error). */
function writeStartFailure(dir: string, error: string): void {
  try {
    const state: KeepAliveState = {
      pid: process.pid,
      status: 'crashed',
      startedAt: Date.now(),
      updatedAt: Date.now(),
      items: [],
      error: `it could not start: ${error}`,
    };
    writeFileSync(join(dir, STATE_FILE), JSON.stringify(state), { mode: 0o600 });
  } catch {
    // nowhere to say it
  }
}

/** Is the process alive and still the one we started watching (Linux: same start time)? */
export function processAlive(pid: number, startTime: string | undefined): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists, as another user's process (a runner running as another user).
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return startTime === undefined || processStartTime(pid) === startTime;
}

/** Field 22 of /proc/PID/stat (start time in clock ticks): tells a reused pid apart. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function start(plan: KeepAlivePlan): void {
  const logPath = join(plan.dir, LOG_FILE);
  const statePath = join(plan.dir, STATE_FILE);
  const gate = new MaskGate({ add: () => undefined }, () => undefined);
  // Everything secret it holds, so that no message it writes can carry one.
  if (plan.vault) {
    gate.admitCredential(plan.vault.renewables.token, 'the Vault token');
    for (const [, value] of plan.vault.settings.headers ?? [])
      gate.admitCredential(value, 'a header');
  }
  if (plan.oidc?.requestToken)
    gate.admitCredential(plan.oidc.requestToken, 'the OIDC request token');
  const log = (message: string) => {
    const line = `${new Date().toISOString()} ${gate.redact(message).replace(/[\r\n]+/g, ' ')}\n`;
    appendFileSync(logPath, line, { mode: 0o600 });
  };

  const http = createHttpClient(
    {
      ...plan.http,
      concurrency: 4,
      requireOidc: true,
      allowUntrustedEvents: false,
      revoke: true,
    },
    gate,
    plan.proxyEnv,
  );
  const items: Renewable[] = [];
  if (plan.vault) items.push(...vaultRenewals(plan.vault.settings, http, plan.vault.renewables));
  const oidc = plan.oidc;
  if (oidc) {
    const mint = async (audience: string) => {
      // A fresh token each time: GitHubOidc caches per instance.
      const token = await new GitHubOidc(http, oidc, (value, what) =>
        gate.admitCredential(value, what),
      ).idToken(audience || undefined);
      return token;
    };
    for (const file of plan.tokenFiles) items.push(tokenFileRenewal(file, mint));
  }

  const startedAt = Date.now();
  const writeState = (status: KeepAliveStatus, error?: string) => {
    const state: KeepAliveState = {
      pid: process.pid,
      status,
      startedAt,
      updatedAt: Date.now(),
      items: schedule.counts(),
      ...(error ? { error: gate.redact(error) } : {}),
    };
    const temporary = `${statePath}.tmp`;
    writeFileSync(temporary, JSON.stringify(state), { mode: 0o600 });
    renameSync(temporary, statePath);
  };

  let finished = false;
  const timers: Array<ReturnType<typeof setTimeout>> = [];
  const finish = (status: KeepAliveStatus, error?: string) => {
    if (finished) return;
    finished = true;
    for (const t of timers) clearTimeout(t);
    log(`stopping: ${status}${error ? ` (${error})` : ''}`);
    // A renewal in flight gets 2 s to finish (post waits 5 s before it kills).
    const settled = new Promise((resolve) => setTimeout(resolve, 2000).unref());
    void Promise.race([schedule.stop(), settled]).finally(() => {
      writeState(status, error);
      http.close();
      process.exit(0);
    });
  };

  const onEvent = (event: RenewalEvent) => {
    const what = `${event.kind} ${event.label}`;
    switch (event.outcome) {
      case 'renewed':
        log(`renewed ${what}: ${event.ttlSeconds ?? 0} s`);
        break;
      case 'at-maximum':
        log(`renewed ${what} to its maximum: ${event.ttlSeconds ?? 0} s left, no further renewal`);
        break;
      case 'failed':
        log(`could not renew ${what}, will retry: ${event.detail ?? ''}`);
        break;
      case 'gave-up':
        log(`could not renew ${what}, gave up (it expires soon): ${event.detail ?? ''}`);
        break;
    }
    writeState('running');
    if (!schedule.active) finish('nothing-left');
  };

  const schedule = new RenewalSchedule(items, {
    onEvent,
    describe: (error) => gate.redact(describeError(error)),
  });
  writeState('running');
  log(
    `started (pid ${process.pid}): ${items.length} item${items.length === 1 ? '' : 's'} to renew` +
      `${plan.watchPid ? `, watching the runner's job process ${plan.watchPid}` : ', no runner process to watch'}` +
      `, for at most ${plan.maxSeconds} s`,
  );
  schedule.start();
  if (!schedule.active) {
    finish('nothing-left');
    return;
  }

  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const)
    process.on(signal, () => finish('stopped'));
  timers.push(setTimeout(() => finish('max-seconds'), plan.maxSeconds * 1000));
  if (plan.watchPid) {
    const startTime = processStartTime(plan.watchPid);
    const watch = setInterval(() => {
      if (!processAlive(plan.watchPid, startTime)) finish('parent-gone');
    }, plan.livenessMs);
    timers.push(watch);
  }
  process.on('uncaughtException', (error) => finish('crashed', describeError(error)));
  process.on('unhandledRejection', (error) => finish('crashed', describeError(error)));
}
