// GCP Secret Manager and Azure Key Vault reads over TLS, as the real services are reached
// (both offer HTTP/2): 50 secrets from one provider, 0 and 50 ms of emulated round-trip
// latency, next to the TLS floor (node start-up, one TLS handshake, three sequential round
// trips: OIDC token, the provider's token exchange, one parallel round of reads). Also how
// many TLS connections the step opened to the provider's emulator (its login and its
// reads): one when the reads are streams of one HTTP/2 connection.
// BENCH_RUNS sets the runs; BENCH_BEFORE names another build's main.js (with its
// package.json beside it) to measure in the same rounds.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startAws } from '../test/emulators/aws.js';
import { startOidcIssuer } from '../test/emulators/oidc-issuer.js';
import { selfSignedLoopbackCertificate } from '../test/support/certificates.js';
import { emulatorEndpoints } from '../test/support/endpoints.js';
import { AZURE_CLIENT, startCloudEmulators } from './cloud-emulators.js';
import { floorScripts, interleavedMedians, stepEnvironment, timeProcess } from './step.js';
import { ms, printTable } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const MAIN = resolve('dist/main.js');
const BEFORE = process.env.BENCH_BEFORE ? resolve(process.env.BENCH_BEFORE) : undefined;
const READS = 50;

const certificate = selfSignedLoopbackCertificate();
const caDir = mkdtempSync(join(tmpdir(), 'oidc-secrets-bench-ca-'));
const caPath = join(caDir, 'ca.pem');
writeFileSync(caPath, certificate.cert);
const tls = { ...certificate, http2: true };

const issuer = await startOidcIssuer();
const aws = await startAws({ issuer: issuer.issuer, region: 'eu-west-1' }); // endpoints only
const { gcp, gcpProvider, azure, gcpLine, azureLine } = await startCloudEmulators(
  issuer.issuer,
  tls,
  READS,
);

const { secureFloor } = floorScripts();
const clouds = [
  { name: 'gcp', emulator: gcp, line: gcpLine },
  { name: 'azure', emulator: azure, line: azureLine },
];
const rows: string[][] = [
  [
    'provider',
    'latency',
    'step (median)',
    'TLS floor',
    'step / floor',
    'connections',
    ...(BEFORE ? ['before (median)', 'before / floor', 'connections'] : []),
  ],
];
try {
  for (const { name, emulator, line } of clouds) {
    const env = stepEnvironment(
      {
        secrets: Array.from({ length: READS }, (_, i) => line(i)).join('\n'),
        'gcp-workload-identity-provider': gcpProvider,
        'azure-client-id': AZURE_CLIENT,
        'azure-tenant-id': azure.tenantId,
        'ca-certificate': certificate.cert,
        endpoints: emulatorEndpoints({ aws, gcp, azure }),
        summary: 'false',
      },
      issuer.env(),
    );
    for (const latency of [0, 50]) {
      emulator.setLatency(latency);
      issuer.setLatency(latency);
      const connections = { step: 0, before: 0 };
      const counted = (key: 'step' | 'before', main: string) => async () => {
        const before = emulator.connections();
        const elapsed = await timeProcess([main], env);
        connections[key] = emulator.connections() - before;
        return elapsed;
      };
      const medians = await interleavedMedians(RUNS, {
        step: counted('step', MAIN),
        floor: () => timeProcess([secureFloor, `${emulator.url}/`, caPath], {}),
        before: BEFORE ? counted('before', BEFORE) : () => Promise.resolve(0),
      });
      rows.push([
        name,
        `${latency} ms`,
        ms(medians.step),
        ms(medians.floor),
        `${(medians.step / medians.floor).toFixed(2)}x`,
        String(connections.step),
        ...(BEFORE
          ? [
              ms(medians.before),
              `${(medians.before / medians.floor).toFixed(2)}x`,
              String(connections.before),
            ]
          : []),
      ]);
    }
  }
  console.log(
    `${READS} reads over TLS (HTTP/2 offered), ${RUNS} interleaved runs each (median), node ${process.version}`,
  );
  printTable(rows);
} finally {
  await Promise.all([gcp.close(), azure.close(), aws.close()]);
  await issuer.close();
  rmSync(caDir, { recursive: true, force: true });
}
