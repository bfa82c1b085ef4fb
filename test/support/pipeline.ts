// The action's pipeline in process, for unit tests: inputs read as the action reads them,
// the runner's provider dependencies, and errors worded as the action words them.
import type { ActionError } from '../../src/core/errors.js';
import type { LedgerEntry } from '../../src/core/ledger.js';
import type { MaskGate } from '../../src/core/mask.js';
import { runPipeline, type PipelineResult } from '../../src/core/pipeline.js';
import { wordSettings } from '../../src/core/settings.js';
import { ACTION_WORDS, readConfig } from '../../src/github/inputs.js';
import { runnerProviderDeps } from '../../src/github/providers.js';
import type { Logger } from '../../src/providers/types.js';

export const quiet: Logger = { info() {}, warning() {}, debug() {} };

export interface InProcessRun extends PipelineResult {
  /** Every error, worded as the action words it (settings named as inputs). */
  messages: string[];
  errors: ActionError[];
}

export async function runActionPipeline(
  secrets: string,
  inputs: Record<string, string>,
  env: NodeJS.ProcessEnv,
  gate: MaskGate,
  record: (entry: LedgerEntry) => void = () => {},
): Promise<InProcessRun> {
  const config = readConfig((name) => (name === 'secrets' ? secrets : (inputs[name] ?? '')), env);
  const { http, deps } = runnerProviderDeps(config.settings.pipeline, gate, record, env, quiet);
  try {
    const result = await runPipeline(
      {
        secrets,
        settings: config.settings,
        policy: () => ({ requireOidc: false, allowUntrustedEvents: true }),
        environment: env,
      },
      { gate, providers: deps },
    );
    return {
      ...result,
      messages: result.errors.map((e) => wordSettings(e.message, ACTION_WORDS)),
    };
  } finally {
    http.close();
  }
}
