// `?decode=base64` (SPEC §1.1a): the fetched (and selected) value is base64 and the bytes
// are what the job needs. Bytes that are text (UTF-8 without control characters other than
// tab and line breaks) export as that text; other bytes are kept as bytes, which only
// `export: files` can write — an environment variable or a step output cannot hold a NUL,
// and the runner would show other bytes as mangled text.
import { ActionError } from './errors.js';
import { lineLabel, refLabel, type SecretLine } from './plan/types.js';
import { printableText } from '../providers/binary.js';

export type Decoded =
  | { text: string; bytes?: undefined }
  | {
      bytes: Uint8Array;
      /** The canonical base64 text of the bytes. */
      base64: string;
      /** What a step printing the bytes would show, when that is readable text. */
      printable: string | undefined;
      text?: undefined;
    };

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
/** Standard or URL-safe alphabet (not mixed), padding optional; blanks (line wraps) allowed. */
const STANDARD = /^[A-Za-z0-9+/]*={0,2}$/;
const URL_SAFE = /^[A-Za-z0-9_-]*={0,2}$/;

/** Decodes a line's selected value; refuses, naming the line, what is not base64. */
export function decodeBase64(line: SecretLine, selected: unknown): Decoded {
  const fail = (problem: string): never => {
    throw new ActionError(
      'DECODE_FAILED',
      `${lineLabel(line)}: decode=base64: the value of ${refLabel(line.ref)}${line.ref.selector.length ? ' at its selector' : ''} ${problem}`,
      line.line,
    );
  };
  if (typeof selected !== 'string') return fail('is JSON, not a base64 string');
  const compact = selected.replace(/\s+/g, '');
  const standard = STANDARD.test(compact);
  if ((!standard && !URL_SAFE.test(compact)) || compact.replace(/=+$/, '').length % 4 === 1)
    return fail('is not base64 text');
  const buffer = Buffer.from(compact, standard ? 'base64' : 'base64url');
  const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  let text: string | undefined;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    text = undefined;
  }
  if (text !== undefined && !CONTROL.test(text)) return { text };
  return { bytes, base64: buffer.toString('base64'), printable: printableText(bytes) };
}
