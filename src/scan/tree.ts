// Reads a path tree for the scan: every regular file under the given paths, `.git`
// directories and symbolic links left out, binary files (a NUL byte in the first 8000 bytes,
// git's own test) and files over the size limit skipped with a note.
import { isAscii } from 'node:buffer';
import { closeSync, fstatSync, lstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Fragment, ScanNote } from './types.js';

export interface TreeScanOptions {
  /** Scan root: finding paths are relative to it. */
  root: string;
  /** Files or directories, relative to `root` or absolute. */
  paths: string[];
  maxBytes: number;
  onFragment: (fragment: Fragment) => void;
  onNote: (note: ScanNote) => void;
}

export interface TreeScanStats {
  files: number;
  bytes: number;
}

export class TreeScanError extends Error {
  readonly code = 'SCAN_PATH';
}

/** Bytes → text; pure ASCII (most source) takes the cheap one-byte path. */
export function decodeText(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}

/** One read buffer, reused from file to file: a fragment is scanned before the next read. */
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
    const buffer = scratch;
    let read = 0;
    while (read < size) {
      const n = readSync(fd, buffer, read, size - read, read);
      if (n === 0) break;
      read += n;
    }
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

export function isBinary(bytes: Buffer): boolean {
  return bytes.subarray(0, 8000).includes(0);
}

export function scanTree(options: TreeScanOptions): TreeScanStats {
  const stats: TreeScanStats = { files: 0, bytes: 0 };
  const root = resolve(options.root);
  const relPath = (abs: string): string => {
    const rel = relative(root, abs);
    return (rel === '' ? '.' : rel).split(sep).join('/');
  };

  const visitFile = (abs: string): void => {
    const path = relPath(abs);
    let bytes: Buffer;
    try {
      const read = readLimited(abs, options.maxBytes);
      if (typeof read === 'number') {
        options.onNote({ path, reason: 'too-large', detail: `${read} bytes` });
        return;
      }
      bytes = read;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      options.onNote({ path, reason: 'unreadable', detail: code });
      return;
    }
    if (isBinary(bytes)) {
      options.onNote({ path, reason: 'binary' });
      return;
    }
    stats.files++;
    stats.bytes += bytes.length;
    if (isAscii(bytes)) options.onFragment({ path, text: bytes.toString('latin1'), ascii: bytes });
    else options.onFragment({ path, text: bytes.toString('utf8') });
  };

  const visitDir = (abs: string): void => {
    let entries;
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch (err) {
      options.onNote({
        path: relPath(abs),
        reason: 'unreadable',
        detail: (err as NodeJS.ErrnoException).code,
      });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const child = join(abs, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== '.git') visitDir(child);
      } else if (entry.isFile()) {
        visitFile(child);
      }
      // Symbolic links, sockets and devices are not followed or read.
    }
  };

  for (const given of options.paths.length > 0 ? options.paths : ['.']) {
    const abs = isAbsolute(given) ? given : resolve(root, given);
    let st;
    try {
      st = lstatSync(abs);
    } catch {
      throw new TreeScanError(`path ${given} does not exist`);
    }
    if (st.isDirectory()) visitDir(abs);
    else if (st.isFile()) visitFile(abs);
    else if (st.isSymbolicLink()) options.onNote({ path: relPath(abs), reason: 'symlink' });
  }
  return stats;
}
