// The built-in rules on credentials made at test time in each provider's documented format,
// and on what is not a credential: documentation samples, placeholders, references, hashes.
import { compileConfig } from '../../../src/scan/config/config.js';
import { Detector } from '../../../src/scan/detect/detector.js';
import { builtinConfig } from '../../../src/scan/config/rules.js';
import { B62, B64URL, DIGITS, HEX, LOWER, random, sha, tokens, UPPER } from './helpers.js';

const detector = new Detector(compileConfig(builtinConfig(), 'built-in'));
const scan = (text: string, path = 'src/config.ts') => detector.detect({ path, text });
const B64 = B62 + '+/';

/**
 * A random value of the kind the generic rule is for. A draw that holds one of its
 * placeholder words (`todo`, `null`, `mock`… turn up in ~1 % of random 40-character strings),
 * that has no digit or symbol or reads as a camelCase name (identifiers to the rule: `ju` `S7`
 * `Gb0w`…), or that starts with `/` (a path) is drawn again: those are what the rule leaves
 * alone on purpose, and the test failed now and then on them (~3 % of runs).
 */
function keyLike(alphabet: string, length: number): string {
  for (;;) {
    const value = random(alphabet, length);
    if (
      /[0-9+/]/.test(value) &&
      !value.startsWith('/') &&
      !/^[a-z]+(?:[A-Z][a-z0-9]+)+$/.test(value) &&
      !/example|sample|dummy|placeholder|changeme|redacted|your|xxxx|test|fake|mock|undefined|null|none|todo|replace|insert|lorem/i.test(
        value,
      )
    )
      return value;
  }
}

/** [rule id, the line, the secret it must report]. */
const positives: [string, () => [string, string]][] = [
  ['aws-access-key-id', () => ((t) => [`aws_access_key_id = ${t}`, t])(tokens.awsKeyId())],
  ['aws-secret-access-key', () => ((t) => [`AWS_SECRET_ACCESS_KEY="${t}"`, t])(tokens.awsSecret())],
  ['gcp-api-key', () => ((t) => [`apiKey: "${t}",`, t])('AIza' + random(B64URL, 35))],
  [
    'gcp-oauth-client-secret',
    () => ((t) => [`client_secret=${t}`, t])('GOCSPX-' + random(B64URL, 28)),
  ],
  [
    'azure-storage-account-key',
    () =>
      ((t) => [`DefaultEndpointsProtocol=https;AccountName=x;AccountKey=${t};`, t])(
        random(B64, 86) + '==',
      ),
  ],
  [
    'azure-ad-client-secret',
    () => ((t) => [`"clientSecret": "${t}"`, t])(random(B62, 3) + '8Q~' + random(B62 + '_-', 34)),
  ],
  ['digitalocean-token', () => ((t) => [`DO_TOKEN=${t}`, t])('dop_v1_' + random(HEX, 64))],
  ['github-pat', () => ((t) => [`token: ${t}`, t])(tokens.githubPat())],
  [
    'github-fine-grained-pat',
    () => ((t) => [`GH=${t}`, t])(`github_pat_${random(B62, 22)}_${random(B62, 59)}`),
  ],
  ['github-app-token', () => ((t) => [`x ${t}`, t])('ghs_' + random(B62, 36))],
  ['gitlab-pat', () => ((t) => [`GITLAB_TOKEN=${t}`, t])(tokens.gitlab())],
  ['gitlab-pipeline-trigger-token', () => ((t) => [`trigger ${t}`, t])('glptt-' + random(HEX, 40))],
  ['vault-service-token', () => ((t) => [`VAULT_TOKEN=${t}`, t])('hvs.' + random(B64URL, 95))],
  ['slack-bot-token', () => ((t) => [`SLACK=${t}`, t])(tokens.slackBot())],
  [
    'slack-webhook-url',
    () =>
      ((t) => [`url: https://hooks.slack.com/${t}`, t])(
        `services/T${random(UPPER + DIGITS, 8)}/B${random(UPPER + DIGITS, 10)}/${random(B62, 24)}`,
      ),
  ],
  [
    'discord-webhook-url',
    () =>
      ((t) => [`https://discord.com/api/webhooks/${t}`, t])(
        `${random(DIGITS, 18)}/${random(B64URL, 68)}`,
      ),
  ],
  [
    'telegram-bot-token',
    () => ((t) => [`BOT=${t}`, t])(`${random(DIGITS, 9)}:AA${random(B64URL, 33)}`),
  ],
  ['stripe-secret-key', () => ((t) => [`stripe.api_key = "${t}"`, t])(tokens.stripeLive())],
  ['square-access-token', () => ((t) => [`SQUARE=${t}`, t])('EAAA' + random(B64URL, 60))],
  ['shopify-token', () => ((t) => [`SHOPIFY=${t}`, t])('shpat_' + random(HEX, 32))],
  [
    'npm-access-token',
    () => ((t) => [`//registry.npmjs.org/:_authToken=\${NPM}\nNPM_TOKEN=${t}`, t])(tokens.npm()),
  ],
  [
    'npmrc-auth-token',
    () => ((t) => [`//registry.example.com/:_authToken=${t}`, t])(random(B62, 32)),
  ],
  [
    'pypi-upload-token',
    () => ((t) => [`password = ${t}`, t])('pypi-AgEIcHlwaS5vcmc' + random(B64URL, 60)),
  ],
  ['dockerhub-token', () => ((t) => [`docker login -p ${t}`, t])('dckr_pat_' + random(B64URL, 27))],
  [
    'openai-api-key',
    () =>
      ((t) => [`OPENAI_API_KEY=${t}`, t])(
        `sk-proj-${random(B64URL, 40)}T3BlbkFJ${random(B64URL, 40)}`,
      ),
  ],
  [
    'anthropic-api-key',
    () => ((t) => [`ANTHROPIC=${t}`, t])(`sk-ant-api03-${random(B64URL, 93)}AA`),
  ],
  ['huggingface-token', () => ((t) => [`HF=${t}`, t])('hf_' + random(UPPER + LOWER, 34))],
  [
    'sendgrid-api-key',
    () => ((t) => [`SENDGRID=${t}`, t])(`SG.${random(B64URL, 22)}.${random(B64URL, 43)}`),
  ],
  ['jwt', () => ((t) => [`Authorization: Bearer ${t}`, t])(tokens.jwt())],
  [
    'uri-credentials',
    () =>
      ((p) => [`DATABASE_URL=postgres://app:${p}@db.internal:5432/app`, p])(tokens.urlPassword()),
  ],
  ['generic-hex-secret', () => ((t) => [`billing_api_key: "${t}"`, t])(random(HEX, 32))],
  ['generic-api-key', () => ((t) => [`"apiKey": "${t}"`, t])(keyLike(B62, 40))],
  ['generic-api-key', () => ((t) => [`creds = ${t}`, t])(keyLike(B62, 30))],
  ['generic-api-key', () => ((t) => [`"user_auth": "${t}="`, t + '='])(keyLike(B64, 59))],
  ['generic-password', () => ((p) => [`DB_PASSWORD=${p}`, p])(tokens.password())],
  // A password people choose: 3.38 bits a character, under the 3.5 of keys (missed before).
  ['generic-password', () => [`spring.datasource.password=Walrus#Kettle88`, 'Walrus#Kettle88']],
];

describe('built-in rules find the formats people leak', () => {
  it.each(positives.map(([id, make], i) => [`${id} #${i}`, id, make] as const))(
    '%s',
    (_name, id, make) => {
      const [line, secret] = make();
      const found = scan(line);
      expect(found.map((f) => f.ruleId)).toContain(id);
      const f = found.find((x) => x.ruleId === id)!;
      expect(sha(f.secret)).toBe(sha(secret));
    },
  );

  it('private keys (PEM, and a JSON-escaped one in a service-account file)', () => {
    const pem = tokens.privateKey();
    expect(scan(`const key = \`${pem}\`;`).map((f) => [f.ruleId, f.startLine])).toEqual([
      ['private-key', 1],
    ]);
    const json = JSON.stringify({ type: 'service_account', private_key: pem });
    expect(scan(json, 'sa.json').map((f) => f.ruleId)).toContain('private-key');
  });
});

describe('the generic rule reads the assignment shapes gitleaks understands', () => {
  // Random, but never holding one of the words the generic rules take for placeholders.
  const value = (): string => {
    for (;;) {
      const v = random(B62, 10) + '#' + random(B62, 11);
      if (!/test|fake|mock|none|null|todo|your|lorem|abcdefg|1234567|0123456/i.test(v)) return v;
    }
  };
  it.each([
    ['Makefile ::=', (v: string) => `API_TOKEN ::= ${v}`],
    ['PHP .=', (v: string) => `$password .= '${v}';`],
    ['XML element', (v: string) => `<password>${v}</password>`],
    ['XML element, value on the next line', (v: string) => `<password>\n    ${v}\n</password>`],
    ['setProperty("X_TOKEN", "…")', (v: string) => `System.setProperty("X_TOKEN", "${v}");`],
    ["Map.put('api_key', '…')", (v: string) => `params.put('api_key', '${v}');`],
    ['Go var with a type', (v: string) => `var apiKey string = "${v}"`],
    ['Go const', (v: string) => `const dbPassword = "${v}"`],
    ['TypeScript annotation', (v: string) => `const secretKey: string = '${v}';`],
    ['Python annotation', (v: string) => `token: str = "${v}"`],
    ['Kotlin val', (v: string) => `val clientSecret: String = "${v}"`],
    ['YAML', (v: string) => `  db_password: ${v}`],
    ['YAML quoted', (v: string) => `    secret: "${v}"`],
    ['JSON', (v: string) => `  "password": "${v}",`],
    ['.env', (v: string) => `SMTP_PASSWORD=${v}`],
    ['.env quoted, exported', (v: string) => `export API_SECRET="${v}"`],
    ['properties', (v: string) => `spring.datasource.password=${v}`],
    ['properties with colon', (v: string) => `jdbc.password: ${v}`],
    ['Terraform', (v: string) => `  master_password = "${v}"`],
    ['Dockerfile ENV', (v: string) => `ENV REDIS_PASSWORD=${v}`],
    ['Dockerfile ARG', (v: string) => `ARG NPM_TOKEN=${v}`],
    ['shell ||=', (v: string) => `: \${AUTH_TOKEN:=x}; auth_token ||= '${v}'`],
    ['Ruby hash =>', (v: string) => `:secret_key => "${v}",`],
    ['INI', (v: string) => `password = ${v}`],
  ])('%s', (_name, render) => {
    const v = value();
    const found = scan(render(v)).filter((f) => f.ruleId.startsWith('generic-'));
    expect(found.map((f) => sha(f.secret))).toContain(sha(v));
  });
});

describe('and stay quiet on what is not a credential', () => {
  it.each([
    [
      'AWS documentation keys',
      'aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    ],
    ["Stripe's documented test key", 'stripe.api_key = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"'],
    [
      "jwt.io's sample token",
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
    ],
    [
      "Slack's sample webhook",
      'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
    ],
    [
      'placeholders',
      'GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\napi_key: "<YOUR_API_KEY>"\nSTRIPE=sk_live_XXXXXXXXXXXXXXXXXXXXXXXX\nsecret = "your-secret-here"',
    ],
    [
      'references',
      'token: ${{ secrets.DEPLOY_TOKEN }}\npassword = process.env.DB_PASSWORD\napi_key = settings.MAPS_API_KEY\nsecret: ${SECRET}',
    ],
    [
      'template passwords in URLs',
      'postgres://user:password@localhost/app\npostgresql://${DB_USER}:${DB_PASSWORD}@host/db\nmongodb://${user}:${pass}@host/db\namqp://guest:guest@localhost',
    ],
    [
      'hashes and ids named like keys',
      `key_id = "${random(HEX, 16)}"\ntoken_hash = "${random(HEX, 64)}"\napi_key_id: 550e8400-e29b-41d4-a716-446655440000\ncommit: ${random(HEX, 40)}`,
    ],
    [
      'public keys',
      `public_key: "${random(B64, 43)}="\npublishableKey: 'pk_live_${random(B62, 24)}'`,
    ],
    [
      'identifiers and code',
      'const tokenType = "Bearer";\nconst apiKey = config.get("maps.apiKey");\nsecretName = "db-credentials-prod"\nkey = f"{prefix}:{user_id}"',
    ],
    [
      'an element-like placeholder followed by another line',
      'export SPAN_TOKEN=<your token>\nTOKEN_TTL_SECONDS=82388',
    ],
    [
      'keys that name things',
      'cache-key: node-modules-v3-abc123\n  partition_key = "tenant#2024-q3"\nidempotencyKey: ord_8f3k2m9x7q',
    ],
    [
      'words and names that start with a keyword',
      `keyword: "Maple_Q7"\nkey_down_event=${random(B62, 30)}\nkeyVaultToUse: kv-prod-2024-west\nmonkeys-audio:x64-linux=fail\nauthor = "jo.doe@example.org"`,
    ],
    [
      'public and CSRF tokens, Maven coordinates',
      `publicToken = "${random(B62, 43)}"\ncsrf-token=${random(B64, 86)}==\nnotes = "Maven - io.jsonwebtoken:jjwt-api-0.12.6"`,
    ],
    ['weak documented passwords', 'password: P@ssw0rd\npassword = "hunter2"\nDB_PASSWORD=changeme'],
    [
      'integrity strings and digests',
      `"integrity": "sha512-${random(B64, 86)}=="\nsha256:${random(HEX, 64)}`,
    ],
  ])('%s', (_name, text) => {
    const found = scan(text);
    expect(found.map((f) => `${f.ruleId}:${f.startLine}`)).toEqual([]);
  });
});
