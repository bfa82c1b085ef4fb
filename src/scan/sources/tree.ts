// Reads a path tree for the scan: every regular file under the given paths, `.git`
// directories and symbolic links left out (a link is never opened: O_NOFOLLOW), files that
// are binary by content type (content-type.ts: a signature, not a NUL byte nor a name) and
// files over the size limit skipped with a note. UTF-16 text is read as text.
import { OidcSecretsError, type ErrorAbout } from '../../core/errors.js';
import { closeSync, constants, fstatSync, lstatSync, openSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { readFully, walkDirectory } from '../../core/walk.js';
import { binaryContentType, isUtf16, utf16ToUtf8 } from './content-type.js';
import type { ScanNote } from '../types.js';

export interface TreeScanOptions {
  /** Scan root: finding paths are relative to it. */
  root: string;
  /** Files or directories, relative to `root` or absolute. */
  paths: string[];
  maxBytes: number;
  /** A file's bytes as read (valid until the next call): the detector decodes them. */
  onFile: (path: string, bytes: Buffer) => void;
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
 * Reads a file whose size is checked on the open descriptor (one stat, no second path
 * lookup) into the shared scratch buffer: the result is valid until the next call.
 */
function readLimited(path: string, maxBytes: number): Buffer | number {
  // A file swapped for a link between the listing and this open is refused (ELOOP), not followed.
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTFILE' });
    const size = st.size;
    if (size > maxBytes) return size;
    if (size > scratch.length) scratch = Buffer.allocUnsafe(Math.max(size, scratch.length * 2));
    return readFully(fd, scratch, size);
  } finally {
    closeSync(fd);
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
 * Reads one listed file: its bytes (valid until the next read on this thread) or why it was
 * skipped.
 */
export function readTreeFile(
  abs: string,
  path: string,
  maxBytes: number,
): { bytes: Buffer } | { note: ScanNote } {
  let bytes: Buffer;
  try {
    const read = readLimited(abs, maxBytes);
    if (typeof read === 'number')
      return { note: { path, reason: 'too-large', detail: `${read} bytes` } };
    bytes = read;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return { note: { path, reason: 'unreadable', detail: code } };
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
    const read = readTreeFile(entry.abs, entry.path, options.maxBytes);
    if ('note' in read) {
      options.onNote(read.note);
      continue;
    }
    stats.files++;
    stats.bytes += read.bytes.length;
    options.onFile(entry.path, read.bytes);
  }
  return stats;
}
