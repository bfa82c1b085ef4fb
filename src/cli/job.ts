// What `run`, `redact` and `export` share: the job file (`-c FILE`, default ./.oidc-secrets),
// the store and provider flags, and resolving the file's references through the pipeline,
// with errors prefixed by the file. `readJobFile` is the one place a job file is read, in
// any of its formats (job-file.ts: NAME: REFERENCE lines, NAME=REFERENCE lines, seed 001's
// YAML with environment:).
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ActionError, ActionErrors } from '../core/errors.js';
import { wordSettings } from '../core/settings.js';
import { type OptionSpec, type ParsedArgs, optionString } from './args.js';
import { parseJobFile } from './job-file.js';
import { resolveSecrets, stderrLogger, type Resolved } from './resolve-secrets.js';
import { CLI_WORDS, SETTING_OPTIONS, readCliSettings } from './settings.js';
import { stdoutIsParents } from './stdout-target.js';

export const DEFAULT_JOB_FILE = '.oidc-secrets';

export const CONFIG_OPTION: OptionSpec = {
  name: 'config',
  short: 'c',
  value: 'FILE',
  description: `the job file: NAME: REFERENCE lines, NAME=REFERENCE lines or YAML with environment: (default ./${DEFAULT_JOB_FILE})`,
};

/** The store's flags and every provider setting's flag. */
export const RESOLVE_OPTIONS: OptionSpec[] = [
  { name: 'file', short: 'f', value: 'PATH', description: 'the store file for local: references' },
  {
    name: 'key-file',
    value: 'PATH',
    description: 'its key file (default: beside the store)',
  },
  ...SETTING_OPTIONS,
];

/** How references log in, for the help of every command that resolves them. */
export const PROVIDERS_HELP = `Providers: local or secret (the store, see \`oidc-secrets store --help\`), env, file,
dotenv (a .env file: dotenv:PATH[#KEY]), plain (plain:TEXT, a literal); vault, aws, ssm,
gcp, azure and k8s (k8s also through your kubeconfig). Where a GitHub OIDC token can be minted (a job with id-token: write) they log
in with it, configured with one flag or variable per action input: --vault-url or
OIDC_SECRETS_VAULT_URL, --vault-role or OIDC_SECRETS_VAULT_ROLE, --aws-role-arn or
OIDC_SECRETS_AWS_ROLE_ARN, … (the variable is the input name upper-cased, dashes as
underscores; a flag wins over its variable). Elsewhere (your laptop) they use your own
login: VAULT_TOKEN or ~/.vault-token (with VAULT_ADDR); the AWS credential chain (the
environment, AWS_PROFILE's profile: keys, role_arn with source_profile, IAM Identity
Center, credential_process); Google application-default credentials; the Azure CLI's
\`az login\`. OIDC_SECRETS_DEBUG=1 shows which. In a job these are refused unless
OIDC_SECRETS_REQUIRE_OIDC=false. The store key may also be given as text in
OIDC_SECRETS_STORE_KEY.
`;

export interface JobFile {
  /** Absolute path, for messages. */
  path: string;
  /** The `NAME: REFERENCE` lines the pipeline plans. */
  secrets: string;
}

/** Reads the job file named by -c (or the default), naming it when it cannot be read. */
export async function readJobFile(option: string | undefined): Promise<JobFile> {
  const path = resolve(option ?? DEFAULT_JOB_FILE);
  const text = await readFile(path, 'utf8').catch((error: unknown) => {
    const code = (error as { code?: unknown }).code;
    throw new ActionError(
      'INPUT_INVALID',
      code === 'ENOENT'
        ? `no secrets file ${path}: write one NAME: REFERENCE line per secret in it, or pass -c FILE`
        : `cannot read the secrets file ${path} (${String(code ?? 'error')})`,
    );
  });
  try {
    return { path, secrets: (await parseJobFile(text)).secrets };
  } catch (error) {
    throw inFile(error, path);
  }
}

/** The values of the resolve flags given, store paths made absolute. */
function settingFlags(args: ParsedArgs): Map<string, string> {
  const flags = new Map<string, string>();
  for (const option of RESOLVE_OPTIONS) {
    const value = option.value ? optionString(args, option.name) : undefined;
    if (value === undefined) continue;
    // Store paths are taken from the current directory, whatever the workspace.
    const path = option.name === 'file' || option.name === 'key-file';
    flags.set(option.name, path && value ? resolve(value) : value);
  }
  return flags;
}

/**
 * Resolves `secrets` (lines of a job file, or one line `read` made) with the flags and
 * OIDC_SECRETS_* variables; errors name `where` (the file, or the argument).
 */
export async function resolveJob(
  secrets: string,
  args: ParsedArgs,
  where: string,
  options: {
    stdoutIsData?: boolean;
    /**
     * The job is one line the user did not write as such (`read REF`): errors and warnings
     * name `where` alone, not "secrets line 1" and the name the line was given.
     */
    oneLine?: boolean;
  } = {},
): Promise<Resolved> {
  try {
    return await resolveSecrets({
      secrets,
      settings: readCliSettings(settingFlags(args), process.env),
      env: process.env,
      // Data on stdout: masks go to stderr, unless stdout is the step's own (see
      // stdout-target.ts).
      masksOnStderr: options.stdoutIsData === true && !stdoutIsParents(),
      ...(options.oneLine
        ? {
            log: {
              ...stderrLogger,
              warning: (message: string) =>
                stderrLogger.warning(message.replace(FIRST_LINE_LABEL, `${where}: `)),
            },
          }
        : {}),
    });
  } catch (error) {
    throw inFile(error, where, options.oneLine === true);
  }
}

/** "secrets line 1 (NAME): " or "secrets line 1: ", as core's messages begin. */
const FIRST_LINE_LABEL = /^secrets line 1(?: \([^)]*\))?: /;

function inFile(error: unknown, file: string, oneLine = false): unknown {
  const prefix = (e: ActionError) =>
    new ActionError(
      e.code,
      `${file}: ${wordSettings(oneLine ? e.message.replace(FIRST_LINE_LABEL, '') : e.message, CLI_WORDS)}` +
        (e.code === 'POLICY_REFUSED' ? ' (from the CLI: OIDC_SECRETS_REQUIRE_OIDC=false)' : ''),
      e.line,
    );
  if (error instanceof ActionErrors) return new ActionErrors(error.errors.map(prefix));
  if (error instanceof ActionError) return prefix(error);
  return error;
}

/** Revokes what resolving created and closes the HTTP client; a failure is a warning. */
export async function finishJob(
  resolved: Resolved,
  warn: (message: string) => void,
): Promise<void> {
  try {
    await resolved.revoke().catch((error: unknown) => {
      warn(
        `oidc-secrets: warning: revoking leases failed: ${resolved.gate.redact(String((error as Error)?.message))}\n`,
      );
    });
  } finally {
    resolved.close();
  }
}
