import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{UsageError}from"./chunk-APL2EOXD.js";import{ActionErrors}from"./chunk-NCEJTC4G.js";function reportError(error){if(error instanceof UsageError){let command=error.command?`oidc-secrets ${error.command}`:"oidc-secrets";process.stderr.write(`${command}: ${error.message}
Run \`${command} --help\` for usage.
`);return}if(error instanceof ActionErrors){for(let each of error.errors)process.stderr.write(`oidc-secrets: error: ${each.message}
`);return}if(error instanceof Error&&typeof error.code=="string"){process.stderr.write(`oidc-secrets: error: ${error.message}
`);return}let kind=error instanceof Error?error.name:typeof error;process.stderr.write(`oidc-secrets: unexpected internal error (${kind}); its message is not shown in case it quotes a secret. Set OIDC_SECRETS_DEBUG=1 to see it.
`),process.env.OIDC_SECRETS_DEBUG==="1"&&error instanceof Error&&process.stderr.write(`${error.stack??error.message}
`)}export{reportError};
