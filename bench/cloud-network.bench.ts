// Cloud reads as a runner reaches them: through a network that charges every round trip, the
// TCP connect and each TLS flight included (the emulators' own latency delays answers only).
// Each endpoint is a TCP proxy in front of an emulator that holds every chunk for half the
// round trip in each direction; a provider's login and its reads go through two proxies, so
// two origins, as they are two hosts in the real services (AWS STS and Secrets Manager,
// Google's STS and Secret Manager, Entra and a key vault). 50 secrets from one provider, 50 ms
// round trips. The floor: node start-up, the OIDC token (1 round trip), the login (connect,
// TLS 1.3 handshake, the call: 3), then one round of reads on connections opened meanwhile
// (1). A step that opens them only after the login pays their connect and handshake too (+2).
// BENCH_RUNS sets the runs; BENCH_BEFORE names another build's main.js to time in the same rounds.
import { resolve } from 'node:path';
import { startAws } from '../test/emulators/aws.js';
import { startOidcIssuer } from '../test/emulators/oidc-issuer.js';
import { selfSignedLoopbackCertificate } from '../test/support/certificates.js';
import { AZURE_CLIENT, startCloudEmulators } from './cloud-emulators.js';
import { startDelayingProxy } from './delaying-proxy.js';
import { interleavedMedians, stepEnvironment, timeNodeStart, timeProcess } from './step.js';
import { ms, printTable } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const BEFORE = process.env.BENCH_BEFORE ? resolve(process.env.BENCH_BEFORE) : undefined;
const RTT = 50;
const READS = 50;
const ROLE = 'arn:aws:iam::123456789012:role/bench';

const delayingProxy = (url: string): Promise<string> => startDelayingProxy(url, RTT);

const certificate = selfSignedLoopbackCertificate();
const tls = { ...certificate, http2: true };
const issuer = await startOidcIssuer();
issuer.setLatency(RTT);
// AWS's endpoints speak HTTP/1.1 here; Google's and Azure's offer HTTP/2, as the services do.
const aws = await startAws({ issuer: issuer.issuer, region: 'eu-west-1', tls: certificate });
aws.addRole(ROLE, { subjectPatterns: ['repo:octo-org/octo-repo:*'], secrets: ['bench/*'] });
const { gcp, gcpProvider, azure, gcpLine, azureLine } = await startCloudEmulators(
  issuer.issuer,
  tls,
  READS,
  (i, value) => aws.createSecret(`bench/s${i}`, value),
);

const lines = (line: (i: number) => string) =>
  Array.from({ length: READS }, (_, i) => line(i)).join('\n');
const clouds: { name: string; inputs: Record<string, string> }[] = [
  {
    name: 'aws (Secrets Manager, 3 batch calls)',
    inputs: {
      secrets: lines((i) => `S${i}: aws:bench/s${i}`),
      'aws-role-arn': ROLE,
      'aws-region': 'eu-west-1',
      endpoints: `aws-sts: ${await delayingProxy(aws.url)}\naws-secretsmanager: ${await delayingProxy(aws.url)}`,
    },
  },
  {
    name: 'gcp (Secret Manager, HTTP/2)',
    inputs: {
      secrets: lines(gcpLine),
      'gcp-workload-identity-provider': gcpProvider,
      endpoints: `gcp-sts: ${await delayingProxy(gcp.url)}\ngcp-secretmanager: ${await delayingProxy(gcp.url)}`,
    },
  },
  {
    name: 'azure (Key Vault, HTTP/2)',
    inputs: {
      secrets: lines(azureLine),
      'azure-client-id': AZURE_CLIENT,
      'azure-tenant-id': azure.tenantId,
      endpoints: `azure-authority: ${await delayingProxy(azure.url)}\nazure-keyvault-suffix: ${await delayingProxy(azure.url)}`,
    },
  },
];

const rows: string[][] = [
  [
    'provider',
    'step',
    'floor (node + 5 round trips)',
    'step / floor',
    ...(BEFORE ? ['before', 'before / floor'] : []),
  ],
];
for (const { name, inputs } of clouds) {
  const env = stepEnvironment(
    { ...inputs, 'ca-certificate': certificate.cert, summary: 'false' },
    { ...issuer.env(), GITHUB_RUN_ID: '1', GITHUB_RUN_ATTEMPT: '1' },
  );
  const medians = await interleavedMedians(RUNS, {
    step: () => timeProcess([resolve('dist/main.js')], env),
    node: timeNodeStart,
    before: () => (BEFORE ? timeProcess([BEFORE], env) : Promise.resolve(0)),
  });
  const floor = medians.node + RTT * 5;
  rows.push([
    name,
    ms(medians.step),
    ms(floor),
    `${(medians.step / floor).toFixed(2)}x`,
    ...(BEFORE ? [ms(medians.before), `${(medians.before / floor).toFixed(2)}x`] : []),
  ]);
}
console.log(
  `${READS} reads from one provider, ${RTT} ms round trips charged to connects and TLS handshakes too; ${RUNS} interleaved runs (median)`,
);
printTable(rows);
await Promise.all([aws.close(), gcp.close(), azure.close()]);
await issuer.close();
