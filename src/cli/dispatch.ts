// `oidc-secrets`: the same engine as the action, for laptops and self-hosted runners.
// Thin: it picks the command and reports its own usage errors. Each command is a separate
// CommonJS bundle beside this one (scripts/build.mjs: dist/cli/<command>.cjs, built from
// src/cli/<command>-command.ts), loaded only when
// that command runs, through V8's code cache (src/cli/compile-cache.ts): `run` starts the
// command it wraps sooner when node has only `run`'s code to load, compiled already.
import { join } from 'node:path';
import { HELP_OPTION, UsageError, formatOptions } from './args.js';
import { loadBundle } from './compile-cache.js';
import { writeErr, writeOut, type CommandModule } from './report.js';
import packageJson from '../../package.json' with { type: 'json' };

const COMMANDS: Record<string, { summary: string }> = {
  store: {
    summary:
      'the local encrypted store: set, get, list, exists, delete, import, backup, rotate-key',
  },
  run: { summary: 'run a command with secrets in its environment and masked in its output' },
  scan: {
    summary: 'scan a path tree, or the lines added since a revision, for leaked credentials',
  },
  read: {
    summary: 'print the value of one reference (to a pipe or file; a terminal needs --reveal)',
  },
  redact: { summary: "copy stdin to stdout with a job file's values masked" },
  export: {
    summary: "write a job file's secrets to a 0600 dotenv or JSON file git will not commit",
  },
};

/**
 * The bundle of one command, from dist/cli/ beside this (bundled, CommonJS) file. Its compile
 * cache is written at exit, holding what this run compiled; not after a run that only showed
 * help, or the cache would hold little of the command's own code.
 */
function loadCommand(name: string, argv: readonly string[]): CommandModule {
  const bundle = loadBundle(join(__dirname, 'cli', `${name}.cjs`));
  if (!wantsHelp(argv)) process.once('exit', bundle.save);
  if (process.env.OIDC_SECRETS_DEBUG === '1') {
    writeErr(`oidc-secrets: compile cache for ${name}: ${bundle.cache}\n`);
  }
  return (bundle.exports as { command: CommandModule }).command;
}

function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  return `Usage: oidc-secrets COMMAND [options]

Fetch secrets through a CI job's OIDC identity, keep local ones in an encrypted store,
and run commands with secrets in their environment and out of their output.

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
  .join('\n')}

Options:
${formatOptions([HELP_OPTION, { name: 'version', description: 'print the version' }])}

Run \`oidc-secrets COMMAND --help\` for a command's options.
Exit codes: 0 success, 1 error (see each command for its own).
`;
}

export async function main(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    writeErr(mainHelp());
    return 1;
  }
  if (first === '--help' || first === '-h') {
    writeOut(mainHelp());
    return 0;
  }
  if (first === '--version') {
    writeOut(`${packageJson.version}\n`);
    return 0;
  }
  if (first === 'help') {
    const [topic, ...more] = rest;
    if (topic === undefined) {
      writeOut(mainHelp());
      return 0;
    }
    if (!Object.hasOwn(COMMANDS, topic)) {
      throw new UsageError(
        `no such command; expected one of ${Object.keys(COMMANDS).join(', ')}`,
        'help',
      );
    }
    const command = loadCommand(topic, ['--help']);
    if (more.length > 0) return command.main([...more, '--help']);
    writeOut(command.help());
    return 0;
  }
  if (!Object.hasOwn(COMMANDS, first)) {
    throw new UsageError(
      `unknown command; expected one of ${Object.keys(COMMANDS).join(', ')}`,
      '',
    );
  }
  return loadCommand(first, rest).main(rest);
}
