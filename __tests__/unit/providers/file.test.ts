// `file:` (SPEC §1.4a): relative paths stay inside the workspace once links are resolved;
// only regular files of at most 4 MiB are read; a FIFO or a device fails at once, naming
// the line, never printing contents.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MaskGate } from '../../../src/core/mask.js';
import { runActionPipeline } from '../../../test/support/pipeline.js';
import { MAX_FILE_BYTES } from '../../../src/providers/file.js';

const posix = process.platform !== 'win32';

let root: string;
let workspace: string;
let outside: string;
let outsideSecret: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'file-provider-'));
  workspace = join(root, 'workspace');
  outside = join(root, 'home');
  await mkdir(workspace);
  await mkdir(outside);
  outsideSecret = `outside-${randomBytes(12).toString('hex')}`;
  await writeFile(join(outside, 'id_key'), outsideSecret);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The real road with `file:` lines; returns each error message and the values read. */
async function read(secrets: string) {
  const gate = new MaskGate({ add() {} }, () => {});
  const run = await runActionPipeline(secrets, {}, { GITHUB_WORKSPACE: workspace }, gate);
  return { errors: run.messages, values: [...run.values.values()] };
}

describe('file: paths', () => {
  it('reads a regular file relative to the workspace, and one by an absolute path', async () => {
    const inside = randomBytes(8).toString('hex');
    await mkdir(join(workspace, 'config'));
    await writeFile(join(workspace, 'config', 'app.key'), inside);
    const result = await read(
      `A: file:config/app.key\nB: file:./config/../config/app.key\nC: file:${join(outside, 'id_key')}`,
    );
    expect(result.errors).toEqual([]);
    expect(result.values.sort()).toEqual([inside, inside, outsideSecret].sort());
  });

  it('refuses a relative path that climbs out of the workspace', async () => {
    const result = await read('KEY: file:../home/id_key');
    expect(result.errors).toEqual([
      expect.stringMatching(
        /^secrets line 1: file:\.\.\/home\/id_key: a relative path must stay inside the workspace/,
      ),
    ]);
    expect(result.errors.join()).not.toContain(outsideSecret);
  });

  (posix ? it : it.skip)('refuses a link in the workspace that leads outside it', async () => {
    await symlink(join(outside, 'id_key'), join(workspace, 'innocent.txt'));
    await symlink(outside, join(workspace, 'dir-link'));
    const result = await read('A: file:innocent.txt\n\nB: file:dir-link/id_key');
    expect(result.values).toEqual([]);
    expect(result.errors).toEqual([
      expect.stringMatching(
        /^secrets line 1: file:innocent\.txt: a relative path must stay inside/,
      ),
      expect.stringMatching(
        /^secrets line 3: file:dir-link\/id_key: a relative path must stay inside/,
      ),
    ]);
    expect(result.errors.join()).not.toContain(outsideSecret);
  });

  (posix ? it : it.skip)('follows a link that stays inside the workspace', async () => {
    const value = randomBytes(8).toString('hex');
    await writeFile(join(workspace, 'real.txt'), value);
    await symlink('real.txt', join(workspace, 'alias.txt'));
    expect(await read('A: file:alias.txt')).toEqual({ errors: [], values: [value] });
  });

  (posix ? it : it.skip)(
    'refuses a FIFO at once, naming the line (no writer ever comes)',
    async () => {
      execFileSync('mkfifo', [join(workspace, 'pipe')]);
      // Before the fix, the read blocked until a writer opened the pipe: this test timed out.
      const result = await read('FIRST: file:pipe');
      expect(result.errors).toEqual([
        'secrets line 1: file:pipe: is a FIFO (named pipe), not a regular file; refused',
      ]);
    },
    5_000,
  );

  (posix ? it : it.skip)(
    'refuses a device and a directory',
    async () => {
      await mkdir(join(workspace, 'folder'));
      const result = await read('ZERO: file:/dev/zero\nDIR: file:folder');
      expect(result.errors).toEqual([
        'secrets line 1: file:/dev/zero: is a character device, not a regular file; refused',
        'secrets line 2: file:folder: is a directory, not a regular file; refused',
      ]);
    },
    5_000,
  );

  it('reads 4 MiB and refuses a byte more', async () => {
    await writeFile(join(workspace, 'exact'), Buffer.alloc(MAX_FILE_BYTES, 'a'));
    await writeFile(join(workspace, 'over'), Buffer.alloc(MAX_FILE_BYTES + 1, 'a'));
    const result = await read('EXACT: file:exact\nOVER: file:over');
    expect(result.errors).toEqual([
      'secrets line 2: file:over: is larger than 4 MiB, the most a file: reference reads',
    ]);
    expect(result.values.map((v) => v.length)).toEqual([MAX_FILE_BYTES]);
  });

  it('says a missing file is missing', async () => {
    expect((await read('A: file:nope.txt')).errors).toEqual([
      'secrets line 1: file:nope.txt: no such file',
    ]);
  });
});
