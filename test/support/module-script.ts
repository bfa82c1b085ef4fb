// Runs a few lines of TypeScript (an ES module, through tsx) in a node process of its own,
// for what needs a fresh process: whether it exits by itself, what it trusts from its start-up
// environment. Spawned, not run synchronously, so that servers in the calling test process
// keep answering it.
import { spawn } from 'node:child_process';

export interface ScriptOutcome {
  status: number | null;
  stdout: string;
}

export function runModuleScript(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 20_000,
): Promise<ScriptOutcome> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script, ...args],
      { env, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout });
    });
  });
}
