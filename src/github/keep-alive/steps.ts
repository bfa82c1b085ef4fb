// The keep-alive as main and post use it: main starts it after everything resolved (when
// keep-alive is on and something needs it) and seals where it is; post stops it first,
// reports what it renewed and what failed, then revokes as before.
import { describeError } from '../../core/errors.js';
import type { Ledger, SavedState } from '../../core/ledger.js';
import type { RenewalCount } from '../../core/renewal.js';
import { annotate, info } from '../commands.js';
import type { ActionConfig } from '../inputs.js';
import { oidcRequestEnvironment } from '../oidc.js';
import { keepAlivePlan, type TokenFile } from './plan.js';
import { startKeepAlive } from './start.js';
import { KEEP_ALIVE_STATE, LOG_FILE } from './state.js';
import { keepAliveRecord, stopKeepAlive } from './stop.js';

export async function startAfterMain(parts: {
  config: ActionConfig;
  ledger: Ledger;
  env: NodeJS.ProcessEnv;
  /** Files that must always hold a fresh job OIDC token (the Azure token file). */
  tokenFiles: readonly TokenFile[];
  /** Whether later steps were handed the Vault token (`credentials: vault: env`). */
  vaultTokenExported: boolean;
}): Promise<void> {
  const { config, ledger, env } = parts;
  if (!config.keepAlive) return;
  const plan = keepAlivePlan({
    entries: ledger.entries,
    vault: config.settings.providers.vault,
    pipeline: config.settings.pipeline,
    maxSeconds: config.keepAliveMaxSeconds,
    tokenFiles: parts.tokenFiles,
    env,
    // The runner's job process (Runner.Worker) starts node for each step: main's parent.
    watchPid: process.ppid,
    oidc: oidcRequestEnvironment(env),
    vaultTokenExported: parts.vaultTokenExported,
  });
  if (!plan) return;
  if (!env.RUNNER_TEMP) {
    annotate(
      'warning',
      'oidc-secrets: keep-alive not started: RUNNER_TEMP is not set; credentials live their normal lifetime',
    );
    return;
  }
  try {
    const record = await startKeepAlive(plan, { runnerTemp: env.RUNNER_TEMP, env });
    ledger.writeSealed(KEEP_ALIVE_STATE, JSON.stringify(record));
    const what = [
      plan.vault ? 'the Vault token and renewable leases' : '',
      plan.tokenFiles.length
        ? `${plan.tokenFiles.length} token file${plan.tokenFiles.length === 1 ? '' : 's'}`
        : '',
    ]
      .filter(Boolean)
      .join(' and ');
    info(
      `oidc-secrets: keep-alive started (pid ${record.pid}): keeps ${what} fresh until the post step, ` +
        `for at most ${plan.maxSeconds} s; log: ${record.dir}/${LOG_FILE}`,
    );
  } catch (error) {
    annotate(
      'warning',
      `oidc-secrets: the keep-alive process could not start (${describeError(error)}); the step's credentials live their normal lifetime`,
      { title: 'oidc-secrets' },
    );
  }
}

const REASONS: Record<string, string> = {
  'parent-gone': "it had stopped when the runner's job process was gone",
  'max-seconds': 'it had stopped at keep-alive-max-seconds',
  'nothing-left': 'it had stopped: nothing was left to renew',
  crashed: 'it had crashed',
  stopped: 'it had been stopped',
  running: 'it was gone without a last word (killed?)',
};

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function summary(items: readonly RenewalCount[]): string {
  const parts: string[] = [];
  for (const kind of ['token', 'lease', 'token-file'] as const) {
    const list = items.filter((item) => item.kind === kind);
    if (!list.length) continue;
    const renewals = list.reduce((sum, item) => sum + item.renewals, 0);
    const noun =
      kind === 'token'
        ? 'the Vault token'
        : kind === 'lease'
          ? plural(list.length, 'lease')
          : plural(list.length, 'token file');
    parts.push(
      `${kind === 'token-file' ? 'refreshed' : 'renewed'} ${noun} ${plural(renewals, 'time')}`,
    );
  }
  return parts.length ? parts.join(', ') : 'nothing to renew';
}

/** Post: stops the keep-alive (when main started one) and reports what it did. */
export async function stopBeforePost(state: SavedState, env: NodeJS.ProcessEnv): Promise<void> {
  const record = keepAliveRecord(state);
  if (!record) return;
  const result = await stopKeepAlive(record, env.RUNNER_TEMP);
  if (!result.state) {
    annotate(
      'warning',
      `oidc-secrets post: the keep-alive process (pid ${record.pid}): ${result.problem ?? 'no state'}; nothing to report`,
    );
    return;
  }
  const { state: kept } = result;
  const ran = Math.round((kept.updatedAt - kept.startedAt) / 1000);
  const how = result.stoppedByPost
    ? 'stopped'
    : (REASONS[kept.status] ?? `it had ended (${kept.status})`);
  info(`oidc-secrets post: keep-alive ${how} after ${ran} s: ${summary(kept.items)}`);
  for (const item of kept.items) {
    if (item.failures === 0) continue;
    annotate(
      'warning',
      `oidc-secrets keep-alive: ${item.state === 'failed' ? 'gave up renewing' : 'failed to renew'} ${item.kind} ${item.label} ` +
        `(${plural(item.failures, 'failure')}; last: ${item.lastError ?? 'unknown'})`,
      { title: 'oidc-secrets' },
    );
  }
  if (kept.status === 'crashed')
    annotate('warning', `oidc-secrets keep-alive crashed: ${kept.error ?? 'unknown error'}`, {
      title: 'oidc-secrets',
    });
}
