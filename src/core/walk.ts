// The one directory walk of the project (the scan's path tree and post's workspace sweep):
// regular files only, depth first. Symbolic links are never followed nor reported as files,
// so a link cannot lead a walk out of its tree or round in a loop; sockets, devices and
// FIFOs are passed over too. What each caller skips or caps is its own business.
import { readdirSync, readSync, type Dirent } from 'node:fs';
import { join, sep } from 'node:path';

export interface WalkOptions {
  /** Directory names never entered, wherever they are (e.g. `.git`). */
  skipDirectories?: ReadonlySet<string>;
  /** Visit entries in code-unit order of their names (a stable order); else as readdir lists them. */
  sorted?: boolean;
  /** A regular file. */
  onFile: (abs: string) => void;
  /** A directory that could not be listed; by default it is passed over silently. */
  onUnreadable?: (abs: string, err: NodeJS.ErrnoException) => void;
}

const byName = (a: Dirent, b: Dirent): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Walks the directory `dir` (absolute or relative to the current directory). */
export function walkDirectory(dir: string, options: WalkOptions): void {
  // Every path given out is join(dir, …, name), built by concatenation: the names readdir
  // gives hold no separator and are never `.` or `..`, so only `dir` needs normalising, once
  // (a join per entry showed in the scan's profile of a tree of 2,500 files).
  walkIn(dir, join(dir, 'x').slice(0, -1), options);
}

/** Walks `dir`, whose entries' paths are `prefix` + name. */
function walkIn(dir: string, prefix: string, options: WalkOptions): void {
  let entries: Dirent[];
  try {
    // File types come from the directory listing (lstat semantics: a link is a link).
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    options.onUnreadable?.(dir, err as NodeJS.ErrnoException);
    return;
  }
  if (options.sorted) entries.sort(byName);
  for (const entry of entries) {
    const child = prefix + entry.name;
    if (entry.isDirectory()) {
      if (!options.skipDirectories?.has(entry.name)) walkIn(child, child + sep, options);
    } else if (entry.isFile()) {
      options.onFile(child);
    }
  }
}

/**
 * Reads up to `size` bytes of an open file from its start into `buffer` (at least `size`
 * long), looping over short reads; returns the part read. A file that shrank since its
 * stat gives fewer bytes, never stale ones.
 */
export function readFully(fd: number, buffer: Buffer, size: number): Buffer {
  let read = 0;
  while (read < size) {
    const n = readSync(fd, buffer, read, size - read, read);
    if (n === 0) break;
    read += n;
  }
  return buffer.subarray(0, read);
}
