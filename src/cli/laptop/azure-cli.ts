// A Key Vault token from the person's Azure CLI session: `az account get-access-token
// --output json --resource R` (az from PATH), whose JSON answer carries accessToken,
// expiresOn (local time), expires_on (epoch seconds, Azure CLI 2.54 and later), subscription,
// tenant and tokenType.
import { execFile } from 'node:child_process';
import { ActionError } from '../../core/errors.js';
import type { AzurePersonal } from '../../core/personal.js';

export const AZ_SOURCE = 'the Azure CLI (az account get-access-token)';

export function azureCliToken(resource: string, env: NodeJS.ProcessEnv): Promise<AzurePersonal> {
  return new Promise((done, fail) => {
    execFile(
      'az',
      ['account', 'get-access-token', '--output', 'json', '--resource', resource],
      {
        env,
        timeout: 60_000,
        maxBuffer: 1024 * 1024,
        windowsHide: true,
        shell: process.platform === 'win32',
      },
      (error, stdout, stderr) => {
        if (error) {
          const code = (error as { code?: unknown }).code;
          const notFound = code === 'ENOENT' || code === 127;
          // az's own stderr says why ("Please run 'az login' to setup account."): its first
          // line carries no token.
          const why =
            String(stderr)
              .split(/\r?\n/)
              .find((line) => line.trim() !== '') ?? '';
          fail(
            new ActionError(
              'AUTH_FAILED',
              notFound
                ? `azure: no az on PATH: install the Azure CLI and run \`az login\`, or give azure-client-id and azure-tenant-id in a job`
                : `azure: ${AZ_SOURCE} failed${why ? `: ${why.trim().slice(0, 300)}` : ''}; run \`az login\``,
            ),
          );
          return;
        }
        let parsed: { accessToken?: unknown; expiresOn?: unknown; expires_on?: unknown };
        try {
          parsed = JSON.parse(stdout) as typeof parsed;
        } catch {
          fail(
            new ActionError(
              'AUTH_FAILED',
              `azure: ${AZ_SOURCE} printed something that is not JSON`,
            ),
          );
          return;
        }
        if (typeof parsed.accessToken !== 'string' || parsed.accessToken === '') {
          fail(new ActionError('AUTH_FAILED', `azure: ${AZ_SOURCE} printed no accessToken`));
          return;
        }
        const epoch = Number(parsed.expires_on);
        done({
          accessToken: parsed.accessToken,
          expiresOn:
            Number.isFinite(epoch) && epoch > 0
              ? new Date(epoch * 1000).toISOString()
              : typeof parsed.expiresOn === 'string'
                ? parsed.expiresOn
                : undefined,
          source: AZ_SOURCE,
        });
      },
    );
  });
}
