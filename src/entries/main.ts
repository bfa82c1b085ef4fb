// dist/main.js (action.yml `runs.main`): runs the main step. src/github/main.ts only exports `run`.
import { run } from '../github/main.js';
import { start } from './start.js';

start(() => run(), 'oidc-secrets');
