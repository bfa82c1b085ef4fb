// The post step: revoke every lease and token main recorded, remove the files directory,
// and say what was revoked. Runs also when main failed half way (post-if: always()).
import { envInputReader, readConfig, type ActionConfig } from './config.js';
import { createContext } from './context.js';
import { describeError } from './errors.js';
import { readLedger } from './ledger.js';
import { MaskGate } from './mask.js';
import { createProvider } from './providers/registry.js';
import { revokeEntries } from './revoke.js';
import { addMask, annotate, info } from './runner/commands.js';
import { SWEEP_STATE, sweepWorkspace, type SweepFingerprints } from './sweep.js';

export async function runPost(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { pending: entries, revokedByMain } = readLedger(env);
  sweep(env);
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
    config = readConfig(envInputReader(env));
  } catch (error) {
    annotate(
      'error',
      `oidc-secrets post: cannot read the inputs to revoke with: ${describeError(error)}`,
    );
    return 1;
  }
  const revocable = config.revoke ? entries : entries.filter((e) => e.provider === 'files');
  if (!config.revoke && revocable.length < entries.length) {
    info(
      `oidc-secrets post: revoke is false; leaving ${entries.length - revocable.length} leases and tokens to expire`,
    );
  }
  const context = createContext(config, gate, () => {}, env);
  try {
    const results = await revokeEntries(revocable, context, createProvider, { removeFiles: true });
    const failed = results.filter((r) => r.outcome === 'failed').length;
    info(
      `oidc-secrets post: ${results.length - failed} of ${results.length} revoked or cleaned up` +
        (failed
          ? `; ${failed} could not be revoked (warnings above) and will expire with their TTL`
          : ''),
    );
    return 0;
  } finally {
    context.http.close();
  }
}

/** Reports workspace files that hold a fetched value, when main left fingerprints. */
function sweep(env: NodeJS.ProcessEnv): void {
  const saved = env[`STATE_${SWEEP_STATE}`];
  const workspace = env.GITHUB_WORKSPACE;
  if (!saved || !workspace) return;
  let fingerprints: SweepFingerprints;
  try {
    fingerprints = JSON.parse(saved) as SweepFingerprints;
  } catch {
    annotate(
      'warning',
      'oidc-secrets post: the sweep fingerprints saved by main are unreadable; no sweep',
    );
    return;
  }
  const started = performance.now();
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
      ` (${report.scannedFiles} files, ${(report.scannedBytes / 1048576).toFixed(1)} MiB in ${Math.round(performance.now() - started)} ms` +
      (report.skipped ? `; ${report.skipped} too large, not read` : '') +
      ')',
  );
}

if (process.env.OIDC_SECRETS_NO_AUTORUN !== '1') {
  runPost().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      annotate('error', `oidc-secrets post: unexpected failure: ${describeError(error)}`);
      process.exitCode = 1;
    },
  );
}
