// dist/ is what the runner executes: it must be exactly what `npm run build` makes from
// src/, and each bundle must start in a directory that has no node_modules.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, type Dirent } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const dist = join(root, 'dist');
const digest = (path: string) =>
  createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16);

/** Every file below a directory, as sorted relative paths (the CLI's chunks are a folder). */
function listFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as Dirent[])
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

describe('dist/', () => {
  it('matches a fresh build of src/', () => {
    const out = mkdtempSync(join(tmpdir(), 'oidc-secrets-build-'));
    execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), out], {
      cwd: root,
      stdio: 'pipe',
    });
    const built = listFiles(out);
    expect(listFiles(dist)).toEqual(built);
    const stale = built.filter((name) => digest(join(out, name)) !== digest(join(dist, name)));
    expect(stale).toEqual([]); // a file listed here: run `npm run build` and commit dist/
  });

  it.each(['main', 'post'])(
    'dist/%s.js starts without node_modules and fails cleanly without inputs',
    (entry) => {
      const dir = mkdtempSync(join(tmpdir(), 'oidc-secrets-bare-'));
      copyFileSync(join(dist, `${entry}.js`), join(dir, `${entry}.js`));
      copyFileSync(join(dist, 'package.json'), join(dir, 'package.json'));
      const result = spawnSync(process.execPath, [join(dir, `${entry}.js`)], {
        cwd: dir,
        env: { PATH: process.env.PATH },
        encoding: 'utf8',
      });
      expect(result.stderr).not.toMatch(/Cannot find (module|package)|Dynamic require/);
      if (entry === 'main') {
        expect(result.status).toBe(1);
        expect(result.stdout).toMatch(
          /::error title=oidc-secrets::secrets: no secrets were declared/,
        );
      } else {
        expect(result.status).toBe(0);
        expect(result.stdout).toMatch(/nothing to revoke/);
      }
    },
  );

  it('keeps dist/main.js small', () => {
    expect(readFileSync(join(dist, 'main.js')).length).toBeLessThan(300 * 1024);
  });
});
