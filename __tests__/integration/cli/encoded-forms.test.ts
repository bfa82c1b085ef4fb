// `run` and `redact` mask what the runner masks (SPEC §1.2): besides a value, its lines and
// its JSON leaves, their URI-escaped form as .NET's Uri.EscapeDataString writes it (every
// character outside A-Z a-z 0-9 - . _ ~ escaped, so `'` `!` `*` `(` `)` too, unlike
// encodeURIComponent) and their XML-escaped form (SecurityElement.Escape), which printers
// such as Python's urllib.parse.quote(v, safe='') and html.escape produce.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStore } from '../../../src/store/store.js';
import { expectNoLeak, findLeaks, formatFindings } from '../../../test/support/leaks.js';
import { CLI, expectOutput, runCli } from './cli-process.js';

let dir: string;
const hex = () => randomBytes(12).toString('hex');
const angle = `x<y>&z'${hex()}(*)!`;
const json = JSON.stringify({ user: `u'${hex()}`, pass: `p&<${hex()}>"` });
// Multi-line, without a final line break: printed, each of its lines ends one log line.
const multi = `line'one(${hex()})\n<two>&"${hex()}"`;
const leaves = JSON.parse(json) as { user: string; pass: string };
const base64 = (text: string) => Buffer.from(text).toString('base64');
const secrets = [angle, json, multi, ...[angle, json, multi].map(base64)];

const JOB = 'A: local:ANGLE\nJ: local:JSON\nJ_*: local:JSON\nM: local:MULTI\n';
/** The variables the command prints, in order, and the values they hold. */
const PRINTED: ReadonlyArray<[string, string]> = [
  ['A', angle],
  ['J', json],
  ['J_USER', leaves.user],
  ['J_PASS', leaves.pass],
  ['M', multi],
];

// The printers, as source text: the child process runs them, and so does this test (for
// `redact`'s input and to check that none of the forms is left readable).
const PRINTERS_SOURCE = `
const uri = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
const xml = (s) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]);
const html = (s) => xml(s).replace(/&apos;/g, '&#x27;');
const print = (name, v) => ['uri=' + uri(v), 'xml=' + xml(v), 'html=' + html(v)].map((f) => name + ' ' + f + '\\n').join('');
`;
const printers = new Function(`${PRINTERS_SOURCE} return { uri, xml, html, print };`)() as Record<
  'uri' | 'xml' | 'html',
  (s: string) => string
> & { print: (name: string, value: string) => string };

/** What masking leaves of the printed forms: the multi-line one's XML forms print as two lines. */
const EXPECTED = PRINTED.map(([name]) =>
  name === 'M'
    ? `${name} uri=***\n${name} xml=***\n***\n${name} html=***\n***\n`
    : `${name} uri=***\n${name} xml=***\n${name} html=***\n`,
).join('');

/** Every printed form of a value, of each of its lines and of each JSON leaf. */
const forms = [angle, json, multi, leaves.user, leaves.pass, ...multi.split('\n')].flatMap((v) => [
  printers.uri(v),
  printers.xml(v),
  printers.html(v),
]);

function expectMasked(result: { stdout: string; stderr: string }): void {
  expectNoLeak(result.stdout + result.stderr, secrets);
  const readable = findLeaks(result.stdout + result.stderr, forms);
  if (readable.length > 0)
    throw new Error(`encoded forms left readable:\n${formatFindings(readable)}`);
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-encoded-'));
  await new LocalStore({
    storePath: join(dir, 'secrets.json.enc'),
    keyPath: join(dir, 'secrets.key'),
  }).set([
    ['ANGLE', angle],
    ['JSON', json],
    ['MULTI', multi],
  ]);
  await writeFile(join(dir, 'secrets.conf'), JOB);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('URI- and XML-escaped forms of values', () => {
  it('run masks them in the command output', async () => {
    const script = `${PRINTERS_SOURCE}
      process.stdout.write(${JSON.stringify(PRINTED.map(([name]) => name))}
        .map((name) => print(name, process.env[name])).join(''));`;
    const result = await runCli(
      ['run', '-c', 'secrets.conf', '--', process.execPath, '-e', script],
      {
        cwd: dir,
      },
    );
    expectMasked(result);
    expect(result.code).toBe(0);
    expectOutput(result.stdout, EXPECTED);
  });

  it('redact masks them on the way from stdin to stdout', async () => {
    const input = PRINTED.map(([name, value]) => printers.print(name, value)).join('');
    const result = await runCli(['redact', '-c', 'secrets.conf'], { cwd: dir, input });
    expectMasked(result);
    expect(result.code).toBe(0);
    expectOutput(result.stdout, EXPECTED);
  });
});
