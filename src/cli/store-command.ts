// `oidc-secrets store …`: the local encrypted store from the command line.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StoreError } from '../store/errors.js';
import { type StoreLocation, resolveStoreLocation } from '../store/location.js';
import { LocalStore } from '../store/store.js';
import {
  HELP_OPTION,
  type OptionSpec,
  type ParsedArgs,
  UsageError,
  formatOptions,
  optionString,
  parseArgs,
} from './args.js';
import { promptHidden, readStream, trimFinalNewline } from './input.js';
import { commandModule, reportError, writeErr, writeOut } from './report.js';

export const STORE_OPTIONS: OptionSpec[] = [
  { name: 'file', short: 'f', value: 'PATH', description: 'the store file (default below)' },
  { name: 'key-file', value: 'PATH', description: 'its key file (default: beside the store)' },
];

const LOCATION_HELP = `The store is $OIDC_SECRETS_STORE or ./secrets.json.enc unless -f PATH says otherwise;
its key is $OIDC_SECRETS_KEY_FILE or the file beside it named after it (secrets.json.enc →
secrets.key, prod.json.enc → prod.key) unless --key-file PATH says otherwise. Both files must
be private to their owner (chmod 600) and are refused otherwise. The store is AES-256-GCM
encrypted and authenticated; keep the key out of version control and out of backups of
the store.`;

interface Subcommand {
  usage: string;
  summary: string;
  details?: string;
  options?: OptionSpec[];
  /** Exit code; throws StoreError/UsageError for the caller to report. */
  run(args: ParsedArgs, store: LocalStore): Promise<number>;
}

const SUBCOMMANDS: Record<string, Subcommand> = {
  set: {
    usage: 'store set NAME [VALUE|-]',
    summary: 'add or replace a secret (creates the store and key if needed)',
    details: `With - or no VALUE, the value is read from stdin (prompted for without echo on a
terminal), so it never lands in shell history. A single trailing newline of a one-line
value read from stdin is dropped (echo adds it); a multi-line value is kept exactly.`,
    async run(args, store) {
      const [name, given, extra] = args.positionals;
      if (name === undefined) throw new UsageError('expected NAME', 'store set');
      if (extra !== undefined) {
        throw new UsageError(
          'expected at most NAME and VALUE (quote a value with spaces)',
          'store set',
        );
      }
      const value = await readValue(name, given);
      const result = await store.set([[name, value]]);
      if (result.createdKey) reportNewKey(store.location);
      return 0;
    },
  },
  get: {
    usage: 'store get [--reveal] NAME',
    summary: 'show a secret masked (123***...xyz); --reveal: whole',
    details: `Masked, a value of 20 characters or more shows its first and last 3; a shorter
one shows only ***. --reveal writes the value to stdout, followed by a newline unless
it ends with one.`,
    options: [{ name: 'reveal', description: 'print the value itself' }],
    async run(args, store) {
      const name = onlyName(args, 'store get');
      const value = await store.get(name);
      if (value === undefined) throw noSecret(name, store);
      if (args.options.has('reveal')) {
        process.stdout.write(value.endsWith('\n') ? value : value + '\n');
      } else {
        writeOut(maskedPreview(value) + '\n');
      }
      return 0;
    },
  },
  list: {
    usage: 'store list',
    summary: 'print the names of the secrets, one a line',
    async run(args, store) {
      noOperands(args, 'store list');
      const names = await store.names();
      if (names.length > 0) writeOut(names.join('\n') + '\n');
      return 0;
    },
  },
  exists: {
    usage: 'store exists NAME',
    summary: 'exit 0 if the secret exists, 1 if not (2 on error)',
    async run(args, store) {
      const name = onlyName(args, 'store exists');
      if (!(await store.exists())) {
        writeErr(`oidc-secrets: no store file at ${store.location.storePath}\n`);
        return 1;
      }
      return (await store.get(name)) === undefined ? 1 : 0;
    },
  },
  delete: {
    usage: 'store delete NAME',
    summary: 'remove a secret',
    async run(args, store) {
      const name = onlyName(args, 'store delete');
      if (!(await store.delete(name))) throw noSecret(name, store);
      return 0;
    },
  },
  import: {
    usage: 'store import [--prefix PREFIX]',
    summary: 'store every SECRET_* variable, without the prefix',
    details: `SECRET_DB_PASSWORD=… becomes DB_PASSWORD. All of them are written in one write, or
none if one of them is not valid. Empty variables are skipped with a warning.`,
    options: [
      { name: 'prefix', value: 'PREFIX', description: 'the prefix to take (default SECRET_)' },
    ],
    async run(args, store) {
      noOperands(args, 'store import');
      const prefix = optionString(args, 'prefix') ?? 'SECRET_';
      if (prefix.length === 0) throw new UsageError('--prefix cannot be empty', 'store import');
      const entries: [string, string][] = [];
      for (const [variable, value] of Object.entries(process.env)) {
        if (!variable.startsWith(prefix) || variable.length === prefix.length) continue;
        if (!value) {
          writeErr(`oidc-secrets: warning: ${variable} is empty, not imported\n`);
          continue;
        }
        entries.push([variable.slice(prefix.length), value]);
      }
      if (entries.length === 0) {
        throw new UsageError(
          `no ${prefix}* environment variables with a value: expected e.g. ${prefix}DB_PASSWORD=…`,
          'store import',
        );
      }
      entries.sort(([a], [b]) => (a < b ? -1 : 1));
      try {
        const result = await store.set(entries);
        if (result.createdKey) reportNewKey(store.location);
      } catch (error) {
        if (error instanceof StoreError && error.code === 'STORE_NAME') {
          throw new StoreError(
            'STORE_NAME',
            `${prefix}* variables must be ${prefix}NAME with NAME an environment-variable name; nothing imported: ${error.message}`,
          );
        }
        throw error;
      }
      writeErr(
        `oidc-secrets: imported ${entries.length} secret${entries.length === 1 ? '' : 's'}: ${entries.map(([n]) => n).join(', ')}\n`,
      );
      return 0;
    },
  },
  backup: {
    usage: 'store backup [--force] PATH',
    summary: 'copy the encrypted store file to PATH',
    details: `The copy is encrypted: it needs the key, which is not copied. After rotate-key, a
backup made before needs the old key.`,
    options: [{ name: 'force', description: 'replace PATH if it exists' }],
    async run(args, store) {
      const [path, extra] = args.positionals;
      if (path === undefined || extra !== undefined)
        throw new UsageError('expected PATH', 'store backup');
      const target = await store.backup(path, { force: args.options.has('force') });
      writeErr(`oidc-secrets: backed up ${store.location.storePath} to ${target}\n`);
      return 0;
    },
  },
  'rotate-key': {
    usage: 'store rotate-key',
    summary: 're-encrypt the store under a new key',
    details: `Safe to interrupt: a crash at any point leaves a store that opens (with the old key,
or with the new key waiting in KEYFILE.next, which the next command moves into place).
Backups made before need the old key.`,
    async run(args, store) {
      noOperands(args, 'store rotate-key');
      const { oldKeyId, newKeyId } = await store.rotateKey();
      writeErr(
        `oidc-secrets: ${store.location.storePath} re-encrypted; key ${store.location.keyPath} replaced (key id ${oldKeyId} → ${newKeyId})\n`,
      );
      return 0;
    },
  },
};

export function storeHelp(): string {
  const width = Math.max(...Object.values(SUBCOMMANDS).map((s) => s.usage.length));
  const lines = Object.values(SUBCOMMANDS).map(
    (s) => `  oidc-secrets ${s.usage.padEnd(width)}  ${s.summary}`,
  );
  return `Usage: oidc-secrets store COMMAND [options]

${lines.join('\n')}

Options for every store command:
${formatOptions([...STORE_OPTIONS, HELP_OPTION])}

${LOCATION_HELP}

Run \`oidc-secrets store COMMAND --help\` for one command.
`;
}

function subcommandHelp(sub: Subcommand): string {
  return `Usage: oidc-secrets ${sub.usage} [-f PATH] [--key-file PATH]

${sub.summary[0]!.toUpperCase()}${sub.summary.slice(1)}.
${sub.details ? `\n${sub.details}\n` : ''}
Options:
${formatOptions([...(sub.options ?? []), ...STORE_OPTIONS, HELP_OPTION])}

${LOCATION_HELP}
`;
}

/** `store` and its subcommands; returns the exit code. */
/** The entry of the `store` bundle (dist/cli/store.cjs). */
export const command = commandModule(storeHelp, runStoreCommand);

export async function runStoreCommand(argv: readonly string[]): Promise<number> {
  // Store-wide options may come before the subcommand (`store -f x get K`) or after it.
  const nameIndex = argv.findIndex((arg, i) => !arg.startsWith('-') && !isOptionValue(argv, i));
  const name = nameIndex === -1 ? undefined : argv[nameIndex];
  const sub =
    name === undefined
      ? undefined
      : Object.hasOwn(SUBCOMMANDS, name)
        ? SUBCOMMANDS[name]
        : undefined;
  if (!sub) {
    const head = parseArgs(
      argv.slice(0, nameIndex === -1 ? argv.length : nameIndex),
      [...STORE_OPTIONS, HELP_OPTION],
      'store',
    );
    if (head.options.has('help') || name === 'help') {
      writeOut(storeHelp());
      return 0;
    }
    if (name === undefined) {
      writeErr(storeHelp());
      return 1;
    }
    throw new UsageError(
      `unknown store command; expected one of ${Object.keys(SUBCOMMANDS).join(', ')}`,
      'store',
    );
  }
  const rest = [...argv.slice(0, nameIndex), ...argv.slice(nameIndex + 1)];
  const specs = [...(sub.options ?? []), ...STORE_OPTIONS, HELP_OPTION];
  const command = `store ${name}`;
  let args: ParsedArgs;
  try {
    args = parseArgs(rest, specs, command);
  } catch (error) {
    if (name !== 'exists') throw error;
    reportError(error);
    return 2;
  }
  if (args.options.has('help')) {
    writeOut(subcommandHelp(sub));
    return 0;
  }
  const location = resolveStoreLocation({
    file: optionString(args, 'file'),
    keyFile: optionString(args, 'key-file'),
    env: process.env,
  });
  if (name !== 'exists') return sub.run(args, new LocalStore(location));
  // `exists` answers with 0/1, so its errors need a code of their own.
  try {
    return await sub.run(args, new LocalStore(location));
  } catch (error) {
    reportError(error);
    return 2;
  }
}

function isOptionValue(argv: readonly string[], index: number): boolean {
  const previous = argv[index - 1];
  if (previous === undefined || previous.includes('=')) return false;
  return [...STORE_OPTIONS].some(
    (s) =>
      s.value !== undefined &&
      (previous === `--${s.name}` || (s.short && previous === `-${s.short}`)),
  );
}

function onlyName(args: ParsedArgs, command: string): string {
  const [name, extra] = args.positionals;
  if (name === undefined || extra !== undefined) throw new UsageError('expected one NAME', command);
  return name;
}

function noOperands(args: ParsedArgs, command: string): void {
  if (args.positionals.length > 0) throw new UsageError('expected no operands', command);
}

function noSecret(name: string, store: LocalStore): StoreError {
  return new StoreError(
    'STORE_NO_SECRET',
    `no secret named ${name} in ${store.location.storePath}`,
  );
}

async function readValue(name: string, given: string | undefined): Promise<string> {
  if (given !== undefined && given !== '-') return given;
  if (given === undefined && process.stdin.isTTY) return promptHidden(`Value for ${name}: `);
  return trimFinalNewline(await readStream(process.stdin));
}

/**
 * The masked form of SPEC §3 (`123***...xyz`). Showing 6 characters of a short value
 * would give much of it away, so below 20 characters only `***` is shown; at 20, 14 or
 * more stay hidden. Ends are shown with control characters escaped (`\n` of a PEM).
 */
export function maskedPreview(value: string): string {
  const chars = [...value];
  if (chars.length < 20) return '***';
  const show = (part: string[]): string =>
    part.map((ch) => (/[\p{Cc}\p{Cf}]/u.test(ch) ? JSON.stringify(ch).slice(1, -1) : ch)).join('');
  return `${show(chars.slice(0, 3))}***...${show(chars.slice(-3))}`;
}

function reportNewKey(location: StoreLocation): void {
  writeErr(
    `oidc-secrets: created ${location.storePath} with a new key in ${location.keyPath}; keep the key out of version control\n`,
  );
  const repository = enclosingGitWorkTree(dirname(location.keyPath));
  if (repository && !gitIgnores(repository, location.keyPath)) {
    writeErr(
      `oidc-secrets: warning: ${location.keyPath} is inside the git work tree ${repository}: add it to .gitignore\n`,
    );
  }
}

function gitIgnores(repository: string, path: string): boolean {
  try {
    execFileSync('git', ['-C', repository, 'check-ignore', '-q', path], { stdio: 'ignore' });
    return true; // exit 0: ignored
  } catch {
    return false; // exit 1 (not ignored), or no git: warn either way
  }
}

function enclosingGitWorkTree(dir: string): string | undefined {
  for (let current = dir; ; current = dirname(current)) {
    if (existsSync(join(current, '.git'))) return current;
    if (dirname(current) === current) return undefined;
  }
}
