// The pre-check action's entry (dist/scan.js, `uses: OWNER/oidc-secrets/scan@v1`): decide
// what the event asks to scan, scan it, lint the workflows, then report every way the runner
// offers — error annotations on the added lines, the job summary, a SARIF file, outputs —
// and fail the step when a credential was found (unless `fail-on-findings: false`).
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import {
  addMask,
  annotate,
  appendSummary,
  fileCommand,
  getInput,
  getMultilineInput,
  info,
} from '../runner/commands.js';
import { loadScanConfig } from './config.js';
import { parseMode, readEvent, ScanInputError, targetFromEvent } from './event.js';
import { IgnoreList } from './fingerprint.js';
import { isGitRepository } from './git.js';
import { ANNOTATION_LIMIT, writeAnnotations } from './report/annotations.js';
import { buildSarif } from './report/sarif.js';
import { renderSummary } from './report/summary.js';
import { describeAmount, describeNotes, runScan } from './scan.js';
import { lintWorkflows, type LintFinding } from './workflow-lint.js';

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

function errorMessage(error: unknown): string {
  if (
    error instanceof Error &&
    'code' in error &&
    typeof error.code === 'string' &&
    error.code.startsWith('SCAN_')
  ) {
    return error.message;
  }
  return `unexpected failure: ${error instanceof Error ? error.message : String(error)}`;
}

export async function run(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    const root = resolve(env.GITHUB_WORKSPACE || process.cwd());
    const mode = parseMode(getInput('mode'));
    const failOnFindings = booleanInput('fail-on-findings', true);
    const lintEnabled = booleanInput('lint-workflows', true);
    const configInput = getInput('config');
    const config = loadScanConfig({
      root,
      configPath: configInput
        ? isAbsolute(configInput)
          ? configInput
          : join(root, configInput)
        : undefined,
      env,
    });
    const ignore = IgnoreList.load(join(root, '.gitleaksignore'));
    if (ignore.invalidLines.length > 0) {
      annotate(
        'warning',
        `.gitleaksignore: line ${ignore.invalidLines.join(', ')} is not a fingerprint (file:rule:line or commit:file:rule:line)`,
        {
          title: TITLE,
          file: '.gitleaksignore',
          line: ignore.invalidLines[0],
        },
      );
    }

    const target = await targetFromEvent(
      readEvent(env),
      {
        mode,
        base: getInput('base') || undefined,
        head: getInput('head') || undefined,
        paths: listInput('path'),
      },
      root,
      info,
    );
    if (target.kind === 'range' && !(await isGitRepository(root))) {
      throw new ScanInputError(
        `GITHUB_WORKSPACE (${root}) is not a git checkout: run actions/checkout before this step, or set mode: tree`,
      );
    }
    if (target.kind === 'range')
      info(
        `Scanning the lines added by ${target.description} (${target.base ? `${target.base}..${target.head}` : `${target.head} and its history`})`,
      );
    else if (target.kind === 'tree')
      info(`Scanning the files under ${target.paths.join(', ') || '.'}`);
    else info(`Nothing to scan: ${target.reason}`);
    info(
      `Rules: ${config.source}, ${config.rules.length} rules${ignore.size ? `; ${ignore.size} fingerprints in .gitleaksignore` : ''}`,
    );

    const result = await runScan({ root, target, config, ignore, log: info });
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
    const ownWarnings =
      result.changedSettings.length + (ignore.invalidLines.length > 0 ? 1 : 0) + lintErrors;
    writeAnnotations(result.findings, lint, {
      errors: ANNOTATION_LIMIT - (failing ? 1 : 0),
      warnings: ANNOTATION_LIMIT - ownWarnings,
    });
    for (const file of result.changedSettings) {
      annotate(
        'warning',
        `This change edits ${file}, which decides what the secret scan reports: review what it allows.`,
        {
          title: TITLE,
          file,
        },
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
    mkdirSync(dirname(sarifPath), { recursive: true });
    writeFileSync(sarifPath, JSON.stringify(sarif, null, 2) + '\n', 'utf8');
    info(`SARIF: ${sarifPath}`);
    appendSummary(renderSummary(result, lint, { sarifFile: sarifPath }));
    if (env.GITHUB_OUTPUT) {
      fileCommand('GITHUB_OUTPUT', 'findings', String(result.findings.length));
      fileCommand('GITHUB_OUTPUT', 'sarif-file', sarifPath);
    }

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
