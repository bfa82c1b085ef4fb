// `k8s:` end to end: the built action (dist/main.js, dist/post.js) run as the runner runs
// it, and the built CLI (dist/cli.cjs run), against the Kubernetes emulator over HTTPS and a
// GitHub OIDC issuer. The action reads with the job's OIDC token as bearer (k8s-server) or
// with a runner pod's service-account token (in-cluster); the CLI with the kubeconfig's
// current context (token, client certificate, exec plugin), and refuses a static kubeconfig
// credential in a job under require-oidc. Every test checks that no value, line, JSON leaf,
// base64 form or credential appears unmasked in what was printed.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startKubernetes, type KubernetesEmulator } from '../../../test/emulators/kubernetes.js';
import { startOidcIssuer, type OidcIssuer } from '../../../test/emulators/oidc-issuer.js';
import {
  selfSignedLoopbackCertificate,
  testCertificateAuthority,
  type TestCertificateAuthority,
} from '../../../test/support/certificates.js';
import { expectNoLeak } from '../../../test/support/leaks.js';
import { runJob, type JobResult } from '../../../test/support/runner.js';
import { runCli } from '../cli/cli-process.js';

const sha = (text: string | undefined) =>
  createHash('sha256')
    .update(text ?? '<undefined>')
    .digest('hex')
    .slice(0, 16);
const PLUGIN = resolve('test/support/k8s-exec-plugin.mjs');
const SUB = 'repo:octo-org/octo-repo:ref:refs/heads/main';

let issuer: OidcIssuer;
let k8s: KubernetesEmulator;
let tls: { key: string; cert: string };
let clientCa: TestCertificateAuthority;
let dir: string;
/** Service-account tokens and client keys handed out, for the leak checks. */
const credentials: string[] = [];

const db = {
  username: 'app-' + randomBytes(4).toString('hex'),
  password: 'pw-' + randomBytes(12).toString('hex'),
};
const pem =
  '-----BEGIN PRIVATE KEY-----\n' +
  `${randomBytes(48).toString('base64')}\n${randomBytes(48).toString('base64')}\n` +
  '-----END PRIVATE KEY-----\n';
const settings = { api: { token: 'tok-' + randomBytes(10).toString('hex'), port: 600_000_123 } };
const settingsJson = JSON.stringify(settings, null, 2);
const denied = 'denied-' + randomBytes(8).toString('hex');
const webToken = 'web-' + randomBytes(12).toString('hex');
const dbToken = 'db-' + randomBytes(12).toString('hex');
/** Every value a test may fetch, as stored in the Secrets. */
const fetched = () => [db.username, db.password, pem, settingsJson, denied, webToken, dbToken];
/** What the API server sends for them: `data` is base64. */
const base64Forms = () => fetched().map((v) => Buffer.from(v).toString('base64'));
const secretsOf = () => [...fetched(), ...base64Forms(), ...credentials];

/** Prints each exported variable, its base64, and what its k8s data field would read. */
const printAllStep = (exported: Record<string, string>) => `
const names = ${JSON.stringify(Object.keys(exported))};
for (const name of names) {
  const value = process.env[name] ?? '';
  console.log(name + '=' + value);
  console.log(name + ' base64=' + Buffer.from(value).toString('base64'));
}
`;

function expectNothingLeaked(job: JobResult): void {
  expectNoLeak(job.log, secretsOf());
  expectNoLeak([job.main.summary, job.post?.summary ?? ''].join('\n'), secretsOf());
  expect(job.log).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./);
}

const errorsOf = (result: JobResult) =>
  result.main.annotations.filter((a) => a.level === 'error').map((a) => a.message);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'k8s-integration-'));
  tls = selfSignedLoopbackCertificate();
  clientCa = testCertificateAuthority();
  issuer = await startOidcIssuer();
  issuer.setClaims({ sub: SUB });
  k8s = await startKubernetes({
    tls: { ...tls, clientCa: clientCa.cert },
    oidc: { issuer: issuer.issuer, jwksUrl: issuer.jwksUrl, audiences: ['kubernetes'] },
  });
  k8s.addSecret('ci', 'db', { data: db });
  k8s.addSecret('ci', 'app', { data: { 'private-key': pem, settings: settingsJson } });
  k8s.addSecret('team-b', 'secret', { data: { value: denied } });
  k8s.addSecret('ci', 'svc-web', { data: { token: webToken }, labels: { tier: 'web' } });
  k8s.addSecret('ci', 'svc-db', { data: { token: dbToken }, labels: { tier: 'data' } });
  k8s.grant({ subject: `${issuer.issuer}#${SUB}`, namespace: 'ci', verbs: ['get', 'list'] });
  k8s.grant({ subject: 'system:serviceaccount:runners:arc', namespace: 'ci', verbs: ['get'] });
  k8s.grant({ subject: 'laptop-user', namespace: 'ci', verbs: ['get'] });
});

afterAll(async () => {
  await k8s.close();
  await issuer.close();
  rmSync(dir, { recursive: true, force: true });
});

const oidcInputs = (secrets: string, extra: Record<string, string> = {}) => ({
  secrets,
  'k8s-server': k8s.url,
  'k8s-ca-certificate': tls.cert,
  ...extra,
});

describe('the action', () => {
  it('reads k8s: with the job OIDC token as bearer: all keys, #KEY, JSON leaves; all masked', async () => {
    const result = await runJob({
      inputs: oidcInputs(
        'DB_*: k8s:ci/db\nPASSWORD: k8s:ci/db#password\nKEY: k8s:ci/app#private-key\nAPP_*: k8s:ci/app',
      ),
      issuer,
      userStep: printAllStep,
    });
    expect(errorsOf(result)).toEqual([]);
    expect(result.main.exitCode).toBe(0);
    expect(sha(result.env.DB_USERNAME)).toBe(sha(db.username));
    expect(sha(result.env.DB_PASSWORD)).toBe(sha(db.password));
    expect(sha(result.env.PASSWORD)).toBe(sha(db.password));
    expect(sha(result.env.KEY)).toBe(sha(pem));
    expect(sha(result.env.APP_SETTINGS)).toBe(sha(settingsJson));
    expect(result.user?.log).toContain('PASSWORD=***');
    // The token reached the API server as the OIDC user, one GET per Secret.
    const reads = k8s.requests.filter((r) => r.path.startsWith('/api/v1/namespaces/ci/secrets/'));
    expect(reads.slice(-2).every((r) => r.user === `${issuer.issuer}#${SUB}`)).toBe(true);
    // The summary names the locations, never a value.
    expect(result.main.summary).toContain('| DB_* → 2 variables | k8s | `ci/db` |');
    // JSON leaves of a value (settings.api.token, .port) are masks though not exported alone.
    expect(result.masks).toEqual(
      expect.arrayContaining([settings.api.token, String(settings.api.port)]),
    );
    expectNothingLeaked(result);
  });

  it('lists a namespace by name prefix and label selector into NAME_* (SPEC 1.1b)', async () => {
    const result = await runJob({
      inputs: oidcInputs('SVC_*: k8s:ci/svc-*?selector=tier=web\nNONE_*: k8s:ci/zz-*?optional'),
      issuer,
      userStep: printAllStep,
    });
    expect(errorsOf(result)).toEqual([]);
    expect(Object.keys(result.env).sort()).toEqual(['SVC_WEB_TOKEN']);
    expect(sha(result.env.SVC_WEB_TOKEN)).toBe(sha(webToken));
    expect(result.masks).toEqual(expect.arrayContaining([webToken]));
    expectNothingLeaked(result);
  });

  it('names the line and the RBAC denial, exports nothing', async () => {
    const result = await runJob({
      inputs: oidcInputs('OK: k8s:ci/db#password\nNOPE: k8s:team-b/secret'),
      issuer,
    });
    expect(result.main.exitCode).toBe(1);
    expect(errorsOf(result)).toEqual([
      expect.stringMatching(
        /^secrets line 2: k8s:team-b\/secret: access denied \(HTTP 403 Forbidden: secrets "secret" is forbidden: User ".*#repo:octo-org\/octo-repo:ref:refs\/heads\/main" cannot get resource "secrets" in API group "" in the namespace "team-b"\)\. Authenticated with the job's OIDC token \(audience kubernetes\) at the k8s-server input/,
      ),
    ]);
    expect(result.main.env).toEqual({});
    expect(result.user).toBeUndefined();
    expectNothingLeaked(result);
  });

  it('refuses malformed k8s: lines naming each one, before any request, exporting nothing', async () => {
    const before = k8s.requests.length;
    const tokensBefore = issuer.tokenRequests.length;
    const result = await runJob({
      inputs: oidcInputs(
        'OK: k8s:ci/db\nBAD: k8s:CI/db\nWORSE: k8s:ci/../kube-system/x\nSEL: k8s:ci/*?selector=a b',
      ),
      issuer,
    });
    expect(result.main.exitCode).toBe(1);
    const errors = errorsOf(result).join('\n');
    expect(errors).toMatch(/secrets line 2 \(BAD\): k8s locator: expected NAMESPACE\/NAME/);
    expect(errors).toMatch(/secrets line 3 \(WORSE\): k8s locator: expected NAMESPACE\/NAME/);
    expect(errors).toMatch(
      /secrets line 4 \(SEL\): k8s:ci\/\*: option selector must be a Kubernetes label selector/,
    );
    expect(result.main.env).toEqual({});
    expect(k8s.requests.length).toBe(before);
    expect(issuer.tokenRequests.length).toBe(tokensBefore);
    expectNothingLeaked(result);
  });

  it('reads in a runner pod with the projected service-account token, no OIDC token minted', async () => {
    const saDir = join(dir, 'serviceaccount');
    mkdirSync(saDir, { recursive: true });
    const token = await k8s.serviceAccountToken('runners', 'arc');
    credentials.push(token);
    writeFileSync(join(saDir, 'token'), token);
    writeFileSync(join(saDir, 'ca.crt'), tls.cert);
    const tokensBefore = issuer.tokenRequests.length;
    const result = await runJob({
      inputs: { secrets: 'DB_*: k8s:ci/db\nAPP_*: k8s:ci/app' },
      env: {
        KUBERNETES_SERVICE_HOST: '127.0.0.1',
        KUBERNETES_SERVICE_PORT: new URL(k8s.url).port,
        OIDC_SECRETS_K8S_SERVICE_ACCOUNT_DIR: saDir,
      },
      issuer,
      userStep: printAllStep,
    });
    expect(errorsOf(result)).toEqual([]);
    expect(sha(result.env.DB_PASSWORD)).toBe(sha(db.password));
    expect(sha(result.env.APP_PRIVATE_KEY)).toBe(sha(pem));
    expect(k8s.requests.at(-1)?.user).toBe('system:serviceaccount:runners:arc');
    expect(issuer.tokenRequests.length).toBe(tokensBefore);
    expect(result.masks).toContain(token);
    expectNothingLeaked(result);
  });
});

describe('require-oidc in the action', () => {
  it('refuses a step whose KUBECONFIG holds a static token, naming the file, before any request', async () => {
    const token = await k8s.serviceAccountToken('runners', 'arc');
    credentials.push(token);
    const file = join(dir, 'step-kubeconfig.yaml');
    writeFileSync(
      file,
      `apiVersion: v1\nkind: Config\nusers:\n- name: ci\n  user:\n    token: ${token}\n`,
    );
    const before = k8s.requests.length;
    const result = await runJob({
      inputs: oidcInputs('DB_*: k8s:ci/db'),
      env: { KUBECONFIG: file },
      issuer,
    });
    expect(result.main.exitCode).toBe(1);
    expect(errorsOf(result)).toEqual([
      expect.stringContaining(
        `require-oidc: the kubeconfig ${file} named by KUBECONFIG holds a static token, a long-lived credential.`,
      ),
    ]);
    expect(result.main.env).toEqual({});
    expect(k8s.requests.length).toBe(before);
    expectNothingLeaked(result);
  });
});

describe('the CLI with a kubeconfig', () => {
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  };
  const kubeconfig = (user: string) => `apiVersion: v1
kind: Config
current-context: laptop
clusters:
- name: emu
  cluster:
    server: ${k8s.url}
    certificate-authority-data: ${Buffer.from(tls.cert).toString('base64')}
contexts:
- name: laptop
  context: { cluster: emu, user: me }
users:
- name: me
  user:
${user}
`;
  /** The child prints every value and its base64; `run` masks its output. */
  const script =
    "for (const n of ['DB_USERNAME','DB_PASSWORD','KEY']) { const v = process.env[n] ?? ''; " +
    "console.log(n + '=' + v + ' ' + Buffer.from(v).toString('base64') + ' ' + sha(v)); }";
  const child = `const { createHash } = require('node:crypto'); const sha = (t) => createHash('sha256').update(t).digest('hex').slice(0, 16); ${script}`;

  async function run(kubeconfigFile: string, env: NodeJS.ProcessEnv = {}) {
    const work = mkdtempSync(join(dir, 'cli-'));
    writeFileSync(join(work, 'job.conf'), 'DB_*: k8s:ci/db\nKEY: k8s:ci/app#private-key\n');
    return runCli(['run', '-c', 'job.conf', '--', process.execPath, '-e', child], {
      cwd: work,
      env: { KUBECONFIG: kubeconfigFile, HOME: work, GITHUB_ACTIONS: '', ...env },
      cleanEnv: true,
    });
  }

  const expectRead = (
    result: { code: number | null; stdout: string; stderr: string },
    onRunner = false,
  ) => {
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // Each value masked in the child's output, its hash shows it was the right one.
    expect(result.stdout).toContain(`DB_PASSWORD=*** *** ${sha(db.password)}`);
    expect(result.stdout).toContain(`DB_USERNAME=*** *** ${sha(db.username)}`);
    expect(result.stdout).toContain(sha(pem));
    // On a runner `run` also registers each mask with the runner (::add-mask:: lines, which
    // the runner consumes and never shows); everything else must be masked.
    const shown = result.stdout
      .split('\n')
      .filter((line) => !(onRunner && line.startsWith('::add-mask::')))
      .join('\n');
    expect(shown.includes('::add-mask::')).toBe(false);
    expectNoLeak(shown + result.stderr, secretsOf());
  };

  it('reads with the current context user token', async () => {
    const token = await k8s.serviceAccountToken('runners', 'arc');
    credentials.push(token);
    expectRead(await run(write('token.yaml', kubeconfig(`    token: ${token}`))));
  });

  it('reads with a client certificate and key', async () => {
    const { cert, key } = clientCa.issueClient('laptop-user');
    credentials.push(key);
    const file = write(
      'cert.yaml',
      kubeconfig(
        `    client-certificate-data: ${Buffer.from(cert).toString('base64')}\n    client-key-data: ${Buffer.from(key).toString('base64')}`,
      ),
    );
    expectRead(await run(file));
    expect(k8s.requests.at(-1)?.user).toBe('laptop-user');
  });

  it('reads with an exec credential plugin (a small node script)', async () => {
    const tokenFile = write('plugin-token', await k8s.serviceAccountToken('runners', 'arc'));
    const file = write(
      'exec.yaml',
      kubeconfig(`    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ${process.execPath}
      args: [${PLUGIN}, token, ${tokenFile}]
      interactiveMode: Never`),
    );
    expectRead(await run(file));
  });

  it('refuses a kubeconfig static token in a job under require-oidc, naming the file; runs nothing', async () => {
    const token = await k8s.serviceAccountToken('runners', 'arc');
    credentials.push(token);
    const file = write('job.yaml', kubeconfig(`    token: ${token}`));
    const before = k8s.requests.length;
    const result = await run(file, { GITHUB_ACTIONS: 'true' });
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      `require-oidc: kubeconfig ${file} (user me of context laptop) holds a static token, a long-lived credential`,
    );
    expect(result.stderr).toMatch(/secrets lines? 1, 2/);
    expect(k8s.requests.length).toBe(before);
    expectNoLeak(result.stdout + result.stderr, secretsOf());
    // With require-oidc off the same file is used.
    expectRead(
      await run(file, { GITHUB_ACTIONS: 'true', OIDC_SECRETS_REQUIRE_OIDC: 'false' }),
      true,
    );
  });
});
