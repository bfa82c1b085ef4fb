// Writes a report file (the SARIF file) so that nothing planted in the scanned tree can
// redirect it: no directory on its way inside the workspace and not the file itself may be
// a symbolic link, and the content goes to a new temporary file beside it (O_EXCL |
// O_NOFOLLOW: created, never opened through a link) that is renamed over the target. A
// rename replaces a link itself, never what it points to, so even a link planted after the
// check is not written through.
import { OidcSecretsError, type ErrorAbout } from '../../core/errors.js';
import { nodeRequire } from '../../core/node-require.js';
import type { randomBytes as RandomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  lstatSync,
  mkdirSync,
  openSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** The SARIF report cannot be written where asked. */
export class ReportWriteError extends OidcSecretsError {
  override readonly name = 'ReportWriteError';
  declare readonly code: 'SCAN_OUTPUT';
  constructor(message: string, about?: ErrorAbout) {
    super('SCAN_OUTPUT', message, about);
  }
}

/** `what` names the setting in errors (`sarif-file`, `--sarif`). */
export function writeReportFile(path: string, content: string, root: string, what: string): void {
  const target = resolve(path);
  const rel = relative(resolve(root), target);
  if (rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)) {
    let at = resolve(root);
    for (const part of rel.split(sep).slice(0, -1)) {
      at = join(at, part);
      let st;
      try {
        st = lstatSync(at);
      } catch {
        break; // missing: created below, as a real directory
      }
      if (st.isSymbolicLink())
        throw new ReportWriteError(
          `${what}: ${relative(resolve(root), at)} is a symbolic link: the report is not written through it`,
        );
    }
  }
  try {
    if (lstatSync(target).isSymbolicLink())
      throw new ReportWriteError(
        `${what}: ${path} is a symbolic link: the report is not written through it`,
      );
  } catch (err) {
    if (err instanceof ReportWriteError) throw err;
  }
  mkdirSync(dirname(target), { recursive: true });
  // node:crypto loaded here, not at import: a scan without a report file never needs it.
  const { randomBytes } = nodeRequire('node:crypto') as { randomBytes: typeof RandomBytes };
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(
    temp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o644,
  );
  try {
    const bytes = Buffer.from(content, 'utf8');
    for (let written = 0; written < bytes.length;)
      written += writeSync(fd, bytes, written, bytes.length - written);
  } catch (err) {
    closeSync(fd);
    unlinkSync(temp);
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(temp, target);
  } catch (err) {
    unlinkSync(temp);
    throw new ReportWriteError(
      `${what}: cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      { file: path, cause: err },
    );
  }
}
