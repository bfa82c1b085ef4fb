// AWS Systems Manager Parameter Store, the part the action reads, behind the AWS emulator
// (aws.ts routes `X-Amz-Target: AmazonSSM.*` here once the SigV4 signature, made for the
// `ssm` service with a session its STS issued, verified). JSON 1.1 like Secrets Manager:
// - GetParameters {Names (1–10; `name:version` / `name:label` selectors), WithDecryption}
//   → {Parameters: [{Name, Type, Value, Version, Selector, ARN, DataType, …}],
//      InvalidParameters: [the requested names that do not exist]} (API_GetParameters);
// - GetParametersByPath {Path, Recursive, WithDecryption, MaxResults (1–10), NextToken}
//   → {Parameters, NextToken} (API_GetParametersByPath);
// - errors `{"__type": "ParameterNotFound" | "AccessDeniedException" | "ValidationException", "message"}`.
// A SecureString read without WithDecryption answers its ciphertext (here: an opaque base64
// blob), as SSM does, so a client that forgets the flag gets no value.
import { randomBytes } from 'node:crypto';
import { stringLike } from './oidc-verify.js';

export interface StoredParameter {
  name: string;
  region: string;
  type: 'String' | 'StringList' | 'SecureString';
  versions: Array<{ value: string; version: number; labels: Set<string>; modified: number }>;
}

export interface SsmAnswer {
  status: number;
  body: unknown;
}

const NAMES_MAX = 10;
const PAGE_MAX = 10;

export interface ParameterStore {
  add(
    name: string,
    value: string,
    options?: { type?: StoredParameter['type']; region?: string; labels?: readonly string[] },
  ): number;
  handle(
    operation: string,
    input: Record<string, unknown>,
    caller: { region: string; parameters: readonly string[]; denied(action: string): string },
  ): SsmAnswer;
}

export function createParameterStore(options: {
  accountId: string;
  region: string;
  now: () => number;
}): ParameterStore {
  const parameters: StoredParameter[] = [];
  const arnOf = (p: StoredParameter) =>
    `arn:aws:ssm:${p.region}:${options.accountId}:parameter/${p.name.replace(/^\//, '')}`;
  const error = (type: string, message: string, status = 400): SsmAnswer => ({
    status,
    body: { __type: type, message },
  });
  const find = (region: string, nameOrArn: string) =>
    parameters.find((p) => p.region === region && (p.name === nameOrArn || arnOf(p) === nameOrArn));
  const entry = (
    p: StoredParameter,
    version: StoredParameter['versions'][number],
    decrypt: boolean,
    selector?: string,
  ) => ({
    Name: p.name,
    Type: p.type,
    Value:
      p.type === 'SecureString' && !decrypt ? randomBytes(48).toString('base64') : version.value,
    Version: version.version,
    ...(selector ? { Selector: selector } : {}),
    LastModifiedDate: version.modified / 1000,
    ARN: arnOf(p),
    DataType: 'text',
  });

  const getParameters = (
    input: Record<string, unknown>,
    caller: Parameters<ParameterStore['handle']>[2],
  ): SsmAnswer => {
    const names = input.Names;
    if (!Array.isArray(names) || names.length === 0 || names.length > NAMES_MAX)
      return error(
        'ValidationException',
        `1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length less than or equal to ${NAMES_MAX}`,
      );
    const found: unknown[] = [];
    const invalid: string[] = [];
    for (const requested of names as string[]) {
      // `name:selector`: a version number or a label; the name itself never holds a colon
      // except inside an ARN, whose last colon-free part is `parameter/NAME`.
      const match = /^(.*?)(?::([^:/]+))?$/.exec(requested);
      const name = match?.[1] ?? requested;
      const selector = match?.[2];
      if (
        !caller.parameters.some((pattern) =>
          stringLike(pattern, name.replace(/^arn:.*:parameter/, '')),
        )
      )
        return error('AccessDeniedException', caller.denied('ssm:GetParameters'));
      const parameter = find(caller.region, name);
      const version = parameter
        ? selector === undefined
          ? parameter.versions.at(-1)
          : /^\d+$/.test(selector)
            ? parameter.versions.find((v) => v.version === Number(selector))
            : parameter.versions.find((v) => v.labels.has(selector))
        : undefined;
      if (!parameter || !version) invalid.push(requested);
      else
        found.push(
          entry(parameter, version, input.WithDecryption === true, selector && `:${selector}`),
        );
    }
    return { status: 200, body: { Parameters: found, InvalidParameters: invalid } };
  };

  const getParametersByPath = (
    input: Record<string, unknown>,
    caller: Parameters<ParameterStore['handle']>[2],
  ): SsmAnswer => {
    const path = input.Path;
    if (typeof path !== 'string' || !path.startsWith('/'))
      return error(
        'ValidationException',
        'The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/".',
      );
    const max = input.MaxResults ?? PAGE_MAX;
    if (typeof max !== 'number' || max < 1 || max > PAGE_MAX)
      return error(
        'ValidationException',
        `1 validation error detected: Value '${String(max)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${PAGE_MAX}`,
      );
    const folder = path.endsWith('/') ? path : `${path}/`;
    if (!caller.parameters.some((p) => stringLike(p, folder) || stringLike(p, path)))
      return error('AccessDeniedException', caller.denied('ssm:GetParametersByPath'));
    const below = parameters.filter(
      (p) =>
        p.region === caller.region &&
        p.name.startsWith(folder) &&
        (input.Recursive === true || !p.name.slice(folder.length).includes('/')),
    );
    const start = typeof input.NextToken === 'string' ? Number(input.NextToken.split('.')[1]) : 0;
    if (!Number.isInteger(start) || start < 0)
      return error('InvalidNextToken', 'The specified token is not valid.');
    const page = below.slice(start, start + max);
    const next = start + page.length;
    return {
      status: 200,
      body: {
        Parameters: page.map((p) => entry(p, p.versions.at(-1)!, input.WithDecryption === true)),
        ...(next < below.length ? { NextToken: `${randomBytes(6).toString('hex')}.${next}` } : {}),
      },
    };
  };

  return {
    add(name, value, where = {}) {
      const region = where.region ?? options.region;
      let parameter = find(region, name);
      if (!parameter) {
        parameter = { name, region, type: where.type ?? 'SecureString', versions: [] };
        parameters.push(parameter);
      }
      const version = parameter.versions.length + 1;
      parameter.versions.push({
        value,
        version,
        labels: new Set(where.labels ?? []),
        modified: options.now(),
      });
      return version;
    },
    handle(operation, input, caller) {
      switch (operation) {
        case 'GetParameters':
          return getParameters(input, caller);
        case 'GetParametersByPath':
          return getParametersByPath(input, caller);
        default:
          return error('UnknownOperationException', '');
      }
    },
  };
}
