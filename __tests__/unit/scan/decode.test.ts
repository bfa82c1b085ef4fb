// Encoded runs decoded and scanned (gitleaks' --max-decode-depth): base64, hex and percent
// encoding, nested, placed at the encoded run in the original text. Credentials are made up
// at test time in the providers' formats; assertion messages carry hashes, never values.
import { randomBytes } from 'node:crypto';
import { compileConfig } from '../../../src/scan/config/config.js';
import { builtinConfig } from '../../../src/scan/config/rules.js';
import { DecodedText } from '../../../src/scan/detect/decode.js';
import { Detector } from '../../../src/scan/detect/detector.js';
import { decodeCandidates } from '../../../src/scan/detect/runs-wasm.js';
import type { Finding } from '../../../src/scan/types.js';
import { sha } from './helpers.js';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const random = (n: number, alphabet = ALNUM): string =>
  Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join('');
const githubPat = (): string => `ghp_${random(36)}`;
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const hex = (s: string): string => Buffer.from(s).toString('hex');

const config = compileConfig(builtinConfig(), 'built-in');
const detect = (text: string, depth = 2, path = 'deploy/secret.yaml'): Finding[] =>
  new Detector(config, { maxDecodeDepth: depth }).detect({ path, text });
/** What a finding says about itself, with its secret as a hash. */
const shape = (f: Finding) => ({
  rule: f.ruleId,
  at: `${f.startLine}:${f.startColumn}-${f.endLine}:${f.endColumn}`,
  decoded: f.decoded,
  secret: sha(f.secret),
});

describe('decoding', () => {
  it('finds a token in a base64 value of a Kubernetes Secret, at the encoded run', () => {
    const token = githubPat();
    const encoded = b64(token);
    const text = `kind: Secret\ndata:\n  token: ${encoded}\n`;
    // The encoded text itself may also look like a generic secret: that finding is the plain pass's.
    const pat = detect(text).filter((f) => f.ruleId === 'github-pat');
    expect(pat.map(shape)).toEqual([
      {
        rule: 'github-pat',
        at: `3:10-3:${10 + encoded.length}`,
        decoded: 'base64',
        secret: sha(token),
      },
    ]);
    expect(pat[0]!.tags).toEqual(expect.arrayContaining(['decoded:base64', 'decode-depth:1']));
  });

  it('widens the place to a name outside the run that the match needs', () => {
    // The assignment's name is plain text; only the value is encoded.
    const value = `${random(20)}/${random(19)}`;
    const text = `aws_secret_access_key: ${b64(value)}\n`;
    const found = detect(text).map(shape);
    expect(found).toContainEqual({
      rule: 'aws-secret-access-key',
      at: `1:1-1:${text.length}`,
      decoded: 'base64',
      secret: sha(value),
    });
  });

  it('decodes hex and percent encoding', () => {
    const token = githubPat();
    expect(detect(`key_material = "${hex(token)}"\n`).map((f) => f.decoded)).toContain('hex');
    const percent = [...token].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('');
    expect(detect(`url: https://example.org/cb?t=${percent}\n`).map(shape)).toContainEqual(
      expect.objectContaining({ rule: 'github-pat', decoded: 'percent', secret: sha(token) }),
    );
  });

  it('goes as deep as max-decode-depth says, naming each encoding from the outside in', () => {
    const token = githubPat();
    const text = `blob: ${b64(hex(token))}\n`;
    expect(detect(text, 1).filter((f) => f.ruleId === 'github-pat')).toEqual([]);
    const [found] = detect(text, 2).filter((f) => f.ruleId === 'github-pat');
    expect(found && shape(found)).toEqual({
      rule: 'github-pat',
      at: `1:7-1:${7 + b64(hex(token)).length}`,
      decoded: 'base64>hex',
      secret: sha(token),
    });
    expect(found!.tags).toEqual(expect.arrayContaining(['decode-depth:2']));
  });

  it('depth 0 scans the text as it is', () => {
    const found = detect(`token: ${b64(githubPat())}\n`, 0);
    expect(found.map(shape).filter((f) => f.rule === 'github-pat')).toEqual([]);
    expect(found.map((f) => f.decoded)).not.toContain('base64');
  });

  it('reports a plain token once, not again in a later pass', () => {
    const token = githubPat();
    const found = detect(`a: ${token}\nb: ${b64('nothing to see here')}\n`);
    expect(found.map((f) => f.decoded)).toEqual([undefined]);
  });

  it('leaves runs that do not decode to printable text alone', () => {
    const text = `hash: ${randomBytes(48).toString('base64')}\nid: ${randomBytes(32).toString('hex')}\n`;
    const decoded = DecodedText.original(text).next();
    // Random bytes are almost never all printable; when they are, the run is simply text.
    expect(decoded === null || decoded.runs.length <= 1).toBe(true);
  });

  it('keeps line numbers of a diff fragment', () => {
    const token = githubPat();
    const found = new Detector(config, { maxDecodeDepth: 2 }).detect({
      path: 'k8s/secret.yaml',
      text: `data:\n  token: ${b64(token)}\n`,
      lineNumbers: [40, 41],
    });
    expect(
      found.filter((f) => f.decoded).map((f) => `${f.startLine}:${f.globalFingerprint}`),
    ).toEqual(['41:k8s/secret.yaml:github-pat:41']);
  });
});

describe('DecodedText', () => {
  it('maps offsets of decoded text back to the original', () => {
    const text = `x ${b64('hello base64 world')} y`;
    const next = DecodedText.original(text).next()!;
    expect(next.text).toBe('x hello base64 world y');
    expect(next.runs).toEqual([{ start: 2, end: 20, encodings: 'base64', depth: 1 }]);
    expect(next.originalStart(0)).toBe(0);
    expect(next.originalStart(5)).toBe(2); // inside the run: the run's start
    expect(next.originalEnd(20)).toBe(text.length - 2); // the run's end
    expect(next.originalStart(21)).toBe(text.length - 1); // after it: shifted exactly
  });
});

describe('where each pass looks for runs', () => {
  // Pieces that decode (base64, hex, percent, nested) or nearly do, next to one another with
  // or without separators: the stretches found by runs-wasm.ts for the first pass and those
  // around the runs of the pass before must find what walking the whole text finds.
  const word = (): string => random(3 + (randomBytes(1)[0]! % 20), ALNUM + '+/-_');
  const pieces: (() => string)[] = [
    word,
    () => b64(`key=${random(20)}`),
    () => b64(b64(`token: ${random(24)}`)),
    () => hex(`pass=${random(18)}`),
    () => hex(b64(`a ${random(30)} b`)),
    () => `%${hex(random(3))}`.replace(/(..)/g, '%$1').slice(1),
    () => b64(`x%${hex('q')}y=${random(12)}`),
    () => random(40, '0123456789abcdef'),
    () => `${b64(random(12))}==`,
    () => '%',
    () => '=',
  ];
  const separators = ['', '', ' ', '\n', '"', ':', '=', '%', '.', ', '];
  const pick = <T>(list: readonly T[]): T => list[randomBytes(1)[0]! % list.length]!;
  const randomText = (): string =>
    Array.from(
      { length: 2 + (randomBytes(1)[0]! % 12) },
      () => pick(pieces)() + pick(separators),
    ).join('');

  it('finds what walking the whole text finds, pass after pass', () => {
    let decodedSomewhere = 0;
    for (let k = 0; k < 400; k++) {
      const text = randomText();
      let fast = DecodedText.original(text, decodeCandidates(Buffer.from(text, 'latin1')));
      let whole = DecodedText.original(text);
      for (let depth = 1; depth <= 4; depth++) {
        const a = fast.next();
        const b = whole.next(true);
        // Compared by hashes: a failure names no text.
        expect([sha(a?.text ?? '-'), a?.runs]).toEqual([sha(b?.text ?? '-'), b?.runs]);
        if (a === null || b === null) break;
        if (depth >= 2) decodedSomewhere++;
        fast = a;
        whole = b;
      }
    }
    // The texts exercise later passes, not only the first.
    expect(decodedSomewhere).toBeGreaterThan(20);
  });

  it('runs-wasm.ts keeps the stretches holding a long run or a %, between neutral characters', () => {
    const long = 'Q'.repeat(16);
    const text = `short words (here) %41 then "${long}" and x=${long.slice(1)}y`;
    const stretches = Array.from(decodeCandidates(Buffer.from(text, 'latin1'))!);
    const shown = [];
    for (let k = 0; k < stretches.length; k += 2)
      shown.push(text.slice(stretches[k]!, stretches[k + 1]!));
    expect(shown).toEqual(['%41', long, `x=${long.slice(1)}y`]);
  });
});
