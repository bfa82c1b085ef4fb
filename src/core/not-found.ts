// "This secret does not exist", as a provider established it — the one failure `?optional`
// tolerates (SPEC §1.1a). Only answers that say so are one: Vault's 404 with no errors and no
// warnings, Secrets Manager's ResourceNotFoundException, Secret Manager's NOT_FOUND, Key
// Vault's SecretNotFound, a missing file, variable or store key. A 404 that means a wrong
// path or mount, a host that does not resolve, a denial, a network error or bad input stay
// ordinary errors: they must fail the step even on an optional line.
import { ActionError } from './errors.js';

export class SecretNotFoundError extends ActionError {
  override readonly name: string = 'SecretNotFoundError';
  constructor(message: string) {
    super('SECRET_NOT_FOUND', message);
  }
}

/** Whether an error says the secret does not exist (and nothing worse). */
export function isAbsence(error: unknown): boolean {
  return error instanceof SecretNotFoundError;
}
