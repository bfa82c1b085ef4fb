// `oidc-secrets run [-c FILE] -- CMD ARGS…`: resolve the secrets of FILE, run CMD with
// them in its environment, and pass its stdout and stderr through the output masker so
// that no value, line of a value or JSON leaf reaches the terminal or log unmasked.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import { MaskAutomaton, createMaskingStream } from '../core/mask-stream.js';
import {
  HELP_OPTION,
  type OptionSpec,
  UsageError,
  formatOptions,
  optionString,
  parseArgs,
} from './args.js';
import { commandModule, writeErr, writeOut } from './report.js';
import type { Resolved } from './resolve-secrets.js';
import {
  CONFIG_OPTION,
  PROVIDERS_HELP,
  RESOLVE_OPTIONS,
  finishJob,
  readJobFile,
  resolveJob,
} from './job.js';

const RUN_OPTIONS: OptionSpec[] = [CONFIG_OPTION, ...RESOLVE_OPTIONS, HELP_OPTION];

/** Signals passed on to CMD: we stay alive until it exits, so its exit code is ours. */
const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];

export function runHelp(): string {
  return `Usage: oidc-secrets run [-c FILE] [-f PATH] -- CMD [ARGS…]

Resolves the secrets named in FILE, runs CMD with them in its environment, and masks them
in its output: every value, every line of a multi-line value and every JSON leaf (and
their base64, JSON and URL encodings) is replaced by *** on CMD's stdout and stderr, as
the runner masks a job's log. Exits with CMD's exit code (128+N when a signal N ended it).
SIGINT, SIGTERM, SIGHUP and SIGQUIT are passed on to CMD. Leases and tokens created to
fetch the secrets are renewed at half their TTL while CMD runs (Vault's token and renewable
leases, up to their maximum) and revoked when CMD exits.

FILE has one NAME: REFERENCE line per secret, as the action's secrets input (blank lines
and # comments ignored):
  DB_PASSWORD: local:DB_PASSWORD
  GH_TOKEN:    env:GITHUB_TOKEN
  TLS_KEY:     file:./certs/tls.key
  API_*:       vault:secret/data/ci/api
  LOG_LEVEL:   INFO                       (a literal: exported as written, not masked)
or .env-style NAME=REFERENCE lines (API_KEY=secret:API_KEY), or a scheduler job
configuration (YAML) whose environment: mapping holds them:
  environment:
    API_KEY: "secret:API_KEY"
    HOME_DIR: "env:HOME"
The format is recognised from the content. Every reference takes ?optional (a secret that
does not exist leaves its line out, with a notice) and ?decode=base64.

${PROVIDERS_HELP}
Options:
${formatOptions(RUN_OPTIONS)}

Exit codes: CMD's own; 1 when the secrets could not be resolved (CMD is not run);
126 when CMD cannot be executed, 127 when it is not found.
`;
}

/** The entry of the `run` bundle (dist/cli/run.cjs). */
export const command = commandModule(runHelp, runRunCommand);

export async function runRunCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, RUN_OPTIONS, 'run', { stopAtOperand: true });
  if (args.options.has('help')) {
    writeOut(runHelp());
    return 0;
  }
  const [command, ...commandArgs] = args.rest;
  if (command === undefined) throw new UsageError('expected -- CMD [ARGS…] to run', 'run');
  const job = await readJobFile(optionString(args, 'config'));
  const resolved = await resolveJob(job.secrets, args, job.path);
  const stopRenewals = resolved.keepAlive();
  try {
    return await runMasked(command, commandArgs, resolved);
  } finally {
    // Renewals end before revocation: nothing renews what is being revoked.
    await stopRenewals();
    await finishJob(resolved, writeErr);
  }
}

/** Spawns CMD with the secrets in its environment and its output masked; resolves to its exit code. */
export async function runMasked(
  command: string,
  args: readonly string[],
  resolved: Pick<Resolved, 'secrets' | 'masks'>,
): Promise<number> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The store key opened the store; CMD gets the secrets, not the key to all of them.
  delete env.OIDC_SECRETS_STORE_KEY;
  for (const { name, value } of resolved.secrets) env[name] = value;
  const child = spawn(command, args, { env, stdio: ['inherit', 'pipe', 'pipe'] });
  // Compiled while CMD starts up: its output waits in the pipe until the masker is attached.
  const automaton = new MaskAutomaton(resolved.masks);
  const forward = (signal: NodeJS.Signals): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  try {
    const outputs = Promise.all([
      pump(child.stdout, process.stdout, automaton),
      pump(child.stderr, process.stderr, automaton),
    ]);
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
      (done, fail) => {
        child.once('error', fail);
        child.once('exit', (code, signal) => done({ code, signal }));
      },
    ).catch((error: unknown) => {
      const code = (error as { code?: unknown }).code;
      const status = code === 'ENOENT' ? 127 : 126;
      writeErr(
        `oidc-secrets run: ${code === 'ENOENT' ? 'command not found' : `cannot execute (${String(code)})`}: ${command}\n`,
      );
      return { code: status, signal: null };
    });
    await outputs;
    if (exit.signal) return 128 + (constants.signals[exit.signal] ?? 0);
    return exit.code ?? 1;
  } finally {
    for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
  }
}

/** Copies a child stream through a masker to our own stream; resolves when all of it is written. */
function pump(
  source: Readable,
  target: NodeJS.WriteStream,
  automaton: MaskAutomaton,
): Promise<void> {
  return new Promise((done) => {
    const masker = createMaskingStream(automaton);
    // If our own output goes away (`run … | head`), stop reading so CMD gets EPIPE too.
    const onTargetError = (): void => {
      source.destroy();
      masker.destroy();
      done();
    };
    target.once('error', onTargetError);
    masker.once('end', () => {
      target.off('error', onTargetError);
      done();
    });
    masker.once('error', () => done());
    // A stream destroyed without 'end' (spawn failed) must still end the masker.
    source.once('close', () => {
      if (!masker.writableEnded) masker.end();
    });
    source.pipe(masker).pipe(target, { end: false });
  });
}
