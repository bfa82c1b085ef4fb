// dist/scan.js (scan/action.yml `runs.main`): runs the scan. src/scan/main.ts only exports `run`.
import { run } from '../scan/main.js';
import { start } from './start.js';

start(() => run(), 'oidc-secrets scan');
