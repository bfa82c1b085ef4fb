// What the scan reads as text, whatever `.gitattributes` or a NUL byte says (SPEC §2.1):
// - a file is skipped as binary only when its first bytes are the signature of a format that
//   is binary by construction (images, archives, compiled objects) AND its bytes are not
//   mostly text. The second test keeps a text file that merely starts with `\x89PNG` (or
//   `MZ`) in the scan: a fake header hides nothing;
// - UTF-16 text (a BOM, or NUL in every other byte) is decoded, so NUL bytes between its
//   characters do not hide a key written in it.

interface Signature {
  /** What the summary calls it. */
  name: string;
  /** Byte offset of the signature. */
  at: number;
  bytes: readonly number[];
}

const ascii = (text: string): number[] => [...text].map((c) => c.charCodeAt(0));

const SIGNATURES: readonly Signature[] = [
  { name: 'PNG image', at: 0, bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { name: 'JPEG image', at: 0, bytes: [0xff, 0xd8, 0xff] },
  { name: 'GIF image', at: 0, bytes: ascii('GIF8') },
  { name: 'WebP image', at: 8, bytes: ascii('WEBP') },
  { name: 'TIFF image', at: 0, bytes: [0x49, 0x49, 0x2a, 0x00] },
  { name: 'TIFF image', at: 0, bytes: [0x4d, 0x4d, 0x00, 0x2a] },
  { name: 'icon', at: 0, bytes: [0x00, 0x00, 0x01, 0x00] },
  { name: 'BMP image', at: 0, bytes: ascii('BM') },
  { name: 'ISO media (MP4, HEIC, AVIF)', at: 4, bytes: ascii('ftyp') },
  { name: 'Ogg media', at: 0, bytes: ascii('OggS') },
  { name: 'FLAC audio', at: 0, bytes: ascii('fLaC') },
  { name: 'WOFF font', at: 0, bytes: ascii('wOFF') },
  { name: 'WOFF2 font', at: 0, bytes: ascii('wOF2') },
  { name: 'OpenType font', at: 0, bytes: ascii('OTTO') },
  { name: 'TrueType font', at: 0, bytes: [0x00, 0x01, 0x00, 0x00] },
  { name: 'zip archive', at: 0, bytes: [0x50, 0x4b, 0x03, 0x04] },
  { name: 'zip archive', at: 0, bytes: [0x50, 0x4b, 0x05, 0x06] },
  { name: 'gzip archive', at: 0, bytes: [0x1f, 0x8b] },
  { name: 'bzip2 archive', at: 0, bytes: ascii('BZh') },
  { name: 'xz archive', at: 0, bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { name: 'zstd archive', at: 0, bytes: [0x28, 0xb5, 0x2f, 0xfd] },
  { name: '7z archive', at: 0, bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
  { name: 'RAR archive', at: 0, bytes: ascii('Rar!') },
  { name: 'ELF object', at: 0, bytes: [0x7f, 0x45, 0x4c, 0x46] },
  { name: 'Mach-O object', at: 0, bytes: [0xfe, 0xed, 0xfa, 0xce] },
  { name: 'Mach-O object', at: 0, bytes: [0xfe, 0xed, 0xfa, 0xcf] },
  { name: 'Mach-O object', at: 0, bytes: [0xce, 0xfa, 0xed, 0xfe] },
  { name: 'Mach-O object', at: 0, bytes: [0xcf, 0xfa, 0xed, 0xfe] },
  { name: 'Java class or Mach-O universal object', at: 0, bytes: [0xca, 0xfe, 0xba, 0xbe] },
  { name: 'Windows executable', at: 0, bytes: ascii('MZ') },
  { name: 'WebAssembly module', at: 0, bytes: [0x00, 0x61, 0x73, 0x6d] },
  { name: 'SQLite database', at: 0, bytes: [...ascii('SQLite format 3'), 0x00] },
  // Compressed streams: a PDF written as plain text (no more than a tenth of it not text)
  // is read, like any text.
  { name: 'PDF document', at: 0, bytes: ascii('%PDF-') },
];

/** Share of bytes that are not text above which a signed file counts as binary. */
const NOT_TEXT_SHARE = 0.1;

function hasSignature(bytes: Uint8Array, sig: Signature): boolean {
  if (bytes.length < sig.at + sig.bytes.length) return false;
  for (let i = 0; i < sig.bytes.length; i++) if (bytes[sig.at + i] !== sig.bytes[i]) return false;
  return true;
}

/**
 * How many bytes are not text: C0 controls other than tab, LF, VT, FF, CR and ESC, DEL, and
 * bytes that are not part of a well-formed UTF-8 sequence.
 */
export function notTextBytes(bytes: Uint8Array): number {
  let bad = 0;
  const n = bytes.length;
  for (let i = 0; i < n;) {
    const b = bytes[i]!;
    if (b < 0x80) {
      if (
        (b < 0x20 && b !== 9 && b !== 10 && b !== 11 && b !== 12 && b !== 13 && b !== 27) ||
        b === 0x7f
      )
        bad++;
      i++;
      continue;
    }
    const length =
      b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    let ok = length > 0 && i + length <= n;
    for (let k = 1; ok && k < length; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) ok = false;
    if (ok) i += length;
    else {
      bad++;
      i++;
    }
  }
  return bad;
}

/**
 * The format name when `bytes` (a file's content from its first byte) is binary by content
 * type, else null. A short signature (`MZ`, `BM`) is safe: it counts only with the rest of
 * the test.
 */
export function binaryContentType(bytes: Uint8Array): string | null {
  const sig = SIGNATURES.find((s) => hasSignature(bytes, s));
  if (!sig) return null;
  if (isUtf16(bytes) !== null) return null;
  return notTextBytes(bytes) >= Math.max(1, bytes.length * NOT_TEXT_SHARE) ? sig.name : null;
}

/** `le` or `be` when the bytes read as UTF-16 (a BOM, or NUL in every other byte), else null. */
export function isUtf16(bytes: Uint8Array): 'le' | 'be' | null {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return 'le';
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return 'be';
  const n = Math.min(bytes.length, 8192) & ~1;
  if (n < 8) return null;
  // Without a NUL (found natively, at memory speed) neither count below can reach its share.
  if (bytes.subarray(0, n).indexOf(0) === -1) return null;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenZero++;
    if (bytes[i + 1] === 0) oddZero++;
  }
  const pairs = n / 2;
  // Text in a Latin script: one byte of each pair is zero nearly always, the other nearly never.
  if (oddZero >= pairs * 0.6 && evenZero <= pairs * 0.1) return 'le';
  if (evenZero >= pairs * 0.6 && oddZero <= pairs * 0.1) return 'be';
  return null;
}

/** UTF-16 bytes as UTF-8 (a BOM dropped): same lines, same line numbers. */
export function utf16ToUtf8(bytes: Uint8Array, order: 'le' | 'be'): Buffer {
  let body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length & ~1);
  if (order === 'be') body = Buffer.from(body).swap16();
  let text = body.toString('utf16le');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return Buffer.from(text, 'utf8');
}
