// One keyless store wrapped for a Cloud KMS key, a Key Vault key and a person's age key:
// the built action (dist/main.js) opens it with only the GCP inputs, or only the Azure
// inputs (any one recipient opens it), through the job's OIDC login, with no store-key.
// The store is made by the same code the CLI's `store init` runs, its logins against the
// emulators with tokens the test issuer mints.
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAzure, type AzureEmulator } from '../../../test/emulators/azure.js';
import {
  GITHUB_ACTIONS_PROVIDER,
  startGcp,
  type GcpEmulator,
} from '../../../test/emulators/gcp.js';
import { startOidcIssuer, type OidcIssuer } from '../../../test/emulators/oidc-issuer.js';
import { expectNoLeak } from '../../../test/support/leaks.js';
import { runJob, type JobResult } from '../../../test/support/runner.js';
import { createHttpClient, providerDeps } from '../../../src/core/context.js';
import { Ledger } from '../../../src/core/ledger.js';
import { MaskGate } from '../../../src/core/mask.js';
import { createPeers } from '../../../src/core/peers.js';
import { readSettings } from '../../../src/core/settings.js';
import { SETTING_INPUTS, runnerFacts } from '../../../src/github/inputs.js';
import { createProvider } from '../../../src/providers/registry.js';
import { KeylessStore } from '../../../src/store/keyless-store.js';
import { keyAccessFromPeers } from '../../../src/store/recipients/access.js';

const SA = 'deployer@my-proj.iam.gserviceaccount.com';
const CLIENT = '11111111-2222-3333-4444-555555555555';
const POOL =
  'principalSet://iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/github';
const MAIN_SUB = 'repo:octo-org/octo-repo:ref:refs/heads/main';
const GCP_KEY = 'projects/my-proj/locations/global/keyRings/ci/cryptoKeys/store';
const fixture = (prefix: string) => `${prefix}-${randomBytes(12).toString('hex')}`;

let issuer: OidcIssuer;
let gcp: GcpEmulator;
let azure: AzureEmulator;
let gcpProvider = '';
let dir: string;
let storePath: string;
let person = { identity: '', recipient: '' };
const values = { botToken: fixture('bot-token'), dbPassword: fixture('db-password') };

function inputs(which: 'gcp' | 'azure'): Record<string, string> {
  return which === 'gcp'
    ? {
        'gcp-workload-identity-provider': gcpProvider,
        'gcp-service-account': SA,
        endpoints: [
          `gcp-sts: ${gcp.url}`,
          `gcp-iamcredentials: ${gcp.url}`,
          `gcp-oauth2: ${gcp.url}`,
          `gcp-kms: ${gcp.url}`,
        ].join('\n'),
      }
    : {
        'azure-client-id': CLIENT,
        'azure-tenant-id': azure.tenantId,
        endpoints: [`azure-authority: ${azure.url}`, `azure-keyvault-suffix: ${azure.url}`].join(
          '\n',
        ),
      };
}

/** What `store init` does, with the providers logged in as the action would log them in. */
async function createStore(recipients: string[]): Promise<void> {
  const given: Record<string, string> = {
    ...inputs('gcp'),
    ...inputs('azure'),
    endpoints: `${inputs('gcp').endpoints}\n${inputs('azure').endpoints}`,
  };
  const settings = readSettings(
    (key) => given[SETTING_INPUTS[key]] ?? '',
    runnerFacts({ GITHUB_WORKSPACE: dir }),
  );
  const gate = new MaskGate({ add: () => undefined }, () => undefined);
  const http = createHttpClient(settings.pipeline, gate, {});
  const ledger = new Ledger(() => undefined);
  const quiet = { info: () => undefined, warning: () => undefined, debug: () => undefined };
  const deps = providerDeps({
    http,
    gate,
    identity: () => ({ idToken: (aud?: string) => issuer.mint(aud ? { aud } : {}) }),
    record: (entry) => ledger.record(entry),
    log: quiet,
  });
  const peers = createPeers(settings.providers, deps, createProvider);
  const access = keyAccessFromPeers({
    http,
    peers,
    admit: () => undefined,
    agePackage: () => import('age-encryption'),
  });
  try {
    const store = await KeylessStore.create(
      { storePath, keyPath: join(dir, 'unused.key') },
      recipients,
      access,
    );
    // A later write needs only one recipient: the person's age identity.
    await new KeylessStore(
      { storePath, keyPath: join(dir, 'unused.key') },
      keyAccessFromPeers({
        http,
        peers: undefined,
        admit: () => undefined,
        ageIdentities: [person.identity],
        agePackage: () => import('age-encryption'),
      }),
    ).set([
      ['TELEGRAM_BOT_TOKEN', values.botToken],
      ['DB_PASSWORD', values.dbPassword],
    ]);
    expect(await store.recipients()).toEqual(recipients);
  } finally {
    http.close();
  }
}

function expectNothingLeaked(job: JobResult): void {
  const secrets = Object.values(values).flatMap((v) => [v, Buffer.from(v).toString('base64')]);
  const tokens = [
    ...gcp.issuedTokens.map((t) => t.token),
    ...azure.issuedTokens.map((t) => t.accessToken),
  ];
  expectNoLeak(job.log, [...secrets, ...tokens, person.identity]);
  expectNoLeak(job.main.summary, secrets);
}

beforeAll(async () => {
  issuer = await startOidcIssuer();
  issuer.setClaims({ sub: MAIN_SUB });
  gcp = await startGcp({ issuer: issuer.issuer, projectId: 'my-proj', projectNumber: '123456' });
  gcpProvider = gcp.addProvider(GITHUB_ACTIONS_PROVIDER).name;
  gcp.addServiceAccount(SA, [`${POOL}/attribute.repository/octo-org/octo-repo`]);
  gcp.addKmsKey(GCP_KEY, [`serviceAccount:${SA}`]);
  azure = await startAzure({ issuer: issuer.issuer });
  azure.addApp(CLIENT, [{ issuer: issuer.issuer, subject: MAIN_SUB }]);
  azure.addKey('kv-keys', 'ci-store');
  azure.grantKeys('kv-keys', CLIENT);

  dir = mkdtempSync(join(tmpdir(), 'keyless-gcp-azure-'));
  storePath = join(dir, 'secrets.json.enc');
  const identity = await generateX25519Identity();
  person = { identity, recipient: `age:${await identityToRecipient(identity)}` };
  await createStore([`gcp-kms:${GCP_KEY}`, 'azure-kv:kv-keys/keys/ci-store', person.recipient]);
  chmodSync(storePath, 0o644);
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await Promise.all([gcp.close(), azure.close()]);
  await issuer.close();
});

const secretsLines = ['BOT_TOKEN: local:TELEGRAM_BOT_TOKEN', 'DB_PASSWORD: local:DB_PASSWORD'];

describe.each(['gcp', 'azure'] as const)('a keyless store opened through %s alone', (cloud) => {
  it('exports the values with only id-token: write and no store-key', async () => {
    const result = await runJob({
      inputs: { ...inputs(cloud), 'store-path': storePath, secrets: secretsLines.join('\n') },
      issuer,
    });
    expect(
      result.main.annotations.filter((a) => a.level === 'error').map((a) => a.message),
    ).toEqual([]);
    expect(result.env.BOT_TOKEN).toBe(values.botToken);
    expect(result.env.DB_PASSWORD).toBe(values.dbPassword);
    const operation = cloud === 'gcp' ? 'kms:decrypt' : 'keyvault:unwrapKey';
    const served = cloud === 'gcp' ? gcp.requests : azure.requests;
    expect(served.filter((r) => r.operation === operation && r.status === 200)).not.toHaveLength(0);
    expectNothingLeaked(result);
  });
});
