// The one pipeline both front ends call: secrets lines → plan → policy → every provider's
// settings checked → resolve (logins, reads, mask gate) → shape. The action's main step and
// `oidc-secrets run` differ only in what they do with the result (exports, summary, ledger
// state; a masked child process), never in this order.
//
// Nothing is requested before the plan, the policy and the settings of every provider the
// plan uses passed their checks: a malformed GCP setting means no OIDC token is minted and
// Vault is never asked, and every settings problem is reported at once. (A policy refusal
// is reported alone: it is about the job, not about what to fix in the settings.)
import { ActionError, ActionErrors, describeError } from './errors.js';
import { checkPolicy, type PolicyOptions } from './policy.js';
import type { MaskGate } from './mask.js';
import { planSecrets } from './plan/plan.js';
import { lineLabel, type Plan, type ProviderName } from './plan/types.js';
import { resolvePlan, type ReadRecord } from './resolve.js';
import type { Settings } from './settings.js';
import { shapeSecrets, type ShapedSecret } from './shape.js';
import {
  checkProviderSettings,
  createProvider as registryCreateProvider,
  type ProviderCreator,
} from '../providers/registry.js';
import type { ProviderDeps, SecretProvider } from '../providers/types.js';

export interface PipelineRequest {
  /** The `NAME: REFERENCE` lines. */
  secrets: string;
  settings: Settings;
  /** The OIDC-only policy for this plan: a front end may relax it for plans without OIDC. */
  policy(plan: Plan): PolicyOptions;
  /** The environment the policy inspects for the event and long-lived credentials. */
  environment: NodeJS.ProcessEnv;
}

export interface PipelineDeps {
  gate: MaskGate;
  /** What every provider gets: HTTP client, identity source, admit, record, logger. */
  providers: ProviderDeps;
  /** Defaults to the registry of src/providers; tests may pass their own. */
  createProvider?: ProviderCreator;
  /**
   * Called once the secrets lines parsed, before the policy reads the environment and
   * before any request (the action saves its ledger key here).
   */
  onPlanned?(plan: Plan): void;
}

export interface PipelineResult {
  /** Undefined when the secrets lines did not parse. */
  plan: Plan | undefined;
  /** One per read attempted, for the summary and the audit log — never a value. */
  records: ReadRecord[];
  /** Raw values by location key (every one passed the mask gate). */
  values: Map<string, string>;
  providers: Map<ProviderName, SecretProvider>;
  /** The shaped name/value pairs; empty when anything failed. */
  secrets: ShapedSecret[];
  /** Every problem found, in line order; empty when everything resolved. */
  errors: ActionError[];
}

export async function runPipeline(
  request: PipelineRequest,
  deps: PipelineDeps,
): Promise<PipelineResult> {
  const createProvider = deps.createProvider ?? registryCreateProvider;
  const result: PipelineResult = {
    plan: undefined,
    records: [],
    values: new Map(),
    providers: new Map(),
    secrets: [],
    errors: [],
  };
  const fail = (error: unknown): PipelineResult => {
    result.errors = errorsOf(error);
    return result;
  };

  let plan: Plan;
  try {
    plan = planSecrets(request.secrets);
  } catch (error) {
    return fail(error);
  }
  result.plan = plan;

  deps.onPlanned?.(plan);

  const refused = checkPolicy(request.policy(plan), request.environment);
  if (refused.length) return fail(new ActionErrors(refused));

  const problems = await checkProviderSettings(plan.providers, request.settings.providers);
  if (problems.size) {
    return fail(
      new ActionErrors(
        [...problems].flatMap(([name, errors]) =>
          errors.map(
            (error) =>
              new ActionError(error.code, `${linesOf(plan, name)}: ${error.message}`, undefined, {
                ...(error.setting !== undefined ? { setting: error.setting } : {}),
                cause: error,
              }),
          ),
        ),
      ),
    );
  }

  const road = await resolvePlan(plan, {
    settings: request.settings.providers,
    deps: deps.providers,
    gate: deps.gate,
    concurrency: request.settings.pipeline.concurrency,
    createProvider,
  });
  result.records = road.records;
  result.values = road.values;
  result.providers = road.providers;
  if (road.errors.length) {
    result.errors = road.errors;
    return result;
  }
  try {
    result.secrets = shapeSecrets(
      plan,
      road.values,
      (value, line) => deps.gate.admitValue(value, { label: lineLabel(line) }),
      road.expansions,
    );
  } catch (error) {
    return fail(error);
  }
  deps.gate.flushShortWarnings();
  return result;
}

/** `secrets line 3` / `secrets lines 1, 4`: every line that uses a provider. */
function linesOf(plan: Plan, provider: ProviderName): string {
  const lines = plan.locations
    .filter((l) => l.provider === provider)
    .flatMap((l) => l.lines)
    .sort((a, b) => a - b);
  return `secrets line${lines.length > 1 ? 's' : ''} ${lines.join(', ')}`;
}

/** The pipeline's own failures become its result; anything unexpected is rethrown. */
function errorsOf(error: unknown): ActionError[] {
  if (error instanceof ActionErrors) return error.errors;
  if (error instanceof ActionError) return [error];
  throw error instanceof Error ? error : new Error(describeError(error));
}
