// dist/main.js (action.yml `runs.main`): runs the main step. src/main.ts only exports `run`.
import { run } from '../main.js';
import { start } from './start.js';

start(() => run(), 'oidc-secrets');
