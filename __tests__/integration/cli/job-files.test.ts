// `oidc-secrets run -c FILE` with seed 001's job files, run by the built CLI as a user
// would: its "Mixed References" block and its Telegram, database-backup and API-monitor
// jobs as written (values obviously fake, generated here), the same jobs as .env-style and
// NAME: REFERENCE lines; CMD gets the values, and what it prints — each value, line, JSON
// leaf and their base64 — is masked. A malformed file is named by file and line, and CMD
// never runs.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStore } from '../../../src/store/store.js';
import { expectNoLeak, jsonLeaves } from '../../../test/support/leaks.js';
import { CLI, runCli, sha } from './cli-process.js';

const hex = (n: number) => randomBytes(n).toString('hex');
const digits = (n: number) =>
  Array.from(randomBytes(n), (b) => String(b % 10))
    .join('')
    .replace(/^0/, '7');

/** The seed's secrets, in their shapes, with fake values made for this run. */
const store: Record<string, string> = {
  OPENAI_API_KEY: `sk-fake${hex(16)}`,
  TELEGRAM_BOT_TOKEN: `${digits(10)}:FAKE${hex(14)}`,
  TELEGRAM_CHAT_ID: digits(9),
  PROD_DATABASE_URL: `postgresql://backup:fake-${hex(8)}@db.example.test/prod`,
  BACKUP_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  S3_ACCESS_KEY: `AKIAFAKE${hex(6).toUpperCase()}`,
  S3_SECRET_KEY: `fake/${randomBytes(24).toString('base64')}`,
  MONITORING_API_KEY: `mon-fake-${hex(12)}`,
  SLACK_WEBHOOK_URL: `https://hooks.slack.example.test/services/FAKE/${hex(12)}`,
  PAGERDUTY_KEY: `pd-fake-${hex(16)}`,
  // A number leaf too, long enough not to turn up by chance in what CMD prints (a port,
  // 5432, did once: inside a printed sha prefix, flagged as a leak of this leaf).
  DB_JSON: JSON.stringify({ user: `u-${hex(4)}`, password: `p-${hex(10)}`, id: Number(digits(9)) }),
};

const SSH_KEY_PATH = '/etc/secrets/ssh_key';
const sshKey = `-----BEGIN OPENSSH PRIVATE KEY-----\nfake${randomBytes(36).toString('base64')}\nfake${randomBytes(24).toString('base64')}\n-----END OPENSSH PRIVATE KEY-----\n`;
let createdSshKey = false;
let createdSshDir = false;

let dir: string;

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  // The seed's block reads file:/etc/secrets/ssh_key as written: put a fake key there for
  // the test when the machine has none (and take it away after).
  if (!existsSync(SSH_KEY_PATH)) {
    if (!existsSync('/etc/secrets')) {
      mkdirSync('/etc/secrets', { mode: 0o700 });
      createdSshDir = true;
    }
    writeFileSync(SSH_KEY_PATH, sshKey, { mode: 0o600, flag: 'wx' });
    createdSshKey = true;
  }
});
afterAll(() => {
  if (createdSshKey) rmSync(SSH_KEY_PATH, { force: true });
  if (createdSshDir) rmdirSync('/etc/secrets');
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-job-files-'));
  await new LocalStore({
    storePath: join(dir, 'secrets.json.enc'),
    keyPath: join(dir, 'secrets.key'),
  }).set(Object.entries(store));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * CMD: prints, for each name, its sha prefix (to check the value without printing it) and
 * then the value the careless ways — plain, JSON, base64, on stdout and stderr.
 */
function printing(names: readonly string[]): string {
  return `const { createHash } = require('node:crypto');
const h = (v) => createHash('sha256').update(v ?? '<undefined>').digest('hex').slice(0, 16);
for (const name of ${JSON.stringify(names)}) {
  const v = process.env[name];
  console.log('sha ' + name + ' ' + h(v));
  console.log(name + '=' + v);
  console.log(JSON.stringify({ [name]: v }));
  console.log(Buffer.from(v ?? '').toString('base64'));
  process.stderr.write(name + ' on stderr: ' + v + '\\n');
}`;
}

async function runFile(
  name: string,
  text: string,
  script: string,
  env: NodeJS.ProcessEnv = {},
  cleanEnv = false,
) {
  await writeFile(join(dir, name), text);
  return runCli(['run', '-c', name, '--', process.execPath, '-e', script], {
    cwd: dir,
    env,
    cleanEnv,
  });
}

/** The sha each name printed, from CMD's stdout. */
function printedShas(stdout: string): Record<string, string> {
  return Object.fromEntries(
    [...stdout.matchAll(/^sha (\w+) ([0-9a-f]{16})$/gm)].map((m) => [m[1], m[2]]),
  );
}

/** The secrets, and the base64 of each value and leaf: CMD prints those too. */
const secretsOnly = (...extra: unknown[]): unknown[] => {
  const values = [...Object.values(store), sshKey, ...extra];
  const texts = values.flatMap((v) => (typeof v === 'string' ? [v] : jsonLeaves(v)));
  texts.push(...jsonLeaves(JSON.parse(store.DB_JSON!)));
  return [...values, ...texts.map((t) => Buffer.from(t).toString('base64'))];
};

describe("seed 001's job configurations, as written", () => {
  it('runs the "Mixed References" block', async () => {
    const home = `/home/fake-${hex(6)}`;
    const result = await runFile(
      'config.yml',
      `environment:
  # Secret from encrypted storage
  API_KEY: "secret:OPENAI_API_KEY"
  
  # System environment variable
  HOME_DIR: "env:HOME"
  
  # File content
  SSH_KEY: "file:/etc/secrets/ssh_key"
  
  # Plain text value
  LOG_LEVEL: "INFO"
`,
      printing(['API_KEY', 'HOME_DIR', 'SSH_KEY', 'LOG_LEVEL']),
      { HOME: home },
    );
    expect(result.code).toBe(0);
    expect(printedShas(result.stdout)).toEqual({
      API_KEY: sha(store.OPENAI_API_KEY),
      HOME_DIR: sha(home),
      SSH_KEY: sha(createdSshKey ? sshKey : readFileSync(SSH_KEY_PATH, 'utf8')),
      LOG_LEVEL: sha('INFO'),
    });
    // A literal is no secret: shown as written.
    expect(result.stdout).toContain('LOG_LEVEL=INFO\n');
    expect(result.stdout).toContain('API_KEY=***\n');
    expectNoLeak(result.stdout + result.stderr, secretsOnly(home));
  });

  it.each([
    [
      'Telegram Notification Job',
      `# config.yml
environment:
  TELEGRAM_BOT_TOKEN: "secret:TELEGRAM_BOT_TOKEN"
  TELEGRAM_CHAT_ID: "secret:TELEGRAM_CHAT_ID"
`,
      { TELEGRAM_BOT_TOKEN: 'TELEGRAM_BOT_TOKEN', TELEGRAM_CHAT_ID: 'TELEGRAM_CHAT_ID' },
    ],
    [
      'Database Backup Job',
      `# config.yml
environment:
  DATABASE_URL: "secret:PROD_DATABASE_URL"
  BACKUP_ENCRYPTION_KEY: "secret:BACKUP_ENCRYPTION_KEY"
  S3_ACCESS_KEY: "secret:S3_ACCESS_KEY"
  S3_SECRET_KEY: "secret:S3_SECRET_KEY"
`,
      {
        DATABASE_URL: 'PROD_DATABASE_URL',
        BACKUP_ENCRYPTION_KEY: 'BACKUP_ENCRYPTION_KEY',
        S3_ACCESS_KEY: 'S3_ACCESS_KEY',
        S3_SECRET_KEY: 'S3_SECRET_KEY',
      },
    ],
    [
      'API Monitor Job',
      `# config.yml
environment:
  API_KEY: "secret:MONITORING_API_KEY"
  SLACK_WEBHOOK: "secret:SLACK_WEBHOOK_URL"
  PD_INTEGRATION_KEY: "secret:PAGERDUTY_KEY"
`,
      {
        API_KEY: 'MONITORING_API_KEY',
        SLACK_WEBHOOK: 'SLACK_WEBHOOK_URL',
        PD_INTEGRATION_KEY: 'PAGERDUTY_KEY',
      },
    ],
  ])('runs the %s', async (_job, yaml, names) => {
    const variables = Object.keys(names);
    const result = await runFile('config.yml', yaml, printing(variables));
    expect(result.code).toBe(0);
    expect(printedShas(result.stdout)).toEqual(
      Object.fromEntries(Object.entries(names).map(([v, key]) => [v, sha(store[key])])),
    );
    for (const variable of variables) expect(result.stdout).toContain(`${variable}=***\n`);
    expectNoLeak(result.stdout + result.stderr, secretsOnly());
  });
});

describe('the same jobs as .env-style and NAME: REFERENCE lines', () => {
  const names = ['TELEGRAM_BOT_TOKEN', 'CHAT', 'DB_USER', 'DB_PASSWORD', 'LOG_LEVEL'];
  const expected = {
    TELEGRAM_BOT_TOKEN: sha(store.TELEGRAM_BOT_TOKEN),
    CHAT: sha(store.TELEGRAM_CHAT_ID),
    DB_USER: sha((JSON.parse(store.DB_JSON!) as { user: string }).user),
    DB_PASSWORD: sha((JSON.parse(store.DB_JSON!) as { password: string }).password),
    LOG_LEVEL: sha('debug'),
  };

  it.each([
    [
      '.env',
      `# .env-style
TELEGRAM_BOT_TOKEN=secret:TELEGRAM_BOT_TOKEN
export CHAT="secret:TELEGRAM_CHAT_ID"
DB_*=secret:DB_JSON   # every key of the JSON
LOG_LEVEL=debug
`,
    ],
    [
      '.oidc-secrets',
      `TELEGRAM_BOT_TOKEN: secret:TELEGRAM_BOT_TOKEN
CHAT: local:TELEGRAM_CHAT_ID
DB_*: secret:DB_JSON
LOG_LEVEL: plain:debug
`,
    ],
  ])('%s', async (file, text) => {
    const result = await runFile(file, text, printing(names));
    expect(result.code).toBe(0);
    expect(printedShas(result.stdout)).toMatchObject(expected);
    expect(result.stdout).toContain('LOG_LEVEL=debug\n');
    expectNoLeak(result.stdout + result.stderr, secretsOnly());
  });

  it('reads .oidc-secrets when no -c is given, and leaves out an optional line with a notice', async () => {
    await writeFile(
      join(dir, '.oidc-secrets'),
      'BOT: secret:TELEGRAM_BOT_TOKEN\nGONE: secret:NO_SUCH_KEY?optional\n',
    );
    const result = await runCli(
      [
        'run',
        '--',
        process.execPath,
        '-e',
        printing(['BOT']) + ';console.log(String(process.env.GONE))',
      ],
      { cwd: dir },
    );
    expect(result.code).toBe(0);
    expect(printedShas(result.stdout)).toEqual({ BOT: sha(store.TELEGRAM_BOT_TOKEN) });
    expect(result.stdout).toContain('\nundefined\n');
    expect(result.stderr).toMatch(
      /^oidc-secrets: notice: secrets line 2 \(GONE\): left out \(optional\): local:NO_SUCH_KEY: no secret of that name/m,
    );
    expectNoLeak(result.stdout + result.stderr, secretsOnly());
  });
});

describe('dotenv: and selectors in a job file', () => {
  it('exports a .env file whole and by key, quoted keys and pointers; all masked', async () => {
    const values = {
      DB_PASSWORD: `pw-${hex(10)}`,
      TLS_KEY: `-----BEGIN KEY-----\nfake${hex(20)}\nfake${hex(20)}\n-----END KEY-----`,
    };
    await writeFile(
      join(dir, 'app.env'),
      `# app\nDB_PASSWORD=${values.DB_PASSWORD}\nTLS_KEY="${values.TLS_KEY.replace(/\n/g, '\\n')}"\n`,
    );
    const json = { 'tls.crt': `crt-${hex(8)}`, list: [`first-${hex(8)}`] };
    await writeFile(join(dir, 'tls.json'), JSON.stringify(json));
    const result = await runFile(
      'config.yml',
      `environment:
  APP_*: "dotenv:app.env"
  PW: "dotenv:app.env#DB_PASSWORD"
  CRT: 'file:tls.json#"tls.crt"'
  FIRST: "file:tls.json#/list/0"
  MISSING: "dotenv:app.env?optional#NOPE"
`,
      printing(['APP_DB_PASSWORD', 'APP_TLS_KEY', 'PW', 'CRT', 'FIRST']),
    );
    expect(result.code).toBe(0);
    expect(printedShas(result.stdout)).toEqual({
      APP_DB_PASSWORD: sha(values.DB_PASSWORD),
      APP_TLS_KEY: sha(values.TLS_KEY),
      PW: sha(values.DB_PASSWORD),
      CRT: sha(json['tls.crt']),
      FIRST: sha(json.list[0]),
    });
    expect(result.stderr).toMatch(
      /^oidc-secrets: notice: secrets line 6 \(MISSING\): left out \(optional\): the selector #NOPE finds nothing: no key NOPE at the top level of dotenv:app\.env; the keys there: DB_PASSWORD, TLS_KEY$/m,
    );
    expectNoLeak(result.stdout + result.stderr, secretsOnly(values, json));
  });

  it('refuses a dotenv: line without a path, by file and line', async () => {
    const result = await runFile(
      'lines',
      'A: secret:PAGERDUTY_KEY\nB: dotenv:\n',
      'process.exit(3)',
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^oidc-secrets: error: .*lines: secrets line 2 \(B\): dotenv: needs a locator/m,
    );
  });
});

describe('malformed job files: named by file and line, CMD never runs', () => {
  const marker = () => join(dir, 'cmd-ran');
  const touch = () => `require('node:fs').writeFileSync(${JSON.stringify(marker())}, 'x')`;

  it.each([
    [
      'config.yml',
      `name: backup
environment:
  DATABASE_URL: "secret:PROD_DATABASE_URL"
  NESTED:
    value: "${store.S3_SECRET_KEY}"
`,
      /^oidc-secrets: error: .*config\.yml: line 4: NESTED: expected a reference or a value, not a list or mapping$/m,
    ],
    [
      'config.yml',
      `environment:
  API_KEY: "secret:MONITORING_API_KEY"
  SLACK: "${store.SLACK_WEBHOOK_URL}
`,
      /^oidc-secrets: error: .*config\.yml: line \d: not valid YAML \(missing char\)$/m,
    ],
    [
      'config.yml',
      `environment:
  API_KEY: "vualt:secret/data/ci/api"
`,
      /^oidc-secrets: error: .*config\.yml: secrets line 2 \(API_KEY\): unknown provider 'vualt' \(did you mean 'vault'\?\)/m,
    ],
    [
      'job.env',
      `API_KEY=secret:MONITORING_API_KEY
${store.PAGERDUTY_KEY}
`,
      /^oidc-secrets: error: .*job\.env: line 2: expected NAME=REFERENCE/m,
    ],
    [
      'job.env',
      `API_KEY=secret:MONITORING_API_KEY
PD=secret:PAGERDUTY_KEY?decode=hex
`,
      /^oidc-secrets: error: .*job\.env: secrets line 2 \(PD\): local:PAGERDUTY_KEY: option decode must be base64/m,
    ],
    [
      'lines',
      `API_KEY: secret:MONITORING_API_KEY
PD: secret:PAGERDUTY_KEY#"unclosed
`,
      /^oidc-secrets: error: .*lines: secrets line 2 \(PD\): the selector after '#' has a quoted key without its closing quote/m,
    ],
    [
      'lines',
      `API_KEY: secret:MONITORING_API_KEY?decode=base64
`,
      /^oidc-secrets: error: .*lines: secrets line 1 \(API_KEY\): decode=base64: the value of local:MONITORING_API_KEY is not base64 text$/m,
    ],
  ])('%s', async (file, text, message) => {
    const result = await runFile(file, text, touch());
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(existsSync(marker())).toBe(false);
    expectNoLeak(result.stdout + result.stderr, secretsOnly());
  });

  it('refuses bytes that are not text once decoded: an environment variable cannot hold them', async () => {
    const bytes = Buffer.from([0xff, 0x00, 0x01, 0x80, 0x41]).toString('base64');
    const result = await runFile('lines', 'BIN: env:BYTES?decode=base64\n', touch(), {
      BYTES: bytes,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^oidc-secrets: error: .*lines: secrets line 1: BIN is bytes that are not text once decoded \(decode=base64\): an environment variable cannot hold them$/m,
    );
    expect(existsSync(marker())).toBe(false);
  });
});
