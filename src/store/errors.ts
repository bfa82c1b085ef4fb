// Every failure of the store is one of these: a stable `code` for callers and tests, and a
// message that names the file or the secret name it is about. A secret value or key never
// enters a message. The codes are listed with every other code in src/core/errors.ts.
import { OidcSecretsError, type ErrorAbout, type StoreErrorCode } from '../core/errors.js';

export class StoreError extends OidcSecretsError {
  override readonly name = 'StoreError';
  declare readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string, about: Omit<ErrorAbout, 'line'> = {}) {
    super(code, message, about);
  }
}

/** Secret names are environment-variable names, so `local:NAME` and `run` can use them as is. */
export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function assertSecretName(name: string): void {
  if (SECRET_NAME.test(name)) return;
  // An invalid name may be a value typed in the wrong place, so the message never quotes
  // it: it points at the first offending character instead (punctuation, a space or a
  // leading digit, which says nothing about a secret).
  const at = [...name].findIndex(
    (ch, i) => !/[A-Za-z_]/.test(ch) && (i === 0 || !/[0-9]/.test(ch)),
  );
  const detail =
    name.length === 0
      ? 'it is empty'
      : `character ${at + 1} is ${describeCharacter([...name][at] ?? '')}`;
  throw new StoreError(
    'STORE_NAME',
    `secret name is not valid (${detail}): expected an environment-variable name, [A-Za-z_][A-Za-z0-9_]*`,
  );
}

function describeCharacter(ch: string): string {
  if (/[0-9]/.test(ch)) return 'a digit';
  if (/\s/.test(ch)) return 'a space';
  if (/[\x21-\x7e]/.test(ch)) return `'${ch}'`;
  return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Node's fs errors carry `code`. Not `instanceof Error`: errors from another realm (a vm context) fail that test. */
export function errnoCode(error: unknown): string | undefined {
  const code =
    typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}
