// require-oidc and kubeconfig files a job's step environment names (KUBECONFIG): a static
// token, token file, client key or password is refused, naming the file and never the
// value; an exec plugin passes; a laptop's kubeconfig is its owner's business.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPolicy } from '../../../src/core/policy.js';

const dir = mkdtempSync(join(tmpdir(), 'policy-kubeconfig-'));
const strict = { requireOidc: true, allowUntrustedEvents: false };
const file = (name: string, user: string) => {
  const path = join(dir, name);
  writeFileSync(
    path,
    `apiVersion: v1\nkind: Config\ncurrent-context: c\nusers:\n- name: me\n  user:\n${user}\n`,
  );
  return path;
};
const fakeToken = 'fake-' + randomBytes(8).toString('hex');

describe('require-oidc and KUBECONFIG in a job', () => {
  it.each([
    ['token', `    token: ${fakeToken}`, 'a static token'],
    ['tokenFile', '    tokenFile: /var/run/token', 'a static token'],
    [
      'client key',
      '    client-certificate-data: eA==\n    client-key-data: eA==',
      'a client certificate key',
    ],
    ['client key path', '    client-key: key.pem', 'a client certificate key'],
    ['flow style', `  - {name: x, user: {token: ${fakeToken}}}`, 'a static token'],
  ])('refuses a %s, naming the file', (_kind, user, what) => {
    const path = file(`static-${_kind.replace(/ /g, '-')}.yaml`, user);
    const env = { GITHUB_ACTIONS: 'true', KUBECONFIG: `${join(dir, 'missing')}:${path}` };
    const found = checkPolicy(strict, env).map((e) => e.message);
    expect(found).toEqual([
      expect.stringMatching(
        new RegExp(
          `^require-oidc: the kubeconfig ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} named by KUBECONFIG holds ${what}, a long-lived credential\\. Use k8s-server`,
        ),
      ),
    ]);
    expect(found.join('\n')).not.toContain(fakeToken);
    expect(checkPolicy({ ...strict, requireOidc: false }, env)).toEqual([]);
  });

  it('passes an exec plugin, and any kubeconfig outside a job', () => {
    const exec = file(
      'exec.yaml',
      '    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: aws\n      args: [eks, get-token, --cluster-name, ci]',
    );
    expect(checkPolicy(strict, { GITHUB_ACTIONS: 'true', KUBECONFIG: exec })).toEqual([]);
    const token = file('laptop.yaml', `    token: ${fakeToken}`);
    expect(checkPolicy(strict, { KUBECONFIG: token })).toEqual([]);
  });
});
