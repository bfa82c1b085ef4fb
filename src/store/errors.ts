// Every failure of the store is one of these: a stable `code` for callers and tests, and a
// message that names the file or the secret name it is about. A secret value or key never
// enters a message.

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
  | 'STORE_IO'; // any other file-system failure

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
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
