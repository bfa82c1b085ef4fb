// The whole road on Vault, through the built dist/ entries as the runner runs them:
// KV v2, KV v1, flattening, a multi-line PEM, dynamic leases revoked by post, every export
// mode. Every test checks that no value, line of a value or JSON leaf reaches the job log.
import { statSync, existsSync, readFileSync } from 'node:fs';
import { expectNoLeak } from '../../../test/support/leaks.js';
import { runJob, runStep } from '../../../test/support/runner.js';
import { startVaultFixture, type VaultFixture } from './fixture.js';

let f: VaultFixture;
beforeAll(async () => {
  f = await startVaultFixture();
});
afterAll(async () => {
  await f.close();
});

const allValues = () => [f.values.db, f.values.kv1, f.values.pem, ...f.values.versions];

describe('Vault, end to end', () => {
  it('reads a KV v2 field, masks it, exports it, and nothing leaks when a later step prints it', async () => {
    const job = await runJob({
      inputs: f.inputs('DB_PASSWORD: vault:secret/data/ci/db#password'),
      issuer: f.issuer,
    });
    expect(job.main.exitCode).toBe(0);
    expect(job.main.env.DB_PASSWORD === f.values.db.password).toBe(true);
    expect(job.masks).toContain(f.values.db.password);
    expect(job.user?.log).toContain('DB_PASSWORD=***');
    expectNoLeak(job.log, allValues());
  });

  it('flattens a whole object with nested objects and arrays', async () => {
    const job = await runJob({
      inputs: f.inputs('DB_*: vault:secret/data/ci/db'),
      issuer: f.issuer,
    });
    expect(job.main.exitCode).toBe(0);
    const { db } = f.values;
    expect(job.main.env).toEqual({
      DB_USER: db.user,
      DB_PASSWORD: db.password,
      DB_HOSTS_0: db.hosts[0],
      DB_HOSTS_1: db.hosts[1],
      DB_TLS_CA: db.tls.ca,
      DB_TLS_PORT: '15432',
      DB_TLS_VERIFY: 'true',
    });
    expectNoLeak(job.log, allValues());
  });

  it('reads KV v1, a selected sub-object as JSON, and one request per distinct path', async () => {
    const before = f.vault.requests.length;
    const job = await runJob({
      inputs: f.inputs(
        [
          'API_KEY: vault:kv/legacy#api_key',
          'TOKEN: vault:kv/legacy#token',
          'LEGACY_*: vault:kv/legacy',
          'TLS: vault:secret/data/ci/db#tls',
        ].join('\n'),
      ),
      issuer: f.issuer,
    });
    expect(job.main.exitCode).toBe(0);
    expect(job.main.env.API_KEY === f.values.kv1.api_key).toBe(true);
    expect(job.main.env.LEGACY_TOKEN === f.values.kv1.token).toBe(true);
    expect(JSON.parse(job.main.env.TLS ?? '')).toEqual(f.values.db.tls);
    const reads = f.vault.requests
      .slice(before)
      .filter((r) => r.method === 'GET' && /\/v1\/(kv|secret)\//.test(r.path));
    expect(reads.map((r) => r.path).sort()).toEqual(['/v1/kv/legacy', '/v1/secret/data/ci/db']);
    expectNoLeak(job.log, allValues());
  });

  it('reads a KV v2 version with ?version=N', async () => {
    const job = await runJob({
      inputs: f.inputs(
        'V1: vault:secret/data/ci/rotating?version=1#value\nNOW: vault:secret/data/ci/rotating#value',
      ),
      issuer: f.issuer,
    });
    expect(job.main.exitCode).toBe(0);
    expect(job.main.env.V1 === f.values.versions[0]).toBe(true);
    expect(job.main.env.NOW === f.values.versions[2]).toBe(true);
    expectNoLeak(job.log, allValues());
  });

  it('exports a multi-line PEM intact, masked line by line (never a brace or dash line alone)', async () => {
    const job = await runJob({
      inputs: f.inputs('TLS_KEY: vault:secret/data/ci/tls#key'),
      issuer: f.issuer,
    });
    expect(job.main.exitCode).toBe(0);
    expect(job.main.env.TLS_KEY === f.values.pem).toBe(true);
    const addMasks = job.main.commands.filter((c) => c.command === 'add-mask').map((c) => c.data);
    expect(addMasks.some((m) => m.includes('\n'))).toBe(false);
    expect(addMasks).not.toContain(f.values.pem);
    expectNoLeak(job.log, [f.values.pem]);
    // The printing step shows *** where the key's lines were.
    expect(job.user?.log).toMatch(/TLS_KEY=\*\*\*/);
  });

  it('leases dynamic credentials and post revokes the lease, then the token', async () => {
    const job = await runJob({
      inputs: f.inputs('PG_*: vault:database/creds/readonly'),
      issuer: f.issuer,
    });
    expect(job.main.exitCode).toBe(0);
    const { PG_USERNAME, PG_PASSWORD } = job.main.env;
    expect(PG_USERNAME && PG_PASSWORD).toBeTruthy();
    const lease = f.vault.leases().find((l) => l.username === PG_USERNAME);
    expect(lease?.revoked).toBe(true);
    expect(f.vault.liveLeases()).toEqual([]);
    expect(f.vault.liveTokens()).toBe(0);
    expect(job.post?.exitCode).toBe(0);
    expect(job.post?.log).toContain(`revoked: vault lease ${lease?.leaseId}`);
    expect(job.post?.log).toMatch(/revoked: vault token accessor/);
    expect(job.main.summary).toMatch(
      /\| PG_\* → 2 variables \| vault \| `database\/creds\/readonly` \| 15 min \| ok \|/,
    );
    expectNoLeak(job.log + job.main.summary, [PG_PASSWORD, ...allValues()]);
  });

  it('post revokes what a main that died half way had created', async () => {
    // The second read hangs and the runner kills main: the lease and the token were saved
    // to state as they were created, so post can revoke them with no help from main.
    f.vault.setFault((request) => (request.apiPath === 'secret/data/ci/db' ? 'hang' : undefined));
    try {
      const main = await runStep({
        entry: 'main',
        inputs: f.inputs('PG_*: vault:database/creds/readonly\nDB_*: vault:secret/data/ci/db', {
          concurrency: '1',
        }),
        issuer: f.issuer,
        timeoutMs: 3000,
      });
      expect(main.timedOut).toBe(true);
      expect(main.env).toEqual({});
      expect(Object.keys(main.state).filter((k) => k.startsWith('ledger_'))).toHaveLength(2);
      expect(f.vault.liveLeases()).toHaveLength(1);
      const post = await runStep({
        entry: 'post',
        inputs: f.inputs('PG_*: vault:database/creds/readonly'),
        state: main.state,
        issuer: f.issuer,
      });
      expect(post.exitCode).toBe(0);
      expect(f.vault.liveLeases()).toEqual([]);
      expect(f.vault.liveTokens()).toBe(0);
      expectNoLeak(main.log + post.log, allValues());
    } finally {
      f.vault.setFault(undefined);
    }
  });

  it('when main fails after leasing, it revokes at once and post reports it', async () => {
    const job = await runJob({
      inputs: f.inputs('PG_*: vault:database/creds/readonly\nMISSING: vault:secret/data/ci/nope'),
      issuer: f.issuer,
    });
    expect(job.main.exitCode).toBe(1);
    expect(job.main.env).toEqual({});
    expect(job.main.annotations.find((a) => a.level === 'error')?.message).toMatch(
      /^secrets line 2: vault:secret\/data\/ci\/nope: not found/,
    );
    expect(job.user).toBeUndefined();
    expect(f.vault.liveLeases()).toEqual([]);
    expect(f.vault.liveTokens()).toBe(0);
    expect(job.post?.log).toMatch(/main already revoked 2 entries/);
    expectNoLeak(job.log, allValues());
  });
});

describe('export modes', () => {
  const secrets =
    'DB_PASSWORD: vault:secret/data/ci/db#password\nTLS_KEY: vault:secret/data/ci/tls#key';

  it('outputs: step outputs only, no env', async () => {
    const job = await runJob({
      inputs: f.inputs(secrets, { export: 'outputs' }),
      issuer: f.issuer,
    });
    expect(job.main.exitCode).toBe(0);
    expect(job.main.env).toEqual({});
    expect(job.main.outputs.DB_PASSWORD === f.values.db.password).toBe(true);
    expect(job.main.outputs.TLS_KEY === f.values.pem).toBe(true);
    expectNoLeak(job.log, allValues());
  });

  it('files: 0600 files in a 0700 directory, NAME_FILE exported, directory removed by post', async () => {
    const job = await runJob({
      inputs: f.inputs(secrets, { export: 'files' }),
      issuer: f.issuer,
      keepTemp: true,
    });
    expect(job.main.exitCode).toBe(0);
    const path = job.main.env.DB_PASSWORD_FILE ?? '';
    expect(Object.keys(job.main.env).sort()).toEqual(['DB_PASSWORD_FILE', 'TLS_KEY_FILE']);
    expect(path.startsWith(job.runnerTemp)).toBe(true);
    // The user step read the files while they existed: it printed their (masked) contents.
    expect(job.user?.log).toMatch(/DB_PASSWORD_FILE=\S+/);
    expect(existsSync(path)).toBe(false); // post removed the directory
    expectNoLeak(job.log, allValues());
  });

  it('files: permissions while the job runs', async () => {
    const main = await runStep({
      entry: 'main',
      inputs: f.inputs(secrets, { export: 'files' }),
      issuer: f.issuer,
      keepTemp: true,
    });
    expect(main.exitCode).toBe(0);
    const file = main.env.TLS_KEY_FILE ?? '';
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(file.replace(/\/[^/]+$/, '')).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, 'utf8') === f.values.pem).toBe(true);
    // Post runs in the same job: the same RUNNER_TEMP, where main made the directory.
    const post = await runStep({
      entry: 'post',
      inputs: f.inputs(secrets, { export: 'files' }),
      state: main.state,
      issuer: f.issuer,
      runnerTemp: main.runnerTemp,
      workspace: main.workspace,
    });
    expect(post.exitCode).toBe(0);
    expect(existsSync(file)).toBe(false);
  });

  it('none: masks only, exports nothing', async () => {
    const job = await runJob({ inputs: f.inputs(secrets, { export: 'none' }), issuer: f.issuer });
    expect(job.main.exitCode).toBe(0);
    expect(job.main.env).toEqual({});
    expect(job.main.outputs).toEqual({});
    expect(job.masks).toContain(f.values.db.password);
  });

  it('env,outputs,files together', async () => {
    const job = await runJob({
      inputs: f.inputs(secrets, { export: 'env,outputs,files' }),
      issuer: f.issuer,
    });
    expect(job.main.exitCode).toBe(0);
    expect(Object.keys(job.main.env).sort()).toEqual([
      'DB_PASSWORD',
      'DB_PASSWORD_FILE',
      'TLS_KEY',
      'TLS_KEY_FILE',
    ]);
    expect(Object.keys(job.main.outputs).sort()).toEqual(['DB_PASSWORD', 'TLS_KEY']);
    expectNoLeak(job.log, allValues());
  });

  it('registers every mask before the first value is written to a file command', async () => {
    const main = await runStep({
      entry: 'main',
      inputs: f.inputs('DB_*: vault:secret/data/ci/db', { export: 'env,outputs' }),
      issuer: f.issuer,
    });
    expect(main.exitCode).toBe(0);
    // Masks are on stdout; file commands are files: the masks must all be out before the
    // step ends, and every exported value must be among them (or made only of masked leaves).
    const masks = new Set(main.masks);
    for (const [name, value] of Object.entries(main.env)) {
      if (name === 'DB_TLS_VERIFY') continue; // true/false are not secrets
      expect(masks.has(value)).toBe(true);
    }
  });
});
