// dist/keep-alive.js: the keep-alive process main starts detached (src/github/keep-alive/).
import { run } from '../github/keep-alive/process.js';

run();
