// Every failure the project itself raises is an OidcSecretsError: a stable `code` for tests
// and tooling, a message that names what it is about (the `secrets` input line, the setting,
// the file), the same facts as fields, and the error it came from as the standard `cause`.
// Reporters dispatch on the type (`instanceof OidcSecretsError`): our messages are printed;
// anything else is described without its message (`describeForeignError`), since a foreign
// message can quote input (JSON.parse quotes the text it failed on).
//
// A secret value never enters one: messages are built only from things the user wrote that
// passed validation (names, providers, locators, paths) and from descriptions of what was
// wrong. A `cause` is kept for debugging and never printed by a reporter; one that could
// quote a value (a parse error of decrypted text) is not attached at all.

/** Failures of the action/`run` pipeline: inputs, plan, providers, policy, export. */
export type ActionErrorCode =
  | 'INPUT_INVALID'
  | 'SECRETS_SYNTAX'
  | 'NAME_INVALID'
  | 'NAME_RESERVED'
  | 'NAME_COLLISION'
  | 'REFERENCE_INVALID'
  | 'SELECTOR_NOT_FOUND'
  | 'SELECTOR_NOT_JSON'
  | 'FLATTEN_NOT_OBJECT'
  | 'PROVIDER_NOT_CONFIGURED'
  | 'PROVIDER_UNAVAILABLE'
  | 'OIDC_UNAVAILABLE'
  | 'AUTH_FAILED'
  | 'SECRET_NOT_FOUND'
  | 'ACCESS_DENIED'
  | 'READ_FAILED'
  | 'HTTP_FAILED'
  | 'POLICY_REFUSED'
  | 'EXPORT_FAILED'
  | 'DECODE_FAILED';

/** Failures of the encrypted store (src/store). */
export type StoreErrorCode =
  | 'STORE_NOT_FOUND' // no store file where one was expected
  | 'STORE_KEY_NOT_FOUND' // the store exists but its key file does not
  | 'STORE_PERMISSIONS' // a store or key file is open to group/others
  | 'STORE_AUTH' // AES-GCM authentication failed: modified file or wrong key
  | 'STORE_FORMAT' // the file is not a store this version can read
  | 'STORE_KEY_FORMAT' // the key text is not a 256-bit key
  | 'STORE_LOCKED' // another process held the lock for too long
  | 'STORE_NAME' // a secret name that is not an environment-variable name
  | 'STORE_NO_SECRET' // no secret of that name
  | 'STORE_VALUE' // an empty value
  | 'STORE_EXISTS' // a backup target already exists
  | 'STORE_IO' // any other file-system failure
  | 'STORE_RECIPIENT' // a keyless store's recipient that is not valid (unknown scheme, bad locator)
  | 'STORE_UNWRAP' // no recipient available here could open a keyless store
  | 'STORE_KMS'; // a key service (KMS, Key Vault, Vault transit) refused to wrap or unwrap

/** Failures of the secret scan (src/scan): each makes the scan unable to run or finish. */
export type ScanErrorCode =
  | 'SCAN_INPUT' // the action's inputs or the event payload
  | 'SCAN_CONFIG' // the gitleaks config
  | 'SCAN_SETTINGS' // reading a settings file (config, ignore list)
  | 'SCAN_REGEX' // a config regex that cannot be translated
  | 'SCAN_INCOMPLETE' // a rule ran out of its work budget
  | 'SCAN_OUTPUT' // writing the SARIF report
  | 'SCAN_GIT' // git could not give the history asked for
  | 'SCAN_PATH'; // a path to scan cannot be read

/** Failures of the front ends themselves. */
export type FrontEndErrorCode =
  | 'USAGE' // a CLI command line that does not parse
  | 'INTERRUPTED' // Ctrl-C at a CLI prompt
  | 'FILE_COMMAND'; // a runner file command (GITHUB_ENV, …) that cannot be written

/** Several problems reported together (`ActionErrors`). */
export type ProblemsCode = 'PROBLEMS';

export type ErrorCode =
  ActionErrorCode | StoreErrorCode | ScanErrorCode | FrontEndErrorCode | ProblemsCode;

/** What an error is about, besides its message; every field optional. */
export interface ErrorAbout {
  /** 1-based line of the `secrets` input. */
  line?: number;
  /**
   * The setting at fault, by its neutral key (`vault-url`): each front end names it in its
   * own words (an action input, a CLI flag, an environment variable).
   */
  setting?: string;
  /** The file at fault (a store, key, config, report or lock file). */
  file?: string;
  /** The error this one came from (standard `Error` `cause`); never printed by a reporter. */
  cause?: unknown;
}

/** The base of every error the project raises. */
export class OidcSecretsError extends Error {
  override readonly name: string = 'OidcSecretsError';
  readonly line?: number;
  readonly setting?: string;
  readonly file?: string;
  constructor(
    readonly code: ErrorCode,
    message: string,
    about: ErrorAbout = {},
  ) {
    super(message, 'cause' in about ? { cause: about.cause } : undefined);
    if (about.line !== undefined) this.line = about.line;
    if (about.setting !== undefined) this.setting = about.setting;
    if (about.file !== undefined) this.file = about.file;
  }
}

/**
 * A failure of the pipeline shared by the action and `run`. Any project error that reaches
 * the pipeline keeps its code when it is attributed to an input line (src/core/resolve.ts),
 * so the code is any project code, not only the pipeline's own.
 */
export class ActionError extends OidcSecretsError {
  override readonly name: string = 'ActionError';
  constructor(
    code: ErrorCode,
    message: string,
    /** 1-based line of the `secrets` input this error is about, when it is about one. */
    line?: number,
    about: Omit<ErrorAbout, 'line'> = {},
  ) {
    super(code, message, line === undefined ? about : { ...about, line });
  }
}

/** Several errors reported together (every bad line at once, not one per run). */
export class ActionErrors extends OidcSecretsError {
  override readonly name = 'ActionErrors';
  declare readonly code: ProblemsCode;
  constructor(readonly errors: ActionError[]) {
    super(
      'PROBLEMS',
      errors.length === 1
        ? (errors[0]?.message ?? '')
        : `${errors.length} problems:\n` + errors.map((e) => `- ${e.message}`).join('\n'),
    );
  }
}

/**
 * Node's own system errors (fs, net, child_process: an `errno`, a `code` and a `syscall`):
 * their message names a path or a host, never data read. Not `instanceof Error`: an error
 * from another realm (a vm context) fails that test.
 */
export function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  if (typeof error !== 'object' || error === null) return false;
  const { errno, code, syscall, message } = error as Record<string, unknown>;
  return (
    typeof errno === 'number' &&
    typeof code === 'string' &&
    typeof syscall === 'string' &&
    typeof message === 'string'
  );
}

/**
 * What a reporter may say of a thrown thing that is not a project error: a system error's
 * message (it names a path), otherwise only its class name, since its message could quote
 * input — a secret among it.
 */
export function describeForeignError(error: unknown): string {
  if (isSystemError(error)) return error.message;
  return `${foreignKind(error)}; its message is not shown in case it quotes a secret`;
}

/** The class name of a thrown thing (`SyntaxError`), or its type when it is not an object. */
export function foreignKind(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string' && /^[A-Za-z_$][\w$]{0,63}$/.test(name)) return name;
    return 'object';
  }
  return typeof error;
}

/** A message for an unknown thrown thing, without its stack (stacks can carry values). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
