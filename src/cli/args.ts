// A small argv parser for the CLI: `--name value`, `--name=value`, `-n value`, boolean
// flags, `--` ending the options, and (for `run`) options that stop at the first operand
// so the child command keeps its own flags.
import { OidcSecretsError } from '../core/errors.js';

export interface OptionSpec {
  /** Long name without dashes: `file` for `--file`. */
  name: string;
  /** One letter for `-f`. */
  short?: string;
  /** The placeholder of its value (`PATH`); absent for a flag. */
  value?: string;
  description: string;
}

export interface ParsedArgs {
  /** By long name: the value, or `true` for a flag. Repeated options: the last one wins. */
  options: Map<string, string | true>;
  positionals: string[];
  /** Whatever followed the first operand or `--`, untouched (only with `stopAtOperand`). */
  rest: string[];
  /** Every value of each option, in order (`--recipient A --recipient B`). */
  all?: Map<string, string[]>;
}

/** A command line that does not parse: the message names the flag or operand at fault. */
export class UsageError extends OidcSecretsError {
  override readonly name = 'UsageError';
  declare readonly code: 'USAGE';
  constructor(
    message: string,
    /** The command whose `--help` to point at, e.g. `store get`. */
    readonly command: string,
  ) {
    super('USAGE', message);
  }
}

export const HELP_OPTION: OptionSpec = { name: 'help', short: 'h', description: 'show this help' };

export function parseArgs(
  argv: readonly string[],
  specs: readonly OptionSpec[],
  command: string,
  settings: { stopAtOperand?: boolean } = {},
): ParsedArgs {
  const options = new Map<string, string | true>();
  const positionals: string[] = [];
  const rest: string[] = [];
  const all = new Map<string, string[]>();
  const byLong = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      (settings.stopAtOperand ? rest : positionals).push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-' || !arg.startsWith('-')) {
      if (settings.stopAtOperand) {
        rest.push(...argv.slice(i));
        break;
      }
      positionals.push(arg);
      continue;
    }
    let spec: OptionSpec | undefined;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq === -1 ? undefined : arg.slice(eq + 1);
      spec = byLong.get(name);
    } else if (arg.length === 2) {
      spec = byShort.get(arg[1]!);
    }
    if (!spec) {
      // An unknown argument may be a value typed in the wrong place (`set K --pa55word`):
      // echo it only when it reads like an option name.
      const shown = /^--?[a-z][a-z-]{0,30}$/.test(arg.split('=')[0]!)
        ? arg.split('=')[0]
        : '(not shown: it does not read like an option name)';
      throw new UsageError(
        `unknown option ${shown}; to pass a value that starts with -, put it after --`,
        command,
      );
    }
    if (spec.value === undefined) {
      if (inline !== undefined) throw new UsageError(`--${spec.name} takes no value`, command);
      options.set(spec.name, true);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || (inline === undefined && value.startsWith('-') && value !== '-')) {
      throw new UsageError(`--${spec.name} expects ${spec.value}`, command);
    }
    options.set(spec.name, value);
    all.set(spec.name, [...(all.get(spec.name) ?? []), value]);
  }
  return { options, positionals, rest, all };
}

/** The help text's options block. */
export function formatOptions(specs: readonly OptionSpec[]): string {
  const rows = specs.map((s) => {
    const names = `${s.short ? `-${s.short}, ` : '    '}--${s.name}${s.value ? ` ${s.value}` : ''}`;
    return [names, s.description] as const;
  });
  const width = Math.max(...rows.map(([names]) => names.length));
  return rows.map(([names, text]) => `  ${names.padEnd(width)}  ${text}`).join('\n');
}

/** Every value a repeatable option was given, in order. */
export function optionStrings(parsed: ParsedArgs, name: string): string[] {
  return parsed.all?.get(name) ?? [];
}

export function optionString(parsed: ParsedArgs, name: string): string | undefined {
  const value = parsed.options.get(name);
  return typeof value === 'string' ? value : undefined;
}
