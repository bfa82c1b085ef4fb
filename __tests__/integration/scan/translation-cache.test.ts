// The scan command's stored RE2 translations (src/cli/translation-cache.ts): written to the
// private cache directory after the first scan, read by the next, and a file that does not
// read back as translations is ignored and replaced. The report is the same every time. Runs
// the built CLI (`npm run build` first).
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundlesSettled, runCli } from '../cli/cli-process.js';
import { tokens } from '../../unit/scan/helpers.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const temp = (prefix: string): string => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
};

describe('stored RE2 translations of the scan command', () => {
  it('are written once, read back, and replaced when unreadable; the report never changes', async () => {
    const tree = temp('scan-translations-tree-');
    const pat = tokens.githubPat();
    writeFileSync(join(tree, 'app.env'), `GH_TOKEN=${pat}\n`);
    const cacheHome = temp('scan-translations-cache-');
    const cacheDir = join(cacheHome, 'oidc-secrets');
    const scan = async () => {
      const r = await runCli(['scan', '--no-ignore', '.'], {
        cwd: tree,
        env: { XDG_CACHE_HOME: cacheHome },
      });
      expect(r.code).toBe(1);
      expect(r.stdout.includes(pat)).toBe(false);
      return r.stdout.replace(/ in \d+\.\d\d s$/m, '');
    };
    const stored = () => readdirSync(cacheDir).filter((n) => n.startsWith('scan-translations-'));

    await bundlesSettled();
    const first = await scan();
    expect(first).toMatch(/app\.env:1:10: github-pat: ghp_\*{5}/);
    expect(stored()).toHaveLength(1);
    const file = join(cacheDir, stored()[0]!);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const records = Object.keys(JSON.parse(readFileSync(file, 'utf8')) as object);
    expect(records.length).toBeGreaterThan(50);
    const written = statSync(file).mtimeMs;

    expect(await scan()).toBe(first);
    // Read, not rewritten: nothing was new.
    expect(statSync(file).mtimeMs).toBe(written);

    writeFileSync(file, JSON.stringify({ '(?i)x': { source: 1 } }));
    expect(await scan()).toBe(first);
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')) as object)).toEqual(records);

    writeFileSync(file, 'not json');
    expect(await scan()).toBe(first);
    expect(stored()).toHaveLength(1);
  }, 60_000);
});
