// The AWS credential chain a person's laptop has, read as the AWS SDK for JavaScript v3's
// default chain reads it (fromNodeProviderChain): the environment's keys (unless AWS_PROFILE
// names a profile), then the profile (AWS_PROFILE, default `default`) of the shared config
// and credentials files (AWS_CONFIG_FILE, default ~/.aws/config; AWS_SHARED_CREDENTIALS_FILE,
// default ~/.aws/credentials; a key in the credentials file wins over the same key in the
// config file). Within a profile: role_arn with source_profile (AssumeRole from the source
// profile's credentials), IAM Identity Center (sso_session or sso_start_url, sso_account_id,
// sso_role_name: the token `aws sso login` cached in ~/.aws/sso/cache), static keys, and
// credential_process. This file reads; src/providers/aws-personal.ts does the wire calls.
import { exec } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ActionError } from '../../core/errors.js';
import type { AwsKeys, AwsPersonal } from '../../core/personal.js';
import { shownPath } from './paths.js';

type Section = Map<string, string>;

/**
 * The sections of an AWS config or credentials file: `[name]` headers, `key = value` lines,
 * full-line `#`/`;` comments. Indented lines continue a sub-section (`s3 =` followed by
 * nested settings), which no credential setting uses: they are skipped.
 */
export function parseAwsIni(text: string): Map<string, Section> {
  const sections = new Map<string, Section>();
  let current: Section | undefined;
  let nested = false;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*([#;].*)?$/.test(raw)) continue;
    const header = /^\s*\[([^\]]+)\]\s*(?:[#;].*)?$/.exec(raw);
    if (header) {
      const name = (header[1] as string).trim().replace(/\s+/g, ' ');
      current = sections.get(name) ?? new Map();
      sections.set(name, current);
      nested = false;
      continue;
    }
    if (/^\s/.test(raw) && nested) continue;
    const pair = /^\s*([^=]+?)\s*=\s*(.*?)\s*$/.exec(raw);
    if (!pair || !current) continue;
    const key = (pair[1] as string).toLowerCase();
    const value = pair[2] as string;
    nested = value === '';
    if (!nested) current.set(key, value);
  }
  return sections;
}

export interface AwsFiles {
  config: Map<string, Section>;
  credentials: Map<string, Section>;
  configPath: string;
  credentialsPath: string;
}

async function readIni(path: string): Promise<Map<string, Section>> {
  try {
    return parseAwsIni(await readFile(path, 'utf8'));
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return new Map();
    throw new ActionError(
      'INPUT_INVALID',
      `cannot read the AWS file ${path} (${String((error as { code?: string }).code ?? 'error')})`,
    );
  }
}

export async function readAwsFiles(env: NodeJS.ProcessEnv, home: string): Promise<AwsFiles> {
  const configPath = env.AWS_CONFIG_FILE || join(home, '.aws', 'config');
  const credentialsPath = env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials');
  const [config, credentials] = await Promise.all([readIni(configPath), readIni(credentialsPath)]);
  return { config, credentials, configPath, credentialsPath };
}

/** A profile's settings: the config file's `[profile NAME]` (`[default]`) under the credentials file's `[NAME]`. */
function profileOf(files: AwsFiles, name: string): Section | undefined {
  const fromConfig =
    files.config.get(`profile ${name}`) ??
    (name === 'default' ? files.config.get('default') : undefined);
  const fromCredentials = files.credentials.get(name);
  if (!fromConfig && !fromCredentials) return undefined;
  return new Map([...(fromConfig ?? []), ...(fromCredentials ?? [])]);
}

export function profileName(env: NodeJS.ProcessEnv): string {
  return env.AWS_PROFILE || 'default';
}

export interface ChainOptions {
  env: NodeJS.ProcessEnv;
  home: string;
  /** Runs a credential_process command; resolves to its stdout. */
  runProcess?: (command: string) => Promise<string>;
}

/** The first credential of the chain, or undefined when the laptop has none. */
export async function findAwsCredential(options: ChainOptions): Promise<AwsPersonal | undefined> {
  const { env } = options;
  const name = profileName(env);
  // fromEnv is skipped when a profile is named: AWS_PROFILE says which identity to use.
  if (!env.AWS_PROFILE && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return {
      kind: 'keys',
      keys: {
        accessKeyId: env.AWS_ACCESS_KEY_ID,
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
        sessionToken: env.AWS_SESSION_TOKEN || undefined,
        expiration: env.AWS_CREDENTIAL_EXPIRATION || undefined,
      },
      source: 'AWS_ACCESS_KEY_ID',
    };
  }
  const files = await readAwsFiles(env, options.home);
  if (!profileOf(files, name)) {
    if (env.AWS_PROFILE) {
      throw new ActionError(
        'INPUT_INVALID',
        `AWS_PROFILE names the profile ${name}, which is in neither ${shownPath(files.configPath, options.home)} nor ${shownPath(files.credentialsPath, options.home)}`,
      );
    }
    return undefined;
  }
  return resolveProfile(files, name, options, []);
}

async function resolveProfile(
  files: AwsFiles,
  name: string,
  options: ChainOptions,
  visited: string[],
): Promise<AwsPersonal> {
  const where = `profile ${name} (${shownPath(files.configPath, options.home)}, ${shownPath(files.credentialsPath, options.home)})`;
  const profile = profileOf(files, name);
  if (!profile) throw invalid(`${where}: no such profile`);
  if (visited.includes(name)) {
    throw invalid(`${where}: source_profile makes a loop (${[...visited, name].join(' → ')})`);
  }
  const roleArn = profile.get('role_arn');
  if (roleArn) {
    const sourceName = profile.get('source_profile');
    if (!sourceName) {
      throw invalid(
        `${where}: role_arn needs source_profile here (credential_source is for EC2, ECS and Lambda; web_identity_token_file is not read outside a job)`,
      );
    }
    // A profile that is its own source uses its own static keys (the documented exception).
    const from =
      sourceName === name
        ? staticKeys(profile, `profile ${name}`)
        : await resolveProfile(files, sourceName, options, [...visited, name]);
    if (!from)
      throw invalid(
        `${where}: source_profile ${name} has no aws_access_key_id/aws_secret_access_key`,
      );
    const duration = profile.get('duration_seconds');
    return {
      kind: 'assume-role',
      roleArn,
      sessionName: profile.get('role_session_name'),
      externalId: profile.get('external_id'),
      durationSeconds: duration && /^\d+$/.test(duration) ? Number(duration) : undefined,
      from,
      source: `profile ${name}`,
    };
  }
  if (profile.has('sso_session') || profile.has('sso_start_url')) {
    return ssoCredential(files, name, profile, options);
  }
  const keys = staticKeys(profile, `profile ${name}`);
  if (keys) return keys;
  const command = profile.get('credential_process');
  if (command) return processCredential(command, name, options);
  throw invalid(
    `${where}: no credentials (expected aws_access_key_id and aws_secret_access_key, role_arn with source_profile, sso_session, or credential_process)`,
  );
}

function staticKeys(profile: Section, source: string): AwsPersonal | undefined {
  const accessKeyId = profile.get('aws_access_key_id');
  const secretAccessKey = profile.get('aws_secret_access_key');
  if (!accessKeyId || !secretAccessKey) return undefined;
  return {
    kind: 'keys',
    keys: {
      accessKeyId,
      secretAccessKey,
      sessionToken: profile.get('aws_session_token') || undefined,
    },
    source,
  };
}

const invalid = (message: string) => new ActionError('INPUT_INVALID', message);

/**
 * IAM Identity Center: the token `aws sso login` cached, in ~/.aws/sso/cache/<sha1>.json,
 * where the hash is of the sso-session's name (sso_session) or of the start URL (the legacy
 * sso_start_url profile); the file holds accessToken and expiresAt (ISO 8601).
 */
async function ssoCredential(
  files: AwsFiles,
  name: string,
  profile: Section,
  options: ChainOptions,
): Promise<AwsPersonal> {
  const sessionName = profile.get('sso_session');
  const session = sessionName ? files.config.get(`sso-session ${sessionName}`) : undefined;
  if (sessionName && !session) {
    throw invalid(
      `profile ${name}: sso_session ${sessionName} has no [sso-session ${sessionName}] section in ${shownPath(files.configPath, options.home)}`,
    );
  }
  const startUrl = session?.get('sso_start_url') ?? profile.get('sso_start_url') ?? '';
  const ssoRegion = session?.get('sso_region') ?? profile.get('sso_region') ?? '';
  const accountId = profile.get('sso_account_id') ?? '';
  const roleName = profile.get('sso_role_name') ?? '';
  const missing = [
    ['sso_start_url', startUrl],
    ['sso_region', ssoRegion],
    ['sso_account_id', accountId],
    ['sso_role_name', roleName],
  ].filter(([, value]) => !value);
  if (missing.length) {
    throw invalid(
      `profile ${name}: IAM Identity Center needs ${missing.map(([k]) => k).join(', ')}`,
    );
  }
  const key = createHash('sha1')
    .update(sessionName ?? startUrl)
    .digest('hex');
  const cachePath = join(options.home, '.aws', 'sso', 'cache', `${key}.json`);
  const shown = shownPath(cachePath, options.home);
  const login = `run \`aws sso login${options.env.AWS_PROFILE ? '' : ` --profile ${name}`}\``;
  let cached: { accessToken?: unknown; expiresAt?: unknown };
  try {
    cached = JSON.parse(await readFile(cachePath, 'utf8')) as typeof cached;
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new ActionError(
      'AUTH_FAILED',
      code === 'ENOENT'
        ? `profile ${name}: no IAM Identity Center login is cached (${shown} is missing): ${login}`
        : `profile ${name}: the IAM Identity Center cache ${shown} cannot be read (${code ?? 'not JSON'})`,
    );
  }
  if (typeof cached.accessToken !== 'string' || cached.accessToken === '') {
    throw new ActionError(
      'AUTH_FAILED',
      `profile ${name}: ${shown} holds no accessToken: ${login}`,
    );
  }
  const expires = typeof cached.expiresAt === 'string' ? Date.parse(cached.expiresAt) : NaN;
  if (!Number.isNaN(expires) && expires <= Date.now()) {
    throw new ActionError(
      'AUTH_FAILED',
      `profile ${name}: the IAM Identity Center login in ${shown} has expired: ${login}`,
    );
  }
  const portalUrl = options.env.AWS_ENDPOINT_URL_SSO || options.env.AWS_ENDPOINT_URL || undefined;
  return {
    kind: 'sso',
    accessToken: cached.accessToken,
    accountId,
    roleName,
    ssoRegion,
    ...(portalUrl ? { portalUrl } : {}),
    source: `profile ${name} (IAM Identity Center, ${shown})`,
  };
}

/**
 * credential_process: a command whose stdout is `{"Version": 1, "AccessKeyId",
 * "SecretAccessKey", "SessionToken"?, "Expiration"?}` (the AWS CLI's "Sourcing credentials
 * with an external process"). Its stderr goes to ours (it may prompt, e.g. for MFA).
 */
async function processCredential(
  command: string,
  name: string,
  options: ChainOptions,
): Promise<AwsPersonal> {
  const source = `credential_process of profile ${name}`;
  const stdout = await (options.runProcess ?? runShell)(command).catch((error: unknown) => {
    throw new ActionError(
      'AUTH_FAILED',
      `${source} failed (${describeExit(error)}); run it yourself to see why`,
    );
  });
  let parsed: {
    Version?: unknown;
    AccessKeyId?: unknown;
    SecretAccessKey?: unknown;
    SessionToken?: unknown;
    Expiration?: unknown;
  };
  try {
    parsed = JSON.parse(stdout) as typeof parsed;
  } catch {
    // Never quote the output: it is meant to hold keys.
    throw new ActionError('AUTH_FAILED', `${source} printed something that is not JSON`);
  }
  if (parsed?.Version !== 1) {
    throw new ActionError('AUTH_FAILED', `${source}: expected "Version": 1 in its output`);
  }
  if (typeof parsed.AccessKeyId !== 'string' || typeof parsed.SecretAccessKey !== 'string') {
    throw new ActionError(
      'AUTH_FAILED',
      `${source}: its output has no AccessKeyId and SecretAccessKey`,
    );
  }
  const expiration = typeof parsed.Expiration === 'string' ? parsed.Expiration : undefined;
  if (expiration && Date.parse(expiration) <= Date.now()) {
    throw new ActionError(
      'AUTH_FAILED',
      `${source}: the credentials it printed expired at ${expiration}`,
    );
  }
  const keys: AwsKeys = {
    accessKeyId: parsed.AccessKeyId,
    secretAccessKey: parsed.SecretAccessKey,
    sessionToken: typeof parsed.SessionToken === 'string' ? parsed.SessionToken : undefined,
    expiration,
  };
  return { kind: 'keys', keys, source };
}

function describeExit(error: unknown): string {
  const e = error as { code?: unknown; signal?: unknown; killed?: boolean };
  if (e.killed) return 'timed out after 60 s';
  if (typeof e.code === 'number') return `exit code ${e.code}`;
  if (typeof e.signal === 'string') return `ended by ${e.signal}`;
  return String(e.code ?? 'could not run');
}

/** Runs the command through the shell, as the AWS CLI and SDKs do; stderr passes through. */
function runShell(command: string): Promise<string> {
  return new Promise((done, fail) => {
    const child = exec(command, { timeout: 60_000, maxBuffer: 1024 * 1024 }, (error, stdout) => {
      if (error) fail(error);
      else done(stdout);
    });
    child.stderr?.pipe(process.stderr);
  });
}
