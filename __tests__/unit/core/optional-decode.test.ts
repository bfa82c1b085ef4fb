// On the real road (config → plan → providers → mask gate → shape), without a network:
// literals are exported unmasked; `dotenv:` reads a .env file as a JSON object; `?optional`
// leaves out only what does not exist; a selector that misses lists the keys there (names
// only); `?decode=base64` gives text as text and other bytes as bytes.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MaskGate } from '../../../src/core/mask.js';
import { absentNotice } from '../../../src/core/shape.js';
import { secretValues } from '../../../src/core/pipeline.js';
import { LocalStore } from '../../../src/store/store.js';
import { runActionPipeline } from '../../../test/support/pipeline.js';
import { expectNoLeak } from '../../../test/support/leaks.js';

const sha = (text: string | undefined): string =>
  createHash('sha256')
    .update(text ?? '<undefined>')
    .digest('hex')
    .slice(0, 16);
const fake = (prefix: string) => `${prefix}-${randomBytes(9).toString('hex')}`;

let root: string;
let workspace: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'optional-decode-'));
  workspace = join(root, 'ws');
  await mkdir(workspace);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function resolve(secrets: string, env: NodeJS.ProcessEnv = {}, inputs = {}) {
  const masks: string[] = [];
  const warnings: string[] = [];
  const gate = new MaskGate({ add: (v) => masks.push(v) }, (w) => warnings.push(w));
  const run = await runActionPipeline(
    secrets,
    inputs,
    { GITHUB_WORKSPACE: workspace, ...env },
    gate,
  );
  return {
    run,
    masks,
    warnings,
    errors: run.messages,
    codes: run.errors.map((e) => e.code),
    values: new Map(run.secrets.map((s) => [s.name, s.value])),
    absent: run.absent.map((a) => a.line.line),
    notices: run.absent.map(absentNotice),
  };
}

describe('literals', () => {
  it('exports plain:TEXT and bare values as written, and masks none of them', async () => {
    const secret = fake('tok');
    const r = await resolve(
      'LOG_LEVEL: INFO\nURL: https://hooks.example.test/a\nRAW: plain:a#b?c\nPORT: 8080\nTOKEN: env:TOKEN',
      { TOKEN: secret },
    );
    expect(r.errors).toEqual([]);
    expect(Object.fromEntries([...r.values].filter(([k]) => k !== 'TOKEN'))).toEqual({
      LOG_LEVEL: 'INFO',
      URL: 'https://hooks.example.test/a',
      RAW: 'a#b?c',
      PORT: '8080',
    });
    expect(r.masks).toEqual([secret]);
    // Nothing about a short literal either: it is no secret.
    expect(r.warnings).toEqual([]);
    expect(r.run.records.filter((x) => x.outcome === 'plain')).toHaveLength(4);
  });
});

describe('dotenv:', () => {
  const password = fake('pw');
  const multi = `-----BEGIN KEY-----\n${fake('line')}\n-----END KEY-----`;
  const text = [
    '# settings of the app',
    `DB_PASSWORD=${password}`,
    `export API_TOKEN='${fake('api')}'`,
    `TLS_KEY="${multi.replace(/\n/g, '\\n')}"`,
    'EMPTY=',
    'my.dotted=x1x2x3x4',
    '',
  ].join('\n');

  it('reads the whole file as a JSON object, and one key with #KEY; every value masked', async () => {
    await writeFile(join(workspace, '.env'), text);
    const r = await resolve(
      'APP_*: dotenv:.env\nPW: dotenv:.env#DB_PASSWORD\nTLS: dotenv:.env#TLS_KEY\nDOT: dotenv:.env#"my.dotted"',
    );
    expect(r.errors).toEqual([]);
    expect(sha(r.values.get('PW'))).toBe(sha(password));
    expect(sha(r.values.get('APP_DB_PASSWORD'))).toBe(sha(password));
    expect(sha(r.values.get('TLS'))).toBe(sha(multi));
    expect(r.values.get('DOT')).toBe('x1x2x3x4');
    expect([...r.values.keys()].sort()).toEqual(
      [
        'APP_API_TOKEN',
        'APP_DB_PASSWORD',
        'APP_EMPTY',
        'APP_MY_DOTTED',
        'APP_TLS_KEY',
        'DOT',
        'PW',
        'TLS',
      ].sort(),
    );
    // One read for the four lines; every leaf and every line of the PEM registered.
    expect(r.run.records).toHaveLength(1);
    const masked = r.masks.join('\n');
    for (const value of [password, ...multi.split('\n').filter((l) => !l.startsWith('-----'))])
      expect(r.masks).toContain(value);
    expectNoLeak(JSON.stringify(r.errors), [password, multi]);
    expect(masked.length).toBeGreaterThan(0);
  });

  it('follows the path rules of file:', async () => {
    await writeFile(join(root, 'outside.env'), `X=${fake('out')}\n`);
    await symlink(join(root, 'outside.env'), join(workspace, 'link.env'));
    await mkdir(join(workspace, 'dir.env'));
    const r = await resolve(
      'A: dotenv:../outside.env#X\nB: dotenv:link.env#X\nC: dotenv:dir.env#X\nD: dotenv:none.env#X',
    );
    expect(r.codes).toEqual(['READ_FAILED', 'READ_FAILED', 'READ_FAILED', 'SECRET_NOT_FOUND']);
    expect(r.errors[0]).toMatch(
      /^secrets line 1: dotenv:\.\.\/outside\.env: a relative path must stay inside the workspace/,
    );
    expect(r.errors[2]).toMatch(/^secrets line 3: dotenv:dir\.env: is a directory/);
    expect(r.errors[3]).toBe('secrets line 4: dotenv:none.env: no such file');
    // An absolute path is read as written.
    const absolute = await resolve(`A: dotenv:${join(root, 'outside.env')}#X`);
    expect(absolute.errors).toEqual([]);
  });

  it('a key that is missing names the keys there, never their values', async () => {
    await writeFile(join(workspace, '.env'), text);
    const r = await resolve('A: dotenv:.env#DB_PASSWROD');
    expect(r.errors).toEqual([
      'secrets line 1 (A): the selector #DB_PASSWROD finds nothing: no key DB_PASSWROD at the top level of dotenv:.env; the keys there: DB_PASSWORD, API_TOKEN, TLS_KEY, EMPTY, "my.dotted"',
    ]);
  });
});

describe('?optional', () => {
  it('leaves out a missing variable, file, .env key, store key and JSON key', async () => {
    await writeFile(join(workspace, 'a.env'), 'ONE=1111\n');
    await writeFile(join(workspace, 'j.json'), '{"a":{"b":"bbbb"}}');
    const store = new LocalStore({
      storePath: join(workspace, 'secrets.json.enc'),
      keyPath: join(workspace, 'secrets.key'),
    });
    await store.set([['THERE', 'there-value']]);
    const r = await resolve(
      [
        'A: env:NOT_SET?optional',
        'B: file:nope.txt?optional',
        'C: dotenv:a.env?optional#TWO',
        'D: dotenv:missing.env?optional#ONE',
        'E: secret:NOT_THERE?optional',
        'F: file:j.json?optional#a.c',
        'G: file:j.json#a.b',
        'H: secret:THERE?optional',
      ].join('\n'),
      {},
      { 'store-path': 'secrets.json.enc' },
    );
    expect(r.errors).toEqual([]);
    expect(Object.fromEntries(r.values)).toEqual({ G: 'bbbb', H: 'there-value' });
    expect(r.absent).toEqual([1, 2, 3, 4, 5, 6]);
    expect(r.notices).toEqual([
      'secrets line 1 (A): left out (optional): env:NOT_SET: the variable is not set in the environment (in a workflow, pass it with env: on the step)',
      'secrets line 2 (B): left out (optional): file:nope.txt: no such file',
      'secrets line 3 (C): left out (optional): the selector #TWO finds nothing: no key TWO at the top level of dotenv:a.env; the keys there: ONE',
      'secrets line 4 (D): left out (optional): dotenv:missing.env: no such file',
      expect.stringMatching(
        /^secrets line 5 \(E\): left out \(optional\): local:NOT_THERE: no secret of that name/,
      ),
      'secrets line 6 (F): left out (optional): the selector #a.c finds nothing: no key c at #a of file:j.json; the keys there: b',
    ]);
    expect(
      r.run.records
        .filter((x) => x.outcome === 'absent')
        .map((x) => x.location.lines[0])
        .sort(),
    ).toEqual([1, 2, 4, 5]);
  });

  it('still fails bad input, a file that is no regular file and one outside the workspace', async () => {
    await mkdir(join(workspace, 'dir'));
    await writeFile(join(workspace, 'text.txt'), 'not json');
    const r = await resolve(
      [
        'A: file:dir?optional',
        'B: file:../x?optional',
        'C: file:text.txt?optional#key',
        'D: env:1BAD?optional',
      ].join('\n'),
    );
    // The bad reference is found before anything is read.
    expect(r.codes).toEqual(['REFERENCE_INVALID']);
    await writeFile(join(root, 'x'), 'outside');
    const read = await resolve('A: file:dir?optional\nB: file:../x?optional');
    expect(read.codes).toEqual(['READ_FAILED', 'READ_FAILED']);
    const notJson = await resolve('C: file:text.txt?optional#key');
    expect(notJson.codes).toEqual(['SELECTOR_NOT_JSON']);
    expect(notJson.absent).toEqual([]);
    expect(read.absent).toEqual([]);
  });
});

describe('selectors that miss', () => {
  it('list at most 20 keys, cut short, on one line', async () => {
    const wide: Record<string, string> = {};
    for (let i = 0; i < 25; i++) wide[`k${i}`] = fake('v');
    wide[`long-${'x'.repeat(100)}`] = fake('v');
    wide['new\nline'] = fake('v');
    await writeFile(join(workspace, 'w.json'), JSON.stringify({ a: wide, arr: [1, 2, 3] }));
    const r = await resolve('A: file:w.json#a.nope\nB: file:w.json#arr.7\nC: file:w.json#/a/k1/x');
    expect(r.errors[0]).toMatch(
      /^secrets line 1 \(A\): the selector #a\.nope finds nothing: no key nope at #a of file:w\.json; the keys there: k0, k1, .*, k19 and 7 more$/,
    );
    expect(r.errors[1]).toBe(
      'secrets line 2 (B): the selector #arr.7 finds nothing: no index 7 at #arr of file:w.json (an array of 3: indexes 0 to 2)',
    );
    expect(r.errors[2]).toMatch(
      /no key x at #a\.k1 of file:w\.json \(that is a string, not an object\)$/,
    );
    expectNoLeak(r.errors.join('\n'), Object.values(wide));
  });
});

describe('?decode=base64', () => {
  it('exports text as text, masking the base64 and the text', async () => {
    const text = fake('decoded');
    const b64 = Buffer.from(text).toString('base64');
    const r = await resolve('A: env:B64?decode=base64', { B64: b64 });
    expect(r.errors).toEqual([]);
    expect(sha(r.values.get('A'))).toBe(sha(text));
    expect(r.masks).toEqual(expect.arrayContaining([b64, text]));
  });

  it('decodes a selected leaf, and flattens decoded JSON', async () => {
    const json = { user: fake('u'), pass: fake('p') };
    const doc = { data: { 'tls.crt': Buffer.from(JSON.stringify(json)).toString('base64') } };
    await writeFile(join(workspace, 'k.json'), JSON.stringify(doc));
    const r = await resolve('K_*: file:k.json?decode=base64#data."tls.crt"');
    expect(r.errors).toEqual([]);
    expect(sha(r.values.get('K_PASS'))).toBe(sha(json.pass));
    expect(r.masks).toEqual(expect.arrayContaining([json.user, json.pass]));
  });

  it('keeps other bytes as bytes (their base64 and printable text masked)', async () => {
    // Not UTF-8 (0xff), no control characters: a step printing it shows readable text.
    const bytes = Buffer.concat([Buffer.from(fake('readable')), Buffer.from([0xff, 0xfe])]);
    const r = await resolve('A: env:B64?decode=base64', { B64: bytes.toString('base64url') });
    expect(r.errors).toEqual([]);
    const secret = r.run.secrets[0]!;
    expect(Buffer.from(secret.bytes!).equals(bytes)).toBe(true);
    expect(secret.value).toBe(bytes.toString('base64'));
    expect(r.masks).toEqual(
      expect.arrayContaining([bytes.toString('base64'), new TextDecoder().decode(bytes)]),
    );
  });

  it('refuses what is not base64, naming the line, never the value', async () => {
    const value = `not base64 ${fake('x')}!`;
    const r = await resolve('A: env:V?decode=base64\nB_*: env:BIN?decode=base64', {
      V: value,
      BIN: Buffer.from([0, 200, 3, 4]).toString('base64'),
    });
    expect(r.codes).toEqual(['DECODE_FAILED', 'FLATTEN_NOT_OBJECT']);
    expect(r.errors[0]).toBe(
      'secrets line 1 (A): decode=base64: the value of env:V is not base64 text',
    );
    expect(r.errors[1]).toBe(
      'secrets line 2 (B_*): B_* needs a JSON object, but the value of env:BIN, once decoded, is bytes, not text',
    );
    expectNoLeak(r.errors.join('\n'), [value]);
    expect(r.run.secrets).toEqual([]);
  });
});

describe('what a sweep looks for', () => {
  it('is every secret value, never a literal', async () => {
    const secret = fake('swept');
    const r = await resolve('LEVEL: INFO\nRAW: plain:verbose-logging\nS: env:S', { S: secret });
    expect(r.errors).toEqual([]);
    expect(secretValues(r.run)).toEqual([secret, secret]);
  });
});
