// The action step's wall time for 100 secrets spread over Vault, AWS, GCP and Azure (25
// each), with 50 ms of emulated round-trip latency on every request (OIDC token endpoint
// included), next to the floor: node start-up plus 3 sequential round trips (OIDC token,
// login, one parallel round of reads), measured in the same run. Issue 3's target: the step
// within 1.5× of the floor. GCP reads with its federated token (direct resource access);
// a second row impersonates a service account, a login one round trip longer by design.
// 100 secrets are 77 requests (AWS batches 20 ids a call), within the default concurrency of
// 128: one round of reads.
// BENCH_RUNS, BENCH_LATENCY (ms) and BENCH_CONCURRENCY (the input) vary the setup.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startAws } from '../test/emulators/aws.js';
import { startAzure } from '../test/emulators/azure.js';
import { startGcp } from '../test/emulators/gcp.js';
import { startOidcIssuer } from '../test/emulators/oidc-issuer.js';
import { startVault } from '../test/emulators/vault.js';
import { floorScripts, samples, stepEnvironment, timeProcess } from './step.js';
import { median, ms, printTable } from './stats.js';
import { emulatorEndpoints } from '../test/support/endpoints.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const MAIN = resolve('dist/main.js');
const PER_PROVIDER = 25;
const LATENCY = Number(process.env.BENCH_LATENCY ?? 50);
const ROLE = 'arn:aws:iam::123456789012:role/bench';
const SA = 'bench-reader@my-proj.iam.gserviceaccount.com';
const CLIENT = '11111111-2222-3333-4444-555555555555';
const POOL =
  'principalSet://iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/github';

const value = () => randomBytes(18).toString('base64url');
const issuer = await startOidcIssuer();

const vault = await startVault({ issuer });
vault.addPolicy('bench', { 'secret/data/bench/*': ['read'] });
vault.addJwtRole('bench', {
  bound_audiences: ['https://github.com/octo-org'],
  bound_claims: { repository: 'octo-org/octo-repo' },
  token_policies: ['bench'],
  token_ttl: 600,
});

const aws = await startAws({ issuer: issuer.issuer, region: 'eu-west-1' });
aws.addRole(ROLE, { subjectPatterns: ['repo:octo-org/octo-repo:*'], secrets: ['bench/*'] });

const gcp = await startGcp({
  issuer: issuer.issuer,
  projectId: 'my-proj',
  projectNumber: '123456',
});
const gcpProvider = gcp.addProvider({
  pool: 'github',
  provider: 'bench',
  attributeMapping: {
    'google.subject': 'assertion.sub',
    'attribute.repository': 'assertion.repository',
  },
}).name;
const repositorySet = `${POOL}/attribute.repository/octo-org/octo-repo`;
gcp.addServiceAccount(SA, [repositorySet]);

const azure = await startAzure({ issuer: issuer.issuer });
azure.addApp(CLIENT, [
  { issuer: issuer.issuer, subject: 'repo:octo-org/octo-repo:ref:refs/heads/main' },
]);
azure.grant('kv-bench', CLIENT);

const lines: string[] = [];
for (let i = 0; i < PER_PROVIDER; i++) {
  vault.addKvV2('secret', `bench/s${i}`, { value: value() });
  aws.createSecret(`bench/s${i}`, value());
  gcp.addSecret(`s${i}`, value(), [repositorySet, `serviceAccount:${SA}`]);
  azure.addSecret('kv-bench', `s${i}`, value());
  lines.push(
    `V${i}: vault:secret/data/bench/s${i}#value`,
    `A${i}: aws:bench/s${i}`,
    `G${i}: gcp:projects/my-proj/secrets/s${i}`,
    `Z${i}: azure:kv-bench/s${i}`,
  );
}

const inputs = (extra: Record<string, string> = {}) => ({
  secrets: lines.join('\n'),
  'vault-url': vault.url,
  'vault-role': 'bench',
  'vault-audience': 'https://github.com/octo-org',
  'aws-role-arn': ROLE,
  'aws-region': 'eu-west-1',
  'gcp-workload-identity-provider': gcpProvider,
  'azure-client-id': CLIENT,
  'azure-tenant-id': azure.tenantId,
  endpoints: emulatorEndpoints({ aws, gcp, azure }),
  summary: 'false',
  ...(process.env.BENCH_CONCURRENCY ? { concurrency: process.env.BENCH_CONCURRENCY } : {}),
  ...extra,
});

const { floor: floorScript } = floorScripts();

for (const server of [issuer, vault, aws, gcp, azure]) server.setLatency(LATENCY);
const floor = median(
  await samples(RUNS, () => timeProcess([floorScript, issuer.jwksUrl], { PATH: process.env.PATH })),
);

const rows: string[][] = [['setup', 'secrets', 'step (median)', 'floor (median)', 'step / floor']];
const scenarios: Array<[string, Record<string, string>]> = [
  ['4 providers, GCP direct access', {}],
  ['4 providers, GCP impersonation', { 'gcp-service-account': SA }],
];
let target: number | undefined;
for (const [label, extra] of scenarios) {
  const requestsBefore = aws.requests.length;
  const step = median(
    await samples(RUNS, () => timeProcess([MAIN], stepEnvironment(inputs(extra), issuer.env()))),
  );
  if (target === undefined) {
    target = step / floor;
    const batches = aws.requests
      .slice(requestsBefore)
      .filter((r) => r.operation === 'secretsmanager:BatchGetSecretValue').length;
    console.log(
      `AWS BatchGetSecretValue calls over ${RUNS + 1} runs: ${batches} (${PER_PROVIDER} secrets a run)`,
    );
  }
  rows.push([label, String(lines.length), ms(step), ms(floor), `${(step / floor).toFixed(2)}x`]);
}

console.log(
  `Step wall time, ${LATENCY} ms per round trip, ${RUNS} runs each (median), node ${process.version}`,
);
printTable(rows);
console.log(`dist/main.js: ${(readFileSync(MAIN).length / 1024).toFixed(1)} KB`);
console.log(
  `target: step within 1.5x of the floor (GCP direct access): ${target?.toFixed(2)}x ${target !== undefined && target <= 1.5 ? '(met)' : '(NOT met)'}`,
);
await Promise.all([vault.close(), aws.close(), gcp.close(), azure.close()]);
await issuer.close();
