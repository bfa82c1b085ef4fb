// Reads a path tree for the scan: every regular file under the given paths, `.git`
// directories and symbolic links left out (a link is never opened: O_NOFOLLOW), files that
// are binary by content type (content-type.ts: a signature, not a NUL byte nor a name)
// skipped with a note. UTF-16 text is read as text. A file larger than `maxBytes` is read in
// overlapping pieces of whole lines (as diff.ts reads a large file's added lines), never
// skipped: the limit bounds memory, and the detector's time is linear in what it reads.
import { OidcSecretsError, type ErrorAbout } from '../../core/errors.js';
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { readFully, walkDirectory } from '../../core/walk.js';
import { ScanIncompleteError } from '../detect/detector.js';
import { binaryContentType, isUtf16, utf16ToUtf8 } from './content-type.js';
import { MAX_LINE_CHARS, PIECE_OVERLAP } from './diff.js';
import type { Fragment, ScanNote } from '../types.js';

export interface TreeScanOptions {
  /** Scan root: finding paths are relative to it. */
  root: string;
  /** Files or directories, relative to `root` or absolute. */
  paths: string[];
  /** The most of a file read at once: a larger file comes in pieces (`onPiece`). */
  maxBytes: number;
  /** A file's bytes as read (valid until the next call): the detector decodes them. */
  onFile: (path: string, bytes: Buffer) => void;
  /** One piece of a file larger than `maxBytes`, decoded, with its lines' numbers. */
  onPiece: (fragment: Fragment) => void;
  onNote: (note: ScanNote) => void;
  /** The files to read, listed already (unignored.ts); absent: every file under `paths`. */
  entries?: readonly TreeEntry[];
}

export interface TreeScanStats {
  files: number;
  bytes: number;
}

const SKIP_DIRECTORIES: ReadonlySet<string> = new Set(['.git']);

/** A path given to scan cannot be read. */
export class TreeScanError extends OidcSecretsError {
  override readonly name = 'TreeScanError';
  declare readonly code: 'SCAN_PATH';
  constructor(message: string, about?: ErrorAbout) {
    super('SCAN_PATH', message, about);
  }
}

/** One read buffer, reused from file to file: a file is scanned before the next read. */
let scratch = Buffer.allocUnsafe(1 << 20);

/**
 * Opens a file to read without following a link and checks, on the open descriptor (one
 * stat, no second path lookup), that it is a regular file: its descriptor and size.
 */
function openRegular(path: string): { fd: number; size: number } {
  // A file swapped for a link between the listing and this open is refused (ELOOP), not followed.
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTFILE' });
    return { fd, size: st.size };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** Reads `size` bytes into the shared scratch buffer: the result is valid until the next call. */
function readWhole(fd: number, size: number): Buffer {
  if (size > scratch.length) scratch = Buffer.allocUnsafe(Math.max(size, scratch.length * 2));
  return readFully(fd, scratch, size);
}

/** Where a line ends in text of this encoding: the line feed's bytes, and their alignment. */
type LineFeed = { bytes: readonly number[]; step: number };
const FEEDS: Record<'utf8' | 'le' | 'be', LineFeed> = {
  utf8: { bytes: [0x0a], step: 1 },
  le: { bytes: [0x0a, 0x00], step: 2 },
  be: { bytes: [0x00, 0x0a], step: 2 },
};

/** Offsets just past each line feed in `bytes[from, to)` (`from` aligned to the encoding). */
function lineEnds(bytes: Buffer, from: number, to: number, feed: LineFeed): number[] {
  const ends: number[] = [];
  for (let i = bytes.indexOf(feed.bytes[0]!, from); i !== -1 && i + feed.step <= to;) {
    if ((i - from) % feed.step === 0 && (feed.step === 1 || bytes[i + 1] === feed.bytes[1]))
      ends.push(i + feed.step);
    i = bytes.indexOf(feed.bytes[0]!, i + 1);
  }
  return ends;
}

/**
 * Reads a file larger than `maxBytes` in pieces of whole lines, each beginning with the end
 * of the one before (PIECE_OVERLAP, at most a quarter of a piece), and gives each to
 * `onPiece` with its lines' numbers; what the overlap finds twice is reported once
 * (scan.ts). Judged binary or UTF-16 by its first `maxBytes`, as a whole file is by all of
 * its bytes. A line longer than MAX_LINE_CHARS ends the scan as incomplete.
 */
function readPieces(
  fd: number,
  size: number,
  path: string,
  maxBytes: number,
  onPiece: (fragment: Fragment) => void,
): ScanNote | null {
  const overlap = Math.min(PIECE_OVERLAP, Math.floor(maxBytes / 4));
  let buffer = Buffer.allocUnsafe(maxBytes + overlap);
  // At the buffer's start: the last lines of the piece before (`carried` bytes), then the
  // start of a line not ended yet (`held` bytes in all).
  let carried = 0;
  let held = 0;
  let offset = 0; // file offset of the next read
  let firstLine = 1; // line number of the buffer's first byte
  let feed: LineFeed | null = null;
  let utf16: 'le' | 'be' | null = null;
  let longestLine = Infinity; // in bytes, its line feed included
  for (;;) {
    // A piece's worth of new bytes; as much as is held when that is more (a line longer than
    // a piece: it is read in doubling steps, each searched once more for its end).
    const want = Math.min(Math.max(maxBytes, held - carried), size - offset);
    if (held + want > buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(held + want, buffer.length * 2));
      buffer.copy(grown, 0, 0, held);
      buffer = grown;
    }
    let got = 0;
    while (got < want) {
      const n = readSync(fd, buffer, held + got, want - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    offset = got < want ? size : offset + got; // a file that shrank: what it holds is read
    const length = held + got;
    if (feed === null) {
      const start = buffer.subarray(0, length);
      const binary = binaryContentType(start);
      if (binary !== null) return { path, reason: 'binary', detail: binary };
      utf16 = isUtf16(start);
      feed = FEEDS[utf16 ?? 'utf8'];
      longestLine = MAX_LINE_CHARS * (utf16 ? 2 : 1) + feed.step;
    }
    const atEnd = offset >= size;
    const ends = lineEnds(buffer, 0, length, feed);
    const cut = atEnd ? length : (ends[ends.length - 1] ?? 0);
    if (cut <= carried) {
      if (atEnd) return null; // the file shrank to what was read already
      // No new line ends in what is held: read on, up to the longest line the scan holds.
      if (length - carried > longestLine)
        throw new ScanIncompleteError({ path, reason: 'line', limit: MAX_LINE_CHARS });
      held = length;
      continue;
    }
    // No new line of the piece, the file's last one included, is longer than the scan holds.
    let lineStart = carried;
    let longest = 0;
    for (const end of ends) {
      if (end <= carried) continue;
      longest = Math.max(longest, end - lineStart);
      lineStart = end;
    }
    if (Math.max(longest, cut - lineStart) > longestLine)
      throw new ScanIncompleteError({ path, reason: 'line', limit: MAX_LINE_CHARS });
    const bytes = buffer.subarray(0, cut);
    onPiece({
      path,
      text: (utf16 ? utf16ToUtf8(bytes, utf16) : bytes).toString('utf8'),
      // One number per line of the text, the empty one after its last line feed included.
      lineNumbers: Array.from({ length: ends.length + 1 }, (_, k) => firstLine + k),
    });
    if (atEnd) return null;
    // The next piece begins with the last whole lines within `overlap`, then what follows
    // the cut (a line not ended yet).
    let keep = cut;
    let kept = 0;
    for (let k = ends.length - 2; k >= -1; k--) {
      const from = k >= 0 ? ends[k]! : 0;
      if (cut - from > overlap) break;
      keep = from;
      kept++;
    }
    firstLine += ends.length - kept;
    buffer.copy(buffer, 0, keep, length);
    carried = cut - keep;
    held = length - keep;
  }
}

/**
 * The first directory between `root` (exclusive) and `abs` (exclusive) that is a symbolic
 * link, or null: `lstat` of a path follows links in its directories, so each is checked.
 */
function linkOnTheWay(root: string, abs: string): string | null {
  const rel = relative(root, abs);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return null;
  const parts = rel.split(sep);
  let at = root;
  for (const part of parts.slice(0, -1)) {
    at = resolve(at, part);
    try {
      if (lstatSync(at).isSymbolicLink()) return at;
    } catch {
      return null; // missing: the caller says so
    }
  }
  return null;
}

/** What a tree walk lists: a file to read, or something passed over with a note (in walk order). */
export type TreeEntry = { abs: string; path: string } | { note: ScanNote };

/** Lists the files under the given paths in a stable order (names sorted, depth first). */
export function listTree(rootDir: string, paths: readonly string[]): TreeEntry[] {
  const root = resolve(rootDir);
  const relPath = (abs: string): string => {
    const rel = relative(root, abs);
    return (rel === '' ? '.' : rel).split(sep).join('/');
  };
  // What the walk lists lies under root, normalised: its relative path is what follows
  // root's separator (the same as relPath, without resolving both paths for every file).
  const under = root.endsWith(sep) ? root : root + sep;
  const walkedPath = (abs: string): string =>
    abs.startsWith(under) && abs.length > under.length
      ? sep === '/'
        ? abs.slice(under.length)
        : abs.slice(under.length).split(sep).join('/')
      : relPath(abs);
  const entries: TreeEntry[] = [];
  const onFile = (abs: string): void => {
    entries.push({ abs, path: walkedPath(abs) });
  };
  for (const given of paths.length > 0 ? paths : ['.']) {
    const abs = isAbsolute(given) ? given : resolve(root, given);
    const link = linkOnTheWay(root, abs);
    if (link !== null) {
      entries.push({ note: { path: relPath(link), reason: 'symlink' } });
      continue;
    }
    let st;
    try {
      st = lstatSync(abs);
    } catch {
      throw new TreeScanError(`path ${given} does not exist`);
    }
    if (st.isDirectory()) {
      walkDirectory(abs, {
        sorted: true,
        skipDirectories: SKIP_DIRECTORIES,
        onFile,
        onUnreadable: (dir, err) => {
          entries.push({ note: { path: relPath(dir), reason: 'unreadable', detail: err.code } });
        },
      });
    } else if (st.isFile()) {
      onFile(abs);
    } else if (st.isSymbolicLink()) {
      entries.push({ note: { path: relPath(abs), reason: 'symlink' } });
    }
  }
  return entries;
}

/**
 * Reads one listed file: its bytes (valid until the next read on this thread), or, for a
 * file larger than `maxBytes`, its size once its pieces went to `onPiece`, or why it was
 * skipped.
 */
export function readTreeFile(
  abs: string,
  path: string,
  maxBytes: number,
  onPiece: (fragment: Fragment) => void,
): { bytes: Buffer } | { size: number } | { note: ScanNote } {
  let opened: { fd: number; size: number };
  try {
    opened = openRegular(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return { note: { path, reason: 'unreadable', detail: code } };
  }
  let bytes: Buffer;
  try {
    // The pieces' own failures (a rule over its budget, a line too long) end the scan.
    if (opened.size > maxBytes) {
      const note = readPieces(opened.fd, opened.size, path, maxBytes, onPiece);
      return note ? { note } : { size: opened.size };
    }
    try {
      bytes = readWhole(opened.fd, opened.size);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      return { note: { path, reason: 'unreadable', detail: code } };
    }
  } finally {
    closeSync(opened.fd);
  }
  const binary = binaryContentType(bytes);
  if (binary !== null) return { note: { path, reason: 'binary', detail: binary } };
  const utf16 = isUtf16(bytes);
  if (utf16 !== null) return { bytes: utf16ToUtf8(bytes, utf16) };
  return { bytes };
}

export function scanTree(options: TreeScanOptions): TreeScanStats {
  const stats: TreeScanStats = { files: 0, bytes: 0 };
  for (const entry of options.entries ?? listTree(options.root, options.paths)) {
    if ('note' in entry) {
      options.onNote(entry.note);
      continue;
    }
    const read = readTreeFile(entry.abs, entry.path, options.maxBytes, options.onPiece);
    if ('note' in read) {
      options.onNote(read.note);
      continue;
    }
    stats.files++;
    if ('size' in read) {
      stats.bytes += read.size;
      continue;
    }
    stats.bytes += read.bytes.length;
    options.onFile(entry.path, read.bytes);
  }
  return stats;
}
