// Vault's PKI secrets engine, the writes a CI job makes, behind the Vault emulator (vault.ts
// routes a mount's paths here after the token and its policies were checked). Shapes follow
// the PKI API reference (developer.hashicorp.com/vault/api-docs/secret/pki):
// - `POST {mount}/issue/:name` {common_name, alt_names, ttl, …} → data {certificate,
//   issuing_ca, ca_chain: [PEM…], private_key, private_key_type, serial_number, expiration};
// - `POST {mount}/sign/:name` {csr, common_name, …} → the same without private_key;
// - `POST {mount}/revoke` {serial_number} → data {revocation_time, revocation_time_rfc3339,
//   state: "revoked"}; a serial this mount never issued is a 400.
// Certificates are PEM-shaped but not parseable X.509 (the action never parses them); the
// private key is a real PKCS#8 EC key, so masking sees a real multi-line PEM.
import { generateKeyPairSync, randomBytes } from 'node:crypto';

export interface PkiRoleOptions {
  /** Domains `common_name` may be in (`allowed_domains` with `allow_subdomains`). */
  allowedDomains?: readonly string[];
  ttlSeconds?: number;
}

export interface IssuedCertificate {
  mount: string;
  serial: string;
  commonName: string;
  revoked: boolean;
}

export interface PkiAnswer {
  status: number;
  data?: Record<string, unknown>;
  errors?: string[];
}

const pem = (label: string, bytes: Buffer) =>
  `-----BEGIN ${label}-----\n${(bytes.toString('base64').match(/.{1,64}/g) ?? []).join('\n')}\n-----END ${label}-----`;

const serialNumber = () => (randomBytes(20).toString('hex').match(/../g) ?? []).join(':');

export function createPkiEngine(now: () => number) {
  const roles = new Map<string, Map<string, PkiRoleOptions>>(); // mount → role → options
  const issued: IssuedCertificate[] = [];
  const caFor = new Map<string, string>();

  const ca = (mount: string) => {
    let text = caFor.get(mount);
    if (!text) caFor.set(mount, (text = pem('CERTIFICATE', randomBytes(600))));
    return text;
  };

  const certificate = (
    mount: string,
    role: PkiRoleOptions,
    body: Record<string, unknown>,
    withKey: boolean,
  ): PkiAnswer => {
    const commonName = typeof body.common_name === 'string' ? body.common_name : '';
    if (!commonName) return { status: 400, errors: ['the common_name field is required'] };
    const domains = role.allowedDomains ?? [];
    if (
      domains.length > 0 &&
      !domains.some((d) => commonName === d || commonName.endsWith(`.${d}`))
    ) {
      return {
        status: 400,
        errors: [`common name ${commonName} not allowed by this role`],
      };
    }
    if (!withKey && typeof body.csr !== 'string')
      return { status: 400, errors: ['"csr" is empty'] };
    const serial = serialNumber();
    issued.push({ mount, serial, commonName, revoked: false });
    const ttl = role.ttlSeconds ?? 3600;
    const data: Record<string, unknown> = {
      certificate: pem('CERTIFICATE', randomBytes(700)),
      issuing_ca: ca(mount),
      ca_chain: [ca(mount)],
      serial_number: serial,
      expiration: Math.floor(now() / 1000) + ttl,
    };
    if (withKey) {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      data.private_key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().trim();
      data.private_key_type = 'ec';
    }
    return { status: 200, data };
  };

  return {
    addRole(mount: string, name: string, options: PkiRoleOptions = {}) {
      const byName = roles.get(mount) ?? new Map<string, PkiRoleOptions>();
      byName.set(name, options);
      roles.set(mount, byName);
    },
    /** Whether `apiPath` falls under a PKI mount: that mount and the rest of the path. */
    route(apiPath: string): { mount: string; rest: string } | undefined {
      for (const mount of roles.keys())
        if (apiPath.startsWith(`${mount}/`))
          return { mount, rest: apiPath.slice(mount.length + 1) };
      return undefined;
    },
    handle(mount: string, rest: string, method: string, body: Record<string, unknown>): PkiAnswer {
      if (method !== 'POST' && method !== 'PUT')
        return { status: 405, errors: ['unsupported operation'] };
      const write = /^(issue|sign)\/([^/]+)$/.exec(rest);
      if (write) {
        const role = roles.get(mount)?.get(write[2]!);
        if (!role) return { status: 400, errors: [`unknown role: ${write[2]}`] };
        return certificate(mount, role, body, write[1] === 'issue');
      }
      if (rest === 'revoke') {
        const serial = typeof body.serial_number === 'string' ? body.serial_number : '';
        const found = issued.find((c) => c.mount === mount && c.serial === serial);
        if (!found)
          return { status: 400, errors: [`certificate with serial ${serial} not found.`] };
        found.revoked = true;
        const seconds = Math.floor(now() / 1000);
        return {
          status: 200,
          data: {
            revocation_time: seconds,
            revocation_time_rfc3339: new Date(seconds * 1000).toISOString(),
            state: 'revoked',
          },
        };
      }
      return {
        status: 404,
        errors: [`no handler for route "${mount}/${rest}". route entry not found.`],
      };
    },
    issued: () => issued.map((c) => ({ ...c })),
  };
}
