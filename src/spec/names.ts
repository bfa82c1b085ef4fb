// Environment variable names: which ones a secret may take, and which it must never take.

export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Names a secret must not overwrite: the runner's own variables, and variables that change
 * how later steps' programs load code (an exported secret would become code to run).
 */
const RESERVED_EXACT = new Set([
  'PATH',
  'HOME',
  'CI',
  'NODE_OPTIONS',
  'NODE_PATH',
  'NODE_EXTRA_CA_CERTS',
  'LD_PRELOAD',
  'LD_LIBRARY_PATH',
  'LD_AUDIT',
  'BASH_ENV',
  'ENV',
  'SHELL',
  'SHELLOPTS',
  'BASHOPTS',
  'PS4',
  'IFS',
  'PWD',
  'OLDPWD',
  'USER',
  'TMPDIR',
  'PYTHONPATH',
  'PYTHONSTARTUP',
  'PERL5OPT',
  'RUBYOPT',
  'JAVA_TOOL_OPTIONS',
  'GIT_SSH_COMMAND',
  'GIT_ASKPASS',
  'SSH_ASKPASS',
]);

const RESERVED_PREFIXES = ['GITHUB_', 'RUNNER_', 'ACTIONS_', 'INPUT_', 'STATE_', 'DYLD_'];

/** Why a name is reserved, or undefined when it is free. Case-insensitive: Windows env is. */
export function reservedReason(name: string): string | undefined {
  const upper = name.toUpperCase();
  if (RESERVED_EXACT.has(upper))
    return `${upper} is reserved: the runner or later steps depend on it`;
  const prefix = RESERVED_PREFIXES.find((p) => upper.startsWith(p));
  if (prefix) return `names starting with ${prefix} are reserved for the runner`;
  return undefined;
}

/** A flatten prefix is reserved when every name it can produce would be. */
export function reservedPrefixReason(prefix: string): string | undefined {
  const upper = prefix.toUpperCase();
  const covering = RESERVED_PREFIXES.find((p) => upper.startsWith(p));
  return covering ? `names starting with ${covering} are reserved for the runner` : undefined;
}

/** The variable-name form of one JSON key: upper-cased, anything outside [A-Z0-9_] as `_`. */
export function keyToName(key: string): string {
  return key.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}
