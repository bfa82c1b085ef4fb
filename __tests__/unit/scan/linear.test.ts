// Linear time: for each adversarial input the scan of 8n characters takes less than
// MAX_GROWTH × the scan of n. Linear work gives about 8× (up to 24× measured with three test
// processes on two cores: a larger text leaves the caches); the quadratic cases this guards
// against gave 32× to 103× before they were fixed, and a hang never ends. Times are CPU time
// (time spent waiting for a core does not count), the fastest of a few runs, with n grown
// until one scan takes long enough for noise to be small; what is asserted is a ratio with a
// margin, never a wall-clock bound. A ratio above the margin is measured again, up to three
// times: under load it once came out at 29-32× for linear cases (a moment of cache pressure),
// while a quadratic case is above the margin every time.
import { jest } from '@jest/globals';
import { compileConfig, parseScanConfig } from '../../../src/scan/config/config.js';
import { builtinConfig } from '../../../src/scan/config/rules.js';
import { Detector } from '../../../src/scan/detect/detector.js';
import { B62, random } from './helpers.js';

jest.setTimeout(120_000);

const MAX_GROWTH = 28;

const builtin = new Detector(compileConfig(builtinConfig(), 'built-in'));

/** CPU milliseconds (user and system) that `run` took. */
function timed(run: () => void): number {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

function fastest(run: () => void): number {
  let best = Infinity;
  for (let k = 0; k < 3; k++) best = Math.min(best, timed(run));
  return best;
}

/**
 * Time for 8n over time for n, n grown until the n scan takes at least 25 ms. The two sizes
 * are then timed in alternation, five rounds, the fastest of each size kept: both see the same load (other
 * jest workers share the machine's cores), so a busy moment cannot inflate one side only.
 */
function growth(detector: Detector, make: (n: number) => string, start = 1 << 14): number {
  let ratio = Infinity;
  for (let attempt = 0; attempt < 3 && ratio >= MAX_GROWTH; attempt++)
    ratio = Math.min(ratio, growthOnce(detector, make, start));
  return ratio;
}

function growthOnce(detector: Detector, make: (n: number) => string, start: number): number {
  const scan = (text: string) => () => detector.detect({ path: 'f.txt', text });
  let n = start;
  while (fastest(scan(make(n))) < 25 && n < 1 << 20) n *= 2;
  const smallScan = scan(make(n));
  const largeScan = scan(make(8 * n));
  let small = Infinity;
  let large = Infinity;
  for (let round = 0; round < 5; round++) {
    small = Math.min(small, timed(smallScan));
    large = Math.min(large, timed(largeScan));
  }
  return large / small;
}

const repeat = (unit: string, n: number): string =>
  unit.repeat(Math.ceil(n / unit.length)).slice(0, n);

describe('the built-in rules scan in time linear in the input', () => {
  it.each([
    ['lines of -----BEGIN PRIVATE KEY-----', '-----BEGIN PRIVATE KEY-----\n'],
    ['one line of -----BEGIN PRIVATE KEY-----', '-----BEGIN PRIVATE KEY-----'],
    ['BEGIN lines with a base64 body and no END', '-----BEGIN RSA PRIVATE KEY-----\nMIIEow+/=\n'],
    ['one line of key=key=…', 'key='],
    ['one line of token: "…', 'token: "'],
    ['one line of a', 'a'],
    ['one line of curl -H "Authorization: Bearer …', 'curl -H "Authorization: Bearer '],
    ['one line of curl -u …', 'curl -u a:'],
    ['curl continuation lines', 'curl -u \\\n'],
    ['one line of s. (Vault legacy tokens)', 's.a1'],
    ['one line of vendor-named assignments', 'twitter_key = "'],
    ['lines of XML password elements with no value', '<password>\n'],
    ['one line of setProperty("X_TOKEN", …', 'setProperty("X_TOKEN", "'],
    ['one line of SK (a two-letter keyword)', 'SK0'],
    ['one line of a Go typed declaration', 'var apiKey string = '],
  ])('%s', (_name, unit) => {
    expect(growth(builtin, (n) => repeat(unit, n))).toBeLessThan(MAX_GROWTH);
  });

  it('many candidates on one long line tested against a line allowlist', () => {
    // Generic-rule candidates on a single line that says "public key": each candidate's
    // line allowlist used to test the whole line again.
    const unit = () => `api_key = "${random(B62, 24)}", `;
    const pool = Array.from({ length: 4096 }, unit).join('');
    expect(
      growth(builtin, (n) => 'public key: ' + repeat(pool, n).replace(/[^"]*$/, ''), 1 << 15),
    ).toBeLessThan(MAX_GROWTH);
  });

  it('many generic and specific findings in one file', () => {
    const pool = Array.from(
      { length: 2048 },
      () => `token = "ghp_${random(B62, 36)}"\npassword = "${random(B62, 20)}"\n`,
    ).join('');
    expect(growth(builtin, (n) => repeat(pool, n).replace(/[^\n]*$/, ''), 1 << 15)).toBeLessThan(
      MAX_GROWTH,
    );
  });

  it('many generic and specific findings on one line (minified)', () => {
    // Each generic finding is compared with the specific secrets of its line (dedup.ts).
    const pool = Array.from(
      { length: 2048 },
      () => `token = "ghp_${random(B62, 36)}", password = "${random(B62, 20)}", `,
    ).join('');
    expect(growth(builtin, (n) => repeat(pool, n).replace(/"[^"]*$/, ''), 1 << 15)).toBeLessThan(
      MAX_GROWTH,
    );
  });
});

describe('a configured rule scans in time linear in the input, whatever its regex', () => {
  const redos = (keywords: string) =>
    new Detector(
      parseScanConfig(`[[rules]]\nid = "redos"\nregex = '''(a|aa)+$'''\n${keywords}`, 'redos.toml'),
    );

  it.each([
    ['without keywords', ''],
    ['with a keyword in every character', 'keywords = ["a"]'],
  ])('(a|aa)+$ %s', (_name, keywords) => {
    const detector = redos(keywords);
    expect(growth(detector, (n) => repeat('a', n) + '!', 1 << 12)).toBeLessThan(MAX_GROWTH);
    expect(growth(detector, (n) => repeat('a'.repeat(999) + '\n', n), 1 << 12)).toBeLessThan(
      MAX_GROWTH,
    );
  });

  it('a nested quantifier with a failing suffix: (x+x+)+y', () => {
    const detector = new Detector(
      parseScanConfig(
        `[[rules]]\nid = "nested"\nregex = '''(x+x+)+y'''\nkeywords = ["x"]\n`,
        'nested.toml',
      ),
    );
    expect(growth(detector, (n) => repeat('x', n), 1 << 12)).toBeLessThan(MAX_GROWTH);
  });
});
