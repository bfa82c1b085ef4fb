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
import { shapeSecrets, type AbsentLine, type ShapedSecret } from './shape.js';
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
  /**
   * Providers to log in to whether or not a secrets line uses them (later steps'
   * credentials), each with the label its messages start with ("credentials line 2").
   * When given (even empty), the secrets lines may be empty: an auth-only step.
   */
  logins?: ReadonlyMap<ProviderName, string>;
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
  /**
   * Work that starts once the plan, the policy and every setting passed their checks, and
   * runs alongside the logins and reads (minting later steps' AWS profile sessions). Its
   * errors are the step's errors.
   */
  alongside?(): Promise<readonly ActionError[]>;
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
  /**
   * `?optional` lines left out because what they name does not exist, in line order: the
   * front ends show a notice for each (never an error) and mark them absent.
   */
  absent: AbsentLine[];
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
    absent: [],
  };
  const fail = (error: unknown): PipelineResult => {
    result.errors = errorsOf(error);
    return result;
  };

  let plan: Plan;
  const logins = request.logins ?? new Map<ProviderName, string>();
  try {
    plan = withLogins(
      request.logins && !hasSecretLines(request.secrets)
        ? EMPTY_PLAN
        : planSecrets(request.secrets),
      logins,
    );
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
              new ActionError(
                error.code,
                `${linesOf(plan, name, logins)}: ${error.message}`,
                undefined,
                {
                  ...(error.setting !== undefined ? { setting: error.setting } : {}),
                  cause: error,
                },
              ),
          ),
        ),
      ),
    );
  }

  const alongside = deps.alongside?.() ?? Promise.resolve([]);
  const road = await resolvePlan(plan, {
    settings: request.settings.providers,
    deps: deps.providers,
    gate: deps.gate,
    concurrency: request.settings.pipeline.concurrency,
    createProvider,
    loginLabels: logins,
  });
  const besides = await alongside;
  result.records = road.records;
  result.values = road.values;
  result.providers = road.providers;
  if (road.errors.length || besides.length) {
    result.errors = [...road.errors, ...besides];
    return result;
  }
  for (const record of road.records) {
    if (record.outcome !== 'absent') continue;
    for (const line of plan.lines)
      if (line.ref.key === record.location.key)
        result.absent.push({ line, reason: record.error ?? 'not found' });
  }
  try {
    result.secrets = shapeSecrets(
      plan,
      road.values,
      (value, line) => {
        // Literals are no secrets: masking `INFO` would blank that word in the whole log.
        if (line.ref.provider !== 'plain') deps.gate.admitValue(value, { label: lineLabel(line) });
      },
      (absent) => result.absent.push(absent),
      road.expansions,
    );
  } catch (error) {
    return fail(error);
  }
  result.absent.sort((a, b) => a.line.line - b.line.line);
  deps.gate.flushShortWarnings();
  return result;
}

/**
 * Every fetched value and every value a variable got, literals left out: `LOG_LEVEL: INFO`
 * is no secret, and a sweep for it would report every file that says INFO.
 */
export function secretValues(
  result: Pick<PipelineResult, 'plan' | 'values' | 'secrets'>,
): string[] {
  const plainKeys = new Set<string>();
  const plainLines = new Set<number>();
  for (const line of result.plan?.lines ?? []) {
    if (line.ref.provider !== 'plain') continue;
    plainKeys.add(line.ref.key);
    plainLines.add(line.line);
  }
  return [
    ...[...result.values].filter(([key]) => !plainKeys.has(key)).map(([, value]) => value),
    ...result.secrets.filter((s) => !plainLines.has(s.line)).map((s) => s.value),
  ];
}

/** `secrets line 3` / `secrets lines 1, 4`: every line that uses a provider. */
function linesOf(
  plan: Plan,
  provider: ProviderName,
  logins: ReadonlyMap<ProviderName, string>,
): string {
  const lines = plan.locations
    .filter((l) => l.provider === provider)
    .flatMap((l) => l.lines)
    .sort((a, b) => a - b);
  if (lines.length === 0) return logins.get(provider) ?? provider;
  return `secrets line${lines.length > 1 ? 's' : ''} ${lines.join(', ')}`;
}

const EMPTY_PLAN: Plan = { lines: [], locations: [], providers: [] };

/** Whether the secrets input has a line that is neither blank nor a comment. */
function hasSecretLines(secrets: string): boolean {
  return secrets.split(/\r?\n/).some((line) => line.trim() && !line.trim().startsWith('#'));
}

/** The plan with every provider a login is asked for (after the plan's own). */
function withLogins(plan: Plan, logins: ReadonlyMap<ProviderName, string>): Plan {
  const extra = [...logins.keys()].filter((name) => !plan.providers.includes(name));
  return extra.length ? { ...plan, providers: [...plan.providers, ...extra] } : plan;
}

/** The pipeline's own failures become its result; anything unexpected is rethrown. */
function errorsOf(error: unknown): ActionError[] {
  if (error instanceof ActionErrors) return error.errors;
  if (error instanceof ActionError) return [error];
  throw error instanceof Error ? error : new Error(describeError(error));
}
