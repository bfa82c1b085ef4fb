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

export interface TestCertificateAuthority {
  /** The CA's own certificate (what a server trusts client certificates with). */
  cert: string;
  /**
   * A client certificate for `commonName` with `organizations` as O (Kubernetes groups);
   * `clientAuth` adds extendedKeyUsage=clientAuth (what a TLS server that checks it wants).
   */
  issueClient(
    commonName: string,
    organizations?: readonly string[],
    options?: { clientAuth?: boolean },
  ): { key: string; cert: string };
}

/** A throw-away CA, valid one day, for client certificates (mutual TLS tests). */
export function testCertificateAuthority(name = 'test-client-ca'): TestCertificateAuthority {
  const dir = mkdtempSync(join(tmpdir(), 'test-ca-'));
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  try {
    openssl([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      join(dir, 'ca.key'),
      '-out',
      join(dir, 'ca.pem'),
    ]);
    const caKey = readFileSync(join(dir, 'ca.key'), 'utf8');
    const caCert = readFileSync(join(dir, 'ca.pem'), 'utf8');
    return {
      cert: caCert,
      issueClient(commonName, organizations = [], options = {}) {
        const work = mkdtempSync(join(tmpdir(), 'test-client-'));
        try {
          writeFileSync(join(work, 'ca.key'), caKey, { mode: 0o600 });
          writeFileSync(join(work, 'ca.pem'), caCert);
          const subject = [...organizations.map((o) => `/O=${o}`), `/CN=${commonName}`].join('');
          openssl([
            'req',
            '-newkey',
            'rsa:2048',
            '-nodes',
            '-subj',
            subject,
            '-keyout',
            join(work, 'client.key'),
            '-out',
            join(work, 'client.csr'),
          ]);
          const extensions: string[] = [];
          if (options.clientAuth) {
            writeFileSync(join(work, 'ext.cnf'), 'extendedKeyUsage=clientAuth\n');
            extensions.push('-extfile', join(work, 'ext.cnf'));
          }
          openssl([
            'x509',
            '-req',
            '-in',
            join(work, 'client.csr'),
            '-CA',
            join(work, 'ca.pem'),
            '-CAkey',
            join(work, 'ca.key'),
            '-CAcreateserial',
            '-days',
            '1',
            ...extensions,
            '-out',
            join(work, 'client.pem'),
          ]);
          return {
            key: readFileSync(join(work, 'client.key'), 'utf8'),
            cert: readFileSync(join(work, 'client.pem'), 'utf8'),
          };
        } finally {
          rmSync(work, { recursive: true, force: true });
        }
      },
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
  ca: { cert: string };
  client: { key: string; cert: string };
} {
  const ca = testCertificateAuthority('test client CA');
  return { ca: { cert: ca.cert }, client: ca.issueClient('ci-runner', [], { clientAuth: true }) };
}
