// Built-in rules on the shapes gitleaks' corresponding rules read (measured with
// bench/gitleaks-samples.ts): vendor-named values in every assignment shape, Vault's legacy
// `s.` tokens without a name, curl credentials on continuation lines and in every quoting.
// Samples are our own, values generated here; assertions compare hashes, never values.
import { compileConfig } from '../../../src/scan/config/config.js';
import { builtinConfig } from '../../../src/scan/config/rules.js';
import { Detector } from '../../../src/scan/detect/detector.js';
import { B62, DIGITS, HEX, LOWER, random, sha, UPPER } from './helpers.js';

const detector = new Detector(compileConfig(builtinConfig(), 'built-in'));
/** rule#hash of each finding's secret. */
const found = (text: string, path = 'src/settings.txt'): string[] =>
  detector.detect({ path, text }).map((f) => `${f.ruleId}#${sha(f.secret)}`);
const uuid = (): string =>
  `${random(HEX, 8)}-${random(HEX, 4)}-4${random(HEX, 3)}-a${random(HEX, 3)}-${random(HEX, 12)}`;

describe.each([
  ['xml element', (n: string, v: string) => `<${n}>\n    ${v}\n</${n}>`],
  ['typed Go declaration', (n: string, v: string) => `var ${n} string = "${v}"`],
  ['setProperty', (n: string, v: string) => `System.setProperty("${n.toUpperCase()}", "${v}")`],
  ['PHP array', (n: string, v: string) => `  "${n}" => "${v}",`],
  ['Go :=', (n: string, v: string) => `${n} := \`${v}\``],
])('vendor-named values in a %s', (_shape, write) => {
  it('sidekiq-secret', () => {
    const v = `${random(HEX, 8)}:${random(HEX, 8)}`;
    expect(found(write('bundle_gems__contribsys__com', v))).toEqual([`sidekiq-secret#${sha(v)}`]);
  });

  it('heroku-api-key-legacy', () => {
    const v = uuid();
    expect(found(write('herokuApiKey', v))).toEqual([`heroku-api-key-legacy#${sha(v)}`]);
  });
});

describe("Vault's legacy s. token", () => {
  // 24 letters and digits with a digit in them (gitleaks turns away letters only).
  const token = (): string => `s.${random(DIGITS, 2)}${random(B62, 22)}`;

  it.each([
    ['a YAML value', (t: string) => `token: ${t}`],
    ['a CLI flag', (t: string) => `vault login -address=https://vault.internal ${t}`],
    ['a quoted value', (t: string) => `const auth = '${t}';`],
  ])('is found without a Vault name, in %s', (_where, write) => {
    const t = token();
    expect(found(write(t))).toEqual([`vault-token-legacy#${sha(t)}`]);
  });

  it.each([
    ['member access, letters only', () => `  s.${random(LOWER, 10)}${random(UPPER, 14)} = args`],
    ['inside a longer run', () => `x = ${token()}${random(B62, 3)}`],
    ['after a word character', () => `cs.${random(DIGITS, 4)}${random(B62, 20)} `],
  ])('is not found in %s', (_what, make) => {
    expect(found(make()).filter((f) => f.startsWith('vault'))).toEqual([]);
  });
});

describe('curl credentials', () => {
  const password = (): string => `${random(B62, 8)}!${random(DIGITS, 2)}${random(B62, 6)}`;

  it('-u on a continuation line', () => {
    const p = password();
    const text = `curl -k -X POST https://ci.acme.dev/api \\\n  -H 'Content-type: text/plain' \\\n  -u deployer:${p}\n`;
    expect(found(text)).toEqual([`curl-auth-user#${sha(`deployer:${p}`)}`]);
  });

  it.each([
    ['an empty user', (p: string) => [`curl -u ":${p}" https://x.acme.dev`, `:${p}`]],
    ['an empty password', (p: string) => [`curl -u "${p}:" https://x.acme.dev`, `${p}:`]],
    ['a quoted password', (p: string) => [`curl --user ops:'${p}' -iX PATCH`, `ops:'${p}'`]],
    [
      'quoted halves',
      (p: string) => [`curl --user "{ops-id}":"{${p}}" -d x`, `"{ops-id}":"{${p}}"`],
    ],
  ])('-u with %s', (_what, make) => {
    const [text, secret] = make(password());
    expect(found(text!)).toEqual([`curl-auth-user#${sha(secret!)}`]);
  });

  it.each([
    'curl --user neo4j:[PASSWORD] http://[IP]:7474/db/data/',
    'curl -X POST --user "$(cat ./login.txt):$(cat ./password.txt)"',
    'curl -u "${{ env.CI_USER }}:${{ env.CI_PASS }}" https://x.acme.dev',
    'curl --silent --user ${ciuser}:${cipass} \\',
  ])('no finding in %s', (text) => {
    expect(found(text)).toEqual([]);
  });

  it.each([
    ['a Bearer value', (v: string) => `-H "Authorization: Bearer ${v}"`],
    ['a bare Authorization value', (v: string) => `--header 'Authorization:  ${v}'`],
    ['an X-…-ApiKey header', (v: string) => `-H "X-Acme-ApiKey: ${v}"`],
  ])('%s on a continuation line', (_what, header) => {
    const v = uuid();
    const text = `curl -X GET https://api.acme.dev/v1 \\\n     -H "Accept: application/json" \\\n     ${header(v)}\n`;
    expect(found(text)).toEqual([`curl-auth-header#${sha(v)}`]);
  });

  it('no finding for a Basic value that is not base64 (a JWT)', () => {
    const jwt = ['eyJhbGciOiJIUzI1NiJ9', `eyJ${random(B62, 20)}`, random(B62, 43)].join('.');
    const text = `curl -X POST -H "Authorization: Basic ${jwt}" https://x.acme.dev`;
    expect(found(text).filter((f) => f.startsWith('curl'))).toEqual([]);
  });
});

describe('published sample values are not findings', () => {
  it("Firebase SDK's example API keys", () => {
    // Written bare: under a key-like name the generic rule reads the value, as gitleaks' does.
    expect(found('AIzaSyAnLA7NfeLquW1tJFpx_eQCxoX-oo6YyIs')).toEqual([]);
    expect(found('"AIzaSyB8qGxt4ec15vitgn44duC5ucxaOi4FmqE",')).toEqual([]);
    // Any other key of the same form is.
    const key = `AIza${random(B62, 35)}`;
    expect(found(`"${key}",`)).toEqual([`gcp-api-key#${sha(key)}`]);
  });

  it("the passwords of Microsoft's nuget.config reference", () => {
    for (const value of ['33f!!lloppa', 'hal+9ooo_da!sY'])
      expect(found(`<add key="ClearTextPassword" value="${value}" />`, 'NuGet.Config')).toEqual([]);
  });
});

describe('names that begin like a vendor', () => {
  it('sumOf… is no Sumo Logic access ID', () => {
    expect(found('sumOfExposures = sumOfExposures;')).toEqual([]);
    const id = `su${random(B62, 10)}${random(DIGITS, 2)}`;
    expect(found(`SUMO_ACCESS_ID = "${id}"`)).toEqual([`sumologic-access-id#${sha(id)}`]);
  });
});

describe('tokens inside file names', () => {
  it('an asset fingerprint after .ico is no Infracost token', () => {
    expect(found(`<link rel="icon" href="/assets/favicon.ico-${random(HEX, 32)}.png">`)).toEqual(
      [],
    );
    const token = `ico-${random(B62, 32)}`;
    expect(found(`INFRACOST_API_KEY: ${token}`)).toContain(`infracost-api-token#${sha(token)}`);
  });
});

describe('Terraform passwords', () => {
  it('are found where terraform fmt aligned the = far from the name', () => {
    const p = `${random(LOWER, 6)}${random(DIGITS, 2)}${random(UPPER, 3)}`;
    const text = `resource "mysql_user" "app" {\n  user               = "app"\n  password           = "${p}"\n}\n`;
    expect(found(text, 'db.hcl')).toEqual([`terraform-password#${sha(p)}`]);
  });
});
