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
import { isGitRepository, resolveCommit, runGit } from '../scan/sources/git.js';
import { buildSarif } from '../scan/report/sarif.js';
import { terminalText } from '../scan/report/safe.js';
import { renderText } from '../scan/report/text.js';
import { writeReportFile } from '../scan/report/write.js';
import { parseDecodeDepth, runScan, type ScanTarget } from '../scan/scan.js';
import { workTreeReader } from '../scan/config/settings.js';
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
  HELP_OPTION,
];

export function scanHelp(): string {
  return `Usage: oidc-secrets scan [--base REV] [--config FILE] [--sarif FILE] [PATH…]

Look for leaked credentials: in the files under each PATH (default .), or with --base in
the lines that the commits since REV add. Rules are gitleaks-compatible: .gitleaks.toml is
read when present ([extend] useDefault = true adds the built-in rules), \`gitleaks:allow\`
on a line and fingerprints in .gitleaksignore silence a finding. Matches are shown
redacted. Workflows under .github/workflows are linted for long-lived cloud credentials.

Options:
${formatOptions(OPTIONS)}

Exit codes: 0 nothing found, 1 leaked credentials found, 2 the scan could not run.
`;
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
    const base = optionString(parsed, 'base');
    const headRev = optionString(parsed, 'head');
    if (headRev && !base) throw new UsageError('--head needs --base', 'scan');
    if (base && parsed.positionals.length > 0) {
      throw new UsageError(
        'PATH operands select files to scan; they cannot be combined with --base',
        'scan',
      );
    }

    let root = process.cwd();
    let target: ScanTarget;
    if (base) {
      if (!(await isGitRepository(root)))
        return fail('--base needs a git repository (the current directory is not in one)');
      root = (await runGit(root, ['rev-parse', '--show-toplevel'])).stdout.trim() || root;
      const baseSha = await resolveCommit(root, base, '--base');
      const headSha = await resolveCommit(root, headRev ?? 'HEAD', '--head');
      target = {
        kind: 'range',
        base: baseSha,
        head: headSha,
        description: `${base}..${headRev ?? 'HEAD'}`,
      };
    } else {
      target = { kind: 'tree', paths: parsed.positionals.length > 0 ? parsed.positionals : ['.'] };
    }

    const configPath = optionString(parsed, 'config');
    const config = loadScanConfig({
      root,
      configPath: configPath ? resolve(configPath) : undefined,
      env: process.env,
    });
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
    const result = await runScan({
      root,
      target,
      config,
      ignore,
      ensure: { offline: true },
      maxDecodeDepth,
    });
    const lint: LintFinding[] = parsed.options.has('no-lint') ? [] : lintWorkflows(root).findings;

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
    return result.findings.length > 0 ? 1 : 0;
  } catch (error) {
    if (error instanceof UsageError) return fail(`${error.message} (see oidc-secrets scan --help)`);
    // Our own errors say what is wrong; anything else is described without its message.
    if (error instanceof OidcSecretsError) return fail(error.message);
    return fail(`unexpected failure: ${describeForeignError(error)}`);
  }
}
