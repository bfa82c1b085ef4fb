// AWS Secrets Manager reads as a runner reaches them: through a network that charges every
// round trip, the TCP connect and the TLS handshake included (the emulators' own latency
// delays answers only). Each endpoint is a TCP proxy in front of the AWS emulator that holds
// every chunk for half the round trip in each direction; STS and Secrets Manager are two
// proxies, so two origins, as sts.<region>.amazonaws.com and secretsmanager.<region>… are.
// 50 secrets (three BatchGetSecretValue calls), 50 ms round trips. The floor: node start-up,
// the OIDC token (1 round trip), STS (connect, TLS 1.3 handshake, AssumeRoleWithWebIdentity:
// 3), then one round of reads on Secrets Manager connections opened meanwhile (1). A step
// that opens them only after the login pays their connect and handshake too (+2).
// BENCH_RUNS sets the runs; BENCH_BEFORE names another build's main.js to time in the same rounds.
import { randomBytes } from 'node:crypto';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { startAws } from '../test/emulators/aws.js';
import { startOidcIssuer } from '../test/emulators/oidc-issuer.js';
import { selfSignedLoopbackCertificate } from '../test/support/certificates.js';
import { interleavedMedians, stepEnvironment, timeNodeStart, timeProcess } from './step.js';
import { ms, printTable } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const BEFORE = process.env.BENCH_BEFORE ? resolve(process.env.BENCH_BEFORE) : undefined;
const RTT = 50;
const READS = 50;
const ROLE = 'arn:aws:iam::123456789012:role/bench';

/** A TCP proxy to `port` whose every connect and chunk costs half of RTT each way. */
function delayingProxy(port: number): Promise<string> {
  const half = RTT / 2;
  const forward = (from: Socket, to: Socket) => {
    from.on('data', (chunk) => setTimeout(() => to.write(chunk), half));
    from.on('end', () => setTimeout(() => to.end(), half));
    from.on('error', () => to.destroy());
    from.on('close', () => setTimeout(() => to.destroy(), half));
  };
  const server = createServer((client) => {
    client.pause();
    // The connect's own round trip (SYN, SYN-ACK) before anything flows.
    setTimeout(() => {
      const upstream = connect(port, '127.0.0.1');
      forward(client, upstream);
      forward(upstream, client);
      client.resume();
    }, RTT);
  });
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () => {
      server.unref();
      done(`https://127.0.0.1:${(server.address() as AddressInfo).port}`);
    }),
  );
}

const tls = selfSignedLoopbackCertificate();
const issuer = await startOidcIssuer();
issuer.setLatency(RTT);
const aws = await startAws({ issuer: issuer.issuer, region: 'eu-west-1', tls });
aws.addRole(ROLE, { subjectPatterns: ['repo:octo-org/octo-repo:*'], secrets: ['bench/*'] });
for (let i = 0; i < READS; i++)
  aws.createSecret(`bench/s${i}`, randomBytes(18).toString('base64url'));
const port = Number(new URL(aws.url).port);
const sts = await delayingProxy(port);
const secretsManager = await delayingProxy(port);

const inputs = {
  secrets: Array.from({ length: READS }, (_, i) => `S${i}: aws:bench/s${i}`).join('\n'),
  'aws-role-arn': ROLE,
  'aws-region': 'eu-west-1',
  'ca-certificate': tls.cert,
  endpoints: `aws-sts: ${sts}\naws-secretsmanager: ${secretsManager}`,
  summary: 'false',
};
const env = stepEnvironment(inputs, {
  ...issuer.env(),
  GITHUB_RUN_ID: '1',
  GITHUB_RUN_ATTEMPT: '1',
});
const medians = await interleavedMedians(RUNS, {
  step: () => timeProcess([resolve('dist/main.js')], env),
  node: timeNodeStart,
  before: () => (BEFORE ? timeProcess([BEFORE], env) : Promise.resolve(0)),
});
const floor = medians.node + RTT * 5;
console.log(
  `AWS step, ${READS} Secrets Manager reads, ${RTT} ms round trips charged to connects and TLS handshakes too; ${RUNS} interleaved runs (median)`,
);
printTable([
  [
    'step',
    'floor (node + 5 round trips)',
    'step / floor',
    ...(BEFORE ? ['before', 'before / floor'] : []),
  ],
  [
    ms(medians.step),
    ms(floor),
    `${(medians.step / floor).toFixed(2)}x`,
    ...(BEFORE ? [ms(medians.before), `${(medians.before / floor).toFixed(2)}x`] : []),
  ],
]);
await aws.close();
await issuer.close();
