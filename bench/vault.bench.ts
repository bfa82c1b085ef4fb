// The action step's wall time against Vault (issue: "The whole road, end to end"): 50 and
// 200 distinct KV paths, 0 and 50 ms of emulated round-trip latency, next to the floor —
// node start-up of an empty script plus 3 sequential round trips (OIDC token, login, one
// parallel round of reads) — measured in the same run on the same emulators.
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { startOidcIssuer } from '../test/emulators/oidc-issuer.js';
import { startVault } from '../test/emulators/vault.js';
import { floorScripts, samples, stepEnvironment, timeProcess } from './step.js';
import { median, ms, printTable } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const MAIN = resolve('dist/main.js');

const issuer = await startOidcIssuer();
const vault = await startVault({ issuer });
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

const { floor: floorScript, empty: emptyScript } = floorScripts();

const rows: string[][] = [
  ['paths', 'latency', 'step (median)', 'floor (median)', 'step / floor', 'node empty'],
];
let target: number | undefined;
for (const latency of [0, 50]) {
  vault.setLatency(latency);
  issuer.setLatency(latency);
  const floor = median(
    await samples(RUNS, () =>
      timeProcess([floorScript, issuer.jwksUrl], { PATH: process.env.PATH }),
    ),
  );
  const empty = median(
    await samples(RUNS, () => timeProcess([emptyScript], { PATH: process.env.PATH })),
  );
  for (const paths of [50, 200]) {
    const secrets = Array.from(
      { length: paths },
      (_, i) => `S${i}: vault:secret/data/bench/s${i}#value`,
    ).join('\n');
    const step = median(
      await samples(RUNS, () =>
        timeProcess(
          [MAIN],
          stepEnvironment(
            {
              secrets,
              'vault-url': vault.url,
              'vault-role': 'bench',
              'vault-audience': 'https://github.com/octo-org',
              summary: 'false',
            },
            issuer.env(),
          ),
        ),
      ),
    );
    if (paths === 50 && latency === 50) target = step / floor;
    rows.push([
      String(paths),
      `${latency} ms`,
      ms(step),
      ms(floor),
      `${(step / floor).toFixed(2)}x`,
      ms(empty),
    ]);
  }
}
console.log(`Vault step wall time, ${RUNS} runs each (median), node ${process.version}`);
printTable(rows);
console.log(`dist/main.js: ${(statSync(MAIN).size / 1024).toFixed(1)} KB`);
console.log(
  `target: step within 1.5x of the floor at 50 paths / 50 ms: ${target?.toFixed(2)}x ${target !== undefined && target <= 1.5 ? '(met)' : '(NOT met)'}`,
);
console.log(`live leases after the runs (no dynamic secrets read): ${vault.liveLeases().length}`);
await vault.close();
await issuer.close();
