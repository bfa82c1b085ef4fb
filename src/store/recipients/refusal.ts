// A key service's refusal, in its own words and naming the recipient (SPEC §3.1, issue 16:
// "a KMS that refuses (its words, the recipient named)"). The HTTP client has already cut
// and scrubbed the body; the service's message is quoted on one line (500 characters at most).
import { HttpError } from '../../net/http.js';
import { StoreError } from '../errors.js';

export function refused(
  recipient: string,
  service: string,
  operation: string,
  error: unknown,
  words: (body: string) => { code?: string | undefined; message?: string | undefined },
): unknown {
  if (!(error instanceof HttpError)) return error;
  if (error.status === undefined) {
    return new StoreError(
      'STORE_KMS',
      `recipient ${recipient}: ${service} ${operation} failed: ${error.message}`,
      { cause: error },
    );
  }
  const { code, message } = words(error.bodyExcerpt);
  // One line: Vault's multi-error text ("1 error occurred:\n\t* permission denied") too.
  const said = (message ?? error.bodyExcerpt).replace(/\s+/g, ' ').trim().slice(0, 500);
  return new StoreError(
    'STORE_KMS',
    `recipient ${recipient}: ${service} refused ${operation} (HTTP ${error.status}${code ? ` ${code}` : ''}): ${said}`,
    { cause: error },
  );
}

/** A key service answered 2xx without what it documents: say so, never quote the body. */
export function malformed(recipient: string, service: string, operation: string): StoreError {
  return new StoreError(
    'STORE_KMS',
    `recipient ${recipient}: ${service} answered ${operation} without the documented fields`,
  );
}
