// dist/cli/export.cjs: the `oidc-secrets export` command, loaded by the dispatcher (src/cli/dispatch.ts).
export { command } from '../cli/export-command.js';
