// Every failure a user can cause or meet is an ActionError: a stable `code` for tests and
// tooling, and a message that names the input line or option it is about. A secret value
// never enters one: messages are built only from things the user wrote that passed
// validation (names, providers, locators) and from descriptions of what was wrong.

export type ErrorCode =
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
  | 'EXPORT_FAILED';

export class ActionError extends Error {
  override readonly name = 'ActionError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** 1-based line of the `secrets` input this error is about, when it is about one. */
    readonly line?: number,
  ) {
    super(message);
  }
}

/** Several errors reported together (every bad line at once, not one per run). */
export class ActionErrors extends Error {
  override readonly name = 'ActionErrors';
  constructor(readonly errors: ActionError[]) {
    super(
      errors.length === 1
        ? (errors[0]?.message ?? '')
        : `${errors.length} problems:\n` + errors.map((e) => `- ${e.message}`).join('\n'),
    );
  }
}

export function isActionError(error: unknown): error is ActionError {
  return error instanceof ActionError;
}

/** A message for an unknown thrown thing, without its stack (stacks can carry values). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
