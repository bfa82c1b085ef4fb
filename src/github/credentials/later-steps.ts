// The job's cloud identity for later steps (SPEC §1.7), in the order main needs it:
// 1. `new LaterSteps(text, settings)` parses the `credentials` input and checks each line
//    against the settings (before any request), and says which logins the lines need;
// 2. `prepare()` runs alongside the pipeline's logins: it mints each AWS profile's first
//    session, so that a role that refuses the job fails this step and not a later one;
// 3. `checkNames()` refuses a secret that would be overwritten by one of these variables;
// 4. `write()` runs once everything resolved: the files under RUNNER_TEMP (a 0700
//    directory recorded in the ledger, so post removes it), then the variables to export.
//    Every credential in them passed the mask gate when it was minted.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { ActionError, ActionErrors, OidcSecretsError } from '../../core/errors.js';
import type { LedgerEntry } from '../../core/ledger.js';
import type { ProviderName } from '../../core/plan/types.js';
import { named, type Settings } from '../../core/settings.js';
import { ROLE_ARN } from '../../core/settings-aws-hops.js';
import type { AwsSession } from '../../providers/aws-sts.js';
import type { ProviderDeps } from '../../providers/types.js';
import type { ShapedSecret } from '../../core/shape.js';
import { profileSpecs, writeProfiles, type ProfileSpec } from './aws-profiles.js';
import { parseCredentials, type CredentialLine } from './lines.js';
import { makePrivateDir, writePrivateFile } from './private-dir.js';
import { gcpAdcFile, gcpVariables } from './gcp-adc.js';
import { azureVariables, AZURE_TOKEN_FILE } from './azure-env.js';
import { vaultVariables } from './vault-env.js';

/** The Azure token file main writes, for the keep-alive to keep fresh. */
export interface AzureTokenFile {
  path: string;
  /** The audience its OIDC tokens are minted for (azure-audience). */
  audience: string;
}

export interface LaterStepsWritten {
  /** Variables for GITHUB_ENV, in order. */
  variables: Array<[string, string]>;
  dir?: string;
  azureTokenFile?: AzureTokenFile;
}

export interface WriteContext {
  env: NodeJS.ProcessEnv;
  record(entry: LedgerEntry): void;
  /** Registers a credential with the mask gate before it goes anywhere. */
  admit(value: string, what: string): void;
  deps: ProviderDeps;
  /** The step's Vault token (the ledger's), for `vault: env`. */
  vaultToken?: string | undefined;
  /** The runner's node and our credential_process bundle (defaults: this process's). */
  nodePath?: string;
  scriptPath?: string;
}

export class LaterSteps {
  readonly lines: readonly CredentialLine[];
  /** Providers to log in to for these lines, with the line that asks for each. */
  readonly logins = new Map<ProviderName, string>();
  private readonly profiles: ProfileSpec[];
  private readonly sessions = new Map<string, AwsSession>();
  /** How this step asked for the AWS session variables: `aws: env` lines, the input, or both. */
  private readonly awsEnvAsks: string[] = [];

  constructor(
    text: string,
    private readonly settings: Settings,
  ) {
    this.lines = parseCredentials(text);
    const aws = settings.providers.aws;
    const envLine = this.lines.find((l) => l.target === 'aws' && l.mode === 'env');
    if (envLine) this.awsEnvAsks.push(`credentials line ${envLine.line} (aws: env)`);
    if (aws.exportCredentials) this.awsEnvAsks.push('aws-export-credentials');
    if (envLine) {
      // What aws-export-credentials: true has always done.
      aws.exportCredentials = true;
      this.logins.set('aws', `credentials line ${envLine.line}`);
    } else if (aws.exportCredentials) {
      this.logins.set('aws', named('aws.exportCredentials'));
    }
    for (const line of this.lines) {
      const label = `credentials line ${line.line}`;
      if (line.target !== 'aws' && !this.logins.has(line.target))
        this.logins.set(line.target, label);
    }
    this.check();
    this.profiles = profileSpecs(this.lines, aws);
  }

  get empty(): boolean {
    return this.lines.length === 0;
  }

  /** Every problem a line has with the settings, all at once; no request is made. */
  private check(): void {
    const { aws, gcp } = this.settings.providers;
    const errors: ActionError[] = [];
    const problem = (line: number, message: string) =>
      errors.push(new ActionError('INPUT_INVALID', `credentials line ${line}: ${message}`, line));
    for (const line of this.lines) {
      if (line.mode === 'profile') {
        const what = `aws: profile ${line.profile}`;
        if (line.role !== undefined && !ROLE_ARN.test(line.role))
          problem(
            line.line,
            `${what}: role= takes a role ARN such as arn:aws:iam::123456789012:role/NAME`,
          );
        if (line.role === undefined && !aws.roleArn)
          problem(line.line, `${what} has no role: add role=ARN, or set ${named('aws.roleArn')}`);
        if (line.region === undefined && !aws.region)
          problem(line.line, `${what} has no region: add region=R, or set ${named('aws.region')}`);
      }
      if (line.target === 'gcp' && !gcp.workloadIdentityProvider)
        problem(
          line.line,
          `gcp: adc needs ${named('gcp.workloadIdentityProvider')} (projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER)`,
        );
    }
    if (errors.length) throw new ActionErrors(errors);
  }

  /** Mints each AWS profile's first session; runs alongside the logins. */
  async prepare(deps: ProviderDeps): Promise<ActionError[]> {
    const errors: ActionError[] = [];
    await Promise.all(
      this.profiles.map(async (spec) => {
        try {
          const jwt = await deps.identity.idToken(spec.road.audience);
          // Loaded here: a step without AWS profiles does not initialise the AWS signer.
          const { assumeRoad } = await import('../../providers/aws-sts.js');
          this.sessions.set(
            spec.name,
            await assumeRoad(deps.http, jwt, spec.road, deps.admitCredential),
          );
        } catch (error) {
          const where = `credentials line ${spec.line} (aws: profile ${spec.name})`;
          errors.push(
            error instanceof OidcSecretsError
              ? new ActionError('AUTH_FAILED', `${where}: ${error.message}`, spec.line)
              : new ActionError(
                  'AUTH_FAILED',
                  `${where}: ${String((error as Error)?.message ?? error)}`,
                  spec.line,
                ),
          );
        }
      }),
    );
    return errors;
  }

  /** What asked for the AWS session variables, worded for a message ("set by …"). */
  awsEnvAskedBy(): string {
    return this.awsEnvAsks.join(' and ') || 'aws-export-credentials';
  }

  /** The names these lines export, so a secret of the same name is refused first. */
  variableNames(): string[] {
    const names: string[] = [];
    for (const line of this.lines) {
      if (line.mode === 'profile') names.push('AWS_CONFIG_FILE', 'AWS_PROFILE');
      if (line.target === 'gcp')
        names.push(...gcpVariables('', this.settings.providers.gcp).map(([n]) => n));
      if (line.target === 'azure')
        names.push(...azureVariables('', this.settings.providers.azure).map(([n]) => n));
      if (line.target === 'vault')
        names.push('VAULT_ADDR', 'VAULT_TOKEN', 'VAULT_NAMESPACE', 'VAULT_CACERT');
    }
    return [...new Set(names)];
  }

  /** A secret whose name one of these variables would replace is an error of its line. */
  checkNames(secrets: readonly ShapedSecret[]): void {
    const names = new Set(this.variableNames());
    const clashes = secrets.filter((s) => names.has(s.name.toUpperCase()));
    if (clashes.length)
      throw new ActionErrors(
        clashes.map(
          (secret) =>
            new ActionError(
              'NAME_COLLISION',
              `secrets line ${secret.line}: ${secret.name} is also set by the credentials input; rename the secret`,
              secret.line,
            ),
        ),
      );
  }

  /** Writes the files and returns the variables; call once everything resolved. */
  async write(ctx: WriteContext): Promise<LaterStepsWritten> {
    const written: LaterStepsWritten = { variables: [] };
    const needsFiles = this.lines.some(
      (l) =>
        l.mode === 'profile' ||
        l.target === 'gcp' ||
        l.target === 'azure' ||
        // The CA file, and the record that tells a later step of ours the token is this job's.
        l.target === 'vault',
    );
    if (!needsFiles) return written;
    const dir = needsFiles ? makePrivateDir(ctx.env.RUNNER_TEMP, ctx.record) : undefined;
    if (dir) written.dir = dir;
    const oidc = oidcEndpoint(ctx.env);
    if (needsFiles && this.lines.some((l) => l.mode === 'profile' || l.target === 'gcp'))
      ctx.admit(oidc.requestToken, 'the OIDC request token');
    for (const line of this.lines) {
      if (line.target === 'aws' && line.mode === 'env') continue; // sessionVariables (main)
      if (line.mode === 'profile') continue; // all profiles at once, below
      if (line.target === 'gcp') {
        const file = join(dir as string, 'gcp-credentials.json');
        writePrivateFile(file, gcpAdcFile(this.settings.providers.gcp, oidc));
        written.variables.push(...gcpVariables(file, this.settings.providers.gcp));
      }
      if (line.target === 'azure') {
        const azure = this.settings.providers.azure;
        const file = join(dir as string, AZURE_TOKEN_FILE);
        // The token the login used (the identity caches one per audience).
        writePrivateFile(file, await ctx.deps.identity.idToken(azure.audience));
        written.azureTokenFile = { path: file, audience: azure.audience };
        written.variables.push(...azureVariables(file, azure));
      }
      if (line.target === 'vault') {
        written.variables.push(...vaultVariables(this.settings, ctx.vaultToken, dir, ctx.env));
      }
    }
    if (this.profiles.length) {
      const profiles = writeProfiles(this.profiles, {
        dir: dir as string,
        nodePath: ctx.nodePath ?? process.execPath,
        scriptPath: ctx.scriptPath ?? defaultScriptPath(),
        oidc,
        pipeline: this.settings.pipeline,
        sessions: this.sessions,
        now: Date.now(),
      });
      written.variables.push(...profiles.variables);
    }
    return written;
  }
}

/** dist/credential-process.js beside the running bundle (dist/main.js). */
function defaultScriptPath(): string {
  return fileURLToPath(new URL('credential-process.js', import.meta.url));
}

function oidcEndpoint(env: NodeJS.ProcessEnv): { requestUrl: string; requestToken: string } {
  const requestUrl = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const requestToken = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!requestUrl || !requestToken)
    throw new ActionError(
      'OIDC_UNAVAILABLE',
      'credentials: later steps mint the job OIDC token themselves, and this job cannot: give it `permissions: id-token: write`',
    );
  return { requestUrl, requestToken };
}
