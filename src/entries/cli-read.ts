// dist/cli/read.cjs: the `oidc-secrets read` command, loaded by the dispatcher (src/cli/dispatch.ts).
export { command } from '../cli/read-command.js';
