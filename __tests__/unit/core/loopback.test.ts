// Plain http:// carries tokens in the clear: it is allowed only to literal loopback
// addresses, never to a name that merely ends in `.localhost` (SPEC §1.4a, §1.6).
import { readConfig } from '../../../src/github/inputs.js';
import { assertSecureUrl, isLoopback } from '../../../src/net/http.js';

describe('loopback is literal', () => {
  it.each(['localhost', 'LOCALHOST', '127.0.0.1', '127.1.2.3', '127.255.255.255', '[::1]', '::1'])(
    'trusts %s',
    (host) => expect(isLoopback(host)).toBe(true),
  );

  it.each([
    'vault.localhost',
    'attacker.example.localhost',
    'localhost.',
    'localhost.example.com',
    '127.0.0.1.nip.io',
    '127.0.0.256',
    '128.0.0.1',
    '[::2]',
    '',
  ])('does not trust %s', (host) => expect(isLoopback(host)).toBe(false));

  it('refuses http://NAME.localhost for a request', () => {
    expect(() =>
      assertSecureUrl(new URL('http://vault.localhost:8200/v1/x'), 'vault login'),
    ).toThrow(/vault login: http:\/\/vault\.localhost:8200 is refused/);
    expect(() =>
      assertSecureUrl(new URL('http://127.0.0.1:8200/v1/x'), 'vault login'),
    ).not.toThrow();
    expect(() => assertSecureUrl(new URL('http://[::1]:8200/'), 'vault login')).not.toThrow();
  });

  it('refuses http://NAME.localhost in vault-url and endpoints, naming the input', () => {
    const inputs = (over: Record<string, string>) => (name: string) => over[name] ?? '';
    expect(() => readConfig(inputs({ 'vault-url': 'http://vault.localhost:8200' }))).toThrow(
      /input vault-url: expected an https:\/\/ URL: plain http:\/\/ .*not trusted by its name/,
    );
    expect(() => readConfig(inputs({ endpoints: 'aws-sts: http://sts.localhost:4566' }))).toThrow(
      /input endpoints \(line 1, aws-sts\): expected an https:\/\/ URL/,
    );
    expect(
      readConfig(inputs({ 'vault-url': 'http://127.0.0.1:8200' })).settings.providers.vault.url,
    ).toBe('http://127.0.0.1:8200');
  });
});
