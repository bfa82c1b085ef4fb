// dist/cli/run.cjs: the `oidc-secrets run` command, loaded by the dispatcher (src/cli/dispatch.ts).
export { command } from '../cli/run-command.js';
