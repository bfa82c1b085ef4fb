// Many secrets in one line (issue 14, "Measure"): the action step's wall time for
// - 200 secrets listed under one Vault path (`ALL_*: vault:secret/data/bench/list/*`) at
//   50 ms round trips, against the floor plus one round trip: node start-up and 4
//   sequential round trips (OIDC token, login, the listing, one parallel round of reads),
//   with Vault over http and over TLS (HTTP/2 offered, as Vault's listener does);
// - 500 AWS secrets under a prefix (`ListSecrets` pages of 100 are sequential, then 25
//   BatchGetSecretValue calls in one round), against node start-up plus 8 sequential round
//   trips (OIDC token, login, 5 pages, one round of reads).
// Target: within 1.5× of each floor at the default concurrency. Step, floor and a bare node
// start are measured in turn (same load). BENCH_RUNS and BENCH_LATENCY vary the setup.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startAws } from '../test/emulators/aws.js';
import { startOidcIssuer } from '../test/emulators/oidc-issuer.js';
import { startVault } from '../test/emulators/vault.js';
import { selfSignedLoopbackCertificate } from '../test/support/certificates.js';
import { interleavedMedians, stepEnvironment, timeNodeStart, timeProcess } from './step.js';
import { ms, printTable } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const LATENCY = Number(process.env.BENCH_LATENCY ?? 50);
const MAIN = resolve('dist/main.js');
const ROLE = 'arn:aws:iam::123456789012:role/bench';
const value = () => randomBytes(18).toString('base64url');

/**
 * node start-up plus `trips` sequential round trips on one keep-alive connection (over TLS
 * with `secure`, trusting the CA in the file named by the third argument).
 */
function floorScript(secure = false): string {
  const dir = mkdtempSync(join(tmpdir(), 'oidc-secrets-floor-'));
  const path = join(dir, 'floor.mjs');
  const module = secure ? 'https' : 'http';
  writeFileSync(
    path,
    `import ${module} from 'node:${module}';
import { readFileSync } from 'node:fs';
const agent = new ${module}.Agent({ keepAlive: true${secure ? ", ca: readFileSync(process.argv[4], 'utf8')" : ''} });
const get = (url) => new Promise((ok, fail) => ${module}.get(url, { agent }, (res) => { res.resume(); res.on('end', ok); }).on('error', fail));
for (let i = 0; i < Number(process.argv[3]); i++) await get(process.argv[2]);
agent.destroy();
`,
  );
  return path;
}

const issuer = await startOidcIssuer();
// Vault over plain http (loopback) and over TLS as a real one is reached (its listener
// offers HTTP/2 beside HTTP/1.1).
const certificate = selfSignedLoopbackCertificate();
const caPath = join(mkdtempSync(join(tmpdir(), 'oidc-secrets-bench-ca-')), 'ca.pem');
writeFileSync(caPath, certificate.cert);
const vault = await startVault({ issuer });
const secureVault = await startVault({ issuer, tls: certificate });
for (const server of [vault, secureVault]) {
  server.addPolicy('bench', {
    'secret/data/bench/*': ['read'],
    'secret/metadata/bench/*': ['list'],
  });
  server.addJwtRole('bench', {
    bound_audiences: ['https://github.com/octo-org'],
    bound_claims: { repository: 'octo-org/octo-repo' },
    token_policies: ['bench'],
    token_ttl: 600,
  });
  for (let i = 0; i < 200; i++) server.addKvV2('secret', `bench/list/s${i}`, { value: value() });
}

const aws = await startAws({ issuer: issuer.issuer, region: 'eu-west-1' });
aws.addRole(ROLE, { subjectPatterns: ['repo:octo-org/octo-repo:*'], secrets: ['bench/*'] });
for (let i = 0; i < 500; i++) aws.createSecret(`bench/many/s${i}`, value());

for (const server of [issuer, vault, secureVault, aws]) server.setLatency(LATENCY);
const floor = floorScript();
const secureFloor = floorScript(true);

const cases: Array<{
  name: string;
  trips: number;
  inputs: Record<string, string>;
  /** The floor's round trips go to this TLS server instead of the issuer. */
  secure?: string;
}> = [
  {
    name: '200 Vault secrets, one listing',
    trips: 4,
    inputs: {
      secrets: 'ALL_*: vault:secret/data/bench/list/*?max=200',
      'vault-url': vault.url,
      'vault-role': 'bench',
      'vault-audience': 'https://github.com/octo-org',
      summary: 'false',
    },
  },
  {
    name: '200 Vault secrets, one listing, https',
    trips: 4,
    secure: secureVault.url,
    inputs: {
      secrets: 'ALL_*: vault:secret/data/bench/list/*?max=200',
      'vault-url': secureVault.url,
      'vault-role': 'bench',
      'vault-audience': 'https://github.com/octo-org',
      'ca-certificate': certificate.cert,
      summary: 'false',
    },
  },
  {
    // The same 200 reads written as 200 lines: what the listing costs besides its round trip.
    name: '200 Vault secrets, 200 lines',
    trips: 3,
    inputs: {
      secrets: Array.from(
        { length: 200 },
        (_, i) => `S${i}: vault:secret/data/bench/list/s${i}#value`,
      ).join('\n'),
      'vault-url': vault.url,
      'vault-role': 'bench',
      'vault-audience': 'https://github.com/octo-org',
      summary: 'false',
    },
  },
  {
    name: '500 AWS secrets, one prefix',
    trips: 8,
    inputs: {
      secrets: 'ALL_*: aws:bench/many/*?max=500',
      'aws-role-arn': ROLE,
      'aws-region': 'eu-west-1',
      endpoints: `aws-sts: ${aws.url}\naws-secretsmanager: ${aws.url}`,
      summary: 'false',
    },
  },
];

const rows: string[][] = [
  ['case', 'latency', 'step (median)', 'floor (median)', 'step / floor', 'node -e ""', 'target'],
];
const verdicts: string[] = [];
for (const c of cases) {
  const before = { vault: vault.requests.length, aws: aws.requests.length };
  const medians = await interleavedMedians(RUNS, {
    step: () => timeProcess([MAIN], stepEnvironment(c.inputs, issuer.env())),
    floor: () =>
      c.secure
        ? timeProcess([secureFloor, `${c.secure}/v1/sys/health`, String(c.trips), caPath], {})
        : timeProcess([floor, issuer.jwksUrl, String(c.trips)], { PATH: process.env.PATH }),
    node: timeNodeStart,
  });
  const ratio = medians.step / medians.floor;
  rows.push([
    c.name,
    `${LATENCY} ms`,
    ms(medians.step),
    `${ms(medians.floor)} (${c.trips} trips)`,
    `${ratio.toFixed(2)}x`,
    ms(medians.node),
    ratio <= 1.5 ? '≤ 1.5x (met)' : '≤ 1.5x (NOT met)',
  ]);
  // What one run asked (every run asks the same): the round structure behind the time.
  const perRun = (count: number) => Math.round(count / (RUNS + 1));
  if (c.name === '200 Vault secrets, one listing')
    verdicts.push(
      `vault per run: ${perRun(vault.requests.slice(before.vault).filter((r) => r.path.includes('/metadata/')).length)} LIST, ` +
        `${perRun(vault.requests.slice(before.vault).filter((r) => r.path.includes('/data/bench/list/')).length)} reads`,
    );
  else if (c.name.startsWith('500')) {
    const ops = aws.requests.slice(before.aws).map((r) => r.operation);
    verdicts.push(
      `aws per run: ${perRun(ops.filter((o) => o === 'secretsmanager:ListSecrets').length)} ListSecrets pages, ` +
        `${perRun(ops.filter((o) => o === 'secretsmanager:BatchGetSecretValue').length)} BatchGetSecretValue calls`,
    );
  }
}
console.log(
  `Listing step wall time, ${RUNS} interleaved runs each (median), node ${process.version}, default concurrency`,
);
printTable(rows);
for (const line of verdicts) console.log(line);
await Promise.all([vault.close(), secureVault.close(), aws.close()]);
await issuer.close();
