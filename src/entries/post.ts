// dist/post.js (action.yml `runs.post`): runs the post step. src/post.ts only exports `run`.
import { run } from '../post.js';
import { start } from './start.js';

start(() => run(), 'oidc-secrets');
