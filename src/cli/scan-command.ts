// `oidc-secrets scan`: the pre-check on a developer's machine. A path tree by default, or
// with `--base REV` the lines the commits since REV add. Exit code 1 when something is
// found, 0 when clean, 2 when the scan could not run.
import { resolve } from 'node:path';
import { OidcSecretsError, describeForeignError } from '../core/errors.js';
import {
  formatOptions,
  HELP_OPTION,
  optionString,
  parseArgs,
  UsageError,
  type OptionSpec,
} from './args.js';
import { commandModule } from './report.js';
import { loadScanConfig } from '../scan/config/config.js';
import { IgnoreList } from '../scan/detect/fingerprint.js';
import { resolveCommit, runGit } from '../scan/sources/git.js';
import { buildSarif } from '../scan/report/sarif.js';
import { terminalText } from '../scan/report/safe.js';
import { renderText } from '../scan/report/text.js';
import { writeReportFile } from '../scan/report/write.js';
import { parseDecodeDepth, runScan, type ScanTarget } from '../scan/scan.js';
import { readFileNoFollow, workTreeReader } from '../scan/config/settings.js';
import { Baseline } from '../scan/config/baseline.js';
import { parsePrePush, type PushedRef } from '../scan/sources/hooks.js';
import { installHook } from './install-hook.js';
import { useTranslationCache } from './translation-cache.js';
import { lintWorkflows, type LintFinding } from '../scan/lint/workflow-lint.js';

const OPTIONS: OptionSpec[] = [
  {
    name: 'base',
    value: 'REV',
    description: 'scan the lines added by the commits in REV..HEAD instead of files',
  },
  { name: 'head', value: 'REV', description: 'end of the range with --base (default HEAD)' },
  {
    name: 'config',
    short: 'c',
    value: 'FILE',
    description: 'gitleaks config (default: .gitleaks.toml, else built-in rules)',
  },
  { name: 'sarif', value: 'FILE', description: 'also write the findings as SARIF 2.1.0 to FILE' },
  { name: 'no-lint', description: 'skip the .github/workflows policy lint' },
  {
    name: 'max-decode-depth',
    value: 'N',
    description:
      'decode base64, hex and percent-encoded runs N times over and scan them (default 2, 0 off)',
  },
  {
    name: 'staged',
    description: 'scan what `git commit` would record (the index): the pre-commit hook',
  },
  {
    name: 'pre-push',
    description: "scan the commits a push sends, from git's pre-push lines on standard input",
  },
  {
    name: 'history',
    description: 'scan every commit reachable from any ref, each added line once',
  },
  {
    name: 'baseline',
    value: 'FILE',
    description:
      'a SARIF of this scan or a gitleaks JSON report: its findings are not reported again',
  },
  {
    name: 'no-ignore',
    description: 'in a git work tree, scan files that .gitignore excludes too',
  },
  HELP_OPTION,
];

export function scanHelp(): string {
  return `Usage: oidc-secrets scan [--base REV] [--config FILE] [--sarif FILE] [PATH…]
       oidc-secrets scan --staged | --pre-push | --history | -
       oidc-secrets scan install-hook [pre-commit|pre-push]

Look for leaked credentials: in the files under each PATH (default .; in a git work tree
the files git does not ignore), or with --base in the lines that the commits since REV add.
\`-\` scans standard input. install-hook writes a git hook that runs --staged (pre-commit,
the default) or --pre-push; it never overwrites a hook that is not its own. Rules are gitleaks-compatible: .gitleaks.toml is
read when present ([extend] useDefault = true adds the built-in rules), \`gitleaks:allow\`
on a line and fingerprints in .gitleaksignore silence a finding. Matches are shown
redacted. Workflows under .github/workflows are linted for long-lived cloud credentials.

Options:
${formatOptions(OPTIONS)}

Exit codes: 0 nothing found, 1 leaked credentials found, 2 the scan could not run.
`;
}

/** What a finding in standard input is reported under. */
const STDIN_NAME = '<stdin>';

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * The pushed refs: git's lines on standard input, or, when there are none and the pre-commit
 * framework runs the hook (it passes the range in variables, not on standard input), its
 * PRE_COMMIT_TO_REF (what is pushed) and PRE_COMMIT_FROM_REF (what the remote has).
 */
function prePushRefs(input: string): PushedRef[] {
  const refs = parsePrePush(input);
  const to = process.env.PRE_COMMIT_TO_REF;
  if (refs.length > 0 || !to) return refs;
  const from = process.env.PRE_COMMIT_FROM_REF;
  return parsePrePush(`HEAD ${to} HEAD ${from || '0'.repeat(to.length)}\n`);
}

function readBaseline(path: string, shown: string): Baseline {
  const text = readFileNoFollow(path, `--baseline ${shown}`);
  if (text === undefined) throw new UsageError(`--baseline ${shown}: no such file`, 'scan');
  return Baseline.parse(text, `--baseline ${shown}`);
}

function fail(message: string): number {
  // A message may name a file of the scanned tree: no escape sequence reaches the terminal.
  process.stderr.write(`oidc-secrets scan: ${terminalText(message)}\n`);
  return 2;
}

/** The entry of the `scan` bundle (dist/cli/scan.cjs). */
export const command = commandModule(scanHelp, (argv) => runScanCommand([...argv]));

export async function runScanCommand(argv: string[]): Promise<number> {
  try {
    const parsed = parseArgs(argv, OPTIONS, 'scan');
    if (parsed.options.has('help')) {
      process.stdout.write(scanHelp());
      return 0;
    }
    if (parsed.positionals[0] === 'install-hook') {
      if (parsed.positionals.length > 2)
        throw new UsageError('install-hook takes one hook name: pre-commit or pre-push', 'scan');
      const installed = await installHook(
        process.cwd(),
        parsed.positionals[1] ?? 'pre-commit',
        process.execPath,
        resolve(process.argv[1] ?? 'oidc-secrets'),
      );
      process.stdout.write(
        `${terminalText(installed.path)}: ${installed.state === 'unchanged' ? 'already installed' : installed.state}\n`,
      );
      return 0;
    }
    const base = optionString(parsed, 'base');
    const headRev = optionString(parsed, 'head');
    if (headRev && !base) throw new UsageError('--head needs --base', 'scan');
    const modes = ['base', 'staged', 'pre-push', 'history'].filter((m) => parsed.options.has(m));
    if (parsed.positionals.includes('-')) modes.push('-');
    if (modes.length > 1)
      throw new UsageError(
        `${modes.map((m) => (m === '-' ? '-' : `--${m}`)).join(' and ')} choose different things to scan: give one`,
        'scan',
      );
    const mode = modes[0];
    // git gives the pre-push hook the remote's name and URL as arguments: accepted, not used
    // (a URL may carry credentials: never printed).
    const operandsAllowed =
      mode === undefined ? Infinity : mode === 'pre-push' ? 2 : mode === '-' ? 1 : 0;
    if (parsed.positionals.length > operandsAllowed) {
      throw new UsageError(
        `PATH operands select files to scan; they cannot be combined with ${mode === '-' ? '-' : `--${mode}`}`,
        'scan',
      );
    }

    let root = process.cwd();
    let target: ScanTarget;
    if (mode === 'base' || mode === 'staged' || mode === 'pre-push' || mode === 'history') {
      // One git process answers both questions (a hook pays for each one it starts): outside
      // a work tree — no repository, a bare one, inside .git — git refuses --show-toplevel.
      const top = await runGit(root, ['rev-parse', '--show-toplevel']);
      if (top.code !== 0 || top.stdout.trim() === '')
        return fail(`--${mode} needs a git repository (the current directory is not in one)`);
      root = top.stdout.trim();
    }
    if (mode === 'base') {
      const baseSha = await resolveCommit(root, base!, '--base');
      const headSha = await resolveCommit(root, headRev ?? 'HEAD', '--head');
      target = {
        kind: 'range',
        base: baseSha,
        head: headSha,
        description: `${base}..${headRev ?? 'HEAD'}`,
      };
    } else if (mode === 'staged') {
      target = { kind: 'staged' };
    } else if (mode === 'history') {
      target = { kind: 'history' };
    } else if (mode === 'pre-push') {
      target = { kind: 'push', refs: prePushRefs((await readStdin()).toString('utf8')) };
    } else if (mode === '-') {
      target = { kind: 'text', name: STDIN_NAME, bytes: await readStdin() };
    } else {
      target = {
        kind: 'tree',
        paths: parsed.positionals.length > 0 ? parsed.positionals : ['.'],
        gitignore: !parsed.options.has('no-ignore'),
      };
    }

    const configPath = optionString(parsed, 'config');
    const saveTranslations = useTranslationCache(process.env);
    const config = loadScanConfig({
      root,
      configPath: configPath ? resolve(configPath) : undefined,
      env: process.env,
    });
    saveTranslations();
    for (const warning of config.warnings ?? [])
      process.stderr.write(`oidc-secrets scan: warning: ${terminalText(warning)}\n`);
    const ignore = IgnoreList.read(workTreeReader(root));
    const depthText = optionString(parsed, 'max-decode-depth') ?? '';
    const maxDecodeDepth = parseDecodeDepth(depthText);
    if (maxDecodeDepth === null)
      throw new UsageError(
        `--max-decode-depth: expected a whole number from 0 to 10, got "${depthText}"`,
        'scan',
      );
    const baselineFile = optionString(parsed, 'baseline');
    const baseline = baselineFile ? readBaseline(resolve(baselineFile), baselineFile) : undefined;
    const result = await runScan({
      root,
      target,
      config,
      ignore,
      ensure: { offline: true },
      maxDecodeDepth,
      ...(baseline ? { baseline } : {}),
    });
    // The workflow lint reads the work tree: it belongs to a scan of the tree or a range, not
    // to a hook (the staged files or the pushed commits are not the work tree) nor to stdin.
    const lintable = mode === undefined || mode === 'base';
    const lint: LintFinding[] =
      parsed.options.has('no-lint') || !lintable
        ? []
        : lintWorkflows(root, { validate: false }).findings;

    const sarifFile = optionString(parsed, 'sarif');
    if (sarifFile) {
      const revision = target.kind === 'range' ? target.head : undefined;
      writeReportFile(
        resolve(sarifFile),
        JSON.stringify(buildSarif(result.findings, lint, { revision }), null, 2) + '\n',
        root,
        '--sarif',
      );
    }
    process.stdout.write(renderText(result, lint));
    if (result.findings.length > 0 && (mode === 'staged' || mode === 'pre-push'))
      process.stdout.write(
        `${mode === 'staged' ? 'commit' : 'push'} stopped: remove the credential${result.findings.length === 1 ? '' : 's'} (and rotate ${result.findings.length === 1 ? 'it' : 'them'}), or add the entry shown to .gitleaksignore if it is not one\n`,
      );
    return result.findings.length > 0 ? 1 : 0;
  } catch (error) {
    if (error instanceof UsageError) return fail(`${error.message} (see oidc-secrets scan --help)`);
    // Our own errors say what is wrong; anything else is described without its message.
    if (error instanceof OidcSecretsError) return fail(error.message);
    return fail(`unexpected failure: ${describeForeignError(error)}`);
  }
}
