// `npm run demo`: the whole lifecycle of one job, locally, in a few seconds.
// A GitHub OIDC issuer and a Vault server are emulated in this process (real HTTP, real JWT
// verification); dist/main.js and dist/post.js run as child processes the way the Actions
// runner runs them; the log is shown as GitHub would show it, masks applied.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startOidcIssuer } from '../test/emulators/oidc-issuer.js';
import { startVault } from '../test/emulators/vault.js';
import { runJob } from '../test/support/runner.js';

// dist/demo.mjs → the repository root holds dist/ and action.yml.
const actionRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const started = performance.now();
const bold = (text: string) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);
const section = (title: string) =>
  console.log(`\n${bold(`━━ ${title} ${'━'.repeat(Math.max(0, 74 - title.length))}`)}`);

const issuer = await startOidcIssuer();
const vault = await startVault({ issuer });
try {
  // The Vault side a security team sets up once: a JWT role bound to this repository.
  vault.addPolicy('ci-readonly', {
    'secret/data/ci/*': ['read'],
    'kv/legacy': ['read'],
    'database/creds/readonly': ['read'],
    'sys/leases/revoke': ['update'],
  });
  vault.addJwtRole('ci-readonly', {
    bound_audiences: ['https://github.com/octo-org'],
    bound_claims: { repository: 'octo-org/octo-repo' },
    user_claim: 'repository',
    token_policies: ['ci-readonly'],
    token_ttl: 600,
  });
  const randomText = (bytes: number) => randomBytes(bytes).toString('base64url');
  vault.addKvV2('secret', 'ci/db', {
    user: 'app_user',
    password: randomText(18),
    hosts: ['db-1.internal', 'db-2.internal'],
    tls: { mode: 'verify-full', port: 5432 },
  });
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  vault.addKvV2('secret', 'ci/tls', {
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  });
  vault.addKvV1('kv', 'legacy', { api_key: `demo_${randomText(24)}` });
  vault.addDatabaseRole('database', 'readonly', { ttlSeconds: 3600 });

  const inputs = {
    'vault-url': vault.url,
    'vault-role': 'ci-readonly',
    'vault-audience': 'https://github.com/octo-org',
    export: 'env,files',
    secrets: [
      'PGPASSWORD:  vault:secret/data/ci/db#password',
      'DB_*:        vault:secret/data/ci/db',
      'TLS_KEY:     vault:secret/data/ci/tls#key',
      'API_KEY:     vault:kv/legacy#api_key',
      'PG_*:        vault:database/creds/readonly',
      '',
    ].join('\n'),
  };

  console.log(
    bold(
      'oidc-secrets demo: one job, three steps, against an emulated GitHub OIDC issuer and Vault',
    ),
  );
  console.log(`issuer ${issuer.url}   vault ${vault.url}`);

  const job = await runJob({
    inputs,
    issuer,
    actionRoot,
    // A careless step: prints every exported variable and file. GitHub masks what it prints.
    userStep: (exported) => `import { readFileSync } from 'node:fs';
for (const name of ${JSON.stringify(Object.keys(exported).filter((n) => !n.endsWith('_FILE')))}) console.log(name + '=' + process.env[name]);
console.log('--- contents of $TLS_KEY_FILE:');
console.log(readFileSync(process.env.TLS_KEY_FILE, 'utf8'));
console.log('--- JSON of the whole DB secret, pretty-printed:');
console.log(JSON.stringify({ user: process.env.DB_USER, password: process.env.PGPASSWORD, hosts: [process.env.DB_HOSTS_0, process.env.DB_HOSTS_1] }, null, 2));
`,
  });

  section('Step 1: oidc-secrets (main) — as the job log shows it');
  console.log(job.main.log.trimEnd());
  section('Step 2: a step that prints its secrets — as the job log shows it');
  console.log(job.user?.log.trimEnd() ?? '(skipped: main failed)');
  section('Step 3: post oidc-secrets — revoke and clean up');
  console.log(job.post?.log.trimEnd() ?? '(no post step)');

  section('What Vault saw');
  const leases = vault.leases();
  console.log(
    `OIDC tokens minted: ${issuer.tokenRequests.length}; Vault requests: ${vault.requests.length}`,
  );
  console.log(
    `dynamic leases issued: ${leases.length}; revoked: ${vault.revokedLeases.length}; still live: ${vault.liveLeases().length}`,
  );
  console.log(`Vault tokens still live: ${vault.liveTokens()}`);
  console.log(`masks registered by the job: ${job.masks.length}`);
  const ok =
    job.main.exitCode === 0 &&
    job.post?.exitCode === 0 &&
    vault.liveLeases().length === 0 &&
    vault.liveTokens() === 0;
  console.log(
    `\n${ok ? 'Lifecycle complete' : 'Lifecycle FAILED'} in ${((performance.now() - started) / 1000).toFixed(1)} s.`,
  );
  process.exitCode = ok ? 0 : 1;
} finally {
  await vault.close();
  await issuer.close();
}
