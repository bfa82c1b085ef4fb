#!/usr/bin/env node
// `oidc-secrets`: the same engine as the action, for laptops and self-hosted runners.
// Thin: it picks the command and reports errors; each command lives in src/cli/.
import { HELP_OPTION, UsageError, formatOptions } from './cli/args.js';
import { reportError } from './cli/report.js';
import packageJson from '../package.json' with { type: 'json' };

interface CommandModule {
  help(): string;
  run(argv: readonly string[]): Promise<number>;
}

interface Command {
  summary: string;
  /** Loaded on use: a bundled module's top level runs only when its command does. */
  load(): Promise<CommandModule>;
}

const COMMANDS: Record<string, Command> = {
  store: {
    summary:
      'the local encrypted store: set, get, list, exists, delete, import, backup, rotate-key',
    load: async () => {
      const m = await import('./cli/store-command.js');
      return { help: m.storeHelp, run: m.runStoreCommand };
    },
  },
  run: {
    summary: 'run a command with secrets in its environment and masked in its output',
    load: async () => {
      const m = await import('./cli/run-command.js');
      return { help: m.runHelp, run: m.runRunCommand };
    },
  },
  scan: {
    summary: 'scan a path tree, or the lines added since a revision, for leaked credentials',
    load: async () => {
      const m = await import('./scan/cli.js');
      return { help: m.scanHelp, run: (argv) => m.runScanCommand([...argv]) };
    },
  },
};

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
    process.stderr.write(mainHelp());
    return 1;
  }
  if (first === '--help' || first === '-h') {
    process.stdout.write(mainHelp());
    return 0;
  }
  if (first === '--version') {
    process.stdout.write(`${packageJson.version}\n`);
    return 0;
  }
  if (first === 'help') {
    const [topic, ...more] = rest;
    if (topic === undefined) {
      process.stdout.write(mainHelp());
      return 0;
    }
    const command = Object.hasOwn(COMMANDS, topic) ? COMMANDS[topic] : undefined;
    if (!command) throw new UsageError(`no command ${JSON.stringify(topic)}`, 'help');
    const module = await command.load();
    if (more.length > 0) return module.run([...more, '--help']);
    process.stdout.write(module.help());
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
  if (!command) {
    throw new UsageError(
      `unknown command; expected one of ${Object.keys(COMMANDS).join(', ')}`,
      '',
    );
  }
  return (await command.load()).run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    reportError(error);
    process.exitCode = 1;
  },
);
