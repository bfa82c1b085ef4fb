// `oidc-secrets store init|recipients|migrate` and the everyday commands on a keyless store,
// run as the built CLI (dist/cli.cjs) with people's age identities (--identity FILE or
// OIDC_SECRETS_AGE_IDENTITY): round trips, a removed recipient locked out of later
// writes, a tampered header refused, bad recipients named, and nothing of a value, an
// identity or the data key in what the CLI prints.
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAws, type AwsEmulator } from '../../../test/emulators/aws.js';
import { startOidcIssuer, type OidcIssuer } from '../../../test/emulators/oidc-issuer.js';
import { expectNoLeak } from '../../../test/support/leaks.js';
import { CLI, runCli, type CliResult } from './cli-process.js';

let dir: string;
const people: Record<string, { identity: string; recipient: string; file: string }> = {};
const outputs: CliResult[] = [];

async function store(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const result = await runCli(['store', ...args], { cwd: dir, env });
  outputs.push(result);
  return result;
}

async function person(name: string) {
  const identity = await generateX25519Identity();
  const file = join(dir, `${name}.txt`);
  await writeFile(file, `# created: test\n# public key: …\n${identity}\n`, { mode: 0o600 });
  people[name] = { identity, recipient: `age:${await identityToRecipient(identity)}`, file };
  return people[name];
}

const value = () => `v-${randomBytes(16).toString('hex')}`;
const values: string[] = [];
const fresh = () => {
  const v = value();
  values.push(v);
  return v;
};

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-keyless-'));
  outputs.length = 0;
});
afterEach(async () => {
  // Whatever a test did, nothing it printed holds a value, an identity or its base64.
  const printed = outputs
    .map((o) => o.stderr + o.stdout)
    .join('\n')
    // `get --reveal` prints the value on purpose.
    .replace(/^REVEALED:.*$/gm, '');
  const identities = Object.values(people).map((p) => p.identity);
  expectNoLeak(
    printed,
    [...values, ...identities].flatMap((s) => [s, Buffer.from(s).toString('base64')]),
  );
  await rm(dir, { recursive: true, force: true });
});

describe('a keyless store from the command line', () => {
  it('init, set, get, list and rotate-key round-trip; any recipient opens it', async () => {
    const alice = await person('alice');
    const bob = await person('bob');
    const init = await store(['init', '--recipient', alice.recipient, '-r', bob.recipient]);
    expect(init.stderr).toContain(`created the keyless store ${join(dir, 'secrets.json.enc')}`);
    expect(init.code).toBe(0);
    expect(existsSync(join(dir, 'secrets.key'))).toBe(false);

    const secret = fresh();
    expect((await store(['set', 'API_KEY', secret, '-i', alice.file])).code).toBe(0);
    const asBob = await store(['get', '--reveal', 'API_KEY'], {
      OIDC_SECRETS_AGE_IDENTITY: bob.file,
    });
    expect(asBob.code).toBe(0);
    expect(asBob.stdout === `${secret}\n`).toBe(true);
    outputs.pop(); // printed on purpose
    // The identity itself in the variable works too.
    const listed = await store(['list'], { OIDC_SECRETS_AGE_IDENTITY: alice.identity });
    expect(listed.stdout).toBe('API_KEY\n');

    const before = JSON.parse(await readFile(join(dir, 'secrets.json.enc'), 'utf8')) as {
      kid: string;
    };
    const rotated = await store(['rotate-key', '-i', bob.file]);
    expect(rotated.code).toBe(0);
    const after = JSON.parse(await readFile(join(dir, 'secrets.json.enc'), 'utf8')) as {
      kid: string;
    };
    expect(after.kid).not.toBe(before.kid);
    const again = await store(['get', '--reveal', 'API_KEY', '-i', alice.file]);
    expect(again.stdout === `${secret}\n`).toBe(true);
    outputs.pop();

    const recipients = await store(['recipients', 'list']);
    expect(recipients.stdout).toBe(`${alice.recipient}\n${bob.recipient}\n`);
  });

  it('recipients add lets a new person in; remove locks a person out of later writes', async () => {
    const alice = await person('alice');
    const bob = await person('bob');
    const carol = await person('carol');
    await store(['init', '-r', alice.recipient, '-r', bob.recipient]);
    await store(['set', 'OLD', fresh(), '-i', alice.file]);

    expect((await store(['recipients', 'add', carol.recipient, '-i', alice.file])).code).toBe(0);
    expect((await store(['get', 'OLD', '-i', carol.file])).code).toBe(0);

    const removed = await store(['recipients', 'remove', bob.recipient, '-i', alice.file]);
    expect(removed.code).toBe(0);
    expect(removed.stderr).toContain('re-encrypted under a new data key');
    await store(['set', 'LATER', fresh(), '-i', carol.file]);
    const locked = await store(['get', 'LATER', '-i', bob.file]);
    expect(locked.code).toBe(1);
    expect(locked.stderr).toContain('no recipient available here can open the keyless store');
    expect(locked.stderr).toContain(alice.recipient);
    expect(locked.stderr).toContain(carol.recipient);
    expect(locked.stderr).toContain('no age identity given here matches it');
  });

  it('migrate turns a key-file store into a keyless one', async () => {
    const alice = await person('alice');
    const secret = fresh();
    await store(['set', 'DB_PASSWORD', secret]);
    const migrated = await store(['migrate', '--recipient', alice.recipient]);
    expect(migrated.code).toBe(0);
    expect(migrated.stderr).toContain('is now a keyless store');
    expect(migrated.stderr).toContain('no longer opens it: delete it');
    const got = await store(['get', '--reveal', 'DB_PASSWORD', '-i', alice.file]);
    expect(got.stdout === `${secret}\n`).toBe(true);
    outputs.pop();
    const twice = await store(['migrate', '--recipient', alice.recipient]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('is a keyless store already');
  });

  it('run opens it with OIDC_SECRETS_AGE_IDENTITY and masks what the command prints', async () => {
    const alice = await person('alice');
    await store(['init', '-r', alice.recipient]);
    const secret = fresh();
    await store(['set', 'API_KEY', secret, '-i', alice.file]);
    await writeFile(join(dir, 'secrets.conf'), 'API_KEY: local:API_KEY\n');
    const script = `process.stdout.write((process.env.API_KEY === ${JSON.stringify(secret)} ? 'same ' : 'different ') + process.env.API_KEY + '\\n')`;
    const result = await runCli(
      ['run', '-c', 'secrets.conf', '--', process.execPath, '-e', script],
      {
        cwd: dir,
        env: { OIDC_SECRETS_AGE_IDENTITY: alice.file },
      },
    );
    outputs.push(result);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('same ***\n');
    expect(result.code).toBe(0);
  });

  it('refuses a tampered header', async () => {
    const alice = await person('alice');
    const mallory = await person('mallory');
    await store(['init', '-r', alice.recipient]);
    await store(['set', 'K', fresh(), '-i', alice.file]);
    // Mallory adds herself to the list with a copy of a key she made up.
    const path = join(dir, 'secrets.json.enc');
    const file = JSON.parse(await readFile(path, 'utf8')) as {
      recipients: Array<{ recipient: string; wrapped: string }>;
    };
    file.recipients.push({
      recipient: mallory.recipient,
      wrapped: randomBytes(200).toString('base64'),
    });
    await writeFile(path, JSON.stringify(file) + '\n', { mode: 0o600 });
    const refused = await store(['get', 'K', '-i', alice.file]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/failed authentication: .*header \(the recipients\)/);
  });

  it('names an unknown recipient scheme and the known ones; nothing is created', async () => {
    const result = await store([
      'init',
      '--recipient',
      'aws-kms:arn:aws:kms:eu-west-1:123456789012:key/x',
      '--recipient',
      'sops:whatever',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      '--recipient 2 has the unknown scheme sops:; expected one of aws-kms:, gcp-kms:, azure-kv:, vault-transit:, age:',
    );
    expect(existsSync(join(dir, 'secrets.json.enc'))).toBe(false);
  });

  it('a cloud recipient with no login configured says which setting it needs', async () => {
    const result = await store(['init', '--recipient', 'vault-transit:transit/keys/ci-store']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'recipient vault-transit:transit/keys/ci-store cannot be reached',
    );
    expect(result.stderr).toContain('--vault-url (OIDC_SECRETS_VAULT_URL)');
    expect(existsSync(join(dir, 'secrets.json.enc'))).toBe(false);
  });

  it('without an identity, lists the recipients and how to give one', async () => {
    const alice = await person('alice');
    await store(['init', '-r', alice.recipient]);
    const result = await store(['list']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(alice.recipient);
    expect(result.stderr).toContain('--identity FILE or OIDC_SECRETS_AGE_IDENTITY');
  });
});

describe('a cloud recipient from the command line (in a job that can mint an OIDC token)', () => {
  const ROLE = 'arn:aws:iam::123456789012:role/gha-secrets';
  let issuer: OidcIssuer;
  let aws: AwsEmulator;
  let keyArn = '';
  let otherArn = '';
  beforeAll(async () => {
    issuer = await startOidcIssuer();
    aws = await startAws({ issuer: issuer.issuer, region: 'eu-west-1' });
    aws.addRole(ROLE, { subjectPatterns: ['repo:octo-org/octo-repo:*'] });
    keyArn = aws.createKmsKey({ roles: [ROLE] });
    otherArn = aws.createKmsKey({ roles: [] });
  });
  afterAll(async () => {
    await aws.close();
    await issuer.close();
  });
  // The provider settings as `run` takes them, and the job's token endpoint.
  const jobEnv = () => ({
    ...issuer.env(),
    OIDC_SECRETS_AWS_ROLE_ARN: ROLE,
    OIDC_SECRETS_AWS_REGION: 'eu-west-1',
    OIDC_SECRETS_ENDPOINTS: `aws-sts: ${aws.url}\naws-kms: ${aws.url}`,
  });

  it('init wraps for aws-kms and an age key; either opens it', async () => {
    const alice = await person('alice');
    const init = await store(['init', '-r', `aws-kms:${keyArn}`, '-r', alice.recipient], jobEnv());
    expect(init.stderr).toContain('created the keyless store');
    expect(init.code).toBe(0);
    const secret = fresh();
    expect((await store(['set', 'API_KEY', secret], jobEnv())).code).toBe(0);
    const viaKms = await store(['get', '--reveal', 'API_KEY'], jobEnv());
    expect(viaKms.stdout === `${secret}\n`).toBe(true);
    outputs.pop();
    const viaAge = await store(['get', '--reveal', 'API_KEY', '-i', alice.file]);
    expect(viaAge.stdout === `${secret}\n`).toBe(true);
    outputs.pop();
    expect(aws.requests.some((r) => r.operation === 'kms:Encrypt')).toBe(true);
    expect(aws.requests.some((r) => r.operation === 'kms:Decrypt')).toBe(true);
    const credentials = aws.issuedSessions.flatMap((x) => [x.secretAccessKey, x.sessionToken]);
    expectNoLeak(outputs.map((o) => o.stderr + o.stdout).join('\n'), credentials);
  });

  it("a KMS key whose policy refuses the role: KMS's words, the recipient named", async () => {
    const result = await store(['init', '-r', `aws-kms:${otherArn}`], jobEnv());
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`recipient aws-kms:${otherArn}: AWS KMS refused kms:Encrypt`);
    expect(result.stderr).toContain('AccessDeniedException');
    expect(existsSync(join(dir, 'secrets.json.enc'))).toBe(false);
  });
});
