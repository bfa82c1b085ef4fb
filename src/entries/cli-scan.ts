// dist/cli/scan.cjs: the `oidc-secrets scan` command, loaded by the dispatcher (src/cli/dispatch.ts).
export { command } from '../cli/scan-command.js';
