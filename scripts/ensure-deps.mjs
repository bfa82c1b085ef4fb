// `npm test` on a fresh clone: install the locked dependencies first if they are missing,
// so that the README's two commands are all a new contributor needs.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

if (!existsSync('node_modules/.package-lock.json')) {
  console.log('node_modules is missing: running npm ci first');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
}
