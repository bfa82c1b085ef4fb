// The action's main step: inputs → the pipeline (plan, settings checks, policy, OIDC,
// providers, mask, shape) → export. Nothing is exported unless every line resolved;
// whatever was created before a failure is revoked here at once when possible, and in any
// case by the post step from the ledger.
import { readConfig, envInputReader, ACTION_WORDS, type ActionConfig } from './inputs.js';
import { ActionError, ActionErrors, OidcSecretsError, describeError } from '../core/errors.js';
import { checkExport, checkFileNames, exportSecrets } from './export.js';
import { writeAudit } from '../core/audit.js';
import { Ledger } from '../core/ledger.js';
import { MaskGate } from '../core/mask.js';
import { runPipeline, secretValues } from '../core/pipeline.js';
import { revokeEntries } from '../core/revoke.js';
import { wordSettings } from '../core/settings.js';
import { createProvider } from '../providers/registry.js';
import type { ReadRecord } from '../core/resolve.js';
import {
  addMask,
  annotate,
  appendSummary,
  fileCommand,
  FileCommandBatch,
  info,
} from './commands.js';
import type { ShapedSecret } from '../core/shape.js';
import type { Plan } from '../core/plan/types.js';
import { runnerLogger } from './logger.js';
import { runnerProviderDeps } from './providers.js';
import { summaryMarkdown } from './summary.js';
import { reportAbsent, withAbsentKeys } from './absent.js';
import { fingerprintValues, SWEEP_STATE } from '../core/sweep.js';
import { LaterSteps } from './credentials/later-steps.js';
import { startAfterMain } from './keep-alive/steps.js';

/** A message from below in the action's words: settings named as inputs. */
const worded = (message: string) => wordSettings(message, ACTION_WORDS);

export async function run(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const started = Date.now();
  const gate = new MaskGate({ add: addMask }, (message) => annotate('warning', message));
  const ledger = new Ledger((name, value) => fileCommand('GITHUB_STATE', name, value));
  let config: ActionConfig | undefined;
  let plan: Plan | undefined;
  let records: readonly ReadRecord[] = [];
  let absent: number[];
  let wired: ReturnType<typeof runnerProviderDeps> | undefined;
  let succeeded = false;
  try {
    config = readConfig(envInputReader(env), env);
    const settings = config.settings;
    const exportModes = config.exportModes;
    // The credentials lines, checked against the settings before anything else happens.
    const later = new LaterSteps(config.credentials, settings);
    wired = runnerProviderDeps(settings.pipeline, gate, (entry) => ledger.record(entry), env);
    const providerDeps = wired.deps;
    const result = await runPipeline(
      {
        secrets: config.secrets,
        settings,
        policy: () => settings.pipeline,
        environment: env,
        ...(later.empty ? {} : { logins: later.logins }),
      },
      {
        gate,
        providers: wired.deps,
        alongside: () => later.prepare(providerDeps),
        // Before anything exists to revoke (and before any check that reads the environment
        // an earlier step can shape): post trusts only what this key seals. Only invalid
        // inputs and lines, which are the workflow's own, end the step before the key is
        // saved; nothing was created then, and what post would trust instead is bounded
        // (see src/core/ledger.ts).
        onPlanned: (planned) => {
          checkFileNames(planned.lines, exportModes);
          ledger.saveKey();
        },
      },
    );
    plan = result.plan;
    records = result.records.map((record) =>
      record.error === undefined ? record : { ...record, error: worded(record.error) },
    );
    writeAudit(config.auditLog, withAbsentKeys(records, result.absent), env, (text) =>
      gate.redact(text),
    );
    if (result.errors.length || !plan) throw new ActionErrors(result.errors);
    const secrets = result.secrets;
    absent = reportAbsent(result.absent, (text) => gate.redact(text));
    checkExport(secrets, config.exportModes, process.platform, env);
    const sessionVariables = [...result.providers.values()].flatMap((provider) =>
      Object.entries(provider.sessionVariables?.() ?? {}),
    );
    checkSessionVariables(secrets, sessionVariables, later.awsEnvAskedBy());
    later.checkNames(secrets);
    // Later steps' files first (recorded in the ledger as they are made): a failure here
    // leaves nothing exported. `written.azureTokenFile` is the file the keep-alive refreshes.
    const written = await later.write({
      env,
      record: (entry) => ledger.record(entry),
      admit: (value, what) => gate.admitCredential(value, what),
      deps: providerDeps,
      vaultToken: ledger.entries.findLast((e) => e.provider === 'vault' && e.kind === 'token')?.data
        .token,
    });
    const exports = new FileCommandBatch();
    const exported = config.exportModes.includes('none')
      ? undefined
      : exportSecrets(secrets, config.exportModes, {
          env,
          record: (entry) => ledger.record(entry),
          write: (file, name, value) => exports.add(file, name, value),
        });
    // Credentials a provider hands on to later steps by request (aws-export-credentials);
    // they passed the mask gate at login.
    for (const [name, value] of sessionVariables) exports.add('GITHUB_ENV', name, value);
    for (const [name, value] of written.variables) exports.add('GITHUB_ENV', name, value);
    exports.flush();
    if (config.sweep) {
      const values = secretValues(result);
      ledger.writeSealed(SWEEP_STATE, JSON.stringify(fingerprintValues(values)));
    }
    const leases = records.filter((r) => r.leaseId).length;
    info(
      `oidc-secrets: ${secrets.length} variable${secrets.length === 1 ? '' : 's'} from ${plan.locations.length} read${plan.locations.length === 1 ? '' : 's'} ` +
        `(${plan.providers.join(', ')}) in ${Math.round(Date.now() - started)} ms; ${gate.size} strings masked; ` +
        `${leases} lease${leases === 1 ? '' : 's'}; exported as ${config.exportModes.join(', ')}` +
        (exported?.filesDir ? ` (files in ${exported.filesDir})` : '') +
        (later.empty
          ? ''
          : `; credentials for later steps: ${written.variables.map(([name]) => name).join(', ') || 'AWS session'}` +
            (written.dir ? ` (files in ${written.dir})` : '')),
    );
    if (config.summary) writeSummary(plan, records, secrets, gate.size, config, false, absent);
    // The keep-alive renews the Vault token and leases and keeps the Azure token file of
    // `credentials: azure: env` fresh for later steps.
    await startAfterMain({
      config,
      ledger,
      env,
      tokenFiles: written.azureTokenFile ? [written.azureTokenFile] : [],
      vaultTokenExported: written.variables.some(([name]) => name === 'VAULT_TOKEN'),
    });
    // Every request has ended, and node's keep-alive Agent unrefs the idle sockets it keeps:
    // the process exits without destroying them one by one (at 200 reads, one socket each,
    // that took ~30 ms of the step's CPU; bench/vault.bench.ts). A failure can leave requests
    // in flight, which `close` ends so the step does not wait for them.
    succeeded = true;
    return 0;
  } catch (error) {
    reportFailure(error, gate);
    if (config?.summary && plan) writeSummary(plan, records, [], gate.size, config, true);
    if (wired && config?.settings.pipeline.revoke && ledger.entries.length) {
      info('oidc-secrets: the step failed; revoking what it created (the post step checks again)');
      const results = await revokeEntries(
        ledger.entries,
        { settings: config.settings.providers, deps: wired.deps },
        createProvider,
        { removeFiles: true, runnerTemp: env.RUNNER_TEMP },
      );
      for (const result of results)
        if (result.outcome !== 'failed') ledger.markRevoked(result.entry);
    }
    return 1;
  } finally {
    if (!succeeded) wired?.http.close();
  }
}

/** A session variable (AWS_REGION, …) must not silently replace a secret of that name. */
function checkSessionVariables(
  secrets: readonly ShapedSecret[],
  sessionVariables: ReadonlyArray<[string, string]>,
  /** What asked for them: `credentials line N (aws: env)`, aws-export-credentials, or both. */
  askedBy: string,
): void {
  const names = new Set(sessionVariables.map(([name]) => name.toUpperCase()));
  const clashes = secrets.filter((secret) => names.has(secret.name.toUpperCase()));
  if (clashes.length) {
    throw new ActionErrors(
      clashes.map(
        (secret) =>
          new ActionError(
            'NAME_COLLISION',
            `secrets line ${secret.line}: ${secret.name} is also set by ${askedBy}; rename the secret`,
            secret.line,
          ),
      ),
    );
  }
}

function writeSummary(
  plan: Plan,
  records: readonly ReadRecord[],
  secrets: readonly ShapedSecret[],
  masked: number,
  config: ActionConfig,
  failed: boolean,
  absent: readonly number[] = [],
): void {
  appendSummary(
    summaryMarkdown({
      plan,
      records,
      secrets,
      masked,
      exportModes: config.exportModes,
      failed,
      absent,
    }),
  );
}

/**
 * One error annotation per problem, redacted once more. The runner shows 10 annotations
 * per step: past nine, the rest go to the log as plain lines and the tenth says so.
 */
function reportFailure(error: unknown, gate: MaskGate): void {
  const messages = (error instanceof ActionErrors ? error.errors : [error]).map((item) =>
    gate.redact(
      item instanceof OidcSecretsError
        ? worded(item.message)
        : `unexpected failure: ${describeError(item)}`,
    ),
  );
  const annotated = messages.length > 10 ? messages.slice(0, 9) : messages;
  for (const message of annotated) annotate('error', message, { title: 'oidc-secrets' });
  const rest = messages.slice(annotated.length);
  // Each line its own log line (continuations indented), each shown as data by `info`.
  for (const message of rest) {
    const [first, ...more] = message.split(/\r?\n/);
    info(`error: ${first ?? ''}`);
    for (const line of more) info(`  ${line}`);
  }
  if (rest.length) {
    annotate('error', `${rest.length} more problems, listed in this step's log`, {
      title: 'oidc-secrets',
    });
  }
  runnerLogger.info('oidc-secrets: nothing was exported');
}
