// Server-side check of an AWS Signature Version 4 `Authorization` header, written from the
// documented algorithm (canonical request → string to sign → HMAC chain) so that it shares no
// code with the signer the action uses (@smithy/signature-v4). The AWS emulator runs every
// Secrets Manager request through `verifySigV4` with the keys its STS issued.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface SignedRequest {
  method: string;
  /** Path and query exactly as they arrived on the wire (`/x?a=b`). */
  rawUrl: string;
  /** Node's lower-cased header map (duplicates joined with `, `). */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer;
}

export interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  terminator: string;
  signedHeaders: string[];
  signature: string;
}

/** Why a request was refused, with the AWS error code and message a real endpoint uses. */
export interface SigV4Failure {
  code:
    | 'MissingAuthenticationTokenException'
    | 'IncompleteSignatureException'
    | 'InvalidSignatureException'
    | 'UnrecognizedClientException';
  message: string;
}

export type SigV4Result =
  | { ok: true; auth: ParsedAuthorization; amzDate: string }
  | { ok: false; failure: SigV4Failure; auth?: ParsedAuthorization };

const ALGORITHM = 'AWS4-HMAC-SHA256';
const MAX_SKEW_MS = 5 * 60 * 1000;

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** RFC 3986 encoding: every byte except unreserved characters. */
export function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase(),
  );
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, '%20'));
  } catch {
    return text;
  }
}

export function parseAuthorization(header: string): ParsedAuthorization | SigV4Failure {
  if (!header.startsWith(ALGORITHM + ' ')) {
    return {
      code: 'IncompleteSignatureException',
      message: `Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=${header.split(' ')[0]}`,
    };
  }
  const fields = new Map<string, string>();
  for (const part of header.slice(ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ['Credential', 'Signature', 'SignedHeaders'].filter((name) => !fields.has(name));
  if (missing.length > 0) {
    return {
      code: 'IncompleteSignatureException',
      message:
        missing.map((name) => `Authorization header requires '${name}' parameter.`).join(' ') +
        ` Authorization=${ALGORITHM}`,
    };
  }
  const credential = fields.get('Credential') ?? '';
  const scope = credential.split('/');
  if (scope.length !== 5) {
    return {
      code: 'IncompleteSignatureException',
      message: `Credential should be scoped to a valid region. `,
    };
  }
  const [accessKeyId = '', date = '', region = '', service = '', terminator = ''] = scope;
  return {
    accessKeyId,
    date,
    region,
    service,
    terminator,
    signedHeaders: (fields.get('SignedHeaders') ?? '').split(';').filter(Boolean),
    signature: fields.get('Signature') ?? '',
  };
}

/** The canonical URI of a non-S3 service: normalised path, each segment encoded twice. */
function canonicalUri(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && rawPath.endsWith('/') ? '/' : '';
  const path = '/' + segments.join('/') + trailing;
  return rfc3986(path).replace(/%2F/g, '/');
}

function canonicalQuery(rawQuery: string): string {
  if (!rawQuery) return '';
  return rawQuery
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      const key = eq < 0 ? pair : pair.slice(0, eq);
      const value = eq < 0 ? '' : pair.slice(eq + 1);
      return [rfc3986(safeDecode(key)), rfc3986(safeDecode(value))] as const;
    })
    .sort(([ka, va], [kb, vb]) => (ka === kb ? (va < vb ? -1 : 1) : ka < kb ? -1 : 1))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

function headerValue(headers: SignedRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value.join(',') : value).trim().replace(/\s+/g, ' ');
}

export function canonicalRequest(request: SignedRequest, signedHeaders: string[]): string {
  const q = request.rawUrl.indexOf('?');
  const rawPath = q < 0 ? request.rawUrl : request.rawUrl.slice(0, q);
  const rawQuery = q < 0 ? '' : request.rawUrl.slice(q + 1);
  const sorted = [...signedHeaders].sort();
  return [
    request.method.toUpperCase(),
    canonicalUri(rawPath),
    canonicalQuery(rawQuery),
    sorted.map((name) => `${name}:${headerValue(request.headers, name) ?? ''}\n`).join(''),
    sorted.join(';'),
    sha256Hex(request.body),
  ].join('\n');
}

export function signingKey(
  secretAccessKey: string,
  date: string,
  region: string,
  service: string,
): Buffer {
  const kDate = hmac('AWS4' + secretAccessKey, date);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  return hmac(kService, 'aws4_request');
}

/** `20240102T030405Z` → epoch milliseconds, or NaN. */
export function parseAmzDate(amzDate: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!m) return NaN;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
}

export function formatAmzDate(epochMs: number): string {
  return new Date(epochMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

export interface VerifyOptions {
  /** The region this endpoint serves. */
  region: string;
  /** The signing name of the service (`secretsmanager`). */
  service: string;
  /** The server's clock. */
  now: number;
  /** The secret key for an access key id, or undefined when the id is unknown. */
  secretFor: (accessKeyId: string) => string | undefined;
}

/**
 * Checks the request's signature. The order follows what AWS reports first: a missing or
 * malformed header, then the credential scope, then the clock, then the key, then the
 * signature itself. Session-token checks are the caller's: they need the session.
 */
export function verifySigV4(request: SignedRequest, options: VerifyOptions): SigV4Result {
  const header = headerValue(request.headers, 'authorization');
  if (!header) {
    return {
      ok: false,
      failure: {
        code: 'MissingAuthenticationTokenException',
        message: 'Missing Authentication Token',
      },
    };
  }
  const parsed = parseAuthorization(header);
  if ('code' in parsed) return { ok: false, failure: parsed };
  const auth = parsed;
  const fail = (code: SigV4Failure['code'], message: string): SigV4Result => ({
    ok: false,
    failure: { code, message },
    auth,
  });

  if (!auth.signedHeaders.includes('host')) {
    return fail(
      'InvalidSignatureException',
      `'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.`,
    );
  }
  const amzDate = headerValue(request.headers, 'x-amz-date');
  if (!amzDate) {
    return fail(
      'IncompleteSignatureException',
      `Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=${header}`,
    );
  }
  if (!auth.signedHeaders.includes('x-amz-date')) {
    return fail(
      'InvalidSignatureException',
      `'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.`,
    );
  }
  if (auth.terminator !== 'aws4_request') {
    return fail(
      'IncompleteSignatureException',
      `Credential should be scoped with a valid terminator: 'aws4_request', not '${auth.terminator}'. `,
    );
  }
  if (auth.region !== options.region) {
    return fail(
      'InvalidSignatureException',
      `Credential should be scoped to a valid region, not '${auth.region}'. `,
    );
  }
  if (auth.service !== options.service) {
    return fail(
      'InvalidSignatureException',
      `Credential should be scoped to correct service: '${options.service}'. `,
    );
  }
  if (amzDate.slice(0, 8) !== auth.date) {
    return fail(
      'InvalidSignatureException',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    );
  }
  const signedAt = parseAmzDate(amzDate);
  if (Number.isNaN(signedAt)) {
    return fail(
      'IncompleteSignatureException',
      `Date must be in ISO-8601 'basic format'. Got '${amzDate}'.`,
    );
  }
  if (signedAt < options.now - MAX_SKEW_MS) {
    return fail(
      'InvalidSignatureException',
      `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(options.now - MAX_SKEW_MS)} (${formatAmzDate(options.now)} - 5 min.)`,
    );
  }
  if (signedAt > options.now + MAX_SKEW_MS) {
    return fail(
      'InvalidSignatureException',
      `Signature not yet current: ${amzDate} is still later than ${formatAmzDate(options.now + MAX_SKEW_MS)} (${formatAmzDate(options.now)} + 5 min.)`,
    );
  }
  const secret = options.secretFor(auth.accessKeyId);
  if (secret === undefined) {
    return fail(
      'UnrecognizedClientException',
      'The security token included in the request is invalid.',
    );
  }

  const canonical = canonicalRequest(request, auth.signedHeaders);
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = [ALGORITHM, amzDate, scope, sha256Hex(canonical)].join('\n');
  const expected = createHmac('sha256', signingKey(secret, auth.date, auth.region, auth.service))
    .update(stringToSign, 'utf8')
    .digest();
  const given = Buffer.from(/^[0-9a-f]{64}$/.test(auth.signature) ? auth.signature : '', 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return fail(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. ' +
        'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.' +
        `\n\nThe Canonical String for this request should have been\n'${canonical}'\n\n` +
        `The String-to-Sign should have been\n'${stringToSign}'\n`,
    );
  }
  return { ok: true, auth, amzDate };
}
