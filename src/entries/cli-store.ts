// dist/cli/store.cjs: the `oidc-secrets store` command, loaded by the dispatcher (src/cli/dispatch.ts).
export { command } from '../cli/store-command.js';
