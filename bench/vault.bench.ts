// The action step's wall time against Vault (issue: "The whole road, end to end"): 50 and
// 200 distinct KV paths, 0 and 50 ms of emulated round-trip latency, Vault over http and
// over TLS (HTTP/2 offered, as Vault's listener does). Beside the step, in turn in the same
// run on the same emulators: the floor (node start-up of an empty script plus 3 sequential
// round trips: OIDC token, login, one parallel round of reads), a bare `node -e ""` start
// (what the step's own overhead is compared with) and a bare client (bare-vault-client.mjs:
// the same requests with node's own clients and none of the step's code).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startOidcIssuer } from '../test/emulators/oidc-issuer.js';
import { startVault } from '../test/emulators/vault.js';
import { selfSignedLoopbackCertificate } from '../test/support/certificates.js';
import {
  floorScripts,
  interleavedMedians,
  stepEnvironment,
  timeNodeStart,
  timeProcess,
} from './step.js';
import { ms, printTable } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const MAIN = resolve('dist/main.js');
// The same work with node's own clients and nothing of the step's (bare-vault-client.mjs):
// what node needs over the floor before the step's own code is counted.
const BARE_CLIENT = resolve('bench/bare-vault-client.mjs');

const issuer = await startOidcIssuer();
// Vault over plain http (loopback only, as the step allows it) and over TLS, as a real Vault
// is reached: its listener offers HTTP/2 beside HTTP/1.1, and the step's reads then share
// one connection.
const certificate = selfSignedLoopbackCertificate();
const caDir = mkdtempSync(join(tmpdir(), 'oidc-secrets-bench-ca-'));
const caPath = join(caDir, 'ca.pem');
writeFileSync(caPath, certificate.cert);
const vaults = [
  { protocol: 'http', vault: await startVault({ issuer }) },
  { protocol: 'https', vault: await startVault({ issuer, tls: certificate }) },
];
for (const { vault } of vaults) {
  vault.addPolicy('bench', { 'secret/data/bench/*': ['read'] });
  vault.addJwtRole('bench', {
    bound_audiences: ['https://github.com/octo-org'],
    bound_claims: { repository: 'octo-org/octo-repo' },
    user_claim: 'repository',
    token_policies: ['bench'],
    token_ttl: 600,
  });
  for (let i = 0; i < 200; i++)
    vault.addKvV2('secret', `bench/s${i}`, { value: randomBytes(18).toString('base64url') });
}

const { floor: floorScript, secureFloor } = floorScripts();
// BENCH_CONCURRENCY measures another `concurrency` input; unset, the step runs with the
// action's defaults, which is what the targets are about.
const concurrency = process.env.BENCH_CONCURRENCY;
// BENCH_BEFORE names another build of the step (a copy of an earlier dist/, with its
// package.json) to measure in the same rounds: a before/after that shares the machine's load.
const BEFORE = process.env.BENCH_BEFORE ? resolve(process.env.BENCH_BEFORE) : undefined;

const rows: string[][] = [
  [
    'vault',
    'paths',
    'latency',
    'step (median)',
    'floor (median)',
    'step / floor',
    'node -e ""',
    'step / node',
    'bare client',
    'bare / floor',
    ...(BEFORE ? ['before (median)', 'before / floor', 'before / node'] : []),
  ],
];
const ratios = new Map<
  string,
  { floor: number; node: number; bareFloor: number; bareNode: number }
>();
for (const { protocol, vault } of vaults) {
  for (const latency of [0, 50]) {
    vault.setLatency(latency);
    issuer.setLatency(latency);
    for (const paths of [50, 200]) {
      const secrets = Array.from(
        { length: paths },
        (_, i) => `S${i}: vault:secret/data/bench/s${i}#value`,
      ).join('\n');
      const inputs: Record<string, string> = {
        secrets,
        'vault-url': vault.url,
        'vault-role': 'bench',
        'vault-audience': 'https://github.com/octo-org',
        summary: 'false',
      };
      if (protocol === 'https') inputs['ca-certificate'] = certificate.cert;
      if (concurrency) inputs.concurrency = concurrency;
      // The floor's three round trips go to this Vault (over one TLS connection for https).
      const floorRun =
        protocol === 'https'
          ? () => timeProcess([secureFloor, `${vault.url}/v1/sys/health`, caPath], {})
          : () => timeProcess([floorScript, issuer.jwksUrl], { PATH: process.env.PATH });
      // Step, floor and a bare node start in turn, so that all three see the same load.
      const medians = await interleavedMedians(RUNS, {
        step: () => timeProcess([MAIN], stepEnvironment(inputs, issuer.env())),
        floor: floorRun,
        node: timeNodeStart,
        bare: () =>
          timeProcess(
            [
              BARE_CLIENT,
              vault.url,
              'bench',
              'https://github.com/octo-org',
              String(paths),
              ...(protocol === 'https' ? [caPath] : []),
            ],
            stepEnvironment({}, issuer.env()),
          ),
        before: () =>
          BEFORE
            ? timeProcess([BEFORE], stepEnvironment(inputs, issuer.env()))
            : Promise.resolve(0),
      });
      ratios.set(`${protocol} ${paths}/${latency}`, {
        floor: medians.step / medians.floor,
        node: medians.step / medians.node,
        bareFloor: medians.bare / medians.floor,
        bareNode: medians.bare / medians.node,
      });
      rows.push([
        protocol,
        String(paths),
        `${latency} ms`,
        ms(medians.step),
        ms(medians.floor),
        `${(medians.step / medians.floor).toFixed(2)}x`,
        ms(medians.node),
        `${(medians.step / medians.node).toFixed(2)}x`,
        ms(medians.bare),
        `${(medians.bare / medians.floor).toFixed(2)}x`,
        ...(BEFORE
          ? [
              ms(medians.before),
              `${(medians.before / medians.floor).toFixed(2)}x`,
              `${(medians.before / medians.node).toFixed(2)}x`,
            ]
          : []),
      ]);
    }
  }
}
console.log(
  `Vault step wall time, ${RUNS} interleaved runs each (median), node ${process.version}, concurrency ${concurrency ?? 'default'}`,
);
printTable(rows);
console.log(`dist/main.js: ${(statSync(MAIN).size / 1024).toFixed(1)} KB`);
const verdict = (value: number | undefined, limit: number) =>
  `${value?.toFixed(2)}x ${value !== undefined && value <= limit ? '(met)' : '(NOT met)'}`;
for (const { protocol } of vaults) {
  console.log(
    `target (${protocol}): step's own overhead, 50 paths at 0 ms within 2.5x of a bare node start: ${verdict(ratios.get(`${protocol} 50/0`)?.node, 2.5)} (bare client: ${ratios.get(`${protocol} 50/0`)?.bareNode.toFixed(2)}x)`,
  );
  console.log(
    `target (${protocol}): step within 1.5x of the floor at 50 paths / 50 ms: ${verdict(ratios.get(`${protocol} 50/50`)?.floor, 1.5)}`,
  );
  console.log(
    `target (${protocol}): step within 1.3x of the floor at 200 paths / 50 ms: ${verdict(ratios.get(`${protocol} 200/50`)?.floor, 1.3)} (bare client: ${ratios.get(`${protocol} 200/50`)?.bareFloor.toFixed(2)}x)`,
  );
}
for (const { protocol, vault } of vaults)
  console.log(
    `live leases after the runs, ${protocol} (no dynamic secrets read): ${vault.liveLeases().length}`,
  );
for (const { vault } of vaults) await vault.close();
await issuer.close();
rmSync(caDir, { recursive: true, force: true });
