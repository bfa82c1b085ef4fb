// Throw-away TLS material for tests, made with the openssl CLI at test time.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/**
 * A throw-away CA and a client certificate it issued (extendedKeyUsage clientAuth), for
 * mutual TLS: the server trusts `ca.cert` for clients; the client presents `client`.
 */
export function clientCertificateWithCa(): {
  ca: { key: string; cert: string };
  client: { key: string; cert: string };
} {
  const dir = mkdtempSync(join(tmpdir(), 'test-mtls-'));
  const file = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        ...ec,
        '-days',
        '1',
        '-subj',
        '/CN=test client CA',
        '-keyout',
        file('ca.key'),
        '-out',
        file('ca.pem'),
      ],
      { stdio: 'ignore' },
    );
    execFileSync(
      'openssl',
      [
        'req',
        ...ec,
        '-subj',
        '/CN=ci-runner',
        '-keyout',
        file('client.key'),
        '-out',
        file('client.csr'),
      ],
      { stdio: 'ignore' },
    );
    writeFileSync(file('ext.cnf'), 'extendedKeyUsage=clientAuth\n');
    execFileSync(
      'openssl',
      [
        'x509',
        '-req',
        '-in',
        file('client.csr'),
        '-CA',
        file('ca.pem'),
        '-CAkey',
        file('ca.key'),
        '-CAcreateserial',
        '-days',
        '1',
        '-extfile',
        file('ext.cnf'),
        '-out',
        file('client.pem'),
      ],
      { stdio: 'ignore' },
    );
    return {
      ca: { key: readFileSync(file('ca.key'), 'utf8'), cert: readFileSync(file('ca.pem'), 'utf8') },
      client: {
        key: readFileSync(file('client.key'), 'utf8'),
        cert: readFileSync(file('client.pem'), 'utf8'),
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
