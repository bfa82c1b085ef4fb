// dist/cli/redact.cjs: the `oidc-secrets redact` command, loaded by the dispatcher (src/cli/dispatch.ts).
export { command } from '../cli/redact-command.js';
