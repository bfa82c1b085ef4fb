// `sweep: true` and `audit-log` through the built action. A user step writes fetched values
// (plain, base64, a leaf of a dynamic credential) into workspace files; post reports exactly
// those paths and never a value. The audit file gets one JSON line per read — reference,
// lines, provider, duration, lease id and TTL, outcome — and never a value or a token.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectNoLeak } from '../../../test/support/leaks.js';
import { runJob } from '../../../test/support/runner.js';
import {
  errorsOf,
  expectNothingLive,
  fake,
  startVaultFixture,
  warningsOf,
  type VaultFixture,
} from '../../../test/support/vault-fixture.js';

let fx: VaultFixture;
const dir = mkdtempSync(join(tmpdir(), 'oidc-secrets-audit-'));
const app = { token: fake('app-token'), region: 'eu-west-1' };
const denied = fake('denied');

beforeAll(async () => {
  fx = await startVaultFixture();
  fx.vault.addKvV2('secret', 'ci/app', app);
  fx.vault.addKvV2('secret', 'other-team/app', { value: denied });
});

afterAll(async () => {
  await fx.close();
  rmSync(dir, { recursive: true, force: true });
});

const SECRETS = 'APP_TOKEN: vault:secret/data/ci/app#token\nPG_*: vault:database/creds/readonly';

describe('sweep: true', () => {
  it('post reports exactly the workspace files holding a fetched value (or its base64), by path only', async () => {
    const job = await runJob({
      inputs: fx.inputs(SECRETS, { sweep: 'true' }),
      issuer: fx.issuer,
      userStep: `import { mkdirSync, writeFileSync } from 'node:fs';
const { APP_TOKEN, PG_PASSWORD } = process.env;
mkdirSync('out', { recursive: true });
mkdirSync('deep/nested', { recursive: true });
mkdirSync('.git', { recursive: true });
writeFileSync('out/config.env', 'REGION=eu-west-1\\nTOKEN=' + APP_TOKEN + '\\n');
writeFileSync('deep/nested/auth.b64', 'auth: ' + Buffer.from(APP_TOKEN).toString('base64') + '\\n');
writeFileSync('pg.json', JSON.stringify({ host: 'db', password: PG_PASSWORD }));
writeFileSync('clean.txt', 'nothing to see: ' + 'x'.repeat(1000));
writeFileSync('half.txt', APP_TOKEN.slice(0, APP_TOKEN.length - 3));
writeFileSync('.git/COMMIT_EDITMSG', APP_TOKEN);
console.log('wrote the files');
`,
    });
    expect(errorsOf(job.main)).toEqual([]);
    expect(job.user?.exitCode).toBe(0);
    const post = job.post!;
    expect(post.exitCode).toBe(0);
    const expected = ['deep/nested/auth.b64', 'out/config.env', 'pg.json'];
    expect(post.log).toMatch(
      new RegExp(
        `oidc-secrets sweep: 3 files in the workspace hold a fetched value: ${expected.join(', ').replace(/\./g, '\\.')} \\(`,
      ),
    );
    const found = post.annotations.filter((a) => a.properties.title === 'oidc-secrets sweep');
    expect(found.map((a) => a.properties.file).sort()).toEqual(expected);
    for (const annotation of found)
      expect(annotation.message).toBe('a secret fetched by oidc-secrets was written to this file');
    // Paths only: the raw output of post (before the runner's masking) holds no value.
    const pgPassword = job.env.PG_PASSWORD!;
    expectNoLeak(post.stdout + post.stderr, [app.token, pgPassword]);
    expectNoLeak(job.log, [app.token, pgPassword]);
    expectNothingLive(fx.vault);
  });

  it('without sweep, main leaves no fingerprints and post does not sweep', async () => {
    const job = await runJob({
      inputs: fx.inputs(SECRETS),
      issuer: fx.issuer,
      userStep: `import { writeFileSync } from 'node:fs'; writeFileSync('leak.txt', process.env.APP_TOKEN);`,
    });
    expect(job.main.exitCode).toBe(0);
    expect(Object.keys(job.main.state).filter((k) => k.startsWith('sweep'))).toEqual([]);
    expect(job.post?.log).not.toContain('oidc-secrets sweep');
  });
});

describe('audit-log', () => {
  interface AuditLine {
    reference: string;
    lines: number[];
    provider: string;
    duration_ms: number;
    lease_id?: string;
    lease_ttl_seconds?: number;
    outcome: 'ok' | 'failed';
    error?: string;
    repository: string;
    run_id: string;
  }
  const read = (path: string) =>
    readFileSync(path, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as AuditLine);

  it('one JSON line per read: reference, lines, lease id and TTL, outcome — never a value', async () => {
    const path = join(dir, 'audit-ok.jsonl');
    const job = await runJob({
      inputs: fx.inputs(`${SECRETS}\nREGION: vault:secret/data/ci/app#region`, {
        'audit-log': path,
      }),
      issuer: fx.issuer,
    });
    expect(job.main.exitCode).toBe(0);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const records = read(path).sort((a, b) => a.reference.localeCompare(b.reference));
    // Three lines, two distinct reads: secret/data/ci/app is read once for lines 1 and 3.
    expect(records).toHaveLength(2);
    const [db, kv] = records as [AuditLine, AuditLine];
    expect(db).toMatchObject({
      reference: 'vault:database/creds/readonly',
      lines: [2],
      provider: 'vault',
      outcome: 'ok',
      lease_ttl_seconds: 900,
      repository: 'octo-org/octo-repo',
      run_id: '9876543210',
    });
    expect(db.lease_id).toMatch(/^database\/creds\/readonly\/\w+$/);
    expect(fx.vault.revokedLeases).toContain(db.lease_id);
    expect(kv).toMatchObject({
      reference: 'vault:secret/data/ci/app',
      lines: [1, 3],
      outcome: 'ok',
    });
    expect(kv.lease_id).toBeUndefined();
    for (const record of records) expect(record.duration_ms).toBeGreaterThanOrEqual(0);
    const text = readFileSync(path, 'utf8');
    expectNoLeak(text, [app.token, job.env.PG_PASSWORD, job.env.PG_USERNAME]);
    expect(text).not.toMatch(/hvs\.|eyJ[A-Za-z0-9_-]{10,}\./);
  });

  it('a failed read is recorded with its error; the file is appended to, run after run', async () => {
    const path = join(dir, 'audit-failed.jsonl');
    for (let run = 0; run < 2; run++) {
      const job = await runJob({
        inputs: fx.inputs(
          'APP_TOKEN: vault:secret/data/ci/app#token\nOTHER: vault:secret/data/other-team/app#value',
          { 'audit-log': path },
        ),
        issuer: fx.issuer,
      });
      expect(job.main.exitCode).toBe(1);
      expect(warningsOf(job.main)).toEqual([]);
    }
    const records = read(path);
    expect(records).toHaveLength(4);
    const failed = records.filter((r) => r.outcome === 'failed');
    expect(failed).toHaveLength(2);
    for (const record of failed) {
      expect(record.reference).toBe('vault:secret/data/other-team/app');
      expect(record.lines).toEqual([2]);
      expect(record.error).toMatch(/permission denied \(HTTP 403\)/);
    }
    expectNoLeak(readFileSync(path, 'utf8'), [app.token, denied]);
    expectNothingLive(fx.vault);
  });
});
