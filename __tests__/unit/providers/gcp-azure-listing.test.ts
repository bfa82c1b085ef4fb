// Issue 14's GCP and Azure forms on the real road against the emulators: `gcp:…/secrets/*`
// (secrets.list, ?filter=), regional GCP secrets (their own endpoint; the global override
// does not apply), and `azure:VAULT/*` (every page, enabled secrets only). Nothing printed
// may hold a value.
import { randomBytes } from 'node:crypto';
import { MaskGate } from '../../../src/core/mask.js';
import { runActionPipeline } from '../../../test/support/pipeline.js';
import { expectNoLeak } from '../../../test/support/leaks.js';
import {
  GITHUB_ACTIONS_PROVIDER,
  startGcp,
  type GcpEmulator,
} from '../../../test/emulators/gcp.js';
import { startAzure, type AzureEmulator } from '../../../test/emulators/azure.js';
import { startOidcIssuer, type OidcIssuer } from '../../../test/emulators/oidc-issuer.js';

const POOL =
  'principalSet://iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/github';
const MEMBER = `${POOL}/attribute.repository/octo-org/octo-repo`;
const CLIENT = '11111111-2222-3333-4444-555555555555';

let issuer: OidcIssuer;
let gcp: GcpEmulator;
let azure: AzureEmulator;
let provider = '';
const values: unknown[] = [];
const fake = () => {
  const value = `${randomBytes(10).toString('hex')}-fake`;
  values.push(value);
  return value;
};
const ci = [fake(), fake()];
const web = fake();
const regional = { user: 'eu-svc', password: fake() };
values.push(regional);
const vaultValues = new Map<string, string>();

beforeAll(async () => {
  issuer = await startOidcIssuer();
  gcp = await startGcp({ issuer: issuer.issuer, projectId: 'my-proj', projectNumber: '123456' });
  provider = gcp.addProvider(GITHUB_ACTIONS_PROVIDER).name;
  gcp.addSecret('app-one', ci[0]!, [MEMBER], { labels: { team: 'ci' } });
  gcp.addSecret('app-two', ci[1]!, [MEMBER], { labels: { team: 'ci' } });
  gcp.addSecret('web-key', web, [MEMBER], { labels: { team: 'web' } });
  gcp.addSecret('db', JSON.stringify(regional), [MEMBER], { location: 'europe-west1' });
  gcp.grantListing(MEMBER);

  azure = await startAzure({ issuer: issuer.issuer });
  azure.addApp(CLIENT, [{ issuer: issuer.issuer, subject: issuer.claims().sub as string }]);
  for (let i = 0; i < 60; i++) {
    const value = fake();
    vaultValues.set(String(i), value);
    azure.addSecret('kv-app', `api-${i}`, value);
  }
  azure.addSecret('kv-app', 'api-off', fake(), { enabled: false });
  azure.addSecret('kv-app', 'other', fake());
  azure.grant('kv-app', CLIENT);
});

afterAll(async () => {
  await Promise.all([gcp.close(), azure.close()]);
  await issuer.close();
});

async function run(secrets: string, endpoints?: string) {
  const masks: string[] = [];
  const printed: string[] = [];
  const gate = new MaskGate({ add: (v: string) => masks.push(v) }, (m: string) => printed.push(m));
  const gcpBefore = gcp.requests.length;
  const azureBefore = azure.requests.length;
  const result = await runActionPipeline(
    secrets,
    {
      'gcp-workload-identity-provider': provider,
      'azure-client-id': CLIENT,
      'azure-tenant-id': azure.tenantId,
      endpoints:
        endpoints ??
        [
          `gcp-sts: ${gcp.url}`,
          `gcp-secretmanager: ${gcp.url}`,
          `gcp-secretmanager-europe-west1: ${gcp.url}/regional`,
          `azure-authority: ${azure.url}`,
          `azure-keyvault-suffix: ${azure.url}`,
        ].join('\n'),
    },
    issuer.env(),
    gate,
  );
  expectNoLeak([...printed, ...result.messages].join('\n'), values);
  return {
    env: Object.fromEntries(result.secrets.map((s) => [s.name, s.value])),
    messages: result.messages,
    masks,
    gcpRequests: gcp.requests.slice(gcpBefore),
    azureRequests: azure.requests.slice(azureBefore),
  };
}

describe('gcp:…/secrets/*', () => {
  it('lists with a name prefix, then reads each match', async () => {
    const result = await run('APP_*: gcp:projects/my-proj/secrets/app-*');
    expect(result.messages).toEqual([]);
    expect(result.env.APP_ONE === ci[0]).toBe(true);
    expect(result.env.APP_TWO === ci[1]).toBe(true);
    expect(Object.keys(result.env)).toHaveLength(2);
    const operations = result.gcpRequests.map((r) => r.operation);
    expect(operations.filter((o) => o === 'secretmanager:list')).toHaveLength(1);
    expect(operations.filter((o) => o === 'secretmanager:access')).toHaveLength(2);
  });

  it('passes ?filter= to Secret Manager', async () => {
    const result = await run('T_*: gcp:projects/my-proj/secrets/*?filter=labels.team=web');
    expect(result.messages).toEqual([]);
    expect(Object.keys(result.env)).toEqual(['T_WEB_KEY']);
  });

  it('names a bad filter and the line', async () => {
    const result = await run('T_*: gcp:projects/my-proj/secrets/*?filter=bogus');
    expect(result.env).toEqual({});
    expect(result.messages).toEqual([
      expect.stringMatching(
        /^secrets line 1: gcp:projects\/my-proj\/secrets\/\*: INVALID_ARGUMENT/,
      ),
    ]);
  });
});

describe('regional gcp secrets', () => {
  it('reads at the gcp-secretmanager-LOCATION endpoint, not the global override', async () => {
    const result = await run(
      'EU_*: gcp:projects/my-proj/locations/europe-west1/secrets/db\nALL_*: gcp:projects/my-proj/locations/europe-west1/secrets/*',
    );
    expect(result.messages).toEqual([]);
    expect(result.env.EU_USER).toBe('eu-svc');
    expect(result.env.EU_PASSWORD === regional.password).toBe(true);
    expect(result.env.ALL_DB_PASSWORD === regional.password).toBe(true);
    const paths = result.gcpRequests
      .filter((r) => r.operation.startsWith('secretmanager:'))
      .map((r) => r.path);
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.every((p) => p.startsWith('/regional/v1/projects/my-proj/locations/'))).toBe(true);
  });

  it('without its endpoint key goes to secretmanager.LOCATION.rep.googleapis.com', async () => {
    const result = await run(
      'EU: gcp:projects/my-proj/locations/europe-west1/secrets/db',
      `gcp-sts: ${gcp.url}\ngcp-secretmanager: ${gcp.url}`,
    );
    // Nothing asked the emulator (the global override did not apply); the real regional
    // host cannot be reached from here.
    expect(result.gcpRequests.filter((r) => r.operation.startsWith('secretmanager:'))).toEqual([]);
    expect(result.messages).toEqual([
      expect.stringMatching(/^secrets line 1: .*secretmanager\.europe-west1\.rep\.googleapis\.com/),
    ]);
  });
});

describe('azure:VAULT/*', () => {
  it('lists every page, enabled secrets only, then reads each match', async () => {
    const result = await run('K_*: azure:kv-app/api-*?max=100');
    expect(result.messages).toEqual([]);
    expect(Object.keys(result.env)).toHaveLength(60);
    for (const [name, value] of vaultValues) expect(result.env[`K_${name}`] === value).toBe(true);
    expect(result.env.K_OFF).toBeUndefined();
    const listing = result.azureRequests.filter((r) => /\/kv-app\/secrets$/.test(r.path));
    expect(listing).toHaveLength(3); // 25 + 25 + 12 per page
  });

  it('refuses more than ?max, naming the count', async () => {
    const result = await run('K_*: azure:kv-app/*?max=30');
    expect(result.env).toEqual({});
    expect(result.messages).toEqual([
      expect.stringMatching(/azure:kv-app\/\*: at least 31 secrets match, more than \?max=30/),
    ]);
  });
});
