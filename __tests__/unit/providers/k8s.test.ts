// The k8s provider on the real road (action inputs → plan → settings checks → provider →
// mask gate → shape) against the Kubernetes emulator over HTTPS, with a real GitHub OIDC
// issuer; its `list` at the provider level (the `*` expansion that calls it is the core's);
// and the front ends' routes without OIDC: the in-cluster service account and the CLI's
// kubeconfig (token, client certificate, exec plugin, and require-oidc's refusal in a job).
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ActionError, ActionErrors } from '../../../src/core/errors.js';
import { MaskGate } from '../../../src/core/mask.js';
import { planSecrets } from '../../../src/core/plan/plan.js';
import { readConfig } from '../../../src/github/inputs.js';
import { runnerProviderDeps } from '../../../src/github/providers.js';
import { inClusterAccess } from '../../../src/github/k8s-in-cluster.js';
import { kubeconfigAccess } from '../../../src/cli/kubeconfig.js';
import { readCliSettings } from '../../../src/cli/settings.js';
import { createProvider } from '../../../src/providers/registry.js';
import type { SecretProvider } from '../../../src/providers/types.js';
import { startKubernetes, type KubernetesEmulator } from '../../../test/emulators/kubernetes.js';
import { startOidcIssuer, type OidcIssuer } from '../../../test/emulators/oidc-issuer.js';
import {
  selfSignedLoopbackCertificate,
  testCertificateAuthority,
  type TestCertificateAuthority,
} from '../../../test/support/certificates.js';
import { quiet, runActionPipeline } from '../../../test/support/pipeline.js';
import { expectNoLeak } from '../../../test/support/leaks.js';

const PLUGIN = resolve('test/support/k8s-exec-plugin.mjs');
const SUB = 'repo:octo-org/octo-repo:ref:refs/heads/main';

let issuer: OidcIssuer;
let k8s: KubernetesEmulator;
let tls: { key: string; cert: string };
let clientCa: TestCertificateAuthority;
let dir: string;

const db = {
  username: 'app-' + randomBytes(3).toString('hex'),
  password: 'pw-' + randomBytes(12).toString('hex'),
};
const pem = `-----BEGIN PRIVATE KEY-----\n${randomBytes(48).toString('base64')}\n${randomBytes(48).toString('base64')}\n-----END PRIVATE KEY-----\n`;
const config = JSON.stringify({ api: { token: 'tok-' + randomBytes(10).toString('hex') } });
const binary = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00]), randomBytes(20)]);
const webToken = 'web-' + randomBytes(10).toString('hex');
const fetched = () => [db.username, db.password, pem, config, webToken];
const base64s = () => [...fetched(), binary].map((v) => Buffer.from(v).toString('base64'));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'k8s-provider-'));
  tls = selfSignedLoopbackCertificate();
  clientCa = testCertificateAuthority();
  issuer = await startOidcIssuer();
  issuer.setClaims({ sub: SUB });
  k8s = await startKubernetes({
    tls: { ...tls, clientCa: clientCa.cert },
    oidc: { issuer: issuer.issuer, jwksUrl: issuer.jwksUrl, audiences: ['kubernetes'] },
  });
  k8s.addSecret('ci', 'db', { data: db, labels: { tier: 'data' } });
  k8s.addSecret('ci', 'tls', {
    data: { 'tls.key': pem, 'config.json': config },
    type: 'kubernetes.io/tls',
  });
  k8s.addSecret('ci', 'bin', { data: { blob: binary } });
  k8s.addSecret('ci', 'app-web', { data: { token: webToken }, labels: { tier: 'web' } });
  k8s.addSecret('ci', 'app-db', { data: db, labels: { tier: 'data' } });
  k8s.addSecret('ci', 'other', { data: { x: 'y'.repeat(8) }, labels: { tier: 'web' } });
  k8s.addSecret('team-b', 'secret', { data: { v: 'z'.repeat(8) } });
  for (let i = 0; i < 260; i++)
    k8s.addSecret('bulk', `item-${String(i).padStart(3, '0')}`, { data: { v: `value-${i}` } });
  k8s.grant({ subject: `${issuer.issuer}#${SUB}`, namespace: 'ci', verbs: ['get', 'list'] });
  k8s.grant({ subject: `${issuer.issuer}#${SUB}`, namespace: 'bulk', verbs: ['list'] });
  k8s.grant({
    subject: 'system:serviceaccount:runners:arc',
    namespace: 'ci',
    verbs: ['get'],
    resourceNames: ['db'],
  });
  k8s.grant({ subject: 'group:ci-bots', namespace: 'ci', verbs: ['get'] });
});

afterAll(async () => {
  await k8s.close();
  await issuer.close();
  rmSync(dir, { recursive: true, force: true });
});

const inputs = (extra: Record<string, string> = {}) => ({
  'k8s-server': k8s.url,
  'k8s-ca-certificate': tls.cert,
  ...extra,
});

function gate(): { gate: MaskGate; masks: string[] } {
  const masks: string[] = [];
  return { gate: new MaskGate({ add: (v) => masks.push(v) }, () => {}), masks };
}

describe('k8s: through the pipeline with the job OIDC token as bearer', () => {
  it('reads every key decoded as a JSON object, and one key with #KEY; both forms are masks', async () => {
    const g = gate();
    const result = await runActionPipeline(
      'DB_*: k8s:ci/db\nPASSWORD: k8s:ci/db#password\nTLS_*: k8s:ci/tls',
      inputs(),
      issuer.env(),
      g.gate,
    );
    expect(result.messages).toEqual([]);
    const values = Object.fromEntries(result.secrets.map((s) => [s.name, s.value]));
    expect(values.DB_USERNAME === db.username && values.DB_PASSWORD === db.password).toBe(true);
    expect(values.PASSWORD === db.password).toBe(true);
    expect(values.TLS_TLS_KEY === pem && values.TLS_CONFIG_JSON === config).toBe(true);
    // One request per Secret, with the OIDC bearer's user.
    const reads = k8s.requests.filter((r) => r.path.startsWith('/api/v1/namespaces/ci/secrets/'));
    expect(reads.map((r) => r.path).sort()).toEqual([
      '/api/v1/namespaces/ci/secrets/db',
      '/api/v1/namespaces/ci/secrets/tls',
    ]);
    expect(reads.every((r) => r.user === `${issuer.issuer}#${SUB}`)).toBe(true);
    // (the first four fixtures are what these lines read)
    [...fetched().slice(0, 4), ...base64s().slice(0, 4)].forEach((text, i) =>
      expect([i, g.masks.includes(text) || text.includes('\n')]).toEqual([i, true]),
    );
    for (const line of pem.split('\n').filter((l) => l.length > 3)) expect(g.masks).toContain(line);
    // Every mask that matters: each value, line, leaf and base64 form is redacted.
    const read = [...fetched().slice(0, 4), ...base64s().slice(0, 4)];
    expectNoLeak(g.gate.redact(read.join(' | ')), read);
  });

  it('exports binary data as its base64 text, masked', async () => {
    const g = gate();
    const result = await runActionPipeline('BLOB: k8s:ci/bin#blob', inputs(), issuer.env(), g.gate);
    expect(result.messages).toEqual([]);
    expect(result.secrets[0]?.value === binary.toString('base64')).toBe(true);
    expect(g.masks).toContain(binary.toString('base64'));
  });

  it('names the line and the RBAC denial in the API server words', async () => {
    const result = await runActionPipeline(
      'X: k8s:team-b/secret',
      inputs(),
      issuer.env(),
      gate().gate,
    );
    expect(result.errors.map((e) => e.code)).toEqual(['ACCESS_DENIED']);
    expect(result.errors[0]?.line).toBe(1);
    expect(result.messages[0]).toBe(
      `secrets line 1: k8s:team-b/secret: access denied (HTTP 403 Forbidden: secrets "secret" is forbidden: User "${issuer.issuer}#${SUB}" cannot get resource "secrets" in API group "" in the namespace "team-b"). ` +
        `Authenticated with the job's OIDC token (audience kubernetes) at the k8s-server input: bind that user to a Role allowing get on secrets (resourceNames may name the Secret) in the namespace.`,
    );
    expect(result.secrets).toEqual([]);
  });

  it('treats 404 as not found (SECRET_NOT_FOUND, what ?optional tolerates), in Kubernetes words', async () => {
    const result = await runActionPipeline('X: k8s:ci/gone', inputs(), issuer.env(), gate().gate);
    expect(result.errors.map((e) => e.code)).toEqual(['SECRET_NOT_FOUND']);
    expect(result.messages[0]).toBe(
      'secrets line 1: k8s:ci/gone: not found (HTTP 404 NotFound: secrets "gone" not found)',
    );
  });

  it('leaves out a missing Secret on an ?optional line; a denial still fails there', async () => {
    const absent = await runActionPipeline(
      'X: k8s:ci/gone?optional',
      inputs(),
      issuer.env(),
      gate().gate,
    );
    expect(absent.errors).toEqual([]);
    expect(absent.secrets).toEqual([]);
    const denied = await runActionPipeline(
      'X: k8s:team-b/secret?optional',
      inputs(),
      issuer.env(),
      gate().gate,
    );
    expect(denied.errors.map((e) => e.code)).toEqual(['ACCESS_DENIED']);
  });

  it('explains a 401 with the audience input and the token claims, never the token', async () => {
    const result = await runActionPipeline(
      'X: k8s:ci/db',
      inputs({ 'k8s-audience': 'not-kubernetes' }),
      issuer.env(),
      gate().gate,
    );
    expect(result.errors.map((e) => e.code)).toEqual(['AUTH_FAILED']);
    const message = result.messages[0] ?? '';
    expect(message).toMatch(
      /^secrets line 1: k8s:ci\/db: the API server did not accept the job's OIDC token \(audience not-kubernetes\) at the k8s-server input \(HTTP 401 Unauthorized: Unauthorized\)/,
    );
    expect(message).toMatch(/the k8s-audience input among its audiences/);
    expect(message).toMatch(/aud: not-kubernetes/);
    expect(message).toMatch(new RegExp(`sub: ${SUB}`));
    expect(message).not.toMatch(/eyJ/);
  });

  it('refuses an unconfigured k8s: line before any token is minted, naming the input', async () => {
    const before = issuer.tokenRequests.length;
    const result = await runActionPipeline('X: k8s:ci/db', {}, issuer.env(), gate().gate);
    expect(result.errors.map((e) => e.code)).toEqual(['PROVIDER_NOT_CONFIGURED']);
    expect(result.messages[0]).toMatch(
      /^secrets line 1: k8s: references need the k8s-server input/,
    );
    expect(issuer.tokenRequests.length).toBe(before);
  });
});

describe('k8s: locators and options are checked before anything is asked', () => {
  it.each([
    ['k8s:CI/db', /k8s locator: expected NAMESPACE\/NAME/],
    ['k8s:ci', /k8s locator: expected NAMESPACE\/NAME/],
    ['k8s:ci/../kube-system/x', /k8s locator: expected NAMESPACE\/NAME/],
    ['k8s:ci/db/extra', /k8s locator: expected NAMESPACE\/NAME/],
    ['k8s:ci/Db', /k8s locator: expected NAMESPACE\/NAME/],
    [`k8s:${'a'.repeat(64)}/db`, /k8s locator: expected NAMESPACE\/NAME/],
    ['k8s:ci/db?selector=a b c', /option selector must be a Kubernetes label selector/],
    ['k8s:ci/*?selector=app=(x', /option selector must be a Kubernetes label selector/],
    ['k8s:ci/db?labels=x', /unknown option 'labels'; k8s takes selector/],
  ])('%s', (reference, message) => {
    let error: unknown;
    try {
      planSecrets(`OK: k8s:ci/db\nBAD: ${reference}`);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ActionErrors);
    const errors = (error as ActionErrors).errors;
    expect(errors).toHaveLength(1);
    expect(errors[0]?.line).toBe(2);
    expect(errors[0]?.message).toMatch(/^secrets line 2 \(BAD\): /);
    expect(errors[0]?.message).toMatch(message);
  });

  it('accepts names with dots, listings and label selectors', () => {
    const plan = planSecrets(
      'A: k8s:ci/db.v2\nB_*: k8s:ci/app-*?selector=tier in (web,data),!legacy\nC_*: k8s:ci/*?selector=app=web',
    );
    expect(plan.lines.map((l) => l.ref.locator)).toEqual(['ci/db.v2', 'ci/app-*', 'ci/*']);
    expect(plan.lines[1]?.ref.options).toEqual({ selector: 'tier in (web,data),!legacy' });
  });
});

describe('k8s list (SPEC §1.1b), at the provider level', () => {
  let provider: SecretProvider;
  let close: () => void;
  let masks: string[];

  beforeAll(async () => {
    const env = issuer.env();
    const settings = readConfig(
      (name) => (inputs() as Record<string, string>)[name] ?? '',
      env,
    ).settings;
    const g = gate();
    masks = g.masks;
    const { http, deps } = runnerProviderDeps(settings.pipeline, g.gate, () => {}, env, quiet);
    close = () => http.close();
    provider = await createProvider('k8s', settings.providers, deps);
    await provider.login();
  });
  afterAll(() => close());

  it('lists a name prefix with a label selector, values included and masked as they arrive', async () => {
    const listed = await provider.list?.({
      prefix: 'ci/app-',
      options: { selector: 'tier=web' },
      max: 100,
    });
    expect(listed?.map((l) => [l.relativeName, l.locator])).toEqual([['web', 'ci/app-web']]);
    expect(listed?.[0]?.value?.value === JSON.stringify({ token: webToken })).toBe(true);
    expect(masks).toContain(Buffer.from(webToken).toString('base64'));
    const all = await provider.list?.({ prefix: 'ci/', options: {}, max: 100 });
    expect(all?.map((l) => l.relativeName)).toEqual([
      'app-db',
      'app-web',
      'bin',
      'db',
      'other',
      'tls',
    ]);
    const listCalls = k8s.requests.filter((r) => r.path === '/api/v1/namespaces/ci/secrets');
    expect(listCalls.length).toBe(2);
  });

  it('follows continue over pages, and stops after max + 1 matches', async () => {
    const before = k8s.requests.length;
    const everything = await provider.list?.({ prefix: 'bulk/item-', options: {}, max: 1000 });
    expect(everything).toHaveLength(260);
    expect(k8s.requests.length - before).toBe(2);
    const capped = await provider.list?.({ prefix: 'bulk/', options: {}, max: 5 });
    expect(capped).toHaveLength(6);
  });

  it('names a denied listing in the API server words', async () => {
    const error = await provider
      .list?.({ prefix: 'team-b/', options: {}, max: 10 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActionError);
    expect((error as ActionError).code).toBe('ACCESS_DENIED');
    expect((error as ActionError).message).toMatch(
      /^k8s:team-b\/\*: access denied \(HTTP 403 Forbidden: secrets is forbidden: User ".*" cannot list resource "secrets" in API group "" in the namespace "team-b"\)/,
    );
  });

  it('refuses a listing prefix without a namespace', async () => {
    const error = await provider
      .list?.({ prefix: 'ci', options: {}, max: 10 })
      .catch((e: unknown) => e);
    expect((error as ActionError).code).toBe('REFERENCE_INVALID');
  });

  it('refuses the selector option on a single Secret', async () => {
    const error = await provider
      .read({
        key: 'k',
        provider: 'k8s',
        locator: 'ci/db',
        options: { selector: 'a=b' },
        lines: [1],
      })
      .catch((e: unknown) => e);
    expect((error as ActionError).code).toBe('REFERENCE_INVALID');
  });
});

describe('k8s: without OIDC — in-cluster service account', () => {
  it('reads with the projected token and the cluster CA of the service-account directory', async () => {
    const saDir = join(dir, 'sa');
    mkdirSync(saDir, { recursive: true });
    const token = await k8s.serviceAccountToken('runners', 'arc');
    writeFileSync(join(saDir, 'token'), token);
    writeFileSync(join(saDir, 'ca.crt'), tls.cert);
    const port = new URL(k8s.url).port;
    const env = {
      ...issuer.env(),
      KUBERNETES_SERVICE_HOST: '127.0.0.1',
      KUBERNETES_SERVICE_PORT: port,
      OIDC_SECRETS_K8S_SERVICE_ACCOUNT_DIR: saDir,
    };
    const g = gate();
    const before = issuer.tokenRequests.length;
    const result = await runActionPipeline(
      'DB_*: k8s:ci/db\nTLS: k8s:ci/tls#config.json',
      {},
      env,
      g.gate,
    );
    // resourceNames: [db] allows db, not tls
    expect(result.messages).toEqual([
      expect.stringMatching(
        /^secrets line 2: k8s:ci\/tls: access denied \(HTTP 403 Forbidden: secrets "tls" is forbidden: User "system:serviceaccount:runners:arc" cannot get resource "secrets".*Authenticated with the in-cluster service account \(/,
      ),
    ]);
    const ok = await runActionPipeline('DB_*: k8s:ci/db', {}, env, g.gate);
    expect(ok.messages).toEqual([]);
    expect(ok.secrets.find((s) => s.name === 'DB_PASSWORD')?.value === db.password).toBe(true);
    expect(g.masks).toContain(token);
    expect(issuer.tokenRequests.length).toBe(before);
    expect(
      inClusterAccess({
        KUBERNETES_SERVICE_HOST: '127.0.0.1',
        KUBERNETES_SERVICE_PORT: port,
        OIDC_SECRETS_K8S_SERVICE_ACCOUNT_DIR: join(dir, 'none'),
      }),
    ).toBeUndefined();
  });
});

describe('k8s: without OIDC — in-cluster under require-oidc', () => {
  it('refuses a never-expiring (legacy) service-account token in a job, naming the file', async () => {
    const saDir = join(dir, 'legacy-sa');
    mkdirSync(saDir, { recursive: true });
    const token = await k8s.serviceAccountToken('runners', 'arc', 0);
    writeFileSync(join(saDir, 'token'), token);
    writeFileSync(join(saDir, 'ca.crt'), tls.cert);
    const env = {
      KUBERNETES_SERVICE_HOST: '127.0.0.1',
      KUBERNETES_SERVICE_PORT: new URL(k8s.url).port,
      OIDC_SECRETS_K8S_SERVICE_ACCOUNT_DIR: saDir,
    };
    const inJob = { ...env, GITHUB_ACTIONS: 'true' };
    const refused = await inClusterAccess(inJob, true)
      ?.credential()
      .catch((e: unknown) => e);
    expect((refused as ActionError).code).toBe('POLICY_REFUSED');
    expect((refused as ActionError).message).toBe(
      `require-oidc: ${join(saDir, 'token')} holds a service-account token that never expires (a legacy token Secret, not a projected token), a long-lived credential. ` +
        'Mount the projected service-account token (the default since Kubernetes 1.24), use k8s-server with the job OIDC token, or set require-oidc: false.',
    );
    expect((refused as Error).message).not.toContain(token);
    expect((await inClusterAccess(inJob, false)?.credential())?.token === token).toBe(true);
    expect((await inClusterAccess(env, true)?.credential())?.token === token).toBe(true);
    // A projected token (it expires) passes in a job.
    const projected = await k8s.serviceAccountToken('runners', 'arc');
    writeFileSync(join(saDir, 'token'), projected);
    expect((await inClusterAccess(inJob, true)?.credential())?.token === projected).toBe(true);
  });
});

describe('k8s: without OIDC — the CLI kubeconfig', () => {
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  };
  const kubeconfig = (
    user: string,
    cluster = `    certificate-authority-data: ${Buffer.from(tls.cert).toString('base64')}`,
  ) => `apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: emu
  cluster:
    server: ${k8s.url}
${cluster}
contexts:
- name: other
  context: { cluster: emu, user: nobody }
- name: dev
  context:
    cluster: emu
    user: me
users:
- name: me
  user:
${user}
`;

  async function readWith(env: NodeJS.ProcessEnv, reference = 'DB_*: k8s:ci/db') {
    const settings = readCliSettings(new Map(), env);
    const g = gate();
    const { http, deps } = runnerProviderDeps(settings.pipeline, g.gate, () => {}, env, quiet);
    try {
      const provider = await createProvider('k8s', settings.providers, deps);
      const problems = (await import('../../../src/providers/k8s.js')).k8sProvider.check(
        settings.providers.k8s,
      );
      if (problems.length) throw problems[0];
      await provider.login();
      const plan = planSecrets(reference);
      return { value: (await provider.read(plan.locations[0]!)).value, masks: g.masks };
    } finally {
      http.close();
    }
  }

  it('uses a static token of the current context outside a job', async () => {
    const token = await k8s.serviceAccountToken('runners', 'arc');
    const file = write('token.yaml', kubeconfig(`    token: ${token}`));
    const { value, masks } = await readWith({
      KUBECONFIG: `${join(dir, 'missing')}:${file}`,
      HOME: dir,
    });
    expect(JSON.parse(value).password === db.password).toBe(true);
    expect(masks).toContain(token);
  });

  it('uses a client certificate and key (paths relative to the kubeconfig)', async () => {
    const { cert, key } = clientCa.issueClient('bot', ['ci-bots']);
    write('client.crt', cert);
    write('client.key', key);
    const file = write(
      'cert.yaml',
      kubeconfig('    client-certificate: client.crt\n    client-key: client.key'),
    );
    const { value } = await readWith({ KUBECONFIG: file, HOME: dir }, 'X: k8s:ci/tls');
    expect(JSON.parse(value)['tls.key'] === pem).toBe(true);
    const last = k8s.requests.at(-1);
    expect(last?.user).toBe('bot');
  });

  it('runs an exec credential plugin with KUBERNETES_EXEC_INFO (v1), relative command path', async () => {
    const tokenFile = write('exec-token', await k8s.serviceAccountToken('runners', 'arc'));
    const log = join(dir, 'exec.log');
    const file = write(
      'exec.yaml',
      kubeconfig(`    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ${process.execPath}
      args: [${PLUGIN}, token, ${tokenFile}]
      env: [{ name: EXEC_PLUGIN_LOG, value: ${log} }]
      interactiveMode: Never
      provideClusterInfo: true`),
    );
    const { value } = await readWith({ KUBECONFIG: file, HOME: dir, PATH: process.env.PATH ?? '' });
    expect(JSON.parse(value).username === db.username).toBe(true);
    const info = JSON.parse(
      (await import('node:fs')).readFileSync(log, 'utf8').trim().split('\n').at(-1) ?? '{}',
    );
    expect(info).toMatchObject({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      spec: { interactive: false, cluster: { server: k8s.url } },
    });
  });

  it('names a failing exec plugin and its exit code', async () => {
    const file = write(
      'exec-fail.yaml',
      kubeconfig(`    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ${process.execPath}
      args: [${PLUGIN}, fail]
      interactiveMode: Never`),
    );
    const error = await readWith({ KUBECONFIG: file, HOME: dir }).catch((e: unknown) => e);
    expect((error as ActionError).code).toBe('AUTH_FAILED');
    expect((error as ActionError).message).toMatch(
      /exec credential plugin of kubeconfig .*exec-fail\.yaml \(context dev, user me\) .* failed with exit code 3/,
    );
  });

  it("shows the kubeconfig's installHint when the plugin is not installed", async () => {
    const file = write(
      'exec-missing.yaml',
      kubeconfig(`    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: no-such-credential-plugin-xyz
      installHint: install it with your package manager
      interactiveMode: Never`),
    );
    const error = await readWith({
      KUBECONFIG: file,
      HOME: dir,
      PATH: process.env.PATH ?? '',
    }).catch((e: unknown) => e);
    expect((error as ActionError).message).toMatch(
      /\(no-such-credential-plugin-xyz\) failed \(ENOENT\)\ninstall it with your package manager$/,
    );
  });

  it('refuses a static token or client key in a job under require-oidc, naming the file; accepts exec', async () => {
    const tokenFile = write('job-token.yaml', kubeconfig('    token: not-a-real-token-0000'));
    const keyFile = write(
      'job-key.yaml',
      kubeconfig('    client-certificate-data: eA==\n    client-key-data: eA=='),
    );
    for (const file of [tokenFile, keyFile]) {
      expect(() =>
        kubeconfigAccess({ env: { KUBECONFIG: file, GITHUB_ACTIONS: 'true' }, requireOidc: true }),
      ).toThrow(
        new RegExp(
          `^require-oidc: kubeconfig ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(user me of context dev\\) holds (a static token|a client certificate key), a long-lived credential`,
        ),
      );
      expect(
        kubeconfigAccess({ env: { KUBECONFIG: file, GITHUB_ACTIONS: 'true' }, requireOidc: false })
          ?.server,
      ).toBe(k8s.url);
      expect(kubeconfigAccess({ env: { KUBECONFIG: file }, requireOidc: true })?.server).toBe(
        k8s.url,
      );
    }
    const exec = write(
      'job-exec.yaml',
      kubeconfig(`    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: x`),
    );
    expect(
      kubeconfigAccess({ env: { KUBECONFIG: exec, GITHUB_ACTIONS: 'true' }, requireOidc: true })
        ?.source,
    ).toMatch(/job-exec\.yaml/);
  });

  it('refuses insecure-skip-tls-verify and a context that names nothing, naming the file', () => {
    const insecure = write(
      'insecure.yaml',
      kubeconfig('    token: t', '    insecure-skip-tls-verify: true'),
    );
    expect(() => kubeconfigAccess({ env: { KUBECONFIG: insecure }, requireOidc: true })).toThrow(
      /insecure\.yaml: cluster emu sets insecure-skip-tls-verify/,
    );
    const broken = write(
      'broken.yaml',
      kubeconfig('    token: t').replace('current-context: dev', 'current-context: nowhere'),
    );
    expect(() => kubeconfigAccess({ env: { KUBECONFIG: broken }, requireOidc: true })).toThrow(
      /broken\.yaml: the current context nowhere is not defined/,
    );
    const secretLooking = 'sk-' + randomBytes(8).toString('hex');
    const bad = write('bad.yaml', `users: [${secretLooking}`);
    let message = '';
    try {
      kubeconfigAccess({ env: { KUBECONFIG: bad }, requireOidc: true });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/bad\.yaml is not valid YAML/);
    expect(message).not.toContain(secretLooking);
    expect(
      kubeconfigAccess({ env: { HOME: join(dir, 'nohome') }, requireOidc: true }),
    ).toBeUndefined();
  });
});

describe('k8s: the connection opened while the OIDC token is on its way', () => {
  it('is open before the token is answered, and every read is a stream of it (HTTP/2)', async () => {
    const lines = Array.from({ length: 6 }, (_, i) => `S${i}_*: k8s:bulk/item-00${i}`).join('\n');
    k8s.grant({ subject: `${issuer.issuer}#${SUB}`, namespace: 'bulk', verbs: ['get'] });
    const before = k8s.connections();
    let atToken = -1;
    // The token is answered 50 ms after it is asked for, as GitHub's takes a while.
    issuer.setFault(async (request) => {
      if (!request.url.pathname.endsWith('/idtoken')) return; // the cluster's JWKS fetch
      await new Promise((done) => setTimeout(done, 50));
      atToken = k8s.connections() - before;
    });
    try {
      const g = gate();
      const result = await runActionPipeline(lines, inputs(), issuer.env(), g.gate);
      expect(result.messages).toEqual([]);
      expect(result.secrets).toHaveLength(6);
    } finally {
      issuer.setFault(undefined);
    }
    // Before SecretProvider.prepare: none (the reads opened theirs after the token), and
    // before HTTP/2 for a request's own CA: one a read.
    expect(atToken).toBe(1);
    expect(k8s.connections() - before).toBe(1);
  });

  it('is one a read, all used, when the API server speaks only HTTP/1.1', async () => {
    const http1 = await startKubernetes({
      tls: { ...tls, http2: false },
      oidc: { issuer: issuer.issuer, jwksUrl: issuer.jwksUrl, audiences: ['kubernetes'] },
    });
    try {
      const values = Array.from({ length: 6 }, () => randomBytes(12).toString('hex'));
      values.forEach((v, i) => http1.addSecret('ci', `s${i}`, { data: { v } }));
      http1.grant({ subject: `${issuer.issuer}#${SUB}`, namespace: 'ci', verbs: ['get'] });
      const g = gate();
      const result = await runActionPipeline(
        values.map((_, i) => `S${i}: k8s:ci/s${i}#v`).join('\n'),
        { 'k8s-server': http1.url, 'k8s-ca-certificate': tls.cert },
        issuer.env(),
        g.gate,
      );
      expect(result.messages).toEqual([]);
      expect(result.secrets.map((s) => s.value === values[Number(s.name.slice(1))])).toEqual(
        values.map(() => true),
      );
      expect(values.every((v) => g.masks.includes(v))).toBe(true);
      expect(http1.connections()).toBe(6);
    } finally {
      await http1.close();
    }
  });
});
