// Reads a path tree for the scan: every regular file under the given paths, `.git`
// directories and symbolic links left out, binary files (a NUL byte in the first 8000 bytes,
// git's own test) and files over the size limit skipped with a note.
import { closeSync, fstatSync, lstatSync, openSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { readFully, walkDirectory } from '../walk.js';
import type { ScanNote } from './types.js';

export interface TreeScanOptions {
  /** Scan root: finding paths are relative to it. */
  root: string;
  /** Files or directories, relative to `root` or absolute. */
  paths: string[];
  maxBytes: number;
  /** A file's bytes as read (valid until the next call): the detector decodes them. */
  onFile: (path: string, bytes: Buffer) => void;
  onNote: (note: ScanNote) => void;
}

export interface TreeScanStats {
  files: number;
  bytes: number;
}

const SKIP_DIRECTORIES: ReadonlySet<string> = new Set(['.git']);

export class TreeScanError extends Error {
  readonly code = 'SCAN_PATH';
}

/** One read buffer, reused from file to file: a file is scanned before the next read. */
let scratch = Buffer.allocUnsafe(1 << 20);

/**
 * Reads a file whose size is checked on the open descriptor (one stat, no second path
 * lookup) into the shared scratch buffer: the result is valid until the next call.
 */
function readLimited(path: string, maxBytes: number): Buffer | number {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > maxBytes) return size;
    if (size > scratch.length) scratch = Buffer.allocUnsafe(Math.max(size, scratch.length * 2));
    return readFully(fd, scratch, size);
  } finally {
    closeSync(fd);
  }
}

export function isBinary(bytes: Buffer): boolean {
  return bytes.subarray(0, 8000).includes(0);
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
  const entries: TreeEntry[] = [];
  const onFile = (abs: string): void => {
    entries.push({ abs, path: relPath(abs) });
  };
  for (const given of paths.length > 0 ? paths : ['.']) {
    const abs = isAbsolute(given) ? given : resolve(root, given);
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
  if (isBinary(bytes)) return { note: { path, reason: 'binary' } };
  return { bytes };
}

export function scanTree(options: TreeScanOptions): TreeScanStats {
  const stats: TreeScanStats = { files: 0, bytes: 0 };
  for (const entry of listTree(options.root, options.paths)) {
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
