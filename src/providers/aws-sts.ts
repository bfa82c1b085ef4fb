// The AWS session road, shared by the AWS provider (the step's own reads, `aws: env`) and
// by `credential_process` (later steps' profiles): the job's OIDC token →
// AssumeRoleWithWebIdentity (with the session policies) → each `aws-role-chain` hop with
// AssumeRole, SigV4-signed with the previous hop's session (session tags on the first
// chained hop, transitive, so later hops inherit them).
//
// Wire format (STS Query API, 2011-06-15): form-encoded `Action`, `Version`, `RoleArn`,
// `RoleSessionName`, `DurationSeconds`, `Policy`, `PolicyArns.member.N.arn`,
// `Tags.member.N.Key`/`.Value`, `TransitiveTagKeys.member.N`; the answer's
// `<Credentials>` holds AccessKeyId, SecretAccessKey, SessionToken and Expiration.
// AssumeRoleWithWebIdentity takes session tags only from the token itself (GitHub's carry
// none), so the tags go on AssumeRole. AWS's AssumeRole reference: "the new session
// inherits any transitive session tags from the calling session. If you pass a session tag
// with the same key as an inherited tag, the operation fails" — hence the tags on the first
// chained hop, all transitive, and every later hop inherits them. IAM limits a chained
// role session to one hour.
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { decodeJwt } from 'jose';
import { ActionError } from '../core/errors.js';
import { formatClaims, shownClaims } from '../core/claims.js';
import { named } from '../core/settings.js';
import { HttpError, type HttpClient, type HttpResponse } from '../net/http.js';

export interface AwsSession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** ISO 8601, as STS sends it. */
  expiration: string;
}

/** Everything one road needs; the provider and credential_process build it from settings. */
export interface AwsRoad {
  /** The role the job's OIDC token is exchanged for. */
  roleArn: string;
  /** Roles assumed in order from the web-identity session; the last one is the result. */
  chain: readonly string[];
  sessionName: string;
  durationSeconds: number;
  /** Inline session policy (JSON) on the web-identity call. */
  sessionPolicy?: string | undefined;
  sessionPolicyArns: readonly string[];
  /** Claim names whose values become session tags on the first chained hop. */
  sessionTags: readonly string[];
  region: string;
  /** STS base URL (the `aws-sts` endpoint override, or the regional endpoint). */
  stsBase: string;
  audience: string;
}

type SourceData = string | ArrayBuffer | ArrayBufferView;

const bytes = (data: SourceData): Buffer =>
  typeof data === 'string'
    ? Buffer.from(data, 'utf8')
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

/**
 * SHA-256 and HMAC-SHA256 for the SigV4 signer from node's crypto (the signer takes any
 * hash constructor; a JavaScript implementation would cost start-up and CPU for nothing).
 */
export class NodeSha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined
      ? createHash('sha256')
      : createHmac('sha256', bytes(this.secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

/** The partition's DNS suffix for a region (China regions live under amazonaws.com.cn). */
export function dnsSuffix(region: string): string {
  return region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
}

export function stsBaseUrl(region: string, override: string | undefined): string {
  return override ?? `https://sts.${region}.${dnsSuffix(region)}`;
}

/** Signs a POST of `body` to `url` with SigV4; the headers to send (the URL gives the host). */
export async function signPost(
  signer: SignatureV4,
  url: URL,
  headers: Record<string, string>,
  body: string,
): Promise<Record<string, string>> {
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    query: {},
    headers: { host: url.host, ...headers },
    body,
  });
  const { host: _host, ...sent } = signed.headers;
  return sent;
}

export function xmlText(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  return match?.[1]
    ?.replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/**
 * What a session tag value may hold (IAM's tag rules: letters, digits, spaces and
 * `_ . : / = + - @`, at most 256 characters).
 */
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;
/** A chained role session lives at most one hour (IAM: role chaining). */
const CHAINED_MAX_SECONDS = 3600;

/** The session tags of a road, from the claims of the token STS has just verified. */
export function sessionTagsFrom(jwt: string, claims: readonly string[]): Array<[string, string]> {
  if (claims.length === 0) return [];
  let payload: Record<string, unknown>;
  try {
    payload = decodeJwt(jwt);
  } catch {
    throw new ActionError('AUTH_FAILED', 'aws session tags: the job OIDC token does not decode');
  }
  return claims.map((claim) => {
    const value = payload[claim];
    if (typeof value !== 'string' || value === '') {
      throw new ActionError(
        'INPUT_INVALID',
        `${named('aws.sessionTags')}: the job's OIDC token has no claim ${claim} (a tag needs a non-empty string claim such as repository, ref, environment, job_workflow_ref)`,
        undefined,
        { setting: 'aws.sessionTags' },
      );
    }
    if (!TAG_VALUE.test(value)) {
      throw new ActionError(
        'INPUT_INVALID',
        `${named('aws.sessionTags')}: the value of claim ${claim} holds characters a session tag may not (letters, digits, spaces and _ . : / = + - @, at most 256); leave ${claim} out of the tags`,
        undefined,
        { setting: 'aws.sessionTags' },
      );
    }
    return [claim, value];
  });
}

function sessionOf(xml: string, what: string): AwsSession {
  const session = {
    accessKeyId: xmlText(xml, 'AccessKeyId'),
    secretAccessKey: xmlText(xml, 'SecretAccessKey'),
    sessionToken: xmlText(xml, 'SessionToken'),
    expiration: xmlText(xml, 'Expiration') ?? '',
  };
  if (!session.accessKeyId || !session.secretAccessKey || !session.sessionToken) {
    throw new ActionError('AUTH_FAILED', `${what}: STS answered without session credentials`);
  }
  return session as AwsSession;
}

const FORM = 'application/x-www-form-urlencoded; charset=utf-8';

function stsUrl(base: string): URL {
  return new URL(base.endsWith('/') ? base : `${base}/`);
}

/** AssumeRoleWithWebIdentity: unsigned; the token is the credential. */
export async function assumeRoleWithWebIdentity(
  http: HttpClient,
  jwt: string,
  road: AwsRoad,
  admit: (value: string, what: string) => void,
): Promise<AwsSession> {
  const what = `aws login (sts:AssumeRoleWithWebIdentity, role ${road.roleArn})`;
  const form = new URLSearchParams({
    Action: 'AssumeRoleWithWebIdentity',
    Version: '2011-06-15',
    RoleArn: road.roleArn,
    RoleSessionName: road.sessionName,
    WebIdentityToken: jwt,
    DurationSeconds: String(road.durationSeconds),
  });
  if (road.sessionPolicy) form.set('Policy', road.sessionPolicy);
  road.sessionPolicyArns.forEach((arn, i) => form.set(`PolicyArns.member.${i + 1}.arn`, arn));
  let response: HttpResponse;
  try {
    response = await http.request({
      method: 'POST',
      url: stsUrl(road.stsBase),
      headers: { 'content-type': FORM, accept: 'text/xml' },
      body: form.toString(),
      what,
    });
  } catch (error) {
    throw webIdentityError(error, jwt, what, road.audience);
  }
  const session = sessionOf(response.text(), what);
  admitSession(session, admit);
  return session;
}

function admitSession(session: AwsSession, admit: (value: string, what: string) => void): void {
  admit(session.accessKeyId, 'the AWS access key id');
  admit(session.secretAccessKey, 'the AWS secret access key');
  admit(session.sessionToken, 'the AWS session token');
}

/** AssumeRole, SigV4-signed (service `sts`) with the calling session. */
export async function assumeRole(
  http: HttpClient,
  from: AwsSession,
  request: {
    roleArn: string;
    sessionName: string;
    durationSeconds: number;
    tags: ReadonlyArray<[string, string]>;
    hop: number;
  },
  road: Pick<AwsRoad, 'region' | 'stsBase'>,
  admit: (value: string, what: string) => void,
): Promise<AwsSession> {
  const what = `aws role chain hop ${request.hop} (sts:AssumeRole, role ${request.roleArn})`;
  const form = new URLSearchParams({
    Action: 'AssumeRole',
    Version: '2011-06-15',
    RoleArn: request.roleArn,
    RoleSessionName: request.sessionName,
    DurationSeconds: String(request.durationSeconds),
  });
  request.tags.forEach(([key, value], i) => {
    form.set(`Tags.member.${i + 1}.Key`, key);
    form.set(`Tags.member.${i + 1}.Value`, value);
    form.set(`TransitiveTagKeys.member.${i + 1}`, key);
  });
  const url = stsUrl(road.stsBase);
  const body = form.toString();
  const signer = new SignatureV4({
    service: 'sts',
    region: road.region,
    credentials: {
      accessKeyId: from.accessKeyId,
      secretAccessKey: from.secretAccessKey,
      sessionToken: from.sessionToken,
    },
    sha256: NodeSha256,
  });
  const headers = await signPost(signer, url, { 'content-type': FORM, accept: 'text/xml' }, body);
  let response: HttpResponse;
  try {
    response = await http.request({ method: 'POST', url, headers, body, what });
  } catch (error) {
    throw chainError(error, what, request.tags.length > 0);
  }
  const session = sessionOf(response.text(), what);
  admitSession(session, admit);
  return session;
}

/** The whole road: web identity, then every chained hop. The last session is the result. */
export async function assumeRoad(
  http: HttpClient,
  jwt: string,
  road: AwsRoad,
  admit: (value: string, what: string) => void,
): Promise<AwsSession> {
  let session = await assumeRoleWithWebIdentity(http, jwt, road, admit);
  // The tags come from the token STS has just accepted: its signature, issuer, audience and
  // expiry were verified by AWS, so no claim here is something an earlier step could shape.
  const tags = road.chain.length ? sessionTagsFrom(jwt, road.sessionTags) : [];
  for (const [index, roleArn] of road.chain.entries()) {
    session = await assumeRole(
      http,
      session,
      {
        roleArn,
        sessionName: road.sessionName,
        durationSeconds: Math.min(road.durationSeconds, CHAINED_MAX_SECONDS),
        tags: index === 0 ? tags : [],
        hop: index + 1,
      },
      road,
      admit,
    );
  }
  return session;
}

function webIdentityError(error: unknown, jwt: string, what: string, audience: string): Error {
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

function chainError(error: unknown, what: string, tagged: boolean): Error {
  if (!(error instanceof HttpError) || error.status === undefined || error.status >= 500)
    return error as Error;
  const code = xmlText(error.bodyExcerpt, 'Code') ?? `HTTP ${error.status}`;
  const message = xmlText(error.bodyExcerpt, 'Message') ?? error.bodyExcerpt;
  const hint =
    code === 'AccessDenied'
      ? `Hint: the role's trust policy must allow the previous role of ${named('aws.roleChain')} to call sts:AssumeRole` +
        (tagged ? ' and sts:TagSession (with the tags it checks: aws:PrincipalTag/…)' : '') +
        ', and the previous role needs sts:AssumeRole on it.'
      : "Hint: compare the role's trust policy with the calling role and its session tags.";
  return new ActionError(
    'AUTH_FAILED',
    `${what} was refused (HTTP ${error.status} ${code}): ${message}\n${hint}`,
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
  if (/[Pp]olicy/.test(message)) {
    return `Hint: check ${named('aws.sessionPolicy')} and ${named('aws.sessionPolicyArns')}: STS refused the session policy.`;
  }
  return "Hint: compare the role's trust policy with the token's claims below.";
}
