// The leak matrix: values that are hard to mask — regex metacharacters, `%` and `%0A`-looking
// text, text that looks like a workflow command, newlines, CRLF, a lone CR, edge blanks,
// unicode (combining marks, emoji, right-to-left), a 1 MB value, common words, a value that is
// itself base64, JSON with 10 000 leaves — fetched from Vault by the built action, exported,
// printed by a careless user step in several ways, and the whole job log (main, the user
// step with its env header, post) checked for every value, line and leaf in clear.
import { randomBytes } from 'node:crypto';
import { expectNoLeak } from '../../../test/support/leaks.js';
import { runJob, type JobResult } from '../../../test/support/runner.js';
import {
  errorsOf,
  expectNothingLive,
  sha,
  startVaultFixture,
  warningsOf,
  type VaultFixture,
} from '../../../test/support/vault-fixture.js';

let fx: VaultFixture;
const rand = () => randomBytes(6).toString('hex');

/** The matrix: variable name → value. Names avoid the common words used as values. */
const matrix: Record<string, string> = {
  REGEX: `re-(a+)*[b]{2,}?^$|.\\d\\-${rand()}`,
  PERCENT: `pct-%0A%0D%25%s%%-100%-${rand()}`,
  COMMAND_LIKE: `::add-mask::${rand()}-::set-output name=x::y`,
  LEGACY_COMMAND_LIKE: `##[warning]looks-like-a-command-${rand()}`,
  NEWLINES: `line-one-${rand()}\nline-two-${rand()}\n\n  line-four-${rand()}  \n`,
  CRLF: `crlf-one-${rand()}\r\ncrlf-two-${rand()}\r\n`,
  LONE_CR: `cr-one-${rand()}\rcr-two-${rand()}`,
  BLANKS: `   padded-${rand()}\t  `,
  COMBINING: `e\u0301te\u0301-cafe\u0301-${rand()}`,
  EMOJI: `🔑🗝️-${rand()}-👩‍👩‍👧-🏳️‍🌈`,
  RTL: `\u202Eمرحبا-${rand()}-שלום\u202C`,
  WORD_1: 'password',
  WORD_2: 'true',
  BASE64_ITSELF: Buffer.from(`inner-secret-${rand()}`).toString('base64'),
  SHORT: 'Zq7',
};
const names = Object.keys(matrix);
/** 1 MiB of base64 text. */
const big = randomBytes(768 * 1024).toString('base64');

/** A JSON document with 10 000 leaves: random strings, and every tenth a 10-digit number. */
const wide: Record<string, string | number> = {};
for (let i = 0; i < 10_000; i++)
  wide[`k${String(i).padStart(5, '0')}`] =
    i % 10 === 9 ? 1_000_000_000 + i : randomBytes(9).toString('base64url');

beforeAll(async () => {
  fx = await startVaultFixture();
  for (const name of names)
    fx.vault.addKvV2('secret', `ci/matrix/${name.toLowerCase()}`, { value: matrix[name] });
  fx.vault.addKvV2('secret', 'ci/big', { value: big });
  fx.vault.addKvV2('secret', 'ci/wide', wide);
});

afterAll(() => fx.close());

/** The careless step: prints each variable plain, as `NAME=value`, JSON.stringify'd, base64. */
function printingStep(
  variables: string[],
  files: string[] = [],
  ways: 'all' | 'few' = 'all',
): string {
  // 'few' for very large values: the runner model scans each line for every mask.
  const all = ways === 'all';
  return `import { readFileSync } from 'node:fs';
const show = (name, value) => {
  console.log(value);
  console.log(JSON.stringify(value));
  console.log(Buffer.from(value, 'utf8').toString('base64'));
  if (!${all}) return;
  console.log(name + '=' + value);
  console.log(JSON.stringify({ [name]: value }));
  console.log('value of ' + name + ' in base64: ' + Buffer.from(value).toString('base64') + ' (end)');
  process.stderr.write(name + ' on stderr: ' + value + '\\n');
};
for (const name of ${JSON.stringify(variables)}) show(name, process.env[name] ?? '');
for (const name of ${JSON.stringify(files)}) show(name, readFileSync(process.env[name], 'utf8'));
`;
}

function secretsInput(entries: Array<[string, string]>): string {
  return entries.map(([name, path]) => `${name}: vault:secret/data/ci/${path}#value`).join('\n');
}

function expectNoLeakAnywhere(job: JobResult, values: unknown[]): void {
  // The steps ran (a step that never ran leaks nothing, and proves nothing).
  expect(job.user?.exitCode).toBe(0);
  expect(job.post?.exitCode).toBe(0);
  expectNoLeak(job.log, values);
  expectNoLeak(job.main.summary, values);
}

describe('leak matrix', () => {
  it('values that are hard to mask never appear in clear in any line of the job', async () => {
    const job = await runJob({
      inputs: fx.inputs(secretsInput(names.map((n) => [n, `matrix/${n.toLowerCase()}`]))),
      issuer: fx.issuer,
      userStep: printingStep(names),
    });
    expect(errorsOf(job.main)).toEqual([]);
    expect(job.main.exitCode).toBe(0);
    for (const name of names) expect(sha(job.env[name])).toBe(sha(matrix[name]));

    expectNoLeakAnywhere(job, Object.values(matrix));
    // The value that looks like `::add-mask::` is a mask when printed, not a command that
    // changes anything else; the one that looks like a warning shows up masked.
    expect(job.user?.log).toContain('WORD_1=***');
    expect(job.user?.log).toContain('WORD_2=***');
    expect(job.user?.log).toContain('COMBINING=***');

    // A value shorter than 4 characters is masked and warned about by its line, not its value.
    const short = warningsOf(job.main).filter((w) => w.includes('is masked; masks this short'));
    expect(short).toHaveLength(1);
    expect(short[0]).toMatch(
      new RegExp(
        `^secrets line ${names.indexOf('SHORT') + 1} \\(SHORT\\): a value of 3 characters`,
      ),
    );
    for (const annotation of job.main.annotations)
      expect(annotation.message.includes(matrix.SHORT!)).toBe(false);
    expectNothingLive(fx.vault);
  });

  it('a 1 MB value is masked in the log (exported as a file: an environment variable cannot hold it)', async () => {
    const job = await runJob({
      inputs: fx.inputs('BIG: vault:secret/data/ci/big#value', { export: 'files' }),
      issuer: fx.issuer,
      userStep: printingStep([], ['BIG_FILE']),
    });
    expect(errorsOf(job.main)).toEqual([]);
    expect(job.main.exitCode).toBe(0);
    expect(job.user?.log).toContain('BIG_FILE=***');
    expectNoLeakAnywhere(job, [big]);
  }, 60_000);

  it('a 1 MB value exported to the environment is refused, naming its line: nothing is exported', async () => {
    const job = await runJob({
      inputs: fx.inputs(
        'SMALL: vault:secret/data/ci/matrix/regex#value\nBIG: vault:secret/data/ci/big#value',
      ),
      issuer: fx.issuer,
    });
    expect(job.main.exitCode).toBe(1);
    expect(errorsOf(job.main)).toEqual([
      expect.stringMatching(
        /^secrets line 2: BIG is too large for an environment variable \(at most 131072 bytes on this runner\): every later step would fail to start\. Use export: files/,
      ),
    ]);
    expect(job.main.env).toEqual({});
    expect(job.user).toBeUndefined();
    expectNoLeak(job.log, [big, matrix.REGEX]);
    expectNothingLive(fx.vault);
  }, 60_000);

  it('a JSON value with 10 000 leaves: every leaf is masked, exported or not', async () => {
    const job = await runJob({
      inputs: fx.inputs('WIDE: vault:secret/data/ci/wide', { export: 'files' }),
      issuer: fx.issuer,
      userStep: printingStep([], ['WIDE_FILE'], 'few'),
    });
    expect(errorsOf(job.main)).toEqual([]);
    expect(job.main.exitCode).toBe(0);
    expect(job.main.masks.length).toBeGreaterThanOrEqual(10_000);
    expectNoLeakAnywhere(job, [wide, JSON.stringify(wide)]);
  }, 120_000);
});
