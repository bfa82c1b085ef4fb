// The action's main step: inputs → plan → OIDC → providers → mask → shape → export.
// Nothing is exported unless every line resolved; whatever was created before a failure is
// revoked here at once when possible, and in any case by the post step from the ledger.
import { readConfig, envInputReader, type ActionConfig } from './inputs.js';
import { createContext, runnerLogger } from '../core/context.js';
import { ActionError, ActionErrors, OidcSecretsError, describeError } from '../core/errors.js';
import { checkExport, exportSecrets } from './export.js';
import { writeAudit } from '../core/audit.js';
import { checkPolicy } from '../core/policy.js';
import { Ledger } from '../core/ledger.js';
import { MaskGate } from '../core/mask.js';
import { revokeEntries } from '../core/revoke.js';
import { createProvider } from '../providers/registry.js';
import { resolvePlan, type ReadRecord } from '../core/resolve.js';
import { addMask, annotate, appendSummary, fileCommand, info } from './commands.js';
import { shapeSecrets, type ShapedSecret } from '../core/shape.js';
import { planSecrets } from '../core/plan/plan.js';
import { lineLabel, type Plan } from '../core/plan/types.js';
import { summaryMarkdown } from './summary.js';
import { fingerprintValues, SWEEP_STATE } from '../core/sweep.js';

export async function run(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const started = performance.now();
  const gate = new MaskGate({ add: addMask }, (message) => annotate('warning', message));
  const ledger = new Ledger((name, value) => fileCommand('GITHUB_STATE', name, value));
  let config: ActionConfig | undefined;
  let plan: Plan | undefined;
  let records: readonly ReadRecord[] = [];
  let context: ReturnType<typeof createContext> | undefined;
  try {
    config = readConfig(envInputReader(env));
    plan = planSecrets(config.secrets);
    // Before anything exists to revoke (and before any check that reads the environment an
    // earlier step can shape): post trusts only what this key seals. Only invalid inputs,
    // which are the workflow's own, end the step before the key is saved; nothing was
    // created then, and what post would trust instead is bounded (see src/core/ledger.ts).
    ledger.saveKey();
    const refused = checkPolicy(config, env);
    if (refused.length) throw new ActionErrors(refused);
    context = createContext(config, gate, (entry) => ledger.record(entry), env);
    const road = await resolvePlan(plan, {
      context,
      gate,
      concurrency: config.concurrency,
      createProvider,
    });
    records = road.records;
    writeAudit(config.auditLog, records, env, (text) => gate.redact(text));
    if (road.errors.length) throw new ActionErrors(road.errors);
    const secrets = shapeSecrets(plan, road.values, (value, line) =>
      gate.admitValue(value, { label: lineLabel(line) }),
    );
    gate.flushShortWarnings();
    checkExport(secrets, config.exportModes);
    const sessionVariables = [...road.providers.values()].flatMap((provider) =>
      Object.entries(provider.sessionVariables?.() ?? {}),
    );
    checkSessionVariables(secrets, sessionVariables);
    const exported = config.exportModes.includes('none')
      ? undefined
      : exportSecrets(secrets, config.exportModes, {
          env,
          record: (entry) => ledger.record(entry),
          write: fileCommand,
        });
    // Credentials a provider hands on to later steps by request (aws-export-credentials);
    // they passed the mask gate at login.
    for (const [name, value] of sessionVariables) fileCommand('GITHUB_ENV', name, value);
    if (config.sweep) {
      const values = [...road.values.values(), ...secrets.map((s) => s.value)];
      ledger.writeSealed(SWEEP_STATE, JSON.stringify(fingerprintValues(values)));
    }
    const leases = records.filter((r) => r.leaseId).length;
    info(
      `oidc-secrets: ${secrets.length} variable${secrets.length === 1 ? '' : 's'} from ${plan.locations.length} read${plan.locations.length === 1 ? '' : 's'} ` +
        `(${plan.providers.join(', ')}) in ${Math.round(performance.now() - started)} ms; ${gate.size} strings masked; ` +
        `${leases} lease${leases === 1 ? '' : 's'}; exported as ${config.exportModes.join(', ')}` +
        (exported?.filesDir ? ` (files in ${exported.filesDir})` : ''),
    );
    if (config.summary) writeSummary(plan, records, secrets, gate.size, config, false);
    return 0;
  } catch (error) {
    reportFailure(error, gate);
    if (config?.summary && plan) writeSummary(plan, records, [], gate.size, config, true);
    if (context && config?.revoke && ledger.entries.length) {
      info('oidc-secrets: the step failed; revoking what it created (the post step checks again)');
      const results = await revokeEntries(ledger.entries, context, createProvider, {
        removeFiles: true,
      });
      for (const result of results)
        if (result.outcome !== 'failed') ledger.markRevoked(result.entry);
    }
    return 1;
  } finally {
    context?.http.close();
  }
}

/** A session variable (AWS_REGION, …) must not silently replace a secret of that name. */
function checkSessionVariables(
  secrets: readonly ShapedSecret[],
  sessionVariables: ReadonlyArray<[string, string]>,
): void {
  const names = new Set(sessionVariables.map(([name]) => name.toUpperCase()));
  const clashes = secrets.filter((secret) => names.has(secret.name.toUpperCase()));
  if (clashes.length) {
    throw new ActionErrors(
      clashes.map(
        (secret) =>
          new ActionError(
            'NAME_COLLISION',
            `secrets line ${secret.line}: ${secret.name} is also set by aws-export-credentials; rename the secret`,
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
): void {
  appendSummary(
    summaryMarkdown({ plan, records, secrets, masked, exportModes: config.exportModes, failed }),
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
        ? item.message
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
