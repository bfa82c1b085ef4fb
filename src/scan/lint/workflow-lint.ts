// The workflow policy lint (SPEC §2): reads `.github/workflows/*.yml` and reports
// - long-lived cloud credentials handed to a job from `secrets.*`: static AWS access keys,
//   GCP service-account key JSON, Azure client secrets, Vault tokens — by where they go (an
//   env variable or action input that takes such a credential) or by the secret's name;
// - jobs that fetch cloud credentials through OIDC but cannot mint the token because the
//   job (or the workflow) does not grant `id-token: write`.
// Every message carries the OIDC replacement.
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Node as YamlNode,
  type YAMLMap,
} from 'yaml';
import { readFileNoFollow } from '../config/settings.js';

export type LintRuleId = 'workflow-static-credential' | 'workflow-missing-id-token';

export interface LintFinding {
  ruleId: LintRuleId;
  file: string;
  line: number;
  column: number;
  title: string;
  message: string;
}

type Provider = 'aws' | 'gcp' | 'azure' | 'vault';

const PROVIDER_NAME: Record<Provider, string> = {
  aws: 'AWS access key',
  gcp: 'GCP service-account key',
  azure: 'Azure client secret',
  vault: 'Vault token',
};

const REPLACEMENT: Record<Provider, string> = {
  aws:
    'use OIDC instead: grant `id-token: write` and use aws-actions/configure-aws-credentials with `role-to-assume` ' +
    '(or oidc-secrets with `aws-role-arn`), then deactivate the access key',
  gcp:
    'use Workload Identity Federation instead: grant `id-token: write` and use google-github-actions/auth with ' +
    '`workload_identity_provider` (or oidc-secrets with `gcp-workload-identity-provider`), then delete the key',
  azure:
    'use a federated credential instead: grant `id-token: write` and use azure/login with `client-id`, `tenant-id` ' +
    'and `subscription-id` and no secret (or oidc-secrets with `azure-client-id`/`azure-tenant-id`), then remove the secret',
  vault:
    'use JWT auth instead: grant `id-token: write` and use hashicorp/vault-action with `method: jwt` and a `role` ' +
    '(or oidc-secrets with `vault-role`), then revoke the token',
};

/** Env variables that carry a static credential. */
const STATIC_ENV: [RegExp, Provider][] = [
  [/^AWS_(?:ACCESS_KEY_ID|SECRET_ACCESS_KEY)$/i, 'aws'],
  [
    /^(?:GOOGLE_CREDENTIALS|GOOGLE_APPLICATION_CREDENTIALS|GCP_SA_KEY|GCLOUD_SERVICE_KEY|GOOGLE_CLOUD_KEYFILE_JSON)$/i,
    'gcp',
  ],
  [/^(?:AZURE_CLIENT_SECRET|ARM_CLIENT_SECRET|AZURE_CREDENTIALS)$/i, 'azure'],
  [/^VAULT_TOKEN$/i, 'vault'],
];

/** Action inputs that take a static credential (any action; the known ones by name). */
const STATIC_INPUT: [RegExp, Provider][] = [
  [/^aws[-_]?(?:access[-_]?key[-_]?id|secret[-_]?access[-_]?key)$/i, 'aws'],
  [/^(?:credentials_json|service_account_key)$/i, 'gcp'],
  [/^(?:creds|client[-_]?secret)$/i, 'azure'],
];

/** Secret names that say what they hold. */
const STATIC_SECRET_NAME: [RegExp, Provider][] = [
  [/AWS_?(?:SECRET_?ACCESS_?KEY|ACCESS_?KEY_?ID|SECRET_?KEY|ACCESS_?KEY)\b/i, 'aws'],
  [
    /(?:GCP|GCLOUD|GOOGLE)_?(?:SA_?KEY|SERVICE_?ACCOUNT_?KEY|CREDENTIALS|SERVICE_?KEY|KEYFILE)/i,
    'gcp',
  ],
  [/(?:AZURE|ARM)_?(?:CLIENT_?SECRET|CREDENTIALS)/i, 'azure'],
  [/VAULT_?TOKEN/i, 'vault'],
];

const SECRET_REF = /\bsecrets\s*\.\s*([A-Za-z_][A-Za-z0-9_-]*)|\bsecrets\s*\[\s*'([^']+)'\s*\]/g;

interface Context {
  file: string;
  counter: LineCounter;
  out: LintFinding[];
  seen: Set<string>;
}

function position(
  ctx: Context,
  node: YamlNode | null | undefined,
): { line: number; column: number } {
  const offset = node?.range?.[0] ?? 0;
  const pos = ctx.counter.linePos(offset);
  return { line: pos.line, column: pos.col };
}

function scalar(node: unknown): string | undefined {
  if (isScalar(node))
    return node.value === null || node.value === undefined ? undefined : String(node.value);
  return undefined;
}

function entries(node: unknown): [string, YamlNode][] {
  if (!isMap(node)) return [];
  return node.items.flatMap((pair) => {
    const key = scalar(pair.key);
    return key === undefined ? [] : [[key, pair.value as YamlNode]];
  });
}

function get(node: unknown, key: string): YamlNode | undefined {
  return entries(node).find(([k]) => k === key)?.[1];
}

function secretNames(text: string): string[] {
  return [...text.matchAll(SECRET_REF)].map((m) => (m[1] ?? m[2])!);
}

function add(
  ctx: Context,
  ruleId: LintRuleId,
  node: YamlNode | undefined,
  title: string,
  message: string,
): void {
  const { line, column } = position(ctx, node);
  const key = `${ruleId}:${line}:${title}`;
  if (ctx.seen.has(key)) return;
  ctx.seen.add(key);
  ctx.out.push({ ruleId, file: ctx.file, line, column, title, message });
}

function providerOf(table: [RegExp, Provider][], name: string): Provider | undefined {
  return table.find(([re]) => re.test(name))?.[1];
}

/** A value handed to a slot (`env` variable or `with` input) from `secrets.*`. */
function checkSlot(
  ctx: Context,
  where: string,
  slot: string,
  table: [RegExp, Provider][],
  value: YamlNode,
): void {
  const text = scalar(value);
  if (text === undefined) return;
  const names = secretNames(text);
  if (names.length === 0) return;
  const provider =
    providerOf(table, slot) ?? names.map((n) => providerOf(STATIC_SECRET_NAME, n)).find(Boolean);
  if (!provider) return;
  add(
    ctx,
    'workflow-static-credential',
    value,
    `Long-lived ${PROVIDER_NAME[provider]} from secrets`,
    `${where} passes a long-lived ${PROVIDER_NAME[provider]} from \`secrets.${names[0]}\` to \`${slot}\`: ${REPLACEMENT[provider]}.`,
  );
}

function checkEnv(ctx: Context, where: string, env: unknown): void {
  for (const [name, value] of entries(env)) checkSlot(ctx, where, name, STATIC_ENV, value);
}

function checkRun(ctx: Context, where: string, run: YamlNode | undefined): void {
  const text = scalar(run);
  if (text === undefined) return;
  for (const name of secretNames(text)) {
    const provider = providerOf(STATIC_SECRET_NAME, name);
    if (!provider) continue;
    add(
      ctx,
      'workflow-static-credential',
      run,
      `Long-lived ${PROVIDER_NAME[provider]} from secrets`,
      `${where} uses a long-lived ${PROVIDER_NAME[provider]} from \`secrets.${name}\` in its script: ${REPLACEMENT[provider]}.`,
    );
  }
}

/** Which OIDC exchange a step performs, if any. */
function oidcStep(uses: string, withNode: unknown): Provider | 'oidc-secrets' | undefined {
  const action = uses.split('@')[0]!.toLowerCase();
  const input = (name: string): string | undefined => scalar(get(withNode, name));
  if (action === 'aws-actions/configure-aws-credentials') {
    return input('role-to-assume') &&
      !input('aws-access-key-id') &&
      !input('web-identity-token-file')
      ? 'aws'
      : undefined;
  }
  if (action === 'google-github-actions/auth')
    return input('workload_identity_provider') ? 'gcp' : undefined;
  if (action === 'azure/login') return input('client-id') && !input('creds') ? 'azure' : undefined;
  if (action === 'hashicorp/vault-action') {
    return (input('method') ?? '').toLowerCase() === 'jwt' && !input('jwtTokenFile')
      ? 'vault'
      : undefined;
  }
  if (/(^|\/)oidc-secrets$/.test(action)) {
    const exchanges = [
      'vault-role',
      'aws-role-arn',
      'gcp-workload-identity-provider',
      'azure-client-id',
    ];
    return exchanges.some((name) => input(name)) ? 'oidc-secrets' : undefined;
  }
  return undefined;
}

/** Whether the permissions block (job's, else workflow's) grants `id-token: write`. */
function grantsIdToken(permissions: YamlNode | undefined): boolean {
  if (permissions === undefined) return false; // the default GITHUB_TOKEN grants no id-token
  const all = scalar(permissions);
  if (all !== undefined) return all === 'write-all';
  return scalar(get(permissions, 'id-token')) === 'write';
}

function lintDocument(ctx: Context, root: YAMLMap): void {
  checkEnv(ctx, 'the workflow `env`', get(root, 'env'));
  const workflowPermissions = get(root, 'permissions');
  for (const [jobId, job] of entries(get(root, 'jobs'))) {
    if (!isMap(job) || get(job, 'uses')) continue; // a reusable workflow call is linted in its own file
    checkEnv(ctx, `job \`${jobId}\``, get(job, 'env'));
    const permissions = get(job, 'permissions') ?? workflowPermissions;
    const steps = get(job, 'steps');
    if (!isSeq(steps)) continue;
    steps.items.forEach((step, index) => {
      const name = scalar(get(step, 'name')) ?? scalar(get(step, 'id')) ?? `#${index + 1}`;
      const where = `job \`${jobId}\` step \`${name}\``;
      checkEnv(ctx, where, get(step, 'env'));
      checkRun(ctx, where, get(step, 'run'));
      const usesNode = get(step, 'uses');
      const uses = scalar(usesNode);
      const withNode = get(step, 'with');
      for (const [input, value] of entries(withNode))
        checkSlot(ctx, where, input, STATIC_INPUT, value);
      if (!uses) return;
      const exchange = oidcStep(uses, withNode);
      if (exchange && !grantsIdToken(permissions)) {
        add(
          ctx,
          'workflow-missing-id-token',
          usesNode,
          'OIDC credential step without id-token: write',
          `${where} (${uses.split('@')[0]}) exchanges the job's OIDC token for ${exchange === 'oidc-secrets' ? 'cloud' : exchange.toUpperCase()} credentials, ` +
            `but job \`${jobId}\` is not granted \`id-token: write\`: add \`permissions: { id-token: write, contents: read }\` to the job ` +
            '(a job that sets permissions loses the defaults it does not list).',
        );
      }
    });
  }
}

/** Lints one workflow file's text; `file` is its path for the findings. */
export function lintWorkflowText(
  text: string,
  file: string,
): { findings: LintFinding[]; error?: string } {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: false });
  if (doc.errors.length > 0)
    return { findings: [], error: `${file}: not valid YAML (${doc.errors[0]!.code})` };
  const ctx: Context = { file, counter, out: [], seen: new Set() };
  if (isMap(doc.contents)) lintDocument(ctx, doc.contents);
  return { findings: ctx.out.sort((a, b) => a.line - b.line || a.column - b.column) };
}

/** The actions whose steps `oidcStep` knows, as they appear lowercased in a workflow's text. */
const OIDC_ACTIONS = [
  'configure-aws-credentials',
  'google-github-actions/auth',
  'azure/login',
  'hashicorp/vault-action',
  'oidc-secrets',
];

/** The escapes of YAML's double-quoted scalars (YAML 1.2 §5.7), decoded; a line break escaped away. */
const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  '\t': '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\x85',
  _: '\xa0',
  L: '\u2028',
  P: '\u2029',
};
function unescapeDoubleQuoted(text: string): string {
  return text.replace(
    /\\(?:x([0-9A-Fa-f]{2})|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|\r?\n[ \t]*|(.))/g,
    (whole, x?: string, u?: string, big?: string, one?: string) => {
      const hex = x ?? u ?? big;
      if (hex) {
        const code = parseInt(hex, 16);
        return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
      }
      if (one === undefined) return ''; // an escaped line break joins the lines
      return ESCAPES[one] ?? whole;
    },
  );
}

/**
 * Whether a workflow's text could yield a finding, without parsing it: parsing YAML is what
 * dominated a whole scan's profile (a few hundred KB of workflows cost more than reading and
 * scanning 20 MiB). Every finding needs, in the text, a slot name of STATIC_ENV or
 * STATIC_INPUT, a secret name of STATIC_SECRET_NAME, or the name of an OIDC action. Each of
 * these is a run of non-space characters of one scalar, which YAML writes literally except
 * through a double-quoted escape (line folding only turns breaks into spaces, and the
 * names hold none); so the text, and the text with escapes decoded, is tested with the same
 * patterns unanchored: a superset of what the parsed lint can find.
 */
export function mayHaveFindings(text: string): boolean {
  const texts = text.includes('\\') ? [text, unescapeDoubleQuoted(text)] : [text];
  return texts.some((t) => {
    const lower = t.toLowerCase();
    if (OIDC_ACTIONS.some((name) => lower.includes(name))) return true;
    return [...STATIC_ENV, ...STATIC_INPUT, ...STATIC_SECRET_NAME].some(([re]) =>
      unanchored(re).test(t),
    );
  });
}

const unanchoredCache = new Map<RegExp, RegExp>();
function unanchored(re: RegExp): RegExp {
  let found = unanchoredCache.get(re);
  if (!found) {
    found = new RegExp(re.source.replace(/^\^/, '').replace(/\$$/, ''), re.flags);
    unanchoredCache.set(re, found);
  }
  return found;
}

/**
 * Lints `<root>/.github/workflows/*.yml|yaml`. With `validate: false` (the CLI, which prints
 * no lint errors) a workflow that cannot yield a finding (`mayHaveFindings`) is not parsed,
 * so it is not checked to be valid YAML either; the action, which warns about invalid
 * workflows, parses each one.
 */
export function lintWorkflows(
  root: string,
  options: { validate?: boolean } = {},
): {
  findings: LintFinding[];
  errors: string[];
  files: number;
} {
  const dir = join(root, '.github', 'workflows');
  const result = { findings: [] as LintFinding[], errors: [] as string[], files: 0 };
  // Links are not followed: `.github`, `.github/workflows` and each workflow must be real
  // (a link could point the lint at a file outside the checkout, or at a device).
  for (const [path, shown] of [
    [join(root, '.github'), '.github'],
    [dir, '.github/workflows'],
  ] as const) {
    let st;
    try {
      st = lstatSync(path);
    } catch {
      return result;
    }
    if (st.isSymbolicLink()) {
      result.errors.push(`${shown} is a symbolic link: not followed, its workflows are not linted`);
      return result;
    }
    if (!st.isDirectory()) return result;
  }
  const entries = readdirSync(dir, { withFileTypes: true })
    .filter((e) => /\.ya?ml$/i.test(e.name))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const name = entry.name;
    const file = `.github/workflows/${name}`;
    if (entry.isSymbolicLink()) {
      result.errors.push(`${file} is a symbolic link: not followed, not linted`);
      continue;
    }
    if (!entry.isFile()) continue;
    let text: string | undefined;
    try {
      text = readFileNoFollow(join(dir, name), file);
    } catch {
      text = undefined;
    }
    if (text === undefined) {
      result.errors.push(`${file}: unreadable`);
      continue;
    }
    result.files++;
    if (options.validate === false && !mayHaveFindings(text)) continue;
    const { findings, error } = lintWorkflowText(text, file);
    result.findings.push(...findings);
    if (error) result.errors.push(error);
  }
  return result;
}
