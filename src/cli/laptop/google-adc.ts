// Google application-default credentials as Google's client libraries find them:
// GOOGLE_APPLICATION_CREDENTIALS, else the file `gcloud auth application-default login`
// writes ($CLOUDSDK_CONFIG/application_default_credentials.json, by default under
// ~/.config/gcloud, %APPDATA%\gcloud on Windows). Two kinds serve a person: authorized_user
// (client_id, client_secret, refresh_token) and impersonated_service_account
// (service_account_impersonation_url, delegates, source_credentials), which
// `gcloud auth application-default login --impersonate-service-account` writes.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ActionError } from '../../core/errors.js';
import type { GcpPersonal } from '../../core/personal.js';
import { shownPath } from './paths.js';

export function adcPath(env: NodeJS.ProcessEnv, home: string): { path: string; named: boolean } {
  if (env.GOOGLE_APPLICATION_CREDENTIALS)
    return { path: env.GOOGLE_APPLICATION_CREDENTIALS, named: true };
  const config =
    env.CLOUDSDK_CONFIG ||
    (process.platform === 'win32' && env.APPDATA
      ? join(env.APPDATA, 'gcloud')
      : join(home, '.config', 'gcloud'));
  return { path: join(config, 'application_default_credentials.json'), named: false };
}

export async function findGoogleCredential(
  env: NodeJS.ProcessEnv,
  home: string,
): Promise<GcpPersonal | undefined> {
  const { path, named } = adcPath(env, home);
  const source = named
    ? `the file named by GOOGLE_APPLICATION_CREDENTIALS (${shownPath(path, home)})`
    : shownPath(path, home);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT' && !named) return undefined;
    throw new ActionError('INPUT_INVALID', `cannot read ${source} (${code ?? 'error'})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ActionError('INPUT_INVALID', `${source} is not JSON`);
  }
  return credentialOf(parsed, source);
}

function credentialOf(value: unknown, source: string): GcpPersonal {
  const file = (value ?? {}) as Record<string, unknown>;
  const text = (key: string) => (typeof file[key] === 'string' ? (file[key] as string) : '');
  switch (file.type) {
    case 'authorized_user': {
      const missing = ['client_id', 'client_secret', 'refresh_token'].filter((k) => !text(k));
      if (missing.length)
        throw new ActionError(
          'INPUT_INVALID',
          `${source}: authorized_user without ${missing.join(', ')}`,
        );
      return {
        kind: 'authorized_user',
        clientId: text('client_id'),
        clientSecret: text('client_secret'),
        refreshToken: text('refresh_token'),
        source,
      };
    }
    case 'impersonated_service_account': {
      // …/v1/projects/-/serviceAccounts/EMAIL:generateAccessToken
      const email = /serviceAccounts\/([^/:]+):generateAccessToken$/.exec(
        text('service_account_impersonation_url'),
      )?.[1];
      if (!email) {
        throw new ActionError(
          'INPUT_INVALID',
          `${source}: service_account_impersonation_url should end in serviceAccounts/EMAIL:generateAccessToken`,
        );
      }
      const delegates = Array.isArray(file.delegates)
        ? file.delegates
            .filter((d): d is string => typeof d === 'string')
            .map((d) => d.replace(/^projects\/-\/serviceAccounts\//, ''))
        : [];
      return {
        kind: 'impersonated',
        serviceAccount: decodeURIComponent(email),
        delegates,
        from: credentialOf(file.source_credentials, `the source_credentials in ${source}`),
        source,
      };
    }
    default:
      throw new ActionError(
        'INPUT_INVALID',
        `${source}: credentials of type ${typeof file.type === 'string' ? file.type : '(none)'} are not used on a laptop; ` +
          'expected authorized_user or impersonated_service_account (`gcloud auth application-default login [--impersonate-service-account SA]`)',
      );
  }
}
