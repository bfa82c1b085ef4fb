// The network half of credential_process: a fresh job OIDC token from the request endpoint
// main saw, the profile's road (web identity, chained hops), and the new session into the
// cache. Its messages pass through a mask gate that holds every credential of the call, so
// an error body that echoes one prints it redacted.
import { createHttpClient } from '../../core/context.js';
import { MaskGate } from '../../core/mask.js';
import { assumeRoad, type AwsSession } from '../../providers/aws-sts.js';
import { GitHubOidc } from '../oidc.js';
import { writeCache, type ProcessSettings } from './process-files.js';

export async function mintProfileSession(
  settings: ProcessSettings,
  env: NodeJS.ProcessEnv,
  now: () => number,
): Promise<AwsSession> {
  // No sink: nothing of ours reads this process's output as a log (the SDK or CLI reads
  // stdout as JSON); the gate only redacts messages.
  const gate = new MaskGate({ add: () => {} }, () => {});
  const admit = (value: string, what: string) => gate.admitCredential(value, what);
  admit(settings.oidc.requestToken, 'the OIDC request token');
  const http = createHttpClient(
    {
      concurrency: 4,
      retries: settings.http.retries,
      timeoutSeconds: settings.http.timeoutSeconds,
      caCertificate: settings.http.caCertificate,
      requireOidc: true,
      allowUntrustedEvents: false,
      revoke: false,
    },
    gate,
    env,
  );
  try {
    const oidc = new GitHubOidc(http, settings.oidc, admit);
    const jwt = await oidc.idToken(settings.road.audience);
    const session = await assumeRoad(http, jwt, settings.road, admit);
    writeCache(settings.cache, session, now());
    return session;
  } catch (error) {
    // Only the redacted message is ever printed (process.ts); the cause is for debugging.
    throw new Error(gate.redact(error instanceof Error ? error.message : String(error)), {
      cause: error,
    });
  } finally {
    http.close();
  }
}
