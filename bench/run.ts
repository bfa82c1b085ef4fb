// `npm run bench`: runs every bench/*.bench.ts in turn, each in its own process so that one
// benchmark's warm caches and open servers cannot flatter the next.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// `npm run bench -- NAME… --flag value…`: names select benchmark files; from the first
// `--flag` on, the arguments go to each selected benchmark (e.g. scan-process's --runs).
const args = process.argv.slice(2);
const firstFlag = args.findIndex((a) => a.startsWith('--'));
const only = firstFlag === -1 ? args : args.slice(0, firstFlag);
const flags = firstFlag === -1 ? [] : args.slice(firstFlag);
const files = readdirSync(here)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => only.length === 0 || only.some((o) => name.includes(o)))
  .sort();

let failed = 0;
for (const file of files) {
  console.log(`\n### ${file}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(here, file), ...flags], {
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    failed++;
    console.log(`${file} failed with exit code ${result.status}`);
  }
}
process.exitCode = failed ? 1 : 0;
