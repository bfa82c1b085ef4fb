// `oidc-secrets store …`: the local encrypted store from the command line.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { OidcSecretsError } from '../core/errors.js';
import { wordSettings } from '../core/settings.js';
import { StoreError } from '../store/errors.js';
import { KEYLESS_VERSION } from '../store/format.js';
import { declaredVersion } from '../store/format-v2.js';
import { KeylessStore, readStoreText } from '../store/keyless-store.js';
import { type StoreLocation, resolveStoreLocation } from '../store/location.js';
import { LocalStore } from '../store/store.js';
import {
  HELP_OPTION,
  type OptionSpec,
  type ParsedArgs,
  UsageError,
  formatOptions,
  optionString,
  optionStrings,
  parseArgs,
} from './args.js';
import { loadAge, readAgeIdentities } from './age-identity.js';
import { cliKeyAccess, type CliKeyAccess } from './key-access.js';
import { CLI_WORDS } from './settings.js';
import { promptHidden, readStream, trimFinalNewline } from './input.js';
import { commandModule, reportError, writeErr, writeOut } from './report.js';

export const STORE_OPTIONS: OptionSpec[] = [
  { name: 'file', short: 'f', value: 'PATH', description: 'the store file (default below)' },
  { name: 'key-file', value: 'PATH', description: 'its key file (default: beside the store)' },
  {
    name: 'identity',
    short: 'i',
    value: 'FILE',
    description: 'an age identity file for a keyless store (default $OIDC_SECRETS_AGE_IDENTITY)',
  },
];

const RECIPIENT_OPTION: OptionSpec = {
  name: 'recipient',
  short: 'r',
  value: 'R',
  description:
    'a recipient (repeat for several): aws-kms:, gcp-kms:, azure-kv:, vault-transit:, age:',
};

const RECIPIENTS_HELP = `Recipients: aws-kms:KEY_ARN, gcp-kms:projects/P/locations/L/keyRings/K/cryptoKeys/C,
azure-kv:VAULT/keys/NAME, vault-transit:MOUNT/keys/NAME, age:age1… (age-keygen -y KEYFILE).
A cloud recipient is reached with its provider's login, configured by the same
OIDC_SECRETS_* variables as \`run\` (OIDC_SECRETS_AWS_ROLE_ARN, OIDC_SECRETS_VAULT_URL, …); an
age recipient needs nothing to wrap, and an identity (--identity FILE or
OIDC_SECRETS_AGE_IDENTITY) to open.`;

const LOCATION_HELP = `The store is $OIDC_SECRETS_STORE or ./secrets.json.enc unless -f PATH says otherwise;
its key is $OIDC_SECRETS_KEY_FILE or the file beside it named after it (secrets.json.enc →
secrets.key, prod.json.enc → prod.key) unless --key-file PATH says otherwise. Both files must
be private to their owner (chmod 600) and are refused otherwise. The store is AES-256-GCM
encrypted and authenticated; keep the key out of version control and out of backups of
the store.`;

/** A key-file store (format 1) or a keyless one (format 2): the same commands serve both. */
type AnyStore = LocalStore | KeylessStore;

/** What a subcommand may need besides the store: the location, and key services. */
interface StoreContext {
  location: StoreLocation;
  /** Reaches key services and age identities (made on first use). */
  keys(): CliKeyAccess;
}

interface Subcommand {
  usage: string;
  summary: string;
  details?: string;
  options?: OptionSpec[];
  /** Exit code; throws StoreError/UsageError for the caller to report. */
  run(args: ParsedArgs, store: AnyStore, context: StoreContext): Promise<number>;
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
      if (store instanceof KeylessStore) {
        const { recipients } = await store.rotateKey();
        writeErr(
          `oidc-secrets: ${store.location.storePath} re-encrypted under a new data key, wrapped for ${recipients.join(', ')}\n`,
        );
        return 0;
      }
      const { oldKeyId, newKeyId } = await store.rotateKey();
      writeErr(
        `oidc-secrets: ${store.location.storePath} re-encrypted; key ${store.location.keyPath} replaced (key id ${oldKeyId} → ${newKeyId})\n`,
      );
      return 0;
    },
  },
  init: {
    usage: 'store init --recipient R [--recipient R…]',
    summary: 'create a keyless store: its data key wrapped for each recipient, no key file',
    details: `Any one recipient opens the store, so it can be committed: CI opens it through the
job's OIDC login (a cloud KMS or Vault transit recipient), people with their age identity.
${RECIPIENTS_HELP}`,
    options: [RECIPIENT_OPTION],
    async run(args, _store, context) {
      noOperands(args, 'store init');
      const recipients = optionStrings(args, 'recipient');
      if (recipients.length === 0) {
        throw new UsageError('expected at least one --recipient R', 'store init');
      }
      await KeylessStore.create(context.location, recipients, context.keys().access);
      writeErr(
        `oidc-secrets: created the keyless store ${context.location.storePath} for ${recipients.join(', ')}\n`,
      );
      return 0;
    },
  },
  recipients: {
    usage: 'store recipients list | add R… | remove R…',
    summary: "list or change a keyless store's recipients",
    details: `list prints the recipients the store's header names without opening the store (no
identity needed); the header is authenticated when the store is opened (get, list, set…),
where a tampered one fails. add wraps the current data key for more recipients. remove
drops recipients and rotates the data key: the secrets are re-encrypted under a new one
wrapped for the recipients that remain, so a removed recipient cannot read anything
written after. It may have kept what it could read before: rotate those secrets at their
source.
${RECIPIENTS_HELP}`,
    async run(args, store) {
      const [action, ...operands] = args.positionals;
      if (!(store instanceof KeylessStore)) {
        throw new StoreError(
          'STORE_FORMAT',
          `${store.location.storePath} is a key-file store: it has no recipients. Convert it with \`oidc-secrets store migrate --recipient R…\``,
          { file: store.location.storePath },
        );
      }
      if (action === 'list' && operands.length === 0) {
        const recipients = await store.recipients();
        writeOut(recipients.join('\n') + '\n');
        return 0;
      }
      if ((action === 'add' || action === 'remove') && operands.length > 0) {
        const change =
          action === 'add'
            ? await store.addRecipients(operands)
            : await store.removeRecipients(operands);
        writeErr(
          `oidc-secrets: ${store.location.storePath} ${change.rotated ? 're-encrypted under a new data key, ' : ''}wrapped for ${change.recipients.join(', ')}\n`,
        );
        return 0;
      }
      throw new UsageError('expected list, add R…, or remove R…', 'store recipients');
    },
  },
  migrate: {
    usage: 'store migrate --recipient R [--recipient R…]',
    summary: 'convert a key-file store into a keyless one',
    details: `The store is opened with its key file and rewritten as a keyless store for the
recipients given (under a new data key). The key file no longer opens it: delete it, and
if the key-file store was ever committed or copied, rotate its secrets at their source.
${RECIPIENTS_HELP}`,
    options: [RECIPIENT_OPTION],
    async run(args, store, context) {
      noOperands(args, 'store migrate');
      if (store instanceof KeylessStore) {
        throw new StoreError(
          'STORE_FORMAT',
          `${store.location.storePath} is a keyless store already: change its recipients with \`oidc-secrets store recipients add|remove\``,
          { file: store.location.storePath },
        );
      }
      const recipients = optionStrings(args, 'recipient');
      if (recipients.length === 0) {
        throw new UsageError('expected at least one --recipient R', 'store migrate');
      }
      const secrets = await store.readAll();
      await KeylessStore.create(context.location, recipients, context.keys().access, {
        secrets,
        replace: true,
      });
      writeErr(
        `oidc-secrets: ${context.location.storePath} is now a keyless store for ${recipients.join(', ')} (${secrets.size} secret${secrets.size === 1 ? '' : 's'}); ` +
          `its old key file ${context.location.keyPath} no longer opens it: delete it\n`,
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
  return `Usage: oidc-secrets ${sub.usage} [-f PATH] [--key-file PATH] [--identity FILE]

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
  let keys: CliKeyAccess | undefined;
  const context: StoreContext = {
    location,
    keys: () =>
      (keys ??= cliKeyAccess(
        process.env,
        readAgeIdentities(optionStrings(args, 'identity'), process.env),
      )),
  };
  const open = (): AnyStore => {
    // The version decides the kind; a keyless store is read whatever its mode (committed
    // files are 0644), a key-file store's own checks stay as they were.
    const text = readStoreText(location.storePath);
    if (text !== undefined && declaredVersion(text) === KEYLESS_VERSION) {
      return new KeylessStore(location, lazyAccess(context));
    }
    return new LocalStore(location);
  };
  try {
    if (name !== 'exists') return await sub.run(args, open(), context);
    // `exists` answers with 0/1, so its errors need a code of their own.
    try {
      return await sub.run(args, open(), context);
    } catch (error) {
      reportError(worded(error));
      return 2;
    }
  } catch (error) {
    throw worded(error);
  } finally {
    await keys?.close();
  }
}

/** Settings named below the front end (`{{aws.roleArn}}`) in the CLI's words. */
function worded(error: unknown): unknown {
  if (error instanceof OidcSecretsError) error.message = wordSettings(error.message, CLI_WORDS);
  return error;
}

/** KeyAccess made only when a command first needs a key service or an identity. */
function lazyAccess(context: StoreContext): CliKeyAccess['access'] {
  return {
    get http() {
      return context.keys().access.http;
    },
    get ageIdentities() {
      return context.keys().access.ageIdentities;
    },
    get ageHint() {
      return context.keys().access.ageHint;
    },
    agePackage: loadAge,
    admit: (value, what) => context.keys().access.admit(value, what),
    unavailable: (provider) => context.keys().access.unavailable(provider),
    credential: (provider) => context.keys().access.credential(provider),
  };
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

function noSecret(name: string, store: AnyStore): StoreError {
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
