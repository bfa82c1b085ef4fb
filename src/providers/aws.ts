// AWS: the job's OIDC token → STS AssumeRoleWithWebIdentity (Query API, XML answer) → session
// keys, then Secrets Manager (JSON 1.1) signed with SigV4 by @smithy/signature-v4.
// Reads without options go out as BatchGetSecretValue (20 ids a call); a role that may not
// batch falls back to one GetSecretValue per secret. STS sessions cannot be revoked: they
// end with their duration (aws-session-duration, 900 s by default).
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256, xmlText } from './aws-wire.js';
import { assumeRole, personalKeys } from './aws-personal.js';
import { ActionError } from '../core/errors.js';
import { HttpError, type HttpResponse } from '../net/http.js';
import { formatClaims, shownClaims } from '../core/claims.js';
import { printableText } from './binary.js';
import { jsonStringField } from './error-body.js';
import type { Location } from '../core/plan/types.js';
import { named } from '../core/settings.js';
import type { AwsSettings } from '../core/settings.js';
import type { FetchedSecret, ProviderDeps, ProviderModule, SecretProvider } from './types.js';

export interface AwsSession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: string;
}

interface SecretValueEntry {
  ARN?: string;
  Name?: string;
  SecretString?: string;
  SecretBinary?: string;
}

interface BatchAnswer {
  SecretValues?: SecretValueEntry[];
  Errors?: Array<{ SecretId?: string; ErrorCode?: string; Message?: string }>;
}

/** Secrets Manager's documented limit of ids per BatchGetSecretValue call. */
export const AWS_BATCH_SIZE = 20;

const SESSION_NAME_CHARS = /[^\w+=,.@-]/g;

/** `gha-<run id>-<attempt>` within STS's limits (2–64 characters of [\w+=,.@-]). */
export function roleSessionName(run: Pick<AwsSettings, 'runId' | 'runAttempt'>): string {
  const runId = (run.runId ?? '').replace(SESSION_NAME_CHARS, '_');
  const attempt = (run.runAttempt ?? '1').replace(SESSION_NAME_CHARS, '_');
  const name = runId ? `gha-${runId}-${attempt}` : `oidc-secrets-${Date.now()}`;
  return name.slice(0, 64);
}

/** The partition's DNS suffix for a region (China regions live under amazonaws.com.cn). */
function dnsSuffix(region: string): string {
  return region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
}

/** A role and a region (the front end has applied its region fallback already). */
export function checkAwsSettings(aws: AwsSettings): ActionError[] {
  if (aws.roleArn && aws.region) return [];
  // Outside Actions the person's own chain logs in; a role is optional (assumed from it).
  if (aws.personal && aws.region) return [];
  if (aws.personal) {
    return [
      new ActionError(
        'PROVIDER_NOT_CONFIGURED',
        `aws: references need a region: ${named('aws.region')}, AWS_REGION, or region in your profile`,
        undefined,
        { setting: 'aws.region' },
      ),
    ];
  }
  return [
    new ActionError(
      'PROVIDER_NOT_CONFIGURED',
      `aws: references need ${named('aws.roleArn')} and ${named('aws.region')} (a role that trusts token.actions.githubusercontent.com)`,
      undefined,
      { setting: aws.roleArn ? 'aws.region' : 'aws.roleArn' },
    ),
  ];
}

function createAwsProvider(aws: AwsSettings, context: ProviderDeps): SecretProvider {
  const { http } = context;
  const region = aws.region;
  const stsBase = aws.endpoints.sts ?? `https://sts.${region}.${dnsSuffix(region)}`;
  const smBase =
    aws.endpoints.secretsManager ?? `https://secretsmanager.${region}.${dnsSuffix(region)}`;
  let session: AwsSession | undefined;
  let signer: SignatureV4 | undefined;
  let batchAllowed = true;
  // Who a permission hint names: the role, or on a laptop without one the person's login.
  const grantee = aws.roleArn || (aws.personal ? 'the identity of your AWS login' : '');

  const call = async (operation: string, input: unknown, what: string): Promise<HttpResponse> => {
    if (!signer) throw new ActionError('AUTH_FAILED', `${what}: not logged in to AWS`);
    const url = new URL(smBase.endsWith('/') ? smBase : `${smBase}/`);
    const body = JSON.stringify(input);
    const signed = await signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: {},
      headers: {
        host: url.host,
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `secretsmanager.${operation}`,
      },
      body,
    });
    const { host: _host, ...headers } = signed.headers;
    return http.request({ method: 'POST', url, headers, body, what });
  };

  const readOne = async (location: Location): Promise<FetchedSecret> => {
    const what = `read aws:${location.locator}`;
    const input: Record<string, string> = { SecretId: location.locator };
    if (location.options['version-id']) input.VersionId = location.options['version-id'];
    if (location.options.stage) input.VersionStage = location.options.stage;
    try {
      const response = await call('GetSecretValue', input, what);
      return fetched(response.json<SecretValueEntry>(), location, context.admitCredential);
    } catch (error) {
      throw readError(error, location, grantee);
    }
  };

  return {
    name: 'aws',
    batchSize: AWS_BATCH_SIZE,

    async login() {
      const [notConfigured] = checkAwsSettings(aws);
      if (notConfigured) throw notConfigured;
      if (aws.personal) {
        // Outside Actions: the person's chain, then the role when one is set.
        const personal = await aws.personal();
        const chain = {
          http,
          region,
          stsBase,
          admitCredential: context.admitCredential,
          log: context.log,
        };
        let keys = await personalKeys(personal, chain);
        if (aws.roleArn) {
          keys = await assumeRole(
            keys,
            {
              roleArn: aws.roleArn,
              durationSeconds: aws.sessionDurationSeconds,
              source: personal.source,
            },
            chain,
          );
        }
        session = {
          accessKeyId: keys.accessKeyId,
          secretAccessKey: keys.secretAccessKey,
          sessionToken: keys.sessionToken ?? '',
          expiration: keys.expiration ?? '',
        };
        signer = new SignatureV4({
          service: 'secretsmanager',
          region,
          credentials: {
            accessKeyId: keys.accessKeyId,
            secretAccessKey: keys.secretAccessKey,
            ...(keys.sessionToken ? { sessionToken: keys.sessionToken } : {}),
          },
          sha256: NodeSha256,
        });
        context.log.debug(`aws: signing with the credentials of ${personal.source}`);
        return;
      }
      const jwt = await context.identity.idToken(aws.audience);
      const sessionName = roleSessionName(aws);
      const what = `aws login (sts:AssumeRoleWithWebIdentity, role ${aws.roleArn})`;
      let response: HttpResponse;
      try {
        response = await http.request({
          method: 'POST',
          url: stsBase.endsWith('/') ? stsBase : `${stsBase}/`,
          headers: {
            'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
            accept: 'text/xml',
          },
          body: new URLSearchParams({
            Action: 'AssumeRoleWithWebIdentity',
            Version: '2011-06-15',
            RoleArn: aws.roleArn,
            RoleSessionName: sessionName,
            WebIdentityToken: jwt,
            DurationSeconds: String(aws.sessionDurationSeconds),
          }).toString(),
          what,
        });
      } catch (error) {
        throw loginError(error, jwt, what, aws.audience);
      }
      const xml = response.text();
      const credentials = {
        accessKeyId: xmlText(xml, 'AccessKeyId'),
        secretAccessKey: xmlText(xml, 'SecretAccessKey'),
        sessionToken: xmlText(xml, 'SessionToken'),
        expiration: xmlText(xml, 'Expiration') ?? '',
      };
      if (!credentials.accessKeyId || !credentials.secretAccessKey || !credentials.sessionToken) {
        throw new ActionError('AUTH_FAILED', `${what}: STS answered without session credentials`);
      }
      context.admitCredential(credentials.accessKeyId, 'the AWS access key id');
      context.admitCredential(credentials.secretAccessKey, 'the AWS secret access key');
      context.admitCredential(credentials.sessionToken, 'the AWS session token');
      session = credentials as AwsSession;
      signer = new SignatureV4({
        service: 'secretsmanager',
        region,
        credentials: {
          accessKeyId: session.accessKeyId,
          secretAccessKey: session.secretAccessKey,
          sessionToken: session.sessionToken,
        },
        sha256: NodeSha256,
      });
      context.log.debug(
        `aws: assumed ${aws.roleArn} as session ${sessionName} until ${session.expiration}`,
      );
    },

    read: readOne,

    sessionVariables(): Record<string, string> {
      if (!aws.exportCredentials || !session) return {};
      // The variables configure-aws-credentials sets, so later AWS CLI and SDK steps just work.
      return {
        AWS_ACCESS_KEY_ID: session.accessKeyId,
        AWS_SECRET_ACCESS_KEY: session.secretAccessKey,
        AWS_SESSION_TOKEN: session.sessionToken,
        AWS_REGION: region,
        AWS_DEFAULT_REGION: region,
      };
    },

    async readBatch(locations) {
      // BatchGetSecretValue always answers AWSCURRENT: a stage or version id needs its own call.
      const plain = batchAllowed
        ? locations.filter((l) => Object.keys(l.options).length === 0)
        : [];
      const single = locations.filter((l) => !plain.includes(l));
      const results = new Map<Location, FetchedSecret | Error>();
      const settle = (location: Location) =>
        readOne(location).then(
          (value) => results.set(location, value),
          (error: unknown) => results.set(location, error as Error),
        );
      const batched = async () => {
        if (plain.length === 0) return;
        if (plain.length === 1) return settle(plain[0] as Location);
        let answer: BatchAnswer;
        try {
          const response = await call(
            'BatchGetSecretValue',
            { SecretIdList: plain.map((l) => l.locator) },
            `read ${plain.length} aws secrets (BatchGetSecretValue)`,
          );
          answer = response.json<BatchAnswer>();
        } catch (error) {
          if (awsErrorType(error) === 'AccessDeniedException') {
            // The role may read each secret but not batch: read them one by one from now on.
            batchAllowed = false;
            context.log.debug(
              'aws: the role may not call secretsmanager:BatchGetSecretValue; reading secrets one by one',
            );
            await Promise.all(plain.map(settle));
            return;
          }
          for (const location of plain) results.set(location, readError(error, location, grantee));
          return;
        }
        for (const location of plain) {
          const id = location.locator;
          const value = answer.SecretValues?.find(
            (v) =>
              v.Name === id ||
              v.ARN === id ||
              (id.startsWith('arn:') && v.ARN?.startsWith(`${id}-`)),
          );
          if (value) {
            results.set(location, fetched(value, location, context.admitCredential));
            continue;
          }
          const failure = answer.Errors?.find((e) => e.SecretId === id);
          results.set(
            location,
            failure
              ? errorFromCode(failure.ErrorCode ?? '', failure.Message ?? '', location, grantee)
              : new ActionError(
                  'READ_FAILED',
                  `aws:${id}: BatchGetSecretValue returned no result for it`,
                ),
          );
        }
      };
      await Promise.all([batched(), ...single.map(settle)]);
      return locations.map(
        (l) => results.get(l) ?? new ActionError('READ_FAILED', `aws:${l.locator}: no result`),
      );
    },
  };
}

export const awsProvider: ProviderModule<AwsSettings> = {
  check: checkAwsSettings,
  create: createAwsProvider,
};

function fetched(
  entry: SecretValueEntry,
  location: Location,
  admit: ProviderDeps['admitCredential'],
): FetchedSecret {
  if (typeof entry.SecretString === 'string') return { value: entry.SecretString };
  if (typeof entry.SecretBinary === 'string') {
    // Exported as the base64 text Secrets Manager sends (a JSON blob is base64); what a step
    // that decodes it would print is masked as well.
    const printable = printableText(Buffer.from(entry.SecretBinary, 'base64'));
    if (printable !== undefined)
      admit(printable, `the decoded binary value of aws:${location.locator}`);
    return { value: entry.SecretBinary };
  }
  throw new ActionError(
    'READ_FAILED',
    `aws:${location.locator}: the answer has neither SecretString nor SecretBinary`,
  );
}

/** `__type` of a Secrets Manager JSON error (`…#ResourceNotFoundException` or bare). */
function awsErrorType(error: unknown): string | undefined {
  if (!(error instanceof HttpError)) return undefined;
  return jsonStringField(error.bodyExcerpt, '__type')?.split('#').pop();
}

function awsErrorMessage(error: HttpError): string {
  const message =
    jsonStringField(error.bodyExcerpt, 'message') ?? jsonStringField(error.bodyExcerpt, 'Message');
  return (message ?? error.bodyExcerpt).split('\n')[0] ?? '';
}

function errorFromCode(
  code: string,
  message: string,
  location: Location,
  roleArn: string,
): ActionError {
  const where = `aws:${location.locator}`;
  switch (code) {
    case 'ResourceNotFoundException':
      return new ActionError('SECRET_NOT_FOUND', `${where}: not found: ${message}`);
    case 'AccessDeniedException':
      return new ActionError(
        'ACCESS_DENIED',
        `${where}: access denied: ${message}. Grant secretsmanager:GetSecretValue on this secret to ${roleArn.startsWith('arn:') ? `role ${roleArn}` : roleArn}` +
          ' (and kms:Decrypt on its key if it uses a customer-managed key).',
      );
    case 'DecryptionFailure':
      return new ActionError(
        'ACCESS_DENIED',
        `${where}: ${message} (check kms:Decrypt for ${roleArn.startsWith('arn:') ? `role ${roleArn}` : roleArn})`,
      );
    default:
      return new ActionError('READ_FAILED', `${where}: ${code || 'error'}: ${message}`);
  }
}

function readError(error: unknown, location: Location, roleArn: string): Error {
  if (!(error instanceof HttpError) || error.status === undefined) return error as Error;
  const code = awsErrorType(error);
  if (code === 'ExpiredTokenException') {
    return new ActionError(
      'AUTH_FAILED',
      `aws:${location.locator}: the STS session expired before the read (raise ${named('aws.sessionDuration')})`,
    );
  }
  return errorFromCode(code ?? `HTTP ${error.status}`, awsErrorMessage(error), location, roleArn);
}

function loginError(error: unknown, jwt: string, what: string, audience: string): Error {
  if (!(error instanceof HttpError) || error.status === undefined || error.status >= 500)
    return error as Error;
  const code = xmlText(error.bodyExcerpt, 'Code') ?? `HTTP ${error.status}`;
  const message = xmlText(error.bodyExcerpt, 'Message') ?? error.bodyExcerpt;
  const claims = shownClaims(jwt);
  return new ActionError(
    'AUTH_FAILED',
    `${what} was refused (HTTP ${error.status} ${code}): ${message}\n${stsHint(code, message, audience)}\n` +
      `The job's OIDC token carried:\n${formatClaims(claims)}`,
  );
}

/** Which trust condition most likely failed, from STS's code and wording. */
export function stsHint(code: string, message: string, audience: string): string {
  if (/audience/i.test(message)) {
    return `Hint: the token's aud (${audience}) is not a client ID of the account's IAM OIDC provider: add it there, or set ${named('aws.audience')} to one of its client IDs (sts.amazonaws.com by default).`;
  }
  if (/No OpenIDConnect provider/i.test(message)) {
    return "Hint: the account has no IAM OIDC identity provider for the token's issuer: create one for the iss shown below (https://token.actions.githubusercontent.com, or your GHES/enterprise issuer).";
  }
  if (code === 'AccessDenied') {
    return (
      "Hint: the role's trust policy does not admit this token: check its token.actions.githubusercontent.com:sub condition against the sub below " +
      '(both forms exist: repo:OWNER/REPO:… and repo:OWNER@OWNER_ID/REPO@REPO_ID:…; an environment replaces the ref), its :aud condition, and that the role ARN is right.'
    );
  }
  if (code === 'ExpiredTokenException') {
    return 'Hint: the token had expired when STS checked it: check the runner clock.';
  }
  if (/DurationSeconds/.test(message)) {
    return `Hint: ${named('aws.sessionDuration')} exceeds the role's maximum session duration: lower it or raise the role's MaxSessionDuration.`;
  }
  if (code === 'InvalidIdentityToken') {
    return "Hint: STS could not verify the token with the issuer's keys: check the IAM OIDC provider's issuer URL.";
  }
  return "Hint: compare the role's trust policy with the token's claims below.";
}
