// The Kubernetes emulator pinned to the official client, @kubernetes/client-node: CoreV1Api
// readNamespacedSecret and listNamespacedSecret (labelSelector, limit/continue paging) with
// each way the emulator authenticates — a GitHub OIDC token as bearer, a service-account
// token, a client certificate, and an exec credential plugin (the client's own exec
// support runs test/support/k8s-exec-plugin.mjs, the plugin the CLI tests use) — and the
// client's view of the API server's 401/403/404 Status answers.
import '../../../test/support/node20-undici-shim.js';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ApiException, CoreV1Api, User } from '@kubernetes/client-node';
import { startKubernetes, type KubernetesEmulator } from '../../../test/emulators/kubernetes.js';
import { startOidcIssuer, type OidcIssuer } from '../../../test/emulators/oidc-issuer.js';
import {
  selfSignedLoopbackCertificate,
  testCertificateAuthority,
  type TestCertificateAuthority,
} from '../../../test/support/certificates.js';

const PLUGIN = resolve('test/support/k8s-exec-plugin.mjs');
const AUDIENCE = 'kubernetes';

/** Loaded after the shim (a static import would load undici before it could run). */
let client: typeof import('@kubernetes/client-node');
let issuer: OidcIssuer;
let k8s: KubernetesEmulator;
let serverTls: { key: string; cert: string };
let clientCa: TestCertificateAuthority;
let dir: string;
const dbPassword = `pw-${randomBytes(12).toString('hex')}`;
const apiKey = `key-${randomBytes(12).toString('hex')}`;
const b64 = (text: string) => Buffer.from(text).toString('base64');
const ciUser = (sub = 'repo:octo-org/octo-repo:ref:refs/heads/main') => `${issuer.issuer}#${sub}`;

beforeAll(async () => {
  client = await import('@kubernetes/client-node');
  dir = mkdtempSync(join(tmpdir(), 'k8s-official-'));
  serverTls = selfSignedLoopbackCertificate();
  clientCa = testCertificateAuthority();
  issuer = await startOidcIssuer();
  k8s = await startKubernetes({
    tls: { ...serverTls, clientCa: clientCa.cert },
    oidc: { issuer: issuer.issuer, jwksUrl: issuer.jwksUrl, audiences: [AUDIENCE] },
  });
  k8s.addSecret('ci', 'db', { data: { password: dbPassword, user: 'app' }, labels: { app: 'db' } });
  k8s.addSecret('ci', 'api', { data: { key: apiKey }, labels: { app: 'api', tier: 'web' } });
  k8s.addSecret('ci', 'web', { data: { token: 'x'.repeat(8) }, labels: { tier: 'web' } });
  k8s.addSecret('team-b', 'secret', { data: { v: 'y'.repeat(8) } });
  k8s.grant({ subject: ciUser(), namespace: 'ci', verbs: ['get', 'list'] });
  k8s.grant({ subject: 'system:serviceaccount:ci:runner', namespace: 'ci', verbs: ['get'] });
  k8s.grant({
    subject: 'group:deployers',
    namespace: 'ci',
    verbs: ['get'],
    resourceNames: ['api'],
  });
});

afterAll(async () => {
  await k8s.close();
  await issuer.close();
  rmSync(dir, { recursive: true, force: true });
});

function api(user: User): CoreV1Api {
  const kc = new client.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'emu', server: k8s.url, caData: b64(serverTls.cert), skipTLSVerify: false }],
    users: [user],
    contexts: [{ name: 'emu', cluster: 'emu', user: user.name }],
    currentContext: 'emu',
  });
  return kc.makeApiClient(client.CoreV1Api);
}

const failure = async (call: Promise<unknown>): Promise<ApiException<unknown>> => {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(client.ApiException);
  return error as ApiException<unknown>;
};

/** The Status object of a failure, however the client hands its body over. */
const statusOf = (error: ApiException<unknown>): Record<string, unknown> => {
  const body = error.body;
  if (typeof body === 'string') return JSON.parse(body) as Record<string, unknown>;
  if (body && typeof body === 'object') return body as Record<string, unknown>;
  const match = /Body: "([\s\S]*)"$/.exec(error.message);
  return JSON.parse(match?.[1] ?? '{}') as Record<string, unknown>;
};

describe('@kubernetes/client-node against the Kubernetes emulator', () => {
  it('reads a Secret with a GitHub OIDC token as bearer (data base64, as the client models it)', async () => {
    const token = await issuer.mint({ aud: AUDIENCE });
    const secret = await api({ name: 'gh', token }).readNamespacedSecret({
      name: 'db',
      namespace: 'ci',
    });
    expect(secret.kind).toBe('Secret');
    expect(secret.metadata?.name).toBe('db');
    expect(secret.metadata?.namespace).toBe('ci');
    expect(secret.type).toBe('Opaque');
    expect(Buffer.from(secret.data?.password ?? '', 'base64').toString() === dbPassword).toBe(true);
  });

  it('lists Secrets with a label selector, page by page with limit and continue', async () => {
    const client = api({ name: 'gh', token: await issuer.mint({ aud: AUDIENCE }) });
    const web = await client.listNamespacedSecret({ namespace: 'ci', labelSelector: 'tier=web' });
    expect(web.items.map((s) => s.metadata?.name)).toEqual(['api', 'web']);
    const notDb = await client.listNamespacedSecret({
      namespace: 'ci',
      labelSelector: 'app in (api,db),tier!=web',
    });
    expect(notDb.items.map((s) => s.metadata?.name)).toEqual(['db']);
    const first = await client.listNamespacedSecret({ namespace: 'ci', limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.metadata?._continue).toEqual(expect.any(String));
    const second = await client.listNamespacedSecret({
      namespace: 'ci',
      limit: 2,
      _continue: first.metadata?._continue ?? '',
    });
    expect(second.items.map((s) => s.metadata?.name)).toEqual(['web']);
    expect(second.metadata?._continue).toBeUndefined();
  });

  it('answers 401 Unauthorized to a token for another audience, an unknown issuer, an expired one, or none', async () => {
    const stranger = await startOidcIssuer();
    try {
      for (const user of [
        { name: 'aud', token: await issuer.mint({ aud: 'not-kubernetes' }) },
        { name: 'iss', token: await stranger.mint({ aud: AUDIENCE }) },
        {
          name: 'exp',
          token: await issuer.mint({ aud: AUDIENCE }, { expiresInSeconds: -60 }),
        },
        { name: 'none' },
      ]) {
        const error = await failure(
          api(user).readNamespacedSecret({ name: 'db', namespace: 'ci' }),
        );
        // The generated client declares 401 without a body model: only the code comes through.
        expect(error.code).toBe(401);
      }
    } finally {
      await stranger.close();
    }
  });

  it('answers 403 Forbidden with the RBAC message, as a Status the client hands over', async () => {
    const token = await issuer.mint({ aud: AUDIENCE });
    const error = await failure(
      api({ name: 'gh', token }).readNamespacedSecret({ name: 'secret', namespace: 'team-b' }),
    );
    expect(error.code).toBe(403);
    const status = statusOf(error);
    expect(status).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Forbidden',
      code: 403,
    });
    expect(status.message).toBe(
      `secrets "secret" is forbidden: User "${ciUser()}" cannot get resource "secrets" in API group "" in the namespace "team-b"`,
    );
  });

  it('answers 404 NotFound for a Secret that does not exist', async () => {
    const token = await issuer.mint({ aud: AUDIENCE });
    const error = await failure(
      api({ name: 'gh', token }).readNamespacedSecret({ name: 'gone', namespace: 'ci' }),
    );
    expect(error.code).toBe(404);
    expect(statusOf(error)).toMatchObject({
      kind: 'Status',
      reason: 'NotFound',
      message: 'secrets "gone" not found',
      details: { name: 'gone', kind: 'secrets' },
    });
  });

  it('accepts its own service-account tokens, authorised per Secret like RBAC', async () => {
    const token = await k8s.serviceAccountToken('ci', 'runner');
    const client = api({ name: 'sa', token });
    const secret = await client.readNamespacedSecret({ name: 'api', namespace: 'ci' });
    expect(Buffer.from(secret.data?.key ?? '', 'base64').toString() === apiKey).toBe(true);
    // get, not list
    expect((await failure(client.listNamespacedSecret({ namespace: 'ci' }))).code).toBe(403);
  });

  it('accepts a client certificate from its CA (CN user, O groups); resourceNames limit get', async () => {
    const { cert, key } = clientCa.issueClient('deploy-bot', ['deployers']);
    const client = api({ name: 'cert', certData: b64(cert), keyData: b64(key) });
    const secret = await client.readNamespacedSecret({ name: 'api', namespace: 'ci' });
    expect(secret.metadata?.name).toBe('api');
    const denied = await failure(client.readNamespacedSecret({ name: 'db', namespace: 'ci' }));
    expect(statusOf(denied).message).toMatch(/^secrets "db" is forbidden: User "deploy-bot"/);
    // A certificate from another CA is no identity at all.
    const stranger = testCertificateAuthority('stranger').issueClient('deploy-bot', ['deployers']);
    const refused = await failure(
      api({
        name: 'x',
        certData: b64(stranger.cert),
        keyData: b64(stranger.key),
      }).readNamespacedSecret({ name: 'api', namespace: 'ci' }),
    );
    expect(refused.code).toBe(401);
  });

  it('works with the exec credential plugin the CLI tests use (client.authentication.k8s.io/v1)', async () => {
    const tokenFile = join(dir, 'sa-token');
    writeFileSync(tokenFile, await k8s.serviceAccountToken('ci', 'runner'), { mode: 0o600 });
    const client = api({
      name: 'exec',
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1',
        command: process.execPath,
        args: [PLUGIN, 'token', tokenFile],
        interactiveMode: 'Never',
      },
    });
    const secret = await client.readNamespacedSecret({ name: 'db', namespace: 'ci' });
    expect(secret.metadata?.name).toBe('db');
  });
});
