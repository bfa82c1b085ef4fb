// dist/post.js (action.yml `runs.post`): runs the post step. src/github/post.ts only exports `run`.
import { run } from '../github/post.js';
import { start } from './start.js';

start(() => run(), 'oidc-secrets');
