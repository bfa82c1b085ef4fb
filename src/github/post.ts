// The post step: revoke every lease and token main recorded, remove the files directory,
// and say what was revoked. Runs also when main failed half way (post-if: always()).
// It acts only on what main sealed under its per-run key (src/core/ledger.ts explains why and how).
import { ACTION_WORDS, envInputReader, readConfig, type ActionConfig } from './inputs.js';
import { describeError } from '../core/errors.js';
import { wordSettings } from '../core/settings.js';
import { runnerProviderDeps } from './providers.js';
import { openState, readLedger, savedKey, type SavedState } from '../core/ledger.js';
import { MaskGate } from '../core/mask.js';
import { createProvider } from '../providers/registry.js';
import { revokeEntries } from '../core/revoke.js';
import { addMask, annotate, info } from './commands.js';
import { SWEEP_STATE, sweepWorkspace, type SweepFingerprints } from '../core/sweep.js';
import { runnerState } from './state.js';
import { stopBeforePost } from './keep-alive/steps.js';

export async function run(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const state = runnerState(env);
  // First: nothing may renew what post is about to revoke.
  await stopBeforePost(state, env);
  const { pending: entries, revokedByMain, rejected } = readLedger(state);
  if (rejected) {
    // Neither the names' values nor any token: only how many, and what was done about them.
    annotate(
      'warning',
      `oidc-secrets post: ignored ${rejected} saved state entr${rejected === 1 ? 'y' : 'ies'} ` +
        `that this action's main step did not record (they fail its integrity check); another ` +
        `step may have planted them through GITHUB_ENV. Nothing was revoked or removed for them.`,
      { title: 'oidc-secrets' },
    );
  }
  sweep(env, state);
  if (revokedByMain.length) {
    info(
      `oidc-secrets post: main already revoked ${revokedByMain.length} entr${revokedByMain.length === 1 ? 'y' : 'ies'} after its failure`,
    );
  }
  if (entries.length === 0) {
    info('oidc-secrets post: nothing to revoke');
    return 0;
  }
  const gate = new MaskGate({ add: addMask }, () => {});
  // The saved credentials are masked already in this job; registering them again costs
  // nothing and keeps post safe if it ever prints a response that echoes one.
  for (const entry of entries)
    if (entry.data.token) gate.admitCredential(entry.data.token, 'a saved token');

  let config: ActionConfig;
  try {
    config = readConfig(envInputReader(env), env);
  } catch (error) {
    annotate(
      'error',
      `oidc-secrets post: cannot read the inputs to revoke with: ${wordSettings(describeError(error), ACTION_WORDS)}`,
    );
    return 1;
  }
  const revoke = config.settings.pipeline.revoke;
  const revocable = revoke ? entries : entries.filter((e) => e.provider === 'files');
  if (!revoke && revocable.length < entries.length) {
    info(
      `oidc-secrets post: revoke is false; leaving ${entries.length - revocable.length} leases and tokens to expire`,
    );
  }
  const { http, deps } = runnerProviderDeps(config.settings.pipeline, gate, () => {}, env);
  try {
    const results = await revokeEntries(
      revocable,
      { settings: config.settings.providers, deps },
      createProvider,
      { removeFiles: true, runnerTemp: env.RUNNER_TEMP },
    );
    const failed = results.filter((r) => r.outcome === 'failed').length;
    info(
      `oidc-secrets post: ${results.length - failed} of ${results.length} revoked or cleaned up` +
        (failed
          ? `; ${failed} could not be revoked (warnings above) and will expire with their TTL`
          : ''),
    );
    return 0;
  } finally {
    http.close();
  }
}

/** Reports workspace files that hold a fetched value, when main left fingerprints. */
function sweep(env: NodeJS.ProcessEnv, state: SavedState): void {
  const sealed = state.get(SWEEP_STATE);
  const workspace = env.GITHUB_WORKSPACE;
  if (sealed === undefined || !workspace) return;
  const key = savedKey(state);
  const saved = key ? openState(key, SWEEP_STATE, sealed) : undefined;
  let fingerprints: SweepFingerprints | undefined;
  try {
    fingerprints = saved === undefined ? undefined : (JSON.parse(saved) as SweepFingerprints);
  } catch {
    fingerprints = undefined;
  }
  if (!fingerprints) {
    annotate(
      'warning',
      'oidc-secrets post: the sweep fingerprints in the saved state were not recorded by main (or are unreadable); no sweep',
    );
    return;
  }
  const started = Date.now();
  const report = sweepWorkspace(workspace, fingerprints);
  for (const file of report.files.slice(0, 9)) {
    annotate('warning', 'a secret fetched by oidc-secrets was written to this file', {
      file,
      title: 'oidc-secrets sweep',
    });
  }
  info(
    `oidc-secrets sweep: ${report.files.length} file${report.files.length === 1 ? '' : 's'} in the workspace hold a fetched value` +
      (report.files.length ? `: ${report.files.join(', ')}` : '') +
      ` (${report.scannedFiles} files, ${(report.scannedBytes / 1048576).toFixed(1)} MiB in ${Math.round(Date.now() - started)} ms` +
      (report.skipped ? `; ${report.skipped} too large, not read` : '') +
      ')',
  );
}
