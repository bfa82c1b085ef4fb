// `aws: profile [NAME] [role=ARN] [region=R]` (SPEC §1.7): an AWS config file whose
// profiles run our `credential_process` bundle with the runner's own node. Main mints each
// profile's first session (in parallel with the logins, so a refused role fails the step
// rather than a later one) and leaves it in the profile's cache; later calls mint anew
// whenever the cached session is about to expire.
//
// The AWS CLI and SDKs run `credential_process` through a shell (SDK v3:
// child_process.exec; the CLI splits it like a shell), so both paths are absolute and
// double-quoted; a path that a shell would still read differently inside double quotes
// is refused rather than escaped.
import { join } from 'node:path';
import { ActionError } from '../../core/errors.js';
import type { AwsSettings, PipelineSettings } from '../../core/settings.js';
import type { AwsRoad, AwsSession } from '../../providers/aws-sts.js';
import { awsRoad } from '../../providers/aws.js';
import type { CredentialLine } from './lines.js';
import { writePrivateFile } from './private-dir.js';
import { writeCache, type ProcessSettings } from './process-files.js';

export interface ProfileSpec {
  line: number;
  name: string;
  region: string;
  road: AwsRoad;
}

type ProfileLine = Extract<CredentialLine, { mode: 'profile' }>;

export function profileSpecs(lines: readonly CredentialLine[], aws: AwsSettings): ProfileSpec[] {
  return lines
    .filter((l): l is ProfileLine => l.mode === 'profile')
    .map((line) => {
      const region = line.region ?? aws.region;
      const road = awsRoad(aws, line.role ?? aws.roleArn, region);
      // A profile with its own role is its own road: the web identity into that role. The
      // chain belongs to aws-role-arn (the step's session, and profiles without role=).
      return {
        line: line.line,
        name: line.profile,
        region,
        road: line.role ? { ...road, chain: [] } : road,
      };
    });
}

/** Characters a POSIX shell still interprets inside double quotes, and the quote itself. */
const SHELL_SPECIAL = /["`$\\\n\r]/;

function quoted(path: string, what: string): string {
  const special = process.platform === 'win32' ? /["\n\r%]/ : SHELL_SPECIAL;
  if (special.test(path)) {
    throw new ActionError(
      'EXPORT_FAILED',
      `credentials: aws: profile cannot name ${what} in credential_process: its path holds a character a shell would read (" \` $ \\)`,
    );
  }
  return `"${path}"`;
}

export interface ProfileFiles {
  configFile: string;
  variables: Array<[string, string]>;
}

export interface ProfileWriteContext {
  dir: string;
  nodePath: string;
  scriptPath: string;
  oidc: { requestUrl: string; requestToken: string };
  pipeline: PipelineSettings;
  /** Sessions main minted, by profile name; each goes to its profile's cache. */
  sessions: ReadonlyMap<string, AwsSession>;
  now: number;
}

/** Writes the config file, each profile's settings and its first session. */
export function writeProfiles(
  specs: readonly ProfileSpec[],
  ctx: ProfileWriteContext,
): ProfileFiles {
  const node = quoted(ctx.nodePath, 'the runner node');
  const script = quoted(ctx.scriptPath, 'the credential_process bundle');
  const sections: string[] = [];
  for (const spec of specs) {
    const base = join(ctx.dir, `aws-profile-${spec.name}`);
    const settings: ProcessSettings = {
      version: 1,
      profile: spec.name,
      road: spec.road,
      oidc: ctx.oidc,
      http: {
        timeoutSeconds: ctx.pipeline.timeoutSeconds,
        retries: ctx.pipeline.retries,
        ...(ctx.pipeline.caCertificate ? { caCertificate: ctx.pipeline.caCertificate } : {}),
      },
      cache: `${base}.session.json`,
    };
    writePrivateFile(`${base}.json`, JSON.stringify(settings));
    const session = ctx.sessions.get(spec.name);
    if (session) writeCache(settings.cache, session, ctx.now);
    const header = spec.name === 'default' ? '[default]' : `[profile ${spec.name}]`;
    sections.push(
      `${header}\nregion = ${spec.region}\ncredential_process = ${node} ${script} ${quoted(`${base}.json`, 'its settings file')}\n`,
    );
  }
  const configFile = join(ctx.dir, 'aws-config');
  writePrivateFile(configFile, sections.join('\n'));
  const variables: Array<[string, string]> = [['AWS_CONFIG_FILE', configFile]];
  // AWS_PROFILE only when one named profile is all there is: with several, each tool
  // chooses its own, and `default` needs no variable.
  const only = specs.length === 1 ? specs[0] : undefined;
  if (only && only.name !== 'default') variables.push(['AWS_PROFILE', only.name]);
  return { configFile, variables };
}
