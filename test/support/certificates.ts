// Throw-away TLS material for tests, made with the openssl CLI at test time.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A self-signed certificate for 127.0.0.1, valid one day: serve with it, trust it as the CA.
 * `dnsNames` adds DNS names (e.g. `*.vault.azure.net` for a client that must see that host).
 */
export function selfSignedLoopbackCertificate(dnsNames: readonly string[] = []): {
  key: string;
  cert: string;
} {
  const dir = mkdtempSync(join(tmpdir(), 'test-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        ['IP:127.0.0.1', ...dnsNames.map((name) => `DNS:${name}`)]
          .join(',')
          .replace(/^/, 'subjectAltName='),
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
