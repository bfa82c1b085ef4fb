// AWS Systems Manager Parameter Store (SPEC §1.1a `ssm:`), read with the AWS session of
// `aws-role-arn`: the aws provider's STS login, one per run whether aws: lines exist or not
// (aws.ts hands both the same provider); the session's keys sign for the `ssm` service. Wire format: JSON 1.1, `X-Amz-Target: AmazonSSM.<Operation>`.
// - GetParameters, at most ten names a call (API_GetParameters: "Array Members: Minimum
//   number of 1 item. Maximum number of 10 items"), always WithDecryption. `version=N` and
//   `label=L` go on the wire as selectors: "To query by parameter label, use
//   "Name": "name:label". To query by parameter version, use "Name": "name:version"."
//   Names that do not exist come back in InvalidParameters: not found.
// - `ssm:/path/*` lists by GetParametersByPath, one level (Recursive false: sub-paths are
//   skipped like Vault's sub-folders), WithDecryption, every page; the values arrive with
//   the listing, so a listing line costs no read round.
// An ARN is read in its own region; an `aws-ssm` endpoint override serves every region.
import { SecretNotFoundError } from '../core/not-found.js';
import { ActionError } from '../core/errors.js';
import { HttpError, type HttpResponse } from '../net/http.js';
import type { Location } from '../core/plan/types.js';
import type { AwsSettings } from '../core/settings.js';
import { awsProvider, awsSessionOf } from './aws.js';
import { dnsSuffix, type AwsSession, signPost } from './aws-sts.js';
import { arnRegion, regionalSigner } from './aws-regions.js';
import { jsonStringField } from './error-body.js';
import { preconnectReads } from './preconnect.js';
import type {
  FetchedSecret,
  ListedSecret,
  ListRequest,
  ProviderDeps,
  ProviderModule,
  SecretProvider,
} from './types.js';

/** GetParameters' documented limit of names per call. */
export const SSM_BATCH_SIZE = 10;
/** GetParametersByPath's largest page (MaxResults 1–10). */
const PATH_PAGE_SIZE = 10;

interface Parameter {
  Name?: unknown;
  Value?: unknown;
  Selector?: unknown;
  ARN?: unknown;
}

/** The name as GetParameters takes it: `name`, `name:version` or `name:label`. */
function wireName(location: Location): string {
  const selector = location.options.version ?? location.options.label;
  return selector ? `${location.locator}:${selector}` : location.locator;
}

function endpoint(aws: AwsSettings, region: string): string {
  const base = aws.endpoints.ssm ?? `https://ssm.${region}.${dnsSuffix(region)}`;
  return base.endsWith('/') ? base : `${base}/`;
}

function createSsmProvider(aws: AwsSettings, context: ProviderDeps): SecretProvider {
  const sts = awsProvider.create(aws, context);
  let session: AwsSession | undefined;

  const call = async (
    operation: string,
    input: unknown,
    what: string,
    region: string,
  ): Promise<HttpResponse> => {
    if (!session) throw new ActionError('AUTH_FAILED', `${what}: not logged in to AWS`);
    const url = new URL(endpoint(aws, region));
    const body = JSON.stringify(input);
    const headers = await signPost(
      regionalSigner(session, region, 'ssm'),
      url,
      {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `AmazonSSM.${operation}`,
      },
      body,
    );
    return context.http.request({ method: 'POST', url, headers, body, what });
  };

  /** One GetParameters call for locations of one region; a result per location. */
  const getParameters = async (
    locations: readonly Location[],
    region: string,
  ): Promise<Array<FetchedSecret | Error>> => {
    const names = locations.map(wireName);
    let answer: { Parameters?: Parameter[]; InvalidParameters?: unknown };
    try {
      const response = await call(
        'GetParameters',
        { Names: names, WithDecryption: true },
        `read ${names.length === 1 ? `ssm:${locations[0]?.locator}` : `${names.length} ssm parameters`} (GetParameters)`,
        region,
      );
      answer = response.json();
    } catch (error) {
      const failure = ssmError(
        error,
        locations.length === 1 ? `ssm:${locations[0]?.locator}` : 'ssm',
        aws.roleArn,
      );
      return locations.map(() => failure);
    }
    const invalid = Array.isArray(answer.InvalidParameters) ? answer.InvalidParameters : [];
    return locations.map((location, i) => {
      const name = names[i] as string;
      const selector = location.options.version ?? location.options.label;
      const found = (answer.Parameters ?? []).find(
        (p) =>
          (p.Name === location.locator || p.ARN === location.locator) &&
          (selector === undefined ? !p.Selector : p.Selector === `:${selector}`),
      );
      if (found && typeof found.Value === 'string') return { value: found.Value };
      if (invalid.includes(name) || !found) return notFound(location);
      return new ActionError('READ_FAILED', `ssm:${location.locator}: the answer has no value`);
    });
  };

  const readBatch = async (locations: readonly Location[]) => {
    const byRegion = new Map<string, Location[]>();
    for (const location of locations) {
      const region = arnRegion(location.locator) ?? aws.region;
      byRegion.set(region, [...(byRegion.get(region) ?? []), location]);
    }
    const results = new Map<Location, FetchedSecret | Error>();
    await Promise.all(
      [...byRegion].map(async ([region, group]) => {
        for (let i = 0; i < group.length; i += SSM_BATCH_SIZE) {
          const slice = group.slice(i, i + SSM_BATCH_SIZE);
          const outcomes = await getParameters(slice, region);
          slice.forEach((location, j) =>
            results.set(location, outcomes[j] as FetchedSecret | Error),
          );
        }
      }),
    );
    return locations.map(
      (l) => results.get(l) ?? new ActionError('READ_FAILED', `ssm:${l.locator}: no result`),
    );
  };

  return {
    name: 'ssm',
    batchSize: SSM_BATCH_SIZE,

    // Parameter Store's connections (one per GetParameters call of ten) are opened while the
    // OIDC token and STS are on their way, as for Secrets Manager (aws.ts).
    prepare(locations: readonly Location[]) {
      preconnectReads(
        context.http,
        locations,
        (l) => endpoint(aws, (!l.list && arnRegion(l.locator)) || aws.region),
        { size: SSM_BATCH_SIZE, accepts: () => true },
      );
    },

    async login() {
      await sts.login();
      session = awsSessionOf(sts);
      if (!session) throw new ActionError('AUTH_FAILED', 'ssm: the AWS login gave no session');
    },

    async read(location) {
      const [outcome] = await readBatch([location]);
      if (outcome instanceof Error) throw outcome;
      return outcome as FetchedSecret;
    },

    readBatch,

    async list(request: ListRequest): Promise<ListedSecret[]> {
      const slash = request.prefix.lastIndexOf('/');
      const folder = request.prefix.slice(0, slash + 1);
      const path = folder.length > 1 ? folder.slice(0, -1) : folder;
      const what = `list ssm:${request.prefix}* (GetParametersByPath)`;
      const found: ListedSecret[] = [];
      let nextToken: string | undefined;
      do {
        let answer: { Parameters?: Parameter[]; NextToken?: unknown };
        try {
          const response = await call(
            'GetParametersByPath',
            {
              Path: path,
              Recursive: false,
              WithDecryption: true,
              MaxResults: PATH_PAGE_SIZE,
              ...(nextToken ? { NextToken: nextToken } : {}),
            },
            what,
            aws.region,
          );
          answer = response.json();
        } catch (error) {
          throw ssmError(error, `ssm:${request.prefix}*`, aws.roleArn);
        }
        for (const parameter of answer.Parameters ?? []) {
          const name = parameter.Name;
          if (typeof name !== 'string' || !name.startsWith(request.prefix)) continue;
          if (typeof parameter.Value !== 'string') continue;
          found.push({
            relativeName: name.slice(request.prefix.length),
            locator: name,
            value: { value: parameter.Value },
          });
        }
        nextToken = typeof answer.NextToken === 'string' ? answer.NextToken : undefined;
      } while (nextToken && found.length <= request.max);
      // Stopped early: max + 1 says "more than max" without claiming a count not known.
      return nextToken ? found.slice(0, request.max + 1) : found;
    },
  };
}

export const ssmProvider: ProviderModule<AwsSettings> = {
  check: (settings) => awsProvider.check(settings),
  create: createSsmProvider,
};

/** Parameter Store's own "no such parameter (or version)": what `?optional` tolerates. */
function notFound(location: Location): ActionError {
  const selector = location.options.version
    ? ` version ${location.options.version}`
    : location.options.label
      ? ` label ${location.options.label}`
      : '';
  return new SecretNotFoundError(
    `ssm:${location.locator}${selector ? ` (${selector.trim()})` : ''}: not found (ParameterNotFound)`,
  );
}

function ssmError(error: unknown, where: string, roleArn: string): Error {
  if (!(error instanceof HttpError) || error.status === undefined) return error as Error;
  const type =
    jsonStringField(error.bodyExcerpt, '__type')?.split('#').pop() ?? `HTTP ${error.status}`;
  const message = (
    jsonStringField(error.bodyExcerpt, 'message') ??
    jsonStringField(error.bodyExcerpt, 'Message') ??
    ''
  ).split('\n')[0];
  switch (type) {
    case 'ParameterNotFound':
    case 'ParameterVersionNotFound':
      return new SecretNotFoundError(`${where}: not found (${type}): ${message}`);
    case 'AccessDeniedException':
      return new ActionError(
        'ACCESS_DENIED',
        `${where}: access denied: ${message}. Grant ssm:GetParameters (ssm:GetParametersByPath for a listing) on the parameters to role ${roleArn}, and kms:Decrypt on the key of SecureString parameters.`,
      );
    case 'ExpiredTokenException':
      return new ActionError('AUTH_FAILED', `${where}: the STS session expired before the read`);
    default:
      return new ActionError('READ_FAILED', `${where}: ${type}: ${message}`);
  }
}
