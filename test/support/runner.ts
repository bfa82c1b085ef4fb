// Runs the built action the way the GitHub Actions runner runs a JavaScript action, and shows
// what GitHub would show. Modelled on actions/runner:
// - the step environment: INPUT_<NAME> (upper-cased, spaces → `_`, hyphens kept; action.yml
//   defaults applied), STATE_<name> in post, fresh file-command files, GITHUB_* and RUNNER_*
//   context, ACTIONS_ID_TOKEN_REQUEST_* from the issuer — and nothing else of the test
//   process's environment but PATH and HOME;
// - output lines ended by LF, CR or CRLF (.NET's reader); workflow commands (`::cmd k=v::data`
//   at a line's start, and legacy `##[cmd]data` anywhere in a line; names in any case) on
//   stdout *and* stderr, with the runner's unescaping; `stop-commands`;
// - file commands GITHUB_ENV/OUTPUT/STATE (`name=value` and `name<<DELIM` heredocs, parsed as
//   the runner parses them), GITHUB_PATH, GITHUB_STEP_SUMMARY;
// - the secret masker: add-mask registers the value and each trimmed non-empty line; each
//   registration also adds base64 (three byte offsets), JSON-, URI-, XML- and expression-
//   escaped and quote-trimmed variants; every occurrence of any of them becomes `***`.
//   Masks apply only to lines the runner handles after the add-mask command: a line printed
//   before its mask stays readable. Within one read batch the runner handles stderr lines
//   before stdout lines, so a value printed on stderr right after its add-mask on stdout is
//   modelled as printed before it (batch window: `batchWindowMs`).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { OidcIssuer } from '../emulators/oidc-issuer.js';

/** The repository root (where dist/ and action.yml live). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

// ---------------------------------------------------------------------------------------
// The secret masker (actions/runner SecretMasker + the runner's value encoders)

/** The variants the runner derives from every registered value (HostContext's encoders). */
export function maskVariants(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const base64At = (shift: number) =>
    (bytes.length > shift ? bytes.subarray(shift) : bytes).toString('base64');
  return [
    base64At(0),
    base64At(1),
    base64At(2),
    expressionStringEscape(value),
    jsonStringEscape(value),
    uriDataEscape(value),
    xmlDataEscape(value),
    trimDoubleQuotes(value),
  ].filter((variant, i, all) => variant !== '' && all.indexOf(variant) === i);
}

/** The runner's ExpressionStringEscape: ' doubled. */
export function expressionStringEscape(value: string): string {
  return value.replace(/'/g, "''");
}

/** The runner's TrimDoubleQuotes: a value over 8 characters in double quotes, without them. */
export function trimDoubleQuotes(value: string): string {
  return value.length > 8 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : '';
}

/** Newtonsoft's JsonConvert.ToString without the quotes. */
export function jsonStringEscape(value: string): string {
  return JSON.stringify(value)
    .slice(1, -1)
    .replace(/[\u0085\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** .NET Uri.EscapeDataString: only RFC 3986 unreserved characters stay. */
export function uriDataEscape(value: string): string {
  try {
    return encodeURIComponent(value).replace(
      /[!'()*]/g,
      (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
    );
  } catch {
    return ''; // a lone surrogate: .NET would throw too and skip the encoder
  }
}

/** .NET SecurityElement.Escape. */
export function xmlDataEscape(value: string): string {
  return value.replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;',
  );
}

export class SecretMasker {
  /** Values registered (before encoding), in order. */
  readonly values: string[] = [];
  private readonly originals = new Set<string>();
  private readonly secrets = new Set<string>();

  /** The runner's SecretMasker.AddValue: the value and its encoded variants. */
  addValue(value: string): void {
    if (!value || this.originals.has(value)) return;
    this.originals.add(value);
    this.values.push(value);
    this.secrets.add(value);
    for (const variant of maskVariants(value)) this.secrets.add(variant);
  }

  /**
   * What `::add-mask::` does: the whole value and each trimmed non-empty line of it.
   * Returns false for a blank value (the runner warns and masks nothing).
   */
  addMask(value: string): boolean {
    if (value.trim() === '') return false;
    this.addValue(value);
    for (const line of value.split(/[\r\n]/)) {
      const trimmed = line.trim();
      if (trimmed && trimmed !== value) this.addValue(trimmed);
    }
    return true;
  }

  /** Every occurrence (overlapping ones merged) becomes `***`, as SecretMasker.MaskSecrets. */
  mask(input: string): string {
    if (!input) return input;
    const ranges: Array<[number, number]> = [];
    for (const secret of this.secrets) {
      for (let at = input.indexOf(secret); at >= 0; at = input.indexOf(secret, at + 1)) {
        ranges.push([at, at + secret.length]);
      }
    }
    if (ranges.length === 0) return input;
    ranges.sort((a, b) => a[0] - b[0]);
    let out = '';
    let cursor = 0;
    let current: [number, number] | undefined;
    for (const range of ranges) {
      if (current && range[0] <= current[1]) {
        current[1] = Math.max(current[1], range[1]);
        continue;
      }
      if (current) {
        out += input.slice(cursor, current[0]) + '***';
        cursor = current[1];
      }
      current = [range[0], range[1]];
    }
    if (current) {
      out += input.slice(cursor, current[0]) + '***';
      cursor = current[1];
    }
    return out + input.slice(cursor);
  }

  clone(): SecretMasker {
    const copy = new SecretMasker();
    for (const value of this.values) copy.addValue(value);
    return copy;
  }
}

// ---------------------------------------------------------------------------------------
// Workflow commands

export interface WorkflowCommand {
  command: string;
  properties: Record<string, string>;
  data: string;
  stream: 'stdout' | 'stderr';
}

const REGISTERED_COMMANDS = new Set([
  'add-mask',
  'add-matcher',
  'remove-matcher',
  'debug',
  'notice',
  'warning',
  'error',
  'group',
  'endgroup',
  'echo',
  'stop-commands',
  'save-state',
  'set-output',
  'set-env',
  'add-path',
]);

const unescapeData = (s: string) =>
  s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
const unescapeProperty = (s: string) =>
  s
    .replace(/%0D/g, '\r')
    .replace(/%0A/g, '\n')
    .replace(/%3A/g, ':')
    .replace(/%2C/g, ',')
    .replace(/%25/g, '%');

/** What .NET's String.TrimStart() trims (Char.IsWhiteSpace) before TryParseV2 looks for `::`. */
const DOTNET_LEADING_SPACE =
  /^[\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*/;

/** The runner's command names are compared ignoring case (StringComparer.OrdinalIgnoreCase). */
function registeredCommand(name: string): string | undefined {
  const lower = name.toLowerCase();
  return REGISTERED_COMMANDS.has(lower) ? lower : undefined;
}

/**
 * ActionCommandManager.TryProcessCommand: ActionCommand.TryParseV2 (`::name k=v,k=v::data`
 * at the start of the line after TrimStart), and failing that ActionCommand.TryParse, the
 * legacy `##[name k=v;k=v]data` found ANYWHERE in the line (it uses IndexOf).
 */
export function parseWorkflowCommand(line: string): Omit<WorkflowCommand, 'stream'> | undefined {
  const message = line.replace(DOTNET_LEADING_SPACE, '');
  if (message.startsWith('::')) {
    const end = message.indexOf('::', 2);
    if (end >= 0) {
      const info = message.slice(2, end);
      const space = info.indexOf(' ');
      const command = registeredCommand(space < 0 ? info : info.slice(0, space));
      if (command) {
        const properties: Record<string, string> = {};
        if (space > 0) {
          for (const pair of info
            .slice(space + 1)
            .trim()
            .split(',')
            .filter(Boolean)) {
            const eq = pair.indexOf('=');
            if (eq > 0 && eq < pair.length - 1) {
              properties[pair.slice(0, eq)] = unescapeProperty(pair.slice(eq + 1));
            }
          }
        }
        return { command, properties, data: unescapeData(message.slice(end + 2)) };
      }
    }
  }
  const prefix = line.indexOf('##[');
  if (prefix < 0) return undefined;
  const close = line.indexOf(']', prefix);
  if (close < 0) return undefined;
  const info = line.slice(prefix + 3, close);
  const space = info.indexOf(' ');
  const command = registeredCommand(space < 0 ? info : info.slice(0, space));
  if (!command) return undefined;
  const properties: Record<string, string> = {};
  if (space > 0) {
    for (const pair of info
      .slice(space + 1)
      .split(';')
      .filter(Boolean)) {
      const eq = pair.indexOf('=');
      if (eq > 0 && eq < pair.length - 1) {
        properties[pair.slice(0, eq)] = unescapeLegacy(pair.slice(eq + 1));
      }
    }
  }
  return { command, properties, data: unescapeLegacy(line.slice(close + 1)) };
}

const unescapeLegacy = (s: string) =>
  s.replace(/%3B/g, ';').replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%5D/g, ']');

// ---------------------------------------------------------------------------------------
// File commands

export interface FileCommandResult {
  entries: Array<[string, string]>;
  errors: string[];
}

/**
 * GITHUB_ENV / GITHUB_OUTPUT / GITHUB_STATE as the runner reads them: `NAME=value` lines and
 * `NAME<<DELIMITER` blocks ended by a line that is exactly the delimiter.
 */
export function parseFileCommand(text: string): FileCommandResult {
  const entries: Array<[string, string]> = [];
  const errors: string[] = [];
  let index = 0;
  const readLine = (): { line: string; newline: string | null } | null => {
    if (index >= text.length) return null;
    const start = index;
    const lf = text.indexOf('\n', index);
    if (lf < 0) {
      index = text.length;
      return { line: text.slice(start), newline: null };
    }
    if (lf > start && text[lf - 1] === '\r') {
      index = lf + 1;
      return { line: text.slice(start, lf - 1), newline: '\r\n' };
    }
    index = lf + 1;
    return { line: text.slice(start, lf), newline: '\n' };
  };
  for (let read = readLine(); read; read = readLine()) {
    const { line } = read;
    if (line === '') continue;
    const eq = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    if (eq >= 0 && (heredoc < 0 || eq < heredoc)) {
      const name = line.slice(0, eq);
      if (!name) {
        errors.push(`Invalid format '${line}'. Name must not be empty`);
        continue;
      }
      entries.push([name, line.slice(eq + 1)]);
    } else if (heredoc >= 0 && (eq < 0 || heredoc < eq)) {
      const name = line.slice(0, heredoc);
      const delimiter = line.slice(heredoc + 2);
      if (!name || !delimiter) {
        errors.push(
          `Invalid format '${line}'. Name must not be empty and delimiter must not be empty`,
        );
        continue;
      }
      const start = index;
      let end = index;
      let found = false;
      for (let next = readLine(); next; next = readLine()) {
        if (next.line === delimiter) {
          found = true;
          break;
        }
        if (next.newline === null) break;
        end = index - next.newline.length;
      }
      if (!found) {
        errors.push(`Invalid value. Matching delimiter not found '${delimiter}'`);
        break;
      }
      entries.push([name, end > start ? text.slice(start, end) : '']);
    } else {
      errors.push(`Invalid format '${line}'`);
    }
  }
  return { entries, errors };
}

// ---------------------------------------------------------------------------------------
// The step environment

const DEFAULT_CONTEXT = {
  repository: 'octo-org/octo-repo',
  repository_id: '456',
  repository_owner: 'octo-org',
  repository_owner_id: '123',
  ref: 'refs/heads/main',
  ref_type: 'branch',
  sha: 'c040cae0f0dc81641728557b80f09cfa23b83fe5',
  workflow: 'CI',
  workflow_ref: 'octo-org/octo-repo/.github/workflows/ci.yml@refs/heads/main',
  event_name: 'push',
  run_id: '9876543210',
  run_number: '42',
  run_attempt: '1',
  actor: 'octocat',
  actor_id: '583231',
  head_ref: '',
  base_ref: '',
};
type RunContext = typeof DEFAULT_CONTEXT;

function contextFrom(issuer?: OidcIssuer): RunContext {
  if (!issuer) return { ...DEFAULT_CONTEXT };
  const claims = issuer.claims() as unknown as Record<string, unknown>;
  const context = { ...DEFAULT_CONTEXT };
  for (const key of Object.keys(context) as Array<keyof RunContext>) {
    if (typeof claims[key] === 'string') context[key] = claims[key] as string;
  }
  return context;
}

function defaultEventPayload(ctx: RunContext): Record<string, unknown> {
  const [owner, name] = ctx.repository.split('/');
  const repository = {
    id: Number(ctx.repository_id),
    name,
    full_name: ctx.repository,
    private: true,
    owner: { login: owner, id: Number(ctx.repository_owner_id) },
  };
  const sender = { login: ctx.actor, id: Number(ctx.actor_id) };
  if (ctx.event_name === 'pull_request' || ctx.event_name === 'pull_request_target') {
    return {
      action: 'opened',
      number: 1,
      pull_request: {
        number: 1,
        head: { ref: ctx.head_ref || 'feature', sha: ctx.sha },
        base: { ref: ctx.base_ref || 'main', sha: '0'.repeat(40) },
      },
      repository,
      sender,
    };
  }
  return {
    ref: ctx.ref,
    before: '0'.repeat(40),
    after: ctx.sha,
    repository,
    pusher: { name: ctx.actor },
    sender,
  };
}

/** INPUT_<NAME>: upper-cased, spaces → `_`, hyphens kept (the runner's rule). */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/** GITHUB_TOKEN as the runner hands it to `${{ github.token }}` defaults (fake, masked). */
export const FAKE_GITHUB_TOKEN = 'ghs_EmulatedRunnerToken0000000000000000';

/**
 * Input defaults of an action.yml (the runner passes every declared input). Simple context
 * expressions such as `${{ github.token }}` are evaluated from `context`; others stay as is.
 */
export function actionDefaults(
  actionYml: string,
  context: Record<string, string> = {},
): Record<string, string> {
  if (!existsSync(actionYml)) return {};
  const doc = parseYaml(readFileSync(actionYml, 'utf8')) as {
    inputs?: Record<string, { default?: unknown }>;
  } | null;
  const defaults: Record<string, string> = {};
  for (const [name, spec] of Object.entries(doc?.inputs ?? {})) {
    if (!spec || spec.default === undefined || spec.default === null) continue;
    defaults[name] = String(spec.default).replace(
      /\$\{\{\s*([\w.]+)\s*\}\}/g,
      (expression, key: string) => context[key] ?? expression,
    );
  }
  return defaults;
}

// ---------------------------------------------------------------------------------------
// Where the entry runs from

/** What the runner downloads of the action that matters to running it (no node_modules). */
const ACTION_FILES = ['dist', 'package.json', 'action.yml', 'scan/action.yml'];
const isolatedCopies = new Map<string, { dir: string; stamp: string }>();

// Jest loads this module once per test file in the same worker process: one exit hook and
// one set of directories per process, kept on globalThis.
const REGISTRY = Symbol.for('oidc-secrets.test-runner.temp-dirs');
const registry = globalThis as typeof globalThis & { [REGISTRY]?: Set<string> };
const tempDirs: Set<string> =
  registry[REGISTRY] ??
  (() => {
    const dirs = new Set<string>();
    registry[REGISTRY] = dirs;
    process.on('exit', () => {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });
    return dirs;
  })();

/**
 * A copy of the action (dist/, package.json, action.yml files) under the system temp dir,
 * where no node_modules can be found up the tree — as the runner checks the action out.
 * Made once per action root and refreshed when a bundle or action.yml changes.
 */
function isolatedActionDir(root: string): string {
  const stamp = [
    ...ACTION_FILES,
    'dist/main.js',
    'dist/post.js',
    'dist/scan.js',
    'dist/keep-alive.js',
  ]
    .map((name) => join(root, name))
    .filter(existsSync)
    .map((file) => `${file}:${statSync(file).mtimeMs}:${statSync(file).size}`)
    .join('|');
  const cached = isolatedCopies.get(root);
  if (cached && cached.stamp === stamp && existsSync(cached.dir)) return cached.dir;
  if (cached) {
    rmSync(cached.dir, { recursive: true, force: true });
    tempDirs.delete(cached.dir);
  }
  const dir = mkdtempSync(join(tmpdir(), 'oidc-secrets-action-'));
  tempDirs.add(dir);
  for (const name of ACTION_FILES) {
    const from = join(root, name);
    if (!existsSync(from)) continue;
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    cpSync(from, join(dir, name), { recursive: true });
  }
  isolatedCopies.set(root, { dir, stamp });
  return dir;
}

// ---------------------------------------------------------------------------------------
// runStep

export type Entry = 'main' | 'post' | 'scan';

export interface StepOptions {
  /** Runs dist/<entry>.js; give `script` instead to run any JS file (driver tests). */
  entry?: Entry;
  script?: string;
  inputs?: Record<string, string>;
  /** Job and step `env:` on top of the runner's variables (shown in the log header). */
  env?: Record<string, string>;
  /** Saved state, passed as STATE_<name>. */
  state?: Record<string, string>;
  /** Supplies ACTIONS_ID_TOKEN_REQUEST_* (id-token: write) and the run context claims. */
  issuer?: OidcIssuer;
  /** Directories to use (a job shares them between steps); fresh ones by default. */
  workspace?: string;
  runnerTemp?: string;
  eventName?: string;
  eventPayload?: Record<string, unknown>;
  /** Kill the step after this long (default 60 s). */
  timeoutMs?: number;
  /** The job's masker (masks from earlier steps); a fresh one by default. */
  masker?: SecretMasker;
  /** Workflow secrets the runner masks from the start (`${{ secrets.X }}` values). */
  secrets?: string[];
  /** ACTIONS_STEP_DEBUG: show `::debug::` lines in the log. */
  debug?: boolean;
  /** Where the action's dist/, package.json and action.yml are; default the repository. */
  actionRoot?: string;
  /** Run a copy of the action outside the repository (no node_modules above it). Default true. */
  isolate?: boolean;
  /** The `##[group]Run …` line; default derived from the entry. */
  title?: string;
  /** Lines inside the `##[group]` header; default: the `with:` inputs and the `env:` given. */
  headerLines?: string[];
  /** Lines arriving within this many ms form one read batch (stderr first). Default 50. */
  batchWindowMs?: number;
  /** Keep the temp directories this step created (they are removed at process exit). */
  keepTemp?: boolean;
  /** Apply the input defaults of action.yml (scan/action.yml for `scan`). Default true. */
  actionDefaults?: boolean;
}

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
  properties: Record<string, string>;
}

export interface StepResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  durationMs: number;
  stdout: string;
  stderr: string;
  commands: WorkflowCommand[];
  /** add-mask values this step registered, in order. */
  masks: string[];
  annotations: Annotation[];
  env: Record<string, string>;
  outputs: Record<string, string>;
  state: Record<string, string>;
  /** GITHUB_PATH additions. */
  path: string[];
  summary: string;
  /** Problems the runner would report reading the file commands. */
  fileCommandErrors: string[];
  /** What GitHub shows for this step: masked lines, commands rendered as the runner does. */
  log: string;
  workspace: string;
  runnerTemp: string;
  /** The exact environment the step process got. */
  processEnv: Record<string, string>;
}

interface OutputLine {
  stream: 'stdout' | 'stderr';
  text: string;
  at: number;
}

function readIfExists(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

export async function runStep(options: StepOptions): Promise<StepResult> {
  const entry = options.entry ?? 'main';
  const ctx = contextFrom(options.issuer);
  const made: string[] = [];
  const makeDir = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    made.push(dir);
    tempDirs.add(dir);
    return dir;
  };
  const workspace = options.workspace ?? makeDir('oidc-secrets-ws-');
  const runnerTemp = options.runnerTemp ?? makeDir('oidc-secrets-rt-');

  let file: string;
  let actionYml: string | undefined;
  if (options.script) {
    file = resolve(options.script);
  } else {
    const actionRoot = resolve(options.actionRoot ?? REPO_ROOT);
    if (!existsSync(join(actionRoot, 'dist', `${entry}.js`))) {
      throw new Error(
        `dist/${entry}.js does not exist in ${actionRoot}: run \`npm run build\` first`,
      );
    }
    const root = options.isolate === false ? actionRoot : isolatedActionDir(actionRoot);
    file = join(root, 'dist', `${entry}.js`);
    actionYml = join(root, entry === 'scan' ? 'scan/action.yml' : 'action.yml');
  }

  // File commands live in a fresh directory per step, as the runner's _runner_file_commands.
  const commandsDir = join(runnerTemp, '_runner_file_commands');
  mkdirSync(commandsDir, { recursive: true });
  const id = randomUUID();
  const files = {
    GITHUB_ENV: join(commandsDir, `set_env_${id}`),
    GITHUB_OUTPUT: join(commandsDir, `set_output_${id}`),
    GITHUB_STATE: join(commandsDir, `save_state_${id}`),
    GITHUB_PATH: join(commandsDir, `add_path_${id}`),
    GITHUB_STEP_SUMMARY: join(commandsDir, `step_summary_${id}`),
  };
  for (const path of Object.values(files)) writeFileSync(path, '');

  const eventName = options.eventName ?? ctx.event_name;
  const eventPath = join(runnerTemp, `_github_workflow_event_${id}.json`);
  writeFileSync(
    eventPath,
    JSON.stringify(options.eventPayload ?? defaultEventPayload({ ...ctx, event_name: eventName })),
  );

  const refName = ctx.ref.replace(/^refs\/(heads|tags)\//, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? tmpdir(),
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_ACTION: '__octo-org_oidc-secrets',
    GITHUB_ACTION_REPOSITORY: 'octo-org/oidc-secrets',
    GITHUB_ACTION_REF: 'v1',
    GITHUB_ACTOR: ctx.actor,
    GITHUB_ACTOR_ID: ctx.actor_id,
    GITHUB_TRIGGERING_ACTOR: ctx.actor,
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_GRAPHQL_URL: 'https://api.github.com/graphql',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_BASE_REF: ctx.base_ref,
    GITHUB_HEAD_REF: ctx.head_ref,
    GITHUB_EVENT_NAME: eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_JOB: 'build',
    GITHUB_REF: ctx.ref,
    GITHUB_REF_NAME: refName,
    GITHUB_REF_TYPE: ctx.ref_type,
    GITHUB_REF_PROTECTED: 'false',
    GITHUB_REPOSITORY: ctx.repository,
    GITHUB_REPOSITORY_ID: ctx.repository_id,
    GITHUB_REPOSITORY_OWNER: ctx.repository_owner,
    GITHUB_REPOSITORY_OWNER_ID: ctx.repository_owner_id,
    GITHUB_RETENTION_DAYS: '90',
    GITHUB_RUN_ATTEMPT: ctx.run_attempt,
    GITHUB_RUN_ID: ctx.run_id,
    GITHUB_RUN_NUMBER: ctx.run_number,
    GITHUB_SHA: ctx.sha,
    GITHUB_WORKFLOW: ctx.workflow,
    GITHUB_WORKFLOW_REF: ctx.workflow_ref,
    GITHUB_WORKFLOW_SHA: ctx.sha,
    GITHUB_WORKSPACE: workspace,
    RUNNER_ARCH: 'X64',
    RUNNER_ENVIRONMENT: 'github-hosted',
    RUNNER_NAME: 'GitHub Actions 1',
    RUNNER_OS: 'Linux',
    RUNNER_TEMP: runnerTemp,
    RUNNER_TOOL_CACHE: join(runnerTemp, '_tool'),
    ...files,
    ...(options.issuer?.env() ?? {}),
    ...(options.debug ? { RUNNER_DEBUG: '1' } : {}),
    ...options.env,
  };
  const expressionContext = {
    'github.token': FAKE_GITHUB_TOKEN,
    'github.repository': ctx.repository,
    'github.repository_owner': ctx.repository_owner,
    'github.sha': ctx.sha,
    'github.ref': ctx.ref,
    'github.event_name': eventName,
    'github.workspace': workspace,
    'github.server_url': 'https://github.com',
    'github.api_url': 'https://api.github.com',
    'runner.temp': runnerTemp,
  };
  const inputs = {
    ...(actionYml && options.actionDefaults !== false
      ? actionDefaults(actionYml, expressionContext)
      : {}),
    ...options.inputs,
  };
  for (const [name, value] of Object.entries(inputs)) env[inputVariable(name)] = value;
  for (const [name, value] of Object.entries(options.state ?? {})) env[`STATE_${name}`] = value;

  const masker = options.masker ?? new SecretMasker();
  // github.token is a secret to the runner from the job's first line.
  masker.addValue(FAKE_GITHUB_TOKEN);
  for (const secret of options.secrets ?? []) masker.addMask(secret);

  const started = performance.now();
  const run = await spawnCollect(file, workspace, env, options.timeoutMs ?? 60_000);
  const durationMs = performance.now() - started;

  // Lines, batched as the runner reads them, then commands and masking in that order.
  const log: string[] = [];
  const title =
    options.title ??
    (entry === 'post' ? 'Post Run octo-org/oidc-secrets@v1' : 'Run octo-org/oidc-secrets@v1');
  log.push(masker.mask(`##[group]${title}`));
  const header = options.headerLines ?? [
    ...withHeader(options.inputs ?? {}),
    ...envHeader(options.env ?? {}),
  ];
  for (const line of header) log.push(masker.mask(line));
  log.push('##[endgroup]');

  const commands: WorkflowCommand[] = [];
  const masks: string[] = [];
  const annotations: Annotation[] = [];
  let stopToken: string | undefined;
  const handleLine = (line: OutputLine) => {
    if (stopToken !== undefined) {
      if (line.text.trim() === `::${stopToken}::`) stopToken = undefined;
      else log.push(masker.mask(line.text));
      return;
    }
    const parsed = parseWorkflowCommand(line.text);
    if (!parsed) {
      log.push(masker.mask(line.text));
      return;
    }
    commands.push({ ...parsed, stream: line.stream });
    switch (parsed.command) {
      case 'add-mask':
        masks.push(parsed.data);
        if (!masker.addMask(parsed.data)) {
          const message = "Can't add secret mask for empty string in ##[add-mask] command.";
          annotations.push({ level: 'warning', message, properties: {} });
          log.push(`##[warning]${message}`);
        }
        return;
      case 'error':
      case 'warning':
      case 'notice':
        annotations.push({
          level: parsed.command,
          message: parsed.data,
          properties: parsed.properties,
        });
        log.push(masker.mask(`##[${parsed.command}]${parsed.data}`));
        return;
      case 'debug':
        if (options.debug) log.push(masker.mask(`##[debug]${parsed.data}`));
        return;
      case 'group':
        log.push(masker.mask(`##[group]${parsed.data}`));
        return;
      case 'endgroup':
        log.push('##[endgroup]');
        return;
      case 'stop-commands':
        stopToken = parsed.data;
        return;
      case 'set-output':
      case 'save-state':
      case 'set-env':
      case 'add-path': {
        const message = `The \`${parsed.command}\` command is disabled. Please upgrade to using Environment Files or opt into unsecure command execution by setting the \`ACTIONS_ALLOW_UNSECURE_COMMANDS\` environment variable to \`true\`. For more information see: https://github.blog/changelog/2020-10-01-github-actions-deprecating-set-env-and-add-path-commands/`;
        annotations.push({ level: 'error', message, properties: {} });
        log.push(`##[error]${message}`);
        return;
      }
      default:
        return; // echo, add-matcher, remove-matcher: nothing in the log
    }
  };
  const window = options.batchWindowMs ?? 50;
  for (let i = 0; i < run.lines.length;) {
    const batchStart = (run.lines[i] as OutputLine).at;
    let j = i;
    while (j < run.lines.length && (run.lines[j] as OutputLine).at - batchStart <= window) j++;
    const batch = run.lines.slice(i, j);
    for (const line of batch) if (line.stream === 'stderr') handleLine(line);
    for (const line of batch) if (line.stream === 'stdout') handleLine(line);
    i = j;
  }
  if (run.timedOut) log.push(`##[error]The action has timed out.`);
  else if (run.exitCode !== 0)
    log.push(`##[error]Process completed with exit code ${run.exitCode}.`);

  const fileCommandErrors: string[] = [];
  const readCommand = (name: keyof typeof files) => {
    const parsed = parseFileCommand(readIfExists(files[name]));
    fileCommandErrors.push(...parsed.errors.map((e) => `${name}: ${e}`));
    return parsed.entries;
  };
  const exported: Record<string, string> = {};
  for (const [name, value] of readCommand('GITHUB_ENV')) {
    if (name === 'NODE_OPTIONS') {
      fileCommandErrors.push(
        "GITHUB_ENV: Can't store NODE_OPTIONS output parameter using '$GITHUB_ENV' command.",
      );
      continue;
    }
    exported[name] = value;
  }
  const result: StepResult = {
    exitCode: run.exitCode,
    signal: run.signal,
    timedOut: run.timedOut,
    durationMs,
    stdout: run.stdout,
    stderr: run.stderr,
    commands,
    masks,
    annotations,
    env: exported,
    outputs: Object.fromEntries(readCommand('GITHUB_OUTPUT')),
    state: Object.fromEntries(readCommand('GITHUB_STATE')),
    path: readIfExists(files.GITHUB_PATH)
      .split(/\r?\n/)
      .filter((line) => line !== ''),
    summary: readIfExists(files.GITHUB_STEP_SUMMARY),
    fileCommandErrors,
    log: log.join('\n'),
    workspace,
    runnerTemp,
    processEnv: env,
  };
  if (!options.keepTemp) {
    for (const dir of made) {
      rmSync(dir, { recursive: true, force: true });
      tempDirs.delete(dir);
    }
  }
  return result;
}

interface SpawnOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  lines: OutputLine[];
}

function spawnCollect(
  file: string,
  cwd: string,
  env: Record<string, string>,
  timeoutMs: number,
): Promise<SpawnOutcome> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [file], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: OutputLine[] = [];
    const raw = { stdout: '', stderr: '' };
    const pending = { stdout: '', stderr: '' };
    const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      raw[stream] += text;
      const at = performance.now();
      // .NET's reader ends a line at LF, CR or CRLF; a CR at the end of a chunk waits to see
      // whether an LF follows.
      const parts = (pending[stream] + text).split(/\r\n|\n|\r(?!$)/);
      pending[stream] = parts.pop() ?? '';
      for (const part of parts) lines.push({ stream, text: part, at });
    };
    child.stdout.on('data', collect('stdout'));
    child.stderr.on('data', collect('stderr'));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      const at = performance.now();
      for (const stream of ['stdout', 'stderr'] as const) {
        if (pending[stream]) lines.push({ stream, text: pending[stream].replace(/\r$/, ''), at });
      }
      resolvePromise({ exitCode, signal, timedOut, stdout: raw.stdout, stderr: raw.stderr, lines });
    });
  });
}

// ---------------------------------------------------------------------------------------
// runJob: main → a user's step → post, sharing masks, env and state as a job does

export interface JobOptions {
  inputs: Record<string, string>;
  /** The workflow's job-level `env:`. */
  env?: Record<string, string>;
  issuer?: OidcIssuer;
  /** Workflow secrets the runner masks from the start. */
  secrets?: string[];
  /**
   * JavaScript (an ES module) for the step after main; a function gets the variables main
   * exported. By default it prints every exported variable and the content of `*_FILE`s,
   * as a careless workflow would.
   */
  userStep?: string | ((exported: Record<string, string>) => string);
  /** Skip the post step (post runs whenever main ran, as `post-if: always()`). */
  skipPost?: boolean;
  /** Run these JS files instead of dist/main.js and dist/post.js (driver tests). */
  scripts?: { main?: string; post?: string };
  /** Where the action's dist/ and action.yml are; default the repository. */
  actionRoot?: string;
  eventName?: string;
  eventPayload?: Record<string, unknown>;
  timeoutMs?: number;
  debug?: boolean;
  batchWindowMs?: number;
  /** Keep workspace and RUNNER_TEMP after the job (removed at process exit). */
  keepTemp?: boolean;
}

export interface JobResult {
  main: StepResult;
  /** Absent when main failed (the next step's `if: success()`). */
  user?: StepResult;
  post?: StepResult;
  /** The whole job log as GitHub shows it. */
  log: string;
  /** Every value the job's masker knows (registered, before encoding). */
  masks: string[];
  /** The job's environment after all steps (GITHUB_ENV exports merged). */
  env: Record<string, string>;
  workspace: string;
  runnerTemp: string;
}

/** The careless user step: prints each exported variable, and the files `*_FILE` point at. */
export function printEverythingStep(exported: Record<string, string>): string {
  return `import { existsSync, readFileSync } from 'node:fs';
const names = ${JSON.stringify(Object.keys(exported))};
for (const name of names) {
  const value = process.env[name] ?? '';
  console.log(name + '=' + value);
  if (name.endsWith('_FILE') && existsSync(value)) console.log(readFileSync(value, 'utf8'));
}
`;
}

/** The `env:` block the runner prints in a step's header (values pass through the masker). */
function envHeader(env: Record<string, string>): string[] {
  const names = Object.keys(env);
  if (names.length === 0) return [];
  const lines = ['env:'];
  for (const name of names) {
    const [first, ...rest] = (env[name] ?? '').split('\n');
    lines.push(`  ${name}: ${first ?? ''}`);
    for (const line of rest) lines.push(`  ${line}`);
  }
  return lines;
}

function withHeader(inputs: Record<string, string>): string[] {
  const names = Object.keys(inputs);
  if (names.length === 0) return [];
  const lines = ['with:'];
  for (const name of names) {
    const [first, ...rest] = (inputs[name] ?? '').replace(/\n$/, '').split('\n');
    lines.push(`  ${name}: ${first ?? ''}`);
    for (const line of rest) lines.push(`  ${line}`);
  }
  return lines;
}

export async function runJob(options: JobOptions): Promise<JobResult> {
  const workspace = mkdtempSync(join(tmpdir(), 'oidc-secrets-ws-'));
  const runnerTemp = mkdtempSync(join(tmpdir(), 'oidc-secrets-rt-'));
  tempDirs.add(workspace);
  tempDirs.add(runnerTemp);
  const masker = new SecretMasker();
  for (const secret of options.secrets ?? []) masker.addMask(secret);
  const jobEnv: Record<string, string> = { ...options.env };
  const common = {
    actionRoot: options.actionRoot,
    issuer: options.issuer,
    workspace,
    runnerTemp,
    masker,
    eventName: options.eventName,
    eventPayload: options.eventPayload,
    timeoutMs: options.timeoutMs,
    debug: options.debug,
    batchWindowMs: options.batchWindowMs,
  };

  try {
    const main = await runStep({
      ...common,
      entry: 'main',
      script: options.scripts?.main,
      inputs: options.inputs,
      env: { ...jobEnv },
      headerLines: [...withHeader(options.inputs), ...envHeader(jobEnv)],
    });
    Object.assign(jobEnv, main.env);
    let pathAdditions = [...main.path];
    const withPath = (): Record<string, string> =>
      pathAdditions.length
        ? { PATH: [...pathAdditions].reverse().join(':') + ':' + (process.env.PATH ?? '') }
        : {};

    let user: StepResult | undefined;
    if (main.exitCode === 0) {
      const source =
        typeof options.userStep === 'function'
          ? options.userStep({ ...main.env })
          : (options.userStep ?? printEverythingStep(main.env));
      const script = join(runnerTemp, `user-step-${randomUUID()}.mjs`);
      writeFileSync(script, source);
      user = await runStep({
        ...common,
        script,
        env: { ...jobEnv, ...withPath() },
        title: 'Run node user-step.mjs',
        headerLines: ['node user-step.mjs', 'shell: /usr/bin/bash -e {0}', ...envHeader(jobEnv)],
      });
      rmSync(script, { force: true });
      Object.assign(jobEnv, user.env);
      pathAdditions = [...pathAdditions, ...user.path];
    }

    let post: StepResult | undefined;
    if (!options.skipPost) {
      post = await runStep({
        ...common,
        entry: 'post',
        script: options.scripts?.post,
        inputs: options.inputs,
        state: main.state,
        env: { ...jobEnv, ...withPath() },
        headerLines: [...withHeader(options.inputs), ...envHeader(jobEnv)],
      });
    }

    return {
      main,
      user,
      post,
      log: [main.log, user?.log, post?.log].filter((l): l is string => l !== undefined).join('\n'),
      masks: [...masker.values],
      env: jobEnv,
      workspace,
      runnerTemp,
    };
  } finally {
    if (!options.keepTemp) {
      for (const dir of [workspace, runnerTemp]) {
        rmSync(dir, { recursive: true, force: true });
        tempDirs.delete(dir);
      }
    }
  }
}
