// What opening a keyless store costs the action step (issue 16: at most one round trip on
// the critical path). The step's wall time, with BENCH_LATENCY ms (default 100) on every
// request, for: 25 `aws:` secrets alone; the same plus 3 `local:` secrets from a keyless
// store whose data key AWS KMS wraps (it shares the STS login; its kms:Decrypt runs beside
// the Secrets Manager round); and, for scale, 3 `local:` secrets alone from that store and
// from a key-file store given as `store-key`. Cases are interleaved in one run.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startAws } from '../test/emulators/aws.js';
import { startOidcIssuer } from '../test/emulators/oidc-issuer.js';
import { createHttpClient, providerDeps } from '../src/core/context.js';
import { Ledger } from '../src/core/ledger.js';
import { MaskGate } from '../src/core/mask.js';
import { createPeers } from '../src/core/peers.js';
import { readSettings } from '../src/core/settings.js';
import { SETTING_INPUTS, runnerFacts } from '../src/github/inputs.js';
import { createProvider } from '../src/providers/registry.js';
import { KeylessStore } from '../src/store/keyless-store.js';
import { keyAccessFromPeers } from '../src/store/recipients/access.js';
import { generateKey, encodeKey } from '../src/store/key.js';
import { readStoreWithKey } from '../src/store/store.js';
import { sealSecrets } from '../src/store/format.js';
import { writeFileSync } from 'node:fs';
import { interleavedMedians, stepEnvironment, timeProcess } from './step.js';
import { ms, printTable } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const LATENCY = Number(process.env.BENCH_LATENCY ?? 100);
const MAIN = resolve('dist/main.js');
const ROLE = 'arn:aws:iam::123456789012:role/bench';

const issuer = await startOidcIssuer();
const aws = await startAws({ issuer: issuer.issuer, region: 'eu-west-1' });
aws.addRole(ROLE, { subjectPatterns: ['repo:octo-org/octo-repo:*'], secrets: ['bench/*'] });
const keyArn = aws.createKmsKey({ roles: [ROLE] });
const dir = mkdtempSync(join(tmpdir(), 'bench-keyless-step-'));
const value = () => randomBytes(18).toString('base64url');

const awsLines: string[] = [];
for (let i = 0; i < 25; i++) {
  aws.createSecret(`bench/s${i}`, value());
  awsLines.push(`A${i}: aws:bench/s${i}`);
}
const storeSecrets: Array<[string, string]> = [
  ['BOT_TOKEN', value()],
  ['DB_PASSWORD', value()],
  ['API_KEY', value()],
];
const localLines = storeSecrets.map(([name]) => `L_${name}: local:${name}`);
const awsInputs = {
  'aws-role-arn': ROLE,
  'aws-region': 'eu-west-1',
  endpoints: [`aws-sts: ${aws.url}`, `aws-secretsmanager: ${aws.url}`, `aws-kms: ${aws.url}`].join(
    '\n',
  ),
  summary: 'false',
};

// The keyless store, made as `store init` makes it (the providers' logins, tokens from the
// test issuer).
const keylessPath = join(dir, 'keyless.json.enc');
{
  const settings = readSettings(
    (key) => (awsInputs as Record<string, string>)[SETTING_INPUTS[key]] ?? '',
    runnerFacts({ GITHUB_WORKSPACE: dir }),
  );
  const gate = new MaskGate({ add: () => undefined }, () => undefined);
  const http = createHttpClient(settings.pipeline, gate, {});
  const deps = providerDeps({
    http,
    gate,
    identity: () => ({ idToken: (aud?: string) => issuer.mint(aud ? { aud } : {}) }),
    record: (entry) => new Ledger(() => undefined).record(entry),
    log: { info: () => undefined, warning: () => undefined, debug: () => undefined },
  });
  const access = keyAccessFromPeers({
    http,
    peers: createPeers(settings.providers, deps, createProvider),
    admit: () => undefined,
  });
  const location = { storePath: keylessPath, keyPath: join(dir, 'unused.key') };
  await KeylessStore.create(location, [`aws-kms:${keyArn}`], access, {
    secrets: new Map(storeSecrets),
  });
  http.close();
}
// The key-file store with the same secrets, its key passed as text (store-key).
const keyFilePath = join(dir, 'key-file.json.enc');
const key = generateKey();
writeFileSync(keyFilePath, sealSecrets(new Map(storeSecrets), key), { mode: 0o600 });
await readStoreWithKey(keyFilePath, key);
const storeKey = encodeKey(key).trim();

issuer.setLatency(LATENCY);
aws.setLatency(LATENCY);
const step = (inputs: Record<string, string>) => () =>
  timeProcess([MAIN], stepEnvironment({ ...awsInputs, ...inputs }, issuer.env()));
const medians = await interleavedMedians(RUNS, {
  awsOnly: step({ secrets: awsLines.join('\n') }),
  awsAndKeyless: step({
    secrets: [...awsLines, ...localLines].join('\n'),
    'store-path': keylessPath,
  }),
  keylessAlone: step({ secrets: localLines.join('\n'), 'store-path': keylessPath }),
  keyFileAlone: step({
    secrets: localLines.join('\n'),
    'store-path': keyFilePath,
    'store-key': storeKey,
  }),
});

console.log(`Step wall time, ${LATENCY} ms per round trip, ${RUNS} interleaved runs (median)`);
printTable([
  ['setup', 'step (median)', 'vs. its baseline'],
  ['25 aws: secrets', ms(medians.awsOnly), 'baseline'],
  [
    '25 aws: + 3 local: from an aws-kms keyless store',
    ms(medians.awsAndKeyless),
    `+${ms(medians.awsAndKeyless - medians.awsOnly)} (${((medians.awsAndKeyless - medians.awsOnly) / LATENCY).toFixed(2)} round trips)`,
  ],
  ['3 local: from a key-file store (store-key)', ms(medians.keyFileAlone), 'baseline'],
  [
    '3 local: from an aws-kms keyless store',
    ms(medians.keylessAlone),
    `+${ms(medians.keylessAlone - medians.keyFileAlone)} (${((medians.keylessAlone - medians.keyFileAlone) / LATENCY).toFixed(2)} round trips; the store alone needs OIDC token, STS, kms:Decrypt)`,
  ],
]);
await aws.close();
await issuer.close();
rmSync(dir, { recursive: true, force: true });
