// Binary secret payloads (AWS SecretBinary, GCP data that is not UTF-8) are exported as
// their base64 text. A later step that decodes that text prints the bytes, which the
// runner shows as UTF-8 text: when that text is printable, it is a secret too and must be
// masked. The runner decodes invalid sequences to U+FFFD, as TextDecoder does here.

const lossyUtf8 = new TextDecoder('utf-8', { fatal: false });
/** Control characters other than tab, LF and CR: bytes no log line shows as text. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/**
 * The text a step printing these bytes would show, when it is printable (no control
 * characters, something besides replacement characters and blanks); undefined otherwise.
 */
export function printableText(bytes: Uint8Array): string | undefined {
  const text = lossyUtf8.decode(bytes);
  if (CONTROL.test(text)) return undefined;
  if (!/[^\s\uFFFD]/.test(text)) return undefined;
  return text;
}
