// `npm run bench:gitleaks -- --config GITLEAKS_TOML [--samples SAMPLES_JSON]`: the built-in
// rules against gitleaks' default rules, on the samples gitleaks' rule definitions describe.
// Nothing of gitleaks is in this repository: its config and samples are read from the paths
// given (taken from gitleaks' cmd/generate/config/rules/*.go and config/gitleaks.toml).
//
// Positives, per gitleaks rule:
// - generated as gitleaks' own generator makes its true positives (GenerateSampleSecrets):
//   the rule's secret, sampled at random from its regex, written in each of the assignment
//   forms that generator writes (`fooToken = "…"`, `foo_token: '…'`, `<fooToken>…</fooToken>`,
//   `System.setProperty("FOO_TOKEN", "…")`, Go, PHP, Makefile operators, …), the name made
//   of the rule's first keyword;
// - the literal true positives of the rule's definition (`--samples`, kind "tp").
// A positive counts when gitleaks' rules flag it (any rule: that is "what gitleaks' rules
// find"); ours finds it when any built-in rule flags it.
// Negatives: the rule definitions' false-positive samples (kind "fp"), counted for each side,
// and a few negatives made the same way for every rule (a `${VAR}` reference, a placeholder,
// the value cut short to a run of x, `os.environ[…]`).
//
// Samples file: a JSON array of {rule, kind: "tp" | "fp", path?: string, text: string}; a
// text may hold «REGEX», replaced by a string sampled from REGEX («P…»: one with a digit in
// 1-9, as gitleaks' newPlausibleSecret makes).
//
// Options: --rounds N secrets sampled per rule (default 8), --seed N, --show RULE (print the
// samples of RULE one side finds and the other does not: fake values, for this bench only).
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import RandExp from 'randexp';
import { compileConfig, parseScanConfig } from '../src/scan/config/config.js';
import { builtinConfig } from '../src/scan/config/rules.js';
import { Detector } from '../src/scan/detect/detector.js';
import { seededRandom } from './seeded-random.js';

interface Sample {
  rule: string;
  kind: 'tp' | 'fp';
  path?: string | null;
  text: string;
}

interface Tally {
  positives: number;
  ours: number;
  fpSamples: number;
  fpGitleaks: number;
  fpOurs: number;
}

function option(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? undefined : process.argv[at + 1];
}

const configPath = option('config');
if (!configPath) {
  console.error('usage: gitleaks-samples --config GITLEAKS_TOML [--samples SAMPLES_JSON]');
  process.exit(2);
}
const samplesPath = option('samples');
const rounds = Number(option('rounds') ?? 8);
const show = option('show');

const random = seededRandom(Number(option('seed') ?? 20261206));

// The forms of gitleaks' GenerateSampleSecrets ({i}: identifier, {I}: upper case, {s}: secret).
const FORMS = [
  '{i}Token="{s}"',
  '{i}Token = "{s}"',
  '{i}Token={s}',
  '{i}Token = {s}',
  '{\n    "{i}_token": "{s}"\n}',
  '{"config.ini": "{I}_TOKEN={s}\\nBACKUP_ENABLED=true"}',
  '<{i}Token>\n    {s}\n</{i}Token>',
  '{i}_token: {s}',
  "{i}_token: '{s}'",
  '{i}_token: "{s}"',
  'string {i}Token = "{s}";',
  'var {i}Token string = "{s}"',
  '{i}Token := "{s}"',
  '{i}Token := `{s}`',
  'String {i}Token = "{s}";',
  'var {i}Token = "{s}"',
  '${i}Token .= "{s}"',
  "{i}Token = '{s}'",
  'System.setProperty("{I}_TOKEN", "{s}")',
  '  "{i}Token" => "{s}"',
  '{i}_TOKEN = "{s}"',
  '{i}_TOKEN := "{s}"',
  '{i}_TOKEN ::= "{s}"',
  '{i}_TOKEN :::= "{s}"',
  '{i}_TOKEN ?= "{s}"',
];

/** The secret part of gitleaks' generated regexes (semi-generic and unique-token shapes). */
function secretPart(re: string): string {
  const semi = re.match(/\[\\x60'"\\s=\]\{0,5\}\((.*)\)\(\?:\[\\x60'"\\s;\]\|\\\\\[nr\]\|\$\)$/s);
  // A secret written with its quotes (hashicorp-tf-password's `"[a-z0-9=_\-]{8,20}"`): the
  // forms add their own.
  if (semi) return semi[1]!.replace(/^"(.*)"$/s, '$1');
  const unique = re.match(/^(?:\(\?i\))?\\b\((.*)\)\(\?:\[\\x60'"\\s;\]\|\\\\\[nr\]\|\$\)$/s);
  if (unique) return unique[1]!;
  return re;
}

/** A sampler for an RE2 pattern (flags and names JavaScript reads differently removed). */
function sampler(re2: string): RandExp {
  const source = re2
    .replace(/\(\?-?i:/g, '(?:')
    .replace(/\(\?-?i\)/g, '')
    .replace(/\(\?P<\w+>/g, '(')
    .replace(/\\z/g, '$')
    .replace(/\(\?s:\.\)/g, '.');
  const r = new RandExp(new RegExp(source));
  r.max = 32;
  r.randInt = (a: number, b: number) => a + Math.floor(random() * (b - a + 1));
  // Printable ASCII letters and digits where a class is open-ended (`.`, `\S`, negations).
  r.defaultRange.subtract(32, 126);
  r.defaultRange.add(48, 57);
  r.defaultRange.add(65, 90);
  r.defaultRange.add(97, 122);
  return r;
}

/** A sample's text with its «REGEX» markers filled in. */
function fill(text: string): string {
  return text.replace(/«(P?)(.*?)»/g, (_m, plausible: string, re: string) => {
    const gen = sampler(re);
    for (;;) {
      const value = gen.gen();
      if (!plausible || /[1-9]/.test(value)) return value;
    }
  });
}

/** Where a rule's generated samples are written: a file its `path` (if any) accepts. */
function pathFor(rule: string, hasPath: boolean): string {
  if (!hasPath) return 'f.txt';
  if (rule.includes('nuget')) return 'NuGet.config';
  if (rule.includes('tf')) return 'main.tf';
  if (rule.includes('freemius')) return 'x.php';
  if (rule.includes('kubernetes')) return 'k.yaml';
  return 'f.txt';
}

const toml = readFileSync(configPath, 'utf8');
const gitleaks = new Detector(parseScanConfig(toml, basename(configPath)));
const ours = new Detector(compileConfig(builtinConfig(), 'built-in'));
const flags = (d: Detector, text: string, path: string): boolean =>
  d.detect({ path, text }).length > 0;

const tallies = new Map<string, Tally>();
const tally = (rule: string): Tally => {
  let t = tallies.get(rule);
  if (!t)
    tallies.set(rule, (t = { positives: 0, ours: 0, fpSamples: 0, fpGitleaks: 0, fpOurs: 0 }));
  return t;
};
const unsampled: string[] = [];
let synthetic = 0;
let syntheticGitleaks = 0;
let syntheticOurs = 0;

function positive(rule: string, text: string, path: string): void {
  if (!flags(gitleaks, text, path)) return;
  const t = tally(rule);
  t.positives++;
  if (flags(ours, text, path)) t.ours++;
  else if (show === rule) console.log('missed', JSON.stringify(text));
}

// Generated positives and negatives, per gitleaks rule.
const ruleBlocks = [
  ...toml.matchAll(/\[\[rules\]\]\nid = "([^"]+)"[\s\S]*?(?=\n\[\[rules\]\]|$)/g),
];
for (const block of ruleBlocks) {
  const id = block[1]!;
  const body = block[0];
  tally(id);
  const regex = body.match(/\nregex = '''([\s\S]*?)'''/)?.[1];
  if (regex === undefined) continue; // a path-only rule: nothing to write in a file
  const hasPath = /\npath = '''/.test(body);
  const keyword = body.match(/\nkeywords = \[\s*"([^"]+)"/)?.[1] ?? id.split('-')[0]!;
  const ident = keyword.replace(/[^a-z0-9_]/gi, '') || 'app';
  const path = pathFor(id, hasPath);
  let gen: RandExp;
  try {
    gen = sampler(secretPart(regex));
  } catch {
    unsampled.push(id);
    continue;
  }
  for (let k = 0; k < rounds; k++) {
    const secret = gen.gen();
    for (const form of FORMS) {
      const text = form
        .replaceAll('{i}', ident)
        .replaceAll('{I}', ident.toUpperCase())
        .replaceAll('{s}', secret);
      positive(id, text, path);
    }
    for (const value of [
      `\${${ident.toUpperCase()}_TOKEN}`,
      `<${ident}-token>`,
      `${secret.slice(0, 4)}${'x'.repeat(20)}`,
      `your-${ident}-token-here`,
      `os.environ["${ident.toUpperCase()}_TOKEN"]`,
    ]) {
      const text = `${ident}_token = "${value}"`;
      synthetic++;
      if (flags(gitleaks, text, path)) syntheticGitleaks++;
      if (flags(ours, text, path)) syntheticOurs++;
    }
  }
}

// The rule definitions' own samples.
const samples: Sample[] = samplesPath
  ? (JSON.parse(readFileSync(samplesPath, 'utf8')) as Sample[])
  : [];
for (const sample of samples) {
  const text = fill(sample.text);
  const path = sample.path ?? 'f.txt';
  if (sample.kind === 'tp') {
    positive(sample.rule, text, path);
    continue;
  }
  const t = tally(sample.rule);
  t.fpSamples++;
  const g = flags(gitleaks, text, path);
  const o = flags(ours, text, path);
  if (g) t.fpGitleaks++;
  if (o) t.fpOurs++;
  if (o && !g && show === sample.rule) console.log('flagged', JSON.stringify(text));
}

// The table: rules where ours finds less, or flags more negatives, first.
const rows = [...tallies].sort(
  ([a, x], [b, y]) =>
    x.ours / (x.positives || 1) - y.ours / (y.positives || 1) ||
    y.fpOurs - y.fpGitleaks - (x.fpOurs - x.fpGitleaks) ||
    a.localeCompare(b),
);
const pct = (n: number, d: number): string => (d === 0 ? '-' : `${((100 * n) / d).toFixed(1)}%`);
console.log(
  'rule'.padEnd(44) +
    'gitleaks finds'.padStart(15) +
    'ours'.padStart(7) +
    'share'.padStart(8) +
    '   fp samples: gitleaks/ours',
);
for (const [id, t] of rows) {
  console.log(
    id.padEnd(44) +
      String(t.positives).padStart(15) +
      String(t.ours).padStart(7) +
      pct(t.ours, t.positives).padStart(8) +
      (t.fpSamples ? `   ${t.fpSamples}: ${t.fpGitleaks}/${t.fpOurs}` : ''),
  );
}
const sum = (f: (t: Tally) => number): number =>
  [...tallies.values()].reduce((s, t) => s + f(t), 0);
const positives = sum((t) => t.positives);
const found = sum((t) => t.ours);
console.log(
  `\nrules: ${tallies.size}; samples: ${samples.length} from the rule definitions, ${rounds} ` +
    `generated secrets × ${FORMS.length} forms per rule`,
);
console.log(
  `positives gitleaks finds: ${positives}; the built-in rules find ${found} (${pct(found, positives)})`,
);
console.log(
  `gitleaks' false-positive samples: ${sum((t) => t.fpSamples)}; gitleaks flags ` +
    `${sum((t) => t.fpGitleaks)}, the built-in rules flag ${sum((t) => t.fpOurs)}`,
);
console.log(
  `generated negatives: ${synthetic}; gitleaks flags ${syntheticGitleaks}, the built-in rules flag ${syntheticOurs}`,
);
if (unsampled.length > 0) console.log(`regexes randexp cannot sample: ${unsampled.join(', ')}`);
