// Property-based leak tests (fast-check), in-process: every generated value goes through the
// action's MaskGate, each registration travels as the `::add-mask::` command the action prints
// (escaped by src/github/commands.ts, parsed as the runner parses it) into the runner's
// SecretMasker model (test/support/runner.ts). Then a later step "prints" the value every way
// a workflow is likely to — whole, line by line, JSON.stringify'd, base64, and each JSON leaf
// the same ways — and no masked log line may still show it.
//
// What a leak is here: a candidate (the value, one of its trimmed lines, one of its JSON
// leaves; leaks.ts `leakCandidates`, plus the encoded form itself) found in the text that the
// masker left in clear, i.e. between the `***`s. For base64 the rule is that at most 3
// characters stay in clear: a base64 text ends with a character that also encodes the bytes
// after the value (and `=` padding), which no mask can cover for a value inside longer text.
//
// Beyond what masking can do, and so left out of the properties (see the README's "For
// security teams" section):
// - values that are blank or only whitespace: the runner refuses an empty mask, and such a
//   value has nothing to hide;
// - base64 of a value shorter than 3 bytes: fewer than 4 base64 characters are determined by
//   its own bytes alone (the runner masks the full encoding of a single-line value, so only
//   multi-line values such as "a\n" are concerned);
// - a leak that itself contains `*` and touches a `***`: it cannot be told from the mask.
import fc from 'fast-check';
import { MaskGate } from '../../../src/core/mask.js';
import { escapeData } from '../../../src/github/commands.js';
import { leakCandidates, jsonLeaves, describeSecret } from '../../../test/support/leaks.js';
import { parseWorkflowCommand, SecretMasker } from '../../../test/support/runner.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 2000);

/** The runner's side of a job: masks registered through real add-mask command lines. */
function admitted(values: readonly string[]): { masker: SecretMasker; warnings: string[] } {
  const masker = new SecretMasker();
  const warnings: string[] = [];
  const gate = new MaskGate(
    {
      add(value) {
        // What the action writes to stdout, decoded from UTF-8 as the runner reads it.
        const line = Buffer.from(`::add-mask::${escapeData(value)}`, 'utf8').toString('utf8');
        const command = parseWorkflowCommand(line);
        if (command?.command !== 'add-mask') throw new Error('add-mask line did not parse');
        masker.addMask(command.data);
      },
    },
    (message) => warnings.push(message),
  );
  values.forEach((value, i) => gate.admitValue(value, { label: `secrets line ${i + 1}` }));
  return { masker, warnings };
}

/** What the runner makes of `console.log(text)`: lines split at \n, a trailing \r dropped. */
function logLines(printed: string): string[] {
  return printed.split('\n').map((line) => line.replace(/\r$/, ''));
}

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const isBlank = (text: string) => text.trim() === '';

interface Printed {
  how: string;
  lines: string[];
  /** Texts that must not be readable in the masked lines. */
  candidates: string[];
  /** For base64: how many characters may stay in clear. */
  clearAllowance?: number;
}

/** The ways a careless step prints one secret text (a value, or a leaf of one). */
function printings(text: string): Printed[] {
  const candidates = leakCandidates(text)
    .map((c) => c.text)
    .filter((c) => !/[\r\n]/.test(c) && !isBlank(c));
  const json = JSON.stringify(text);
  const encoded = base64(text);
  const printed: Printed[] = [
    { how: 'whole', lines: logLines(text), candidates },
    {
      how: 'line by line',
      lines: text.split(/\r?\n|\r/).flatMap(logLines),
      candidates,
    },
    { how: 'JSON.stringify', lines: [json], candidates: [...candidates, json.slice(1, -1)] },
  ];
  if (Buffer.byteLength(text, 'utf8') >= 3)
    printed.push({ how: 'base64', lines: [encoded], candidates: [encoded], clearAllowance: 3 });
  return printed;
}

/** Problems with one printing, described by hashes and lengths only. */
function leaksIn(masker: SecretMasker, printed: Printed): string[] {
  const problems: string[] = [];
  for (const line of printed.lines) {
    const masked = masker.mask(line);
    const clear = masked.split('***');
    for (const candidate of printed.candidates) {
      if (/^\**$/.test(candidate)) continue;
      if (clear.some((segment) => segment.includes(candidate))) {
        problems.push(`${printed.how}: ${describeSecret(candidate)} readable`);
      }
    }
    if (printed.clearAllowance !== undefined) {
      const inClear = clear.join('').length;
      if (inClear > printed.clearAllowance)
        problems.push(`${printed.how}: ${inClear} characters of ${line.length} in clear`);
    }
  }
  return problems;
}

/** Every printing of a value and of each of its JSON leaves. */
function allLeaks(masker: SecretMasker, value: string): string[] {
  const texts = [value];
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed !== null && typeof parsed === 'object') texts.push(...jsonLeaves(parsed));
  } catch {
    // not JSON: the value alone
  }
  return texts
    .filter((text) => !isBlank(text))
    .flatMap((text) => printings(text).flatMap((printed) => leaksIn(masker, printed)));
}

function expectNoLeaks(values: readonly string[]): void {
  const { masker, warnings } = admitted(values);
  const problems = values.flatMap((value, i) =>
    allLeaks(masker, value).map((p) => `value #${i} ${describeSecret(value)}: ${p}`),
  );
  if (problems.length) throw new Error(problems.slice(0, 10).join('\n'));
  // Warnings name the line, never the value.
  for (const warning of warnings) expect(warning).toMatch(/^secrets line \d+: a value of \d+ /);
}

// --- generators -------------------------------------------------------------------------

const anyText = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 });
/** Text with line breaks of every kind, blanks at the edges of lines. */
const multiLine = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 16 }) },
      { weight: 2, arbitrary: fc.constantFrom('\n', '\r\n', '\r', ' ', '\t', '  ') },
    ),
    { minLength: 1, maxLength: 14 },
  )
  .map((parts) => parts.join(''));
/** A small alphabet of the characters that matter to escaping, so they collide often. */
const nasty = fc.string({
  unit: fc.constantFrom(
    ...'a%0AD:,{}[]"\\ \n\r\t=+/*'.split(''),
    '%0A',
    '%25',
    '::',
    '::add-mask::',
    '\u2028',
    '\u0085',
    'é',
    '🔑',
  ),
  minLength: 1,
  maxLength: 24,
});
const secretText = fc.oneof(anyText, multiLine, nasty).filter((v) => !isBlank(v));

/** JSON strings with any characters, line breaks (a PEM in a key file) and escapes. */
const jsonStringUnit = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.constantFrom('\n', '\r\n', '\r', ' ', '"', '\\', '\u2028') },
);
const jsonDocument = fc
  .tuple(
    fc.oneof(
      fc.object({ stringUnit: jsonStringUnit }),
      fc.array(fc.jsonValue({ stringUnit: jsonStringUnit }), { minLength: 1 }),
    ),
    fc.constantFrom<undefined | number | string>(undefined, 2, '\t'),
  )
  .map(([value, indent]) => JSON.stringify(value, null, indent));

// --- properties ---------------------------------------------------------------------------

describe('masking properties (MaskGate → add-mask → runner SecretMasker)', () => {
  it('a value with any characters and line breaks is masked however a later step prints it', () => {
    fc.assert(
      fc.property(secretText, (value) => expectNoLeaks([value])),
      { numRuns: RUNS },
    );
  });

  it('a JSON document is masked whole, by line, as JSON, as base64, and leaf by leaf', () => {
    fc.assert(
      fc.property(jsonDocument, (value) => expectNoLeaks([value])),
      { numRuns: RUNS },
    );
  });

  it('several values admitted in one job do not hide each other', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(secretText, jsonDocument), { minLength: 2, maxLength: 6 }),
        (values) => expectNoLeaks(values),
      ),
      { numRuns: Math.ceil(RUNS / 4) },
    );
  });

  // Named regressions, so that a failure here reads as what it is.
  it.each([
    [
      'a PEM-like leaf printed as base64',
      '{"private_key":"-----BEGIN KEY-----\\nMIIBOgIBAAJBAKj34\\n-----END KEY-----\\n"}',
    ],
    ['a value with a quote and a line separator, JSON.stringify-ed', 'pa"ss\u2028word-1'],
    ['a lone carriage return', 'first-part\rsecond-part'],
    ['text that looks like a workflow command', '::add-mask::%0A%25s3cret'],
  ])('%s', (_what, value) => expectNoLeaks([value]));
});
