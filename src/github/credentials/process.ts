// `credential_process` for the profiles `aws: profile` writes (dist/credential-process.js,
// run by the runner's node): `node credential-process.js SETTINGS_FILE` prints the AWS
// CLI's credential_process JSON on stdout — `Version: 1`, AccessKeyId, SecretAccessKey,
// SessionToken, Expiration — and nothing else; problems go to stderr and exit 1, never
// with a credential in them.
//
// A session from the profile's cache is answered at once; otherwise (the first call after
// it neared its end) the job's OIDC token is minted afresh and the profile's road
// assumed again. The network code is loaded only then (import() is inlined by the bundler
// and evaluated only when reached), so a cached answer costs about node's start-up.
import {
  freshCachedSession,
  processAnswer,
  readPrivateFile,
  type ProcessSettings,
} from './process-files.js';

export interface ProcessIo {
  stdout(text: string): void;
  stderr(text: string): void;
  now(): number;
}

const defaultIo: ProcessIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  now: () => Date.now(),
};

export async function run(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  io: ProcessIo = defaultIo,
): Promise<number> {
  const [file] = args;
  if (!file || args.length !== 1) {
    io.stderr(
      'oidc-secrets credential_process: expected one argument, the profile settings file\n',
    );
    return 1;
  }
  let settings: ProcessSettings;
  try {
    settings = JSON.parse(readPrivateFile(file)) as ProcessSettings;
    if (settings.version !== 1 || !settings.road || !settings.cache) throw new Error('not ours');
  } catch (error) {
    io.stderr(
      `oidc-secrets credential_process: cannot read the profile settings ${file}: ${(error as Error).message} (the job's post step removes them when the job ends)\n`,
    );
    return 1;
  }
  const cached = freshCachedSession(settings.cache, io.now());
  if (cached) {
    io.stdout(processAnswer(cached));
    return 0;
  }
  const { mintProfileSession } = await import('./process-mint.js');
  try {
    const session = await mintProfileSession(settings, env, io.now);
    io.stdout(processAnswer(session));
    return 0;
  } catch (error) {
    io.stderr(
      `oidc-secrets credential_process (profile ${settings.profile}): ${describe(error)}\n`,
    );
    return 1;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : 'unexpected failure';
}
