// AWS: the job's OIDC token → STS AssumeRoleWithWebIdentity (Query API, XML answer) → session
// keys, then Secrets Manager (JSON 1.1) signed with SigV4 by @smithy/signature-v4.
// Reads without options go out as BatchGetSecretValue (20 ids a call); a role that may not
// batch falls back to one GetSecretValue per secret. STS sessions cannot be revoked: they
// end with their duration (aws-session-duration, 900 s by default).
import { SignatureV4 } from '@smithy/signature-v4';
import { assumeRole, personalKeys } from './aws-personal.js';
import { ActionError } from '../core/errors.js';
import { HttpError, type HttpResponse } from '../net/http.js';
import {
  assumeRoad,
  NodeSha256,
  stsBaseUrl,
  type AwsRoad,
  type AwsSession,
  signPost,
} from './aws-sts.js';
import { printableText } from './binary.js';
import { preconnectReads } from './preconnect.js';
import { SecretNotFoundError } from '../core/not-found.js';
import { jsonStringField } from './error-body.js';
import type { Location } from '../core/plan/types.js';
import { named } from '../core/settings.js';
import type { AwsSettings } from '../core/settings.js';
import type {
  FetchedSecret,
  ListedSecret,
  ListRequest,
  ProviderDeps,
  ProviderModule,
  SecretProvider,
} from './types.js';
import { arnRegion, regionalSigner, smEndpoint } from './aws-regions.js';

interface SecretValueEntry {
  ARN?: string;
  Name?: string;
  SecretString?: string;
  SecretBinary?: string;
}

interface ListAnswer {
  SecretList?: Array<{ Name?: unknown; ARN?: unknown }>;
  NextToken?: unknown;
}

/** ListSecrets' largest page (API_ListSecrets: MaxResults, 1–100). */
const LIST_PAGE_SIZE = 100;

interface BatchAnswer {
  SecretValues?: SecretValueEntry[];
  Errors?: Array<{ SecretId?: string; ErrorCode?: string; Message?: string }>;
}

/** Secrets Manager's documented limit of ids per BatchGetSecretValue call. */
export const AWS_BATCH_SIZE = 20;

const SESSION_NAME_CHARS = /[^\w+=,.@-]/g;

/**
 * `aws-role-session-name`, or `gha-<run id>-<attempt>` within STS's limits (2–64
 * characters of [\w+=,.@-]).
 */
export function roleSessionName(
  run: Pick<AwsSettings, 'runId' | 'runAttempt'> & {
    hops?: Pick<AwsSettings['hops'], 'roleSessionName'>;
  },
): string {
  if (run.hops?.roleSessionName) return run.hops.roleSessionName;
  const runId = (run.runId ?? '').replace(SESSION_NAME_CHARS, '_');
  const attempt = (run.runAttempt ?? '1').replace(SESSION_NAME_CHARS, '_');
  const name = runId ? `gha-${runId}-${attempt}` : `oidc-secrets-${Date.now()}`;
  return name.slice(0, 64);
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
  // aws: and ssm: lines of one run share one provider and one STS login (ssm.ts asks for it).
  const existing = shared.get(context);
  if (existing?.settings === aws) return existing.provider;
  const { http } = context;
  const region = aws.region;
  let session: AwsSession | undefined;
  let signer: SignatureV4 | undefined;
  let batchAllowed = true;
  // Who a permission hint names: the role, or on a laptop without one the person's login.
  const grantee = aws.roleArn || (aws.personal ? 'the identity of your AWS login' : '');

  const call = async (
    operation: string,
    input: unknown,
    what: string,
    inRegion: string = region,
  ): Promise<HttpResponse> => {
    const regional = inRegion === region ? signer : session && regionalSigner(session, inRegion);
    if (!regional) throw new ActionError('AUTH_FAILED', `${what}: not logged in to AWS`);
    const base = smEndpoint(aws, inRegion);
    const url = new URL(base.endsWith('/') ? base : `${base}/`);
    const body = JSON.stringify(input);
    const headers = await signPost(
      regional,
      url,
      {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `secretsmanager.${operation}`,
      },
      body,
    );
    return http.request({ method: 'POST', url, headers, body, what });
  };

  const readOne = async (location: Location): Promise<FetchedSecret> => {
    const what = `read aws:${location.locator}`;
    const input: Record<string, string> = { SecretId: location.locator };
    if (location.options['version-id']) input.VersionId = location.options['version-id'];
    if (location.options.stage) input.VersionStage = location.options.stage;
    try {
      const response = await call(
        'GetSecretValue',
        input,
        what,
        arnRegion(location.locator) ?? region,
      );
      return fetched(response.json<SecretValueEntry>(), location, context.admitCredential);
    } catch (error) {
      throw readError(error, location, grantee);
    }
  };

  const provider: SecretProvider = {
    name: 'aws',
    batchSize: AWS_BATCH_SIZE,

    credential: () =>
      session
        ? {
            provider: 'aws',
            accessKeyId: session.accessKeyId,
            secretAccessKey: session.secretAccessKey,
            sessionToken: session.sessionToken,
            kmsEndpoint: aws.endpoints.kms,
          }
        : undefined,

    async login() {
      const [notConfigured] = checkAwsSettings(aws);
      if (notConfigured) throw notConfigured;
      if (aws.personal) {
        // Outside Actions: the person's chain, then the role when one is set.
        const personal = await aws.personal();
        const chain = {
          http,
          region,
          stsBase: stsBaseUrl(region, aws.endpoints.sts),
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
      const road = awsRoad(aws, aws.roleArn);
      session = await assumeRoad(http, jwt, road, context.admitCredential);
      sessions.set(provider, session);
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
      const last = road.chain.at(-1) ?? aws.roleArn;
      context.log.debug(
        `aws: assumed ${last} as session ${road.sessionName} until ${session.expiration}`,
      );
    },

    // Secrets Manager's connections (one per BatchGetSecretValue call of 20 plain reads, and
    // per read with a stage or version) are opened while the OIDC token and STS are on their
    // way: Secrets Manager is another host than STS, so its handshakes would follow the login.
    prepare(locations: readonly Location[]) {
      preconnectReads(
        http,
        locations,
        (l) => smEndpoint(aws, (!l.list && arnRegion(l.locator)) || region),
        { size: AWS_BATCH_SIZE, accepts: (l) => Object.keys(l.options).length === 0 },
      );
    },

    read: readOne,

    async list(request: ListRequest): Promise<ListedSecret[]> {
      // ListSecrets with a `name` filter, "Prefix match, case-sensitive" (API_Filter), every
      // page (MaxResults at most 100) until max + 1 matches or no NextToken: pages are
      // sequential by nature. The matches are then read in the road's read round.
      const what = `list aws:${request.prefix}* (ListSecrets)`;
      const found: ListedSecret[] = [];
      let nextToken: string | undefined;
      do {
        let answer: ListAnswer;
        try {
          const response = await call(
            'ListSecrets',
            {
              MaxResults: LIST_PAGE_SIZE,
              ...(request.prefix ? { Filters: [{ Key: 'name', Values: [request.prefix] }] } : {}),
              ...(nextToken ? { NextToken: nextToken } : {}),
            },
            what,
          );
          answer = response.json<ListAnswer>();
        } catch (error) {
          throw listError(error, request.prefix, aws.roleArn);
        }
        for (const entry of answer.SecretList ?? []) {
          const name = entry.Name;
          if (typeof name !== 'string' || !name.startsWith(request.prefix)) continue;
          found.push({ relativeName: name.slice(request.prefix.length), locator: name });
        }
        nextToken = typeof answer.NextToken === 'string' ? answer.NextToken : undefined;
      } while (nextToken && found.length <= request.max);
      // Stopped early: max + 1 says "more than max" without claiming a count not known.
      return nextToken ? found.slice(0, request.max + 1) : found;
    },

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
      // A secret named by an ARN is read in the ARN's region: one batch per region.
      const byRegion = new Map<string, Location[]>();
      for (const location of plain) {
        const inRegion = arnRegion(location.locator) ?? region;
        byRegion.set(inRegion, [...(byRegion.get(inRegion) ?? []), location]);
      }
      const batched = async (plain: readonly Location[], inRegion: string) => {
        if (plain.length === 0) return;
        if (plain.length === 1) return settle(plain[0] as Location);
        let answer: BatchAnswer;
        try {
          const response = await call(
            'BatchGetSecretValue',
            { SecretIdList: plain.map((l) => l.locator) },
            `read ${plain.length} aws secrets (BatchGetSecretValue)`,
            inRegion,
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
      await Promise.all([
        ...[...byRegion].map(([inRegion, group]) => batched(group, inRegion)),
        ...single.map(settle),
      ]);
      return locations.map(
        (l) => results.get(l) ?? new ActionError('READ_FAILED', `aws:${l.locator}: no result`),
      );
    },
  };
  const login = provider.login.bind(provider);
  let loggedIn: Promise<void> | undefined;
  provider.login = () => (loggedIn ??= login());
  shared.set(context, { settings: aws, provider });
  return provider;
}

/** The AWS provider of a run (its dependencies) and settings: one STS session for all. */
const shared = new WeakMap<ProviderDeps, { settings: AwsSettings; provider: SecretProvider }>();

export const awsProvider: ProviderModule<AwsSettings> = {
  check: checkAwsSettings,
  create: createAwsProvider,
};

/** The STS session of each logged-in AWS provider: Parameter Store signs with it (ssm.ts). */
const sessions = new WeakMap<SecretProvider, AwsSession>();

export function awsSessionOf(provider: SecretProvider): AwsSession | undefined {
  return sessions.get(provider);
}

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
      return new SecretNotFoundError(`${where}: not found: ${message}`);
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

/** The road of the step's own session (and of a profile's, with its own role and region). */
export function awsRoad(aws: AwsSettings, roleArn: string, region = aws.region): AwsRoad {
  return {
    roleArn,
    chain: aws.hops.roleChain,
    sessionName: roleSessionName(aws),
    durationSeconds: aws.sessionDurationSeconds,
    sessionPolicy: aws.hops.sessionPolicy || undefined,
    sessionPolicyArns: aws.hops.sessionPolicyArns,
    sessionTags: aws.hops.sessionTags,
    region,
    stsBase: stsBaseUrl(region, aws.endpoints.sts),
    audience: aws.audience,
  };
}

function listError(error: unknown, prefix: string, roleArn: string): Error {
  if (!(error instanceof HttpError) || error.status === undefined) return error as Error;
  const code = awsErrorType(error) ?? `HTTP ${error.status}`;
  const where = `aws:${prefix}*`;
  if (code === 'AccessDeniedException') {
    return new ActionError(
      'ACCESS_DENIED',
      `${where}: access denied: ${awsErrorMessage(error)}. A listing needs secretsmanager:ListSecrets (resource *) for role ${roleArn}, besides GetSecretValue on the matches`,
    );
  }
  return new ActionError('READ_FAILED', `${where}: ${code}: ${awsErrorMessage(error)}`);
}
