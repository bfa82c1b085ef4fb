// The built action (dist/main, dist/post) with the references of SPEC §1.1a: secret:, plain
// literals, dotenv:, quoted keys and JSON Pointers, ?optional and ?decode=base64 — each
// exported as it should be, and nothing secret (value, line, JSON leaf, base64) ever in
// clear anywhere in the job's log, summary or files; each malformed form refused by its
// line with nothing exported and nothing left live.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStore } from '../../../src/store/store.js';
import { expectNoLeak, jsonLeaves } from '../../../test/support/leaks.js';
import { runJob } from '../../../test/support/runner.js';
import {
  errorsOf,
  expectNothingExported,
  expectNothingLive,
  fake,
  sha,
  startVaultFixture,
  type VaultFixture,
} from '../../../test/support/vault-fixture.js';

let fx: VaultFixture;
let dir: string;
let storeInputs: Record<string, string>;

const apiKey = fake('sk');
const dotenvValues = {
  DB_PASSWORD: fake('pw'),
  API_TOKEN: fake('api'),
  TLS_KEY: `-----BEGIN KEY-----\n${fake('l1')}\n${fake('l2')}\n-----END KEY-----`,
};
const tls = {
  'tls.crt': fake('crt'),
  'my key': { x: fake('myx') },
  list: [fake('first'), fake('second')],
};
const decodedText = fake('decoded-text');
/** Not UTF-8 (0xff 0xfe) and no control characters: printable once decoded, lossily. */
const binary = Buffer.concat([Buffer.from(fake('bin-readable')), Buffer.from([0xff, 0xfe])]);
const b64 = {
  text: Buffer.from(decodedText).toString('base64'),
  bin: binary.toString('base64'),
  bad: `not-base64 ${fake('oops')}!`,
};
const secretValues = withBase64([
  apiKey,
  dotenvValues,
  tls,
  decodedText,
  b64,
  binary.toString('base64'),
]);

/** The values, and the base64 of each value and leaf (what a careless step prints too). */
function withBase64(values: unknown[]): unknown[] {
  const texts = values.flatMap((v) => (typeof v === 'string' ? [v] : jsonLeaves(v)));
  return [...values, ...texts.map((t) => Buffer.from(t).toString('base64'))];
}

/** The careless step: each exported variable plain, as JSON and in base64. */
const printingStep = (exported: Record<string, string>) => `
for (const name of ${JSON.stringify(Object.keys(exported))}) {
  const value = process.env[name] ?? '';
  console.log(name + '=' + value);
  console.log(JSON.stringify({ [name]: value }));
  console.log(name + ' in base64: ' + Buffer.from(value).toString('base64'));
}
`;

beforeAll(async () => {
  fx = await startVaultFixture();
  fx.vault.addKvV2('secret', 'ci/tls', tls);
  fx.vault.addKvV2('secret', 'ci/b64', b64);
  fx.vault.addKvV2('secret', 'other/denied', { v: fake('denied') });
  fx.vault.addKvV1('kv', 'present', { v: fake('kv1') });
  // The fixture's policy, and read on v1-style paths of the KV v2 mount (to see Vault's
  // answer to such a path rather than a denial).
  fx.vault.addPolicy('ci-read', {
    'secret/data/ci/*': ['read'],
    'secret/ci/*': ['read'],
    'kv/*': ['read'],
    'database/creds/*': ['read'],
    'sys/leases/revoke': ['update'],
  });
  fx.vault.addKvV2('secret', 'ci/deleted', { v: fake('deleted') });
  fx.vault.deleteKvV2('secret', 'ci/deleted');
  dir = mkdtempSync(join(tmpdir(), 'refs-action-'));
  writeFileSync(
    join(dir, 'app.env'),
    [
      '# the app',
      `DB_PASSWORD=${dotenvValues.DB_PASSWORD}`,
      `export API_TOKEN='${dotenvValues.API_TOKEN}'`,
      `TLS_KEY="${dotenvValues.TLS_KEY.replace(/\n/g, '\\n')}"`,
    ].join('\n'),
  );
  const store = new LocalStore({
    storePath: join(dir, 'secrets.json.enc'),
    keyPath: join(dir, 'secrets.key'),
  });
  await store.set([['API_KEY', apiKey]]);
  storeInputs = {
    'store-path': join(dir, 'secrets.json.enc'),
    'store-key': readFileSync(join(dir, 'secrets.key'), 'utf8').trim(),
  };
});

afterAll(async () => {
  await fx.close();
  rmSync(dir, { recursive: true, force: true });
});

const notices = (annotations: Array<{ level: string; message: string }>) =>
  annotations.filter((a) => a.level === 'notice').map((a) => a.message);

describe('new references in the action', () => {
  it('exports each as it should; literals in clear, every secret masked; optional lines absent', async () => {
    const audit = join(dir, `audit-${randomBytes(4).toString('hex')}.jsonl`);
    const job = await runJob({
      inputs: fx.inputs(
        [
          'API_KEY: secret:API_KEY',
          'LOG_LEVEL: INFO',
          'GREETING: plain:hello:world',
          'HOOK: https://hooks.example.test/services/x',
          `APP_*: dotenv:${join(dir, 'app.env')}`,
          `DB_PW: dotenv:${join(dir, 'app.env')}#DB_PASSWORD`,
          'CRT: vault:secret/data/ci/tls#"tls.crt"',
          'MYX: vault:secret/data/ci/tls#"my key".x',
          'FIRST: vault:secret/data/ci/tls#/list/0',
          'TXT: vault:secret/data/ci/b64?decode=base64#text',
          'MISSING: vault:secret/data/ci/nope?optional',
          'NOKEY: vault:secret/data/ci/tls?optional#nokey',
          'ENVMISS: env:NOT_SET_HERE?optional',
        ].join('\n'),
        { ...storeInputs, 'audit-log': audit },
      ),
      issuer: fx.issuer,
      userStep: printingStep,
    });
    expect(errorsOf(job.main)).toEqual([]);
    expect(job.main.exitCode).toBe(0);
    const env = job.main.env;
    expect(sha(env.API_KEY)).toBe(sha(apiKey));
    expect(sha(env.DB_PW)).toBe(sha(dotenvValues.DB_PASSWORD));
    expect(sha(env.APP_TLS_KEY)).toBe(sha(dotenvValues.TLS_KEY));
    expect(sha(env.APP_API_TOKEN)).toBe(sha(dotenvValues.API_TOKEN));
    expect(sha(env.CRT)).toBe(sha(tls['tls.crt']));
    expect(sha(env.MYX)).toBe(sha(tls['my key'].x));
    expect(sha(env.FIRST)).toBe(sha(tls.list[0]));
    expect(sha(env.TXT)).toBe(sha(decodedText));
    expect([env.LOG_LEVEL, env.GREETING, env.HOOK]).toEqual([
      'INFO',
      'hello:world',
      'https://hooks.example.test/services/x',
    ]);
    expect(Object.keys(env)).not.toEqual(expect.arrayContaining(['MISSING']));
    for (const name of ['MISSING', 'NOKEY', 'ENVMISS']) expect(env[name]).toBeUndefined();

    // Literals are not secrets: never registered, shown in clear by a later step.
    for (const literal of ['INFO', 'hello:world', 'https://hooks.example.test/services/x'])
      expect(job.masks).not.toContain(literal);
    expect(job.user?.log).toContain('LOG_LEVEL=INFO');
    expect(job.user?.log).toContain('GREETING=hello:world');

    // Each absent line is a notice naming it; no error, no warning about it.
    expect(notices(job.main.annotations)).toEqual([
      expect.stringMatching(
        /^secrets line 11 \(MISSING\): left out \(optional\): vault:secret\/data\/ci\/nope: not found/,
      ),
      'secrets line 12 (NOKEY): left out (optional): the selector #nokey finds nothing: no key nokey at the top level of vault:secret/data/ci/tls; the keys there: "tls.crt", "my key", list',
      expect.stringMatching(
        /^secrets line 13 \(ENVMISS\): left out \(optional\): env:NOT_SET_HERE: the variable is not set/,
      ),
    ]);
    expect(job.main.annotations.filter((a) => a.level !== 'notice')).toEqual([]);

    // The summary marks literals and absent lines; the audit log too.
    const rows = job.main.summary.split('\n');
    expect(rows.find((r) => r.startsWith('| LOG_LEVEL |'))).toMatch(/\| plain \|$/);
    expect(rows.find((r) => r.startsWith('| MISSING |'))).toMatch(/\| absent \|$/);
    expect(rows.find((r) => r.startsWith('| NOKEY |'))).toMatch(/\| absent \|$/);
    expect(rows.find((r) => r.startsWith('| CRT |'))).toContain('`secret/data/ci/tls#"tls.crt"`');
    const outcomes = readFileSync(audit, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { reference: string; outcome: string });
    expect(
      outcomes
        .filter((o) => o.outcome === 'plain')
        .map((o) => o.reference)
        .sort(),
    ).toEqual(
      ['plain:INFO', 'plain:hello:world', 'plain:https://hooks.example.test/services/x'].sort(),
    );
    expect(
      outcomes
        .filter((o) => o.outcome === 'absent')
        .map((o) => o.reference)
        .sort(),
      // NOKEY's read succeeded; its line is absent all the same.
    ).toEqual(['env:NOT_SET_HERE', 'vault:secret/data/ci/nope', 'vault:secret/data/ci/tls'].sort());

    expect(job.user?.exitCode).toBe(0);
    expect(job.post?.exitCode).toBe(0);
    expectNoLeak(job.log, secretValues);
    expectNoLeak(job.main.summary, secretValues);
    expectNoLeak(readFileSync(audit, 'utf8'), secretValues);
    expectNothingLive(fx.vault);
  }, 60_000);

  it('writes decoded bytes to a file; their base64 and printable text are masked', async () => {
    const job = await runJob({
      inputs: fx.inputs('BIN: vault:secret/data/ci/b64?decode=base64#bin', { export: 'files' }),
      issuer: fx.issuer,
      userStep: `import { readFileSync } from 'node:fs';
const bytes = readFileSync(process.env.BIN_FILE);
console.log(bytes.toString('base64'));
console.log(bytes.toString('utf8'));
console.log(JSON.stringify(process.env.BIN_FILE.length > 0));
process.stdout.write(bytes.equals(Buffer.from(${JSON.stringify(binary.toString('base64'))}, 'base64')) ? 'same bytes\\n' : 'other bytes\\n');
`,
    });
    expect(errorsOf(job.main)).toEqual([]);
    expect(job.user?.log).toContain('same bytes');
    expect(job.masks).toEqual(
      expect.arrayContaining([binary.toString('base64'), new TextDecoder().decode(binary)]),
    );
    // The step's own source holds the base64 too: only the log the runner shows counts.
    expectNoLeak(job.user?.log ?? '', [binary.toString('base64')]);
    expect(job.user?.log).not.toContain(new TextDecoder().decode(binary));
    expectNothingLive(fx.vault);
  }, 60_000);

  it('refuses decoded bytes for env and outputs, naming the line; nothing exported', async () => {
    for (const mode of ['env', 'outputs', 'files,env']) {
      const job = await runJob({
        inputs: fx.inputs(
          'OK: vault:secret/data/ci/tls#list.1\nBIN: vault:secret/data/ci/b64?decode=base64#bin',
          {
            export: mode,
          },
        ),
        issuer: fx.issuer,
      });
      expect(job.main.exitCode).toBe(1);
      expect(errorsOf(job.main)).toEqual([
        expect.stringMatching(
          /^secrets line 2: BIN is bytes that are not text once decoded \(decode=base64\), which export (env|outputs) cannot hold; use export: files/,
        ),
      ]);
      expectNothingExported(job);
      expectNoLeak(job.log, secretValues);
      expectNothingLive(fx.vault);
    }
  }, 60_000);
});

describe("?optional and Vault's answers", () => {
  it('leaves out a missing KV v1 secret and a soft-deleted KV v2 version; a v1-style path on a v2 mount still fails', async () => {
    const ok = await runJob({
      inputs: fx.inputs(
        'A: vault:kv/absent?optional\nB: vault:secret/data/ci/deleted?optional\nC: vault:kv/present#v',
      ),
      issuer: fx.issuer,
    });
    expect(errorsOf(ok.main)).toEqual([]);
    expect(Object.keys(ok.main.env)).toEqual(['C']);
    expect(notices(ok.main.annotations)).toEqual([
      expect.stringMatching(
        /^secrets line 1 \(A\): left out \(optional\): vault:kv\/absent: not found/,
      ),
      expect.stringMatching(
        /^secrets line 2 \(B\): left out \(optional\): vault:secret\/data\/ci\/deleted: not found/,
      ),
    ]);
    // Vault answers a KV v1-style path on a KV v2 mount with 404 and a warning: a wrong
    // reference, not an absent secret.
    const wrong = await runJob({
      inputs: fx.inputs('A: vault:secret/ci/tls?optional'),
      issuer: fx.issuer,
    });
    expect(errorsOf(wrong.main)).toEqual([
      expect.stringMatching(
        /^secrets line 1: vault:secret\/ci\/tls: not found \(HTTP 404\)\. For a KV v2 mount the API path has \/data\//,
      ),
    ]);
    expectNothingExported(wrong);
    expectNothingLive(fx.vault);
  }, 60_000);
});

describe('malformed new line forms: named by line, nothing exported, nothing live', () => {
  it('refuses every bad line at once before any request', async () => {
    const before = fx.vault.requests.length;
    const job = await runJob({
      inputs: fx.inputs(
        [
          'GOOD: vault:secret/data/ci/tls#list.0',
          'A: vualt:secret/data/ci/tls',
          'B: dotenv:',
          'C: vault:secret/data/ci/tls?optional=yes',
          'D: vault:secret/data/ci/tls?decode=hex',
          'E: vault:secret/data/ci/tls#"unclosed',
          'F: vault:secret/data/ci/tls#/a~2',
          'G: secret:1BAD',
          'H: plain',
        ].join('\n'),
        storeInputs,
      ),
      issuer: fx.issuer,
    });
    expect(job.main.exitCode).toBe(1);
    const errors = errorsOf(job.main);
    expect(errors.map((e) => /^secrets line (\d+)/.exec(e)?.[1])).toEqual([
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
    ]);
    expect(errors[0]).toMatch(
      /^secrets line 2 \(A\): unknown provider 'vualt' \(did you mean 'vault'\?\)/,
    );
    expect(errors[1]).toMatch(/^secrets line 3 \(B\): dotenv: needs a locator/);
    expect(errors[2]).toMatch(/option optional is a flag/);
    expect(errors[3]).toMatch(/option decode must be base64/);
    expect(errors[4]).toMatch(/the selector after '#' has a quoted key without its closing quote/);
    expect(errors[5]).toMatch(/JSON Pointer with a '~' not followed by 0 or 1/);
    expect(errors[6]).toMatch(/^secrets line 8 \(G\): local locator: expected a store key/);
    // `H: plain` is the literal "plain"; nothing was asked of Vault.
    expect(fx.vault.requests.length).toBe(before);
    expectNothingExported(job);
    expectNothingLive(fx.vault);
  }, 60_000);

  it('fails a value that is not base64, a missed selector and an optional line Vault denies', async () => {
    const job = await runJob({
      inputs: fx.inputs(
        [
          'A: vault:secret/data/ci/b64?decode=base64#bad',
          'B: vault:secret/data/ci/tls#"tls.key"',
          'C: vault:secret/data/other/denied?optional',
          // Vault's 404 "no handler for route": a wrong path, not an absent secret.
          'D: vault:database/creds/a/b?optional',
        ].join('\n'),
      ),
      issuer: fx.issuer,
    });
    expect(job.main.exitCode).toBe(1);
    const errors = errorsOf(job.main);
    expect(errors).toEqual([
      expect.stringMatching(
        /^secrets line 3: vault:secret\/data\/other\/denied: permission denied \(HTTP 403\)/,
      ),
      expect.stringMatching(/^secrets line 4: vault:database\/creds\/a\/b: not found \(HTTP 404\)/),
    ]);
    // The reads failed, so shaping (decode, selectors) never ran; alone, they fail too.
    const shaped = await runJob({
      inputs: fx.inputs(
        'A: vault:secret/data/ci/b64?decode=base64#bad\nB: vault:secret/data/ci/tls#"tls.key"',
      ),
      issuer: fx.issuer,
    });
    expect(errorsOf(shaped.main)).toEqual([
      'secrets line 1 (A): decode=base64: the value of vault:secret/data/ci/b64 at its selector is not base64 text',
      'secrets line 2 (B): the selector #"tls.key" finds nothing: no key "tls.key" at the top level of vault:secret/data/ci/tls; the keys there: "tls.crt", "my key", list',
    ]);
    for (const run of [job, shaped]) {
      expectNothingExported(run);
      expectNoLeak(run.log, secretValues);
    }
    expectNothingLive(fx.vault);
  }, 60_000);
});
