// Google Secret Manager and Azure Key Vault over TLS with HTTP/2 offered (as both services
// do): the provider opens the connection to where its reads are served while it logs in
// (SecretProvider.prepare), and every read of the step is a stream of that one connection —
// not one TLS handshake per read.
import { randomBytes } from 'node:crypto';
import { MaskGate } from '../../../src/core/mask.js';
import { runActionPipeline } from '../../../test/support/pipeline.js';
import { startAws, type AwsEmulator } from '../../../test/emulators/aws.js';
import { startAzure, type AzureEmulator } from '../../../test/emulators/azure.js';
import {
  GITHUB_ACTIONS_PROVIDER,
  startGcp,
  type GcpEmulator,
} from '../../../test/emulators/gcp.js';
import { startOidcIssuer, type OidcIssuer } from '../../../test/emulators/oidc-issuer.js';
import { emulatorEndpoints } from '../../../test/support/endpoints.js';
import { selfSignedLoopbackCertificate } from '../../../test/support/certificates.js';
import { sha } from '../../../test/support/vault-fixture.js';

const CLIENT = '11111111-2222-3333-4444-555555555555';
const POOL =
  'principalSet://iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/github';
const READS = 20;
const tls = selfSignedLoopbackCertificate();

let issuer: OidcIssuer;
let aws: AwsEmulator;
let gcp: GcpEmulator;
let azure: AzureEmulator;
let gcpProvider = '';
const values = Array.from({ length: READS }, () => randomBytes(12).toString('hex'));

beforeAll(async () => {
  issuer = await startOidcIssuer();
  // Only for the endpoints input; nothing is read from it.
  aws = await startAws({ issuer: issuer.issuer, region: 'eu-west-1' });
  gcp = await startGcp({
    issuer: issuer.issuer,
    projectId: 'my-proj',
    projectNumber: '123456',
    tls: { ...tls, http2: true },
  });
  gcpProvider = gcp.addProvider(GITHUB_ACTIONS_PROVIDER).name;
  azure = await startAzure({ issuer: issuer.issuer, tls: { ...tls, http2: true } });
  azure.addApp(CLIENT, [
    { issuer: issuer.issuer, subject: 'repo:octo-org/octo-repo:ref:refs/heads/main' },
  ]);
  values.forEach((value, i) => {
    gcp.addSecret(`s${i}`, value, [`${POOL}/attribute.repository/octo-org/octo-repo`]);
    azure.addSecret('kv-many', `s${i}`, value);
  });
  azure.grant('kv-many', CLIENT);
});

afterAll(async () => {
  await Promise.all([aws.close(), gcp.close(), azure.close()]);
  await issuer.close();
});

async function resolve(secrets: string) {
  const masks: string[] = [];
  const gate = new MaskGate({ add: (value) => masks.push(value) }, () => {});
  const run = await runActionPipeline(
    secrets,
    {
      'gcp-workload-identity-provider': gcpProvider,
      'azure-client-id': CLIENT,
      'azure-tenant-id': azure.tenantId,
      'ca-certificate': tls.cert,
      endpoints: emulatorEndpoints({ aws, gcp, azure }),
    },
    { ...issuer.env(), GITHUB_RUN_ID: '9876543210', GITHUB_RUN_ATTEMPT: '1' },
    gate,
  );
  return {
    messages: run.messages,
    masks,
    values: new Map(run.secrets.map((s) => [s.name, s.value])),
  };
}

const lines = (prefix: string) =>
  values.map((_, i) => `${prefix.toUpperCase()}_${i}: ${prefix}:${locator(prefix, i)}`).join('\n');
const locator = (prefix: string, i: number) =>
  prefix === 'gcp' ? `projects/my-proj/secrets/s${i}/versions/latest` : `kv-many/s${i}`;

it.each(['gcp', 'azure'] as const)(
  '%s: the login and every read share one connection (HTTP/2)',
  async (prefix) => {
    const emulator = prefix === 'gcp' ? gcp : azure;
    const before = emulator.connections();
    const { messages, masks, values: read } = await resolve(lines(prefix));
    expect(messages).toEqual([]);
    // Nothing is printed in process; every value is registered as a mask before use.
    expect(values.every((v) => masks.includes(v))).toBe(true);
    expect(values.map((_, i) => sha(read.get(`${prefix.toUpperCase()}_${i}`)))).toEqual(
      values.map((v) => sha(v)),
    );
    expect(emulator.connections() - before).toBe(1);
  },
);
