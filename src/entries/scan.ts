// dist/scan.js (scan/action.yml `runs.main`): runs the scan. src/github/scan.ts only exports `run`.
import { run } from '../github/scan.js';
import { start } from './start.js';

start(() => run(), 'oidc-secrets scan');
