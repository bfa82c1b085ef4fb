// `credentials:` (SPEC §1.7, issue 13), two measures at 50 ms per round trip:
// 1. The auth-only step for all four clouds (`aws: env`, `aws: profile`, `gcp: adc`,
//    `azure: env`, `vault: env`, no secrets) against its floor, measured in the same run:
//    node start-up + the OIDC token + the slowest login, as sequential round trips on one
//    connection (GCP: 1 round trip with direct access, 2 with impersonation). Target: the
//    step within 1.3x of the floor.
// 2. `credential_process` (dist/credential-process.js, run as the AWS CLI runs it): the
//    first call of a session (cache removed: OIDC token + STS) against later calls (the
//    0600 cache). Target: later calls under 100 ms.
// BENCH_RUNS and BENCH_LATENCY (ms) vary the setup.
import { readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startAws } from '../test/emulators/aws.js';
import { startAzure } from '../test/emulators/azure.js';
import { startGcp } from '../test/emulators/gcp.js';
import { startOidcIssuer } from '../test/emulators/oidc-issuer.js';
import { startVault } from '../test/emulators/vault.js';
import { emulatorEndpoints } from '../test/support/endpoints.js';
import { parseFileCommand } from '../test/support/runner.js';
import { interleavedMedians, stepEnvironment, timeNodeStart, timeProcess } from './step.js';
import { median, ms, printTable } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const LATENCY = Number(process.env.BENCH_LATENCY ?? 50);
const MAIN = resolve('dist/main.js');
const PROCESS = resolve('dist/credential-process.js');
const ROLE = 'arn:aws:iam::123456789012:role/bench';
const SA = 'bench-reader@my-proj.iam.gserviceaccount.com';
const CLIENT = '11111111-2222-3333-4444-555555555555';
const POOL =
  'principalSet://iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/github';

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
// For the comparison row: the same four logins driven by one secret per cloud instead.
const fake = () => `bench-${Math.random().toString(36).slice(2)}`;
vault.addKvV2('secret', 'bench/one', { value: fake() });
aws.createSecret('bench/one', fake());
gcp.addSecret('one', fake(), [repositorySet]);
azure.addSecret('kv-bench', 'one', fake());
azure.grant('kv-bench', CLIENT);
const fourSecrets = [
  'V: vault:secret/data/bench/one#value',
  'A: aws:bench/one',
  'G: gcp:projects/my-proj/secrets/one',
  'Z: azure:kv-bench/one',
].join('\n');

const inputs = (extra: Record<string, string> = {}) => ({
  credentials: 'aws: env\naws: profile\ngcp: adc\nazure: env\nvault: env',
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
  ...extra,
});

/** N sequential round trips on one keep-alive connection: the OIDC token and a login's. */
const floorDir = mkdtempSync(join(tmpdir(), 'oidc-secrets-floor-'));
const floorScript = join(floorDir, 'floor.mjs');
writeFileSync(
  floorScript,
  `import http from 'node:http';
const agent = new http.Agent({ keepAlive: true });
const get = (url) => new Promise((ok, fail) => http.get(url, { agent }, (res) => { res.resume(); res.on('end', ok); }).on('error', fail));
for (let i = 0; i < Number(process.argv[3]); i++) await get(process.argv[2]);
agent.destroy();
`,
);

for (const server of [issuer, vault, aws, gcp, azure]) server.setLatency(LATENCY);

const step = (extra: Record<string, string>) => () =>
  timeProcess([MAIN], stepEnvironment(inputs(extra), issuer.env()));
const floor = (trips: number) => () =>
  timeProcess([floorScript, issuer.jwksUrl, String(trips)], { PATH: process.env.PATH });
const times = await interleavedMedians(RUNS, {
  direct: step({}),
  impersonation: step({ 'gcp-service-account': SA }),
  secretsOnly: step({ credentials: '', secrets: fourSecrets }),
  floor2: floor(2),
  floor3: floor(3),
});
const rows: string[][] = [['setup', 'step (median)', 'floor (median)', 'step / floor']];
rows.push([
  'all four clouds, GCP direct access',
  ms(times.direct),
  ms(times.floor2),
  `${(times.direct / times.floor2).toFixed(2)}x`,
]);
rows.push([
  'all four clouds, GCP impersonation',
  ms(times.impersonation),
  ms(times.floor3),
  `${(times.impersonation / times.floor3).toFixed(2)}x`,
]);
rows.push([
  'for comparison: 4 secrets, one per cloud, no credentials (logins + 1 read round)',
  ms(times.secretsOnly),
  ms(times.floor3),
  `${(times.secretsOnly / times.floor3).toFixed(2)}x`,
]);
console.log(
  `Auth-only step (credentials for aws env + profile, gcp, azure, vault; no secrets), ${LATENCY} ms per round trip, ${RUNS} runs each (median, interleaved), node ${process.version}`,
);
printTable(rows);
const ratio = times.direct / times.floor2;
console.log(
  `target: step within 1.3x of the floor (GCP direct access): ${ratio.toFixed(2)}x ${ratio <= 1.3 ? '(met)' : '(NOT met)'}`,
);

// ---- credential_process: first call of a session against later calls -------------------
const env = stepEnvironment(inputs({ credentials: 'aws: profile' }), issuer.env());
await timeProcess([MAIN], env);
const exported = Object.fromEntries(
  parseFileCommand(readFileSync(env.GITHUB_ENV as string, 'utf8')).entries,
);
const config = readFileSync(exported.AWS_CONFIG_FILE as string, 'utf8');
const settingsFile = /credential_process = "[^"]+" "[^"]+" "([^"]+)"/.exec(config)?.[1];
if (!settingsFile) throw new Error('no credential_process line in the written profile');
const cache = (JSON.parse(readFileSync(settingsFile, 'utf8')) as { cache: string }).cache;
const call = () => timeProcess([PROCESS, settingsFile], { PATH: process.env.PATH });
const first: number[] = [];
const later: number[] = [];
const bare: number[] = [];
await call();
for (let i = 0; i < RUNS; i++) {
  rmSync(cache, { force: true });
  first.push(await call());
  later.push(await call());
  bare.push(await timeNodeStart());
}
console.log(`\ncredential_process (dist/credential-process.js), ${LATENCY} ms per round trip`);
printTable([
  ['call', 'median'],
  ['first of a session (OIDC token + STS)', ms(median(first))],
  ['later (0600 cache)', ms(median(later))],
  ['bare node start-up (node -e "")', ms(median(bare))],
]);
console.log(
  `target: later calls under 100 ms: ${ms(median(later))} ${median(later) < 100 ? '(met)' : '(NOT met)'}; ` +
    `${ms(median(later) - median(bare))} above a bare node start in the same run`,
);
console.log(`dist/credential-process.js: ${(readFileSync(PROCESS).length / 1024).toFixed(1)} KB`);

rmSync(floorDir, { recursive: true, force: true });
await Promise.all([vault.close(), aws.close(), gcp.close(), azure.close()]);
await issuer.close();
