// The pre-check action's entry (dist/scan.js, `uses: OWNER/oidc-secrets/scan@v1`): decide
// what the event asks to scan, scan it, lint the workflows, then report every way the runner
// offers — error annotations on the added lines, the job summary, a SARIF file, outputs —
// and fail the step when a credential was found (unless `fail-on-findings: false`).
import { isAbsolute, join, resolve } from 'node:path';
import { OidcSecretsError, describeForeignError } from '../core/errors.js';
import {
  addMask,
  annotate,
  appendSummary,
  fileCommand,
  getInput,
  getMultilineInput,
  info as writeLine,
} from './commands.js';
import { loadScanConfig } from '../scan/config/config.js';
import {
  parseMode,
  readEvent,
  REVIEW_EVENTS,
  type RunEvent,
  ScanInputError,
  settingsCommit,
  targetFromEvent,
} from '../scan/sources/event.js';
import { IgnoreList } from '../scan/detect/fingerprint.js';
import {
  changedPaths,
  ensureCommit,
  ensureRange,
  isGitRepository,
  isShallow,
} from '../scan/sources/git.js';
import { Baseline } from '../scan/config/baseline.js';
import { renderComment } from '../scan/report/comment.js';
import { upsertComment } from './pr-comment.js';
import { ANNOTATION_LIMIT, writeAnnotations } from '../scan/report/annotations.js';
import { logLine } from '../scan/report/safe.js';
import { buildSarif } from '../scan/report/sarif.js';
import { renderSummary } from '../scan/report/summary.js';
import { writeReportFile } from '../scan/report/write.js';
import {
  describeAmount,
  describeNotes,
  parseDecodeDepth,
  runScan,
  type ScanResult,
} from '../scan/scan.js';
import {
  commitReader,
  insideRoot,
  readFileNoFollow,
  workTreeReader,
  type SettingsReader,
} from '../scan/config/settings.js';
import { lintWorkflows, type LintFinding } from '../scan/lint/workflow-lint.js';

/** Every plain log line of the scan holds data (paths, config text): none becomes a command. */
const info = (message: string): void => writeLine(logLine(message));

const TITLE = 'oidc-secrets scan';

function booleanInput(name: string, fallback: boolean): boolean {
  const value = getInput(name);
  if (value === '') return fallback;
  if (['true', 'True', 'TRUE'].includes(value)) return true;
  if (['false', 'False', 'FALSE'].includes(value)) return false;
  throw new ScanInputError(`${name}: expected true or false, got "${value}"`);
}

/** A list input: one item a line or comma-separated. */
function listInput(name: string): string[] {
  return getMultilineInput(name)
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Our own errors say what is wrong; anything else is described without its message. */
function errorMessage(error: unknown): string {
  if (error instanceof OidcSecretsError) return error.message;
  return `unexpected failure: ${describeForeignError(error)}`;
}

/** The config and ignore list, read through `reader`; a bad ignore line is a warning. */
function loadSettings(root: string, reader: SettingsReader, env: NodeJS.ProcessEnv) {
  const configInput = getInput('config');
  const config = loadScanConfig({
    root,
    configPath: configInput
      ? isAbsolute(configInput)
        ? configInput
        : join(root, configInput)
      : undefined,
    env,
    reader,
  });
  const ignore = IgnoreList.read(reader);
  if (ignore.invalidLines.length > 0) {
    annotate(
      'warning',
      `.gitleaksignore: line ${ignore.invalidLines.join(', ')} is not a fingerprint (commit:file:rule:line, file:rule:line:HASH or commit:file:rule:line:HASH)`,
      {
        title: TITLE,
        file: '.gitleaksignore',
        line: ignore.invalidLines[0],
      },
    );
  }
  return { config, ignore, reader };
}

interface BaselineFile {
  baseline?: Baseline;
  /** The file's path in the repository, when it is in it. */
  repoPath?: string;
  /** Read through the settings reader from the base commit. */
  fromBase?: true;
  /** The base commit has no such file but the pull request does: no baseline this time. */
  onlyInPullRequest?: true;
}

/**
 * The `baseline` input's report. On a pull request or a merge-queue entry (`reader` reads the
 * base commit) it follows `.gitleaksignore`: a file in the repository is read from the base
 * commit, so the change under review cannot bring a baseline listing its own findings (SPEC
 * §2.1); one the base lacks but the pull request has (its head or the checkout) is no
 * baseline until merged. A file neither holds (an earlier run's report downloaded into the
 * workspace) and one outside the repository are read where they are, as a `config` outside
 * the repository is; so is every baseline elsewhere (a push: the change is in already).
 */
function readBaseline(
  root: string,
  input: string,
  reader: SettingsReader,
  heads: readonly string[],
): BaselineFile {
  const shown = `baseline: ${input}`;
  const abs = isAbsolute(input) ? input : join(root, input);
  const repoPath = insideRoot(root, abs) ?? undefined;
  if (reader.commit && repoPath !== undefined) {
    const readIn = (from: SettingsReader): string | undefined => {
      try {
        return from.read(repoPath);
      } catch (err) {
        throw new ScanInputError(`baseline: ${(err as Error).message}`, { cause: err });
      }
    };
    const text = readIn(reader);
    if (text !== undefined)
      return { baseline: Baseline.parse(text, shown), repoPath, fromBase: true };
    // Anything there in the pull request (even a link or a directory) is its own.
    const inHead = (head: string): boolean => {
      try {
        return commitReader(root, head).read(repoPath) !== undefined;
      } catch {
        return true;
      }
    };
    if (heads.some(inHead)) return { repoPath, onlyInPullRequest: true };
  }
  const text = readFileNoFollow(abs, shown);
  if (text === undefined) throw new ScanInputError(`${shown}: no such file`);
  return { baseline: Baseline.parse(text, shown), ...(repoPath !== undefined ? { repoPath } : {}) };
}

/**
 * The pull request's comment (`comment: true`). Any trouble with it is said, never fails the
 * scan: the findings are in the annotations and the summary whatever happens here.
 */
async function commentOnPullRequest(
  env: NodeJS.ProcessEnv,
  event: RunEvent,
  result: ScanResult,
): Promise<void> {
  const payload = event.payload as { pull_request?: { number?: unknown }; number?: unknown };
  const number = payload.pull_request?.number ?? payload.number;
  if (
    !REVIEW_EVENTS.has(event.name) ||
    event.name === 'merge_group' ||
    typeof number !== 'number'
  ) {
    info(`comment: ${event.name || 'this event'} is not a pull request: no comment written`);
    return;
  }
  const token = getInput('github-token');
  if (!token || !env.GITHUB_REPOSITORY) {
    annotate(
      'warning',
      'comment: true needs github-token (default: the job token) and GITHUB_REPOSITORY',
      {
        title: TITLE,
      },
    );
    return;
  }
  const runUrl =
    env.GITHUB_SERVER_URL && env.GITHUB_RUN_ID
      ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
      : undefined;
  try {
    const outcome = await upsertComment(
      {
        apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
        repository: env.GITHUB_REPOSITORY,
        number,
        token,
        env,
      },
      renderComment(result, runUrl ? { runUrl } : {}),
      { findings: result.findings.length },
    );
    if (outcome.kind === 'forbidden')
      annotate(
        'notice',
        `The scan could not comment on pull request #${number} (HTTP ${outcome.status}): a pull request from a fork gets a read-only token, and a workflow needs \`permissions: pull-requests: write\` to comment. The findings are in the annotations and the job summary.`,
        { title: TITLE },
      );
    else if (outcome.kind === 'skipped')
      info('comment: nothing found and no earlier comment to update');
    else info(`comment: ${outcome.kind} comment ${outcome.id} on pull request #${number}`);
  } catch (error) {
    annotate('warning', `comment: ${errorMessage(error)}`, { title: TITLE });
  }
}

export async function run(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    const root = resolve(env.GITHUB_WORKSPACE || process.cwd());
    const mode = parseMode(getInput('mode'));
    const failOnFindings = booleanInput('fail-on-findings', true);
    const lintEnabled = booleanInput('lint-workflows', true);
    const maxDecodeDepth = parseDecodeDepth(getInput('max-decode-depth'));
    if (maxDecodeDepth === null)
      throw new ScanInputError(
        `max-decode-depth: expected a whole number from 0 to 10, got "${getInput('max-decode-depth')}"`,
      );
    const commentEnabled = booleanInput('comment', false);
    const gitignore = booleanInput('gitignore', true);
    const event = readEvent(env);
    // On a pull request or merge-queue entry the change under review must not choose how it
    // is judged: the config and the ignore list come from its base commit (settings.ts).
    // Elsewhere (a push: the change is in already) they come from the work tree, read first
    // so that a broken config is the first thing said.
    const base = settingsCommit(event);
    let settings = base ? undefined : loadSettings(root, workTreeReader(root), env);
    const target = await targetFromEvent(
      event,
      {
        mode,
        base: getInput('base') || undefined,
        head: getInput('head') || undefined,
        paths: listInput('path'),
        gitignore,
      },
      root,
      info,
    );
    if ((target.kind === 'range' || base) && !(await isGitRepository(root))) {
      throw new ScanInputError(
        `GITHUB_WORKSPACE (${root}) is not a git checkout: run actions/checkout before this step${base ? '' : ', or set mode: tree'}`,
      );
    }
    if (target.kind === 'range') {
      await ensureRange(root, target, { expectedCommits: target.expectedCommits, log: info });
    }
    if (target.kind === 'history') {
      if (!(await isGitRepository(root)))
        throw new ScanInputError(
          `mode: history needs a git checkout: run actions/checkout with fetch-depth: 0 before this step`,
        );
      if (await isShallow(root))
        throw new ScanInputError(
          'mode: history needs the whole history: set actions/checkout `fetch-depth: 0`',
        );
    }
    if (base) {
      await ensureCommit(root, base);
      settings = loadSettings(root, commitReader(root, base), env);
      info(
        `Scan settings (.gitleaks.toml, .gitleaksignore) are read from ${settings.reader.where}`,
      );
    }
    const { config, ignore, reader } = settings!;

    if (target.kind === 'range')
      info(
        `Scanning the lines added by ${target.description} (${target.base ? `${target.base}..${target.head}` : `${target.head} and its history`})`,
      );
    else if (target.kind === 'tree')
      info(`Scanning the files under ${target.paths.join(', ') || '.'}`);
    else if (target.kind === 'history')
      info('Scanning every commit reachable from any ref, each added line once');
    else if (target.kind === 'none') info(`Nothing to scan: ${target.reason}`);
    info(
      `Rules: ${config.source}, ${config.rules.length} rules${ignore.size ? `; ${ignore.size} fingerprints in .gitleaksignore` : ''}`,
    );
    for (const warning of config.warnings ?? [])
      annotate('warning', warning, { title: TITLE, file: config.configFile });

    const baselineInput = getInput('baseline');
    const baselineFile: BaselineFile = baselineInput
      ? readBaseline(root, baselineInput, reader, [
          'HEAD',
          ...(target.kind === 'range' ? [target.head] : []),
        ])
      : {};
    const baseline = baselineFile.baseline;
    if (baseline)
      info(
        `Baseline: ${baseline.size} finding(s) from ${baselineInput}${baselineFile.fromBase ? ` in ${reader.where}` : ''} (${baseline.format === 'sarif' ? 'SARIF' : 'gitleaks JSON report'})` +
          (baseline.locationOnly
            ? `, ${baseline.locationOnly} of them without a secret to compare (matched by rule, file and line)`
            : ''),
      );
    const result = await runScan({
      root,
      target,
      config,
      ignore,
      log: info,
      ensure: false,
      maxDecodeDepth,
      ...(base ? { settingsCommit: base } : {}),
      ...(baseline ? { baseline } : {}),
    });
    // A baseline in the repository decides what is reported, as .gitleaksignore does: the
    // change's edit to it is said with theirs (a notice on a pull request, whose base's
    // baseline was used; a warning to review it on a push, whose baseline is the change's).
    const baselinePath = baselineFile.repoPath;
    if (baselinePath !== undefined && target.kind === 'range') {
      for (const path of await changedPaths(root, target, [baselinePath]))
        if (!result.changedSettings.includes(path)) result.changedSettings.push(path);
      result.changedSettings.sort();
    }
    // Nothing prints a secret, but a later step might (a diff, a test log): mask them for the job.
    for (const secret of new Set(result.findings.map((f) => f.secret)))
      if (secret.length >= 8) addMask(secret);
    info(
      `Scanned ${describeAmount(result)}: ${result.findings.length} finding(s)${result.ignored ? `, ${result.ignored} ignored by .gitleaksignore` : ''}`,
    );
    for (const line of describeNotes(result.notes)) info(line);

    let lint: LintFinding[] = [];
    let lintErrors = 0;
    if (lintEnabled) {
      const linted = lintWorkflows(root);
      lint = linted.findings;
      lintErrors = linted.errors.length;
      for (const error of linted.errors) annotate('warning', error, { title: TITLE });
      if (linted.files > 0)
        info(`Workflow lint: ${linted.files} file(s), ${lint.length} warning(s)`);
    }
    const n = result.findings.length;
    const failing = n > 0 && failOnFindings;
    // Warnings the step writes itself come out of the same budget of ten as the lint's.
    const unhashed = result.unhashedIgnores ?? [];
    const ownWarnings =
      (base ? 0 : result.changedSettings.length) +
      (ignore.invalidLines.length > 0 ? 1 : 0) +
      (unhashed.length > 0 ? 1 : 0) +
      lintErrors;
    writeAnnotations(result.findings, lint, {
      errors: ANNOTATION_LIMIT - (failing ? 1 : 0),
      warnings: ANNOTATION_LIMIT - ownWarnings,
    });
    for (const file of result.changedSettings) {
      if (file === baselinePath && baselineFile.onlyInPullRequest) continue; // said below
      if (base)
        annotate(
          'notice',
          `This change edits ${file}, which decides what the secret scan reports: this scan used ${reader.where}'s version; the change takes effect after merge.`,
          { title: TITLE, file },
        );
      else
        annotate(
          'warning',
          `This change edits ${file}, which decides what the secret scan reports: review what it allows.`,
          { title: TITLE, file },
        );
    }
    if (baselineFile.onlyInPullRequest)
      annotate(
        'notice',
        `baseline: ${baselinePath} is not in ${reader.where}: this scan used no baseline; the change's version takes effect after merge.`,
        { title: TITLE, file: baselinePath },
      );
    if (unhashed.length > 0) {
      const first = unhashed[0]!;
      annotate(
        'warning',
        `.gitleaksignore: ${unhashed.length} finding(s) are named by entries without a hash (file:rule:line), which would silence any secret later written on that line: they are reported. Replace each entry by the file:rule:line:HASH shown in the job summary if the finding is a false positive.`,
        { title: TITLE, file: '.gitleaksignore', line: first.entryLine },
      );
    }

    const sarifPath = resolve(
      root,
      getInput('sarif-file') || join(env.RUNNER_TEMP || root, 'oidc-secrets-scan.sarif'),
    );
    const repositoryUri =
      env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY
        ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}`
        : undefined;
    const sarif = buildSarif(result.findings, lint, {
      repositoryUri,
      revision: target.kind === 'range' ? target.head : env.GITHUB_SHA,
    });
    writeReportFile(sarifPath, JSON.stringify(sarif, null, 2) + '\n', root, 'sarif-file');
    info(`SARIF: ${sarifPath}`);
    appendSummary(renderSummary(result, lint, { sarifFile: sarifPath }));
    if (env.GITHUB_OUTPUT) {
      fileCommand('GITHUB_OUTPUT', 'findings', String(result.findings.length));
      fileCommand('GITHUB_OUTPUT', 'sarif-file', sarifPath);
    }

    if (commentEnabled) await commentOnPullRequest(env, event, result);

    if (failing) {
      annotate(
        'error',
        `${n} leaked credential${n === 1 ? '' : 's'} found: see the annotations and the job summary`,
        {
          title: TITLE,
        },
      );
      return 1;
    }
    return 0;
  } catch (error) {
    annotate('error', errorMessage(error), { title: TITLE });
    return 1;
  }
}
