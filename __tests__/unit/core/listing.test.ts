// Many secrets in one line (SPEC §1.1b) on the real road against the Vault emulator: KV v2
// and KV v1 listings, names derived from the match, JSON flattened below it, one listing
// round then one read round, ?max, ?optional, and the malformed forms.
import { randomBytes } from 'node:crypto';
import { MaskGate } from '../../../src/core/mask.js';
import { ActionError, ActionErrors } from '../../../src/core/errors.js';
import { planSecrets } from '../../../src/core/plan/plan.js';
import { runActionPipeline, type InProcessRun } from '../../../test/support/pipeline.js';
import { auditLines } from '../../../src/core/audit.js';
import { summaryMarkdown } from '../../../src/github/summary.js';
import { expectNoLeak } from '../../../test/support/leaks.js';
import { startVaultFixture, type VaultFixture } from '../../../test/support/vault-fixture.js';
import type { Fault, ServedRequest } from '../../../test/emulators/http-server.js';

let fx: VaultFixture;
const secretValues: unknown[] = [];
const fake = () => `${randomBytes(10).toString('hex')}-fake`;

const db = { user: 'svc-app', password: fake(), hosts: [fake(), fake()] };
const api = { key: fake() };
const flat = { token: fake() };

beforeAll(async () => {
  fx = await startVaultFixture();
  fx.vault.addPolicy('ci-read', {
    'secret/data/ci/*': ['read'],
    'secret/metadata/ci/*': ['list'],
    'kv/*': ['read', 'list'],
    'sys/leases/revoke': ['update'],
  });
  fx.vault.addKvV2('secret', 'ci/app/db', db);
  fx.vault.addKvV2('secret', 'ci/app/api-key', api);
  fx.vault.addKvV2('secret', 'ci/app/sub/deeper', { skipped: fake() });
  fx.vault.addKvV1('kv', 'team/flat', flat);
  fx.vault.addKvV1('kv', 'team/api-one', { v: fake() });
  fx.vault.addKvV1('kv', 'team/api-two', { v: fake() });
  for (let i = 0; i < 30; i++) fx.vault.addKvV2('secret', `ci/many/s${i}`, { v: fake() });
  secretValues.push(db, api, flat);
});

afterAll(() => fx.close());

interface Run {
  printed: string[];
  masks: string[];
  env: Record<string, string>;
  messages: string[];
  result: InProcessRun;
}

async function run(secrets: string): Promise<Run> {
  const masks: string[] = [];
  const printed: string[] = [];
  const gate = new MaskGate({ add: (v: string) => masks.push(v) }, (m: string) => printed.push(m));
  const result = await runActionPipeline(secrets, fx.inputs(secrets), fx.issuer.env(), gate);
  const env = Object.fromEntries(result.secrets.map((s) => [s.name, s.value]));
  const out = {
    printed: [...printed, ...result.messages],
    masks,
    env,
    messages: result.messages,
    result,
  };
  expectNoLeak(out.printed.join('\n'), secretValues);
  return out;
}

const lists = (path: string) => (r: { method: string; path: string }) =>
  r.method === 'GET' && r.path === path;

describe('a * locator on Vault', () => {
  it('lists a KV v2 folder and exports each match, flattening JSON below its name', async () => {
    const before = fx.vault.requests.length;
    const result = await run('APP_*: vault:secret/data/ci/app/*');
    expect(result.messages).toEqual([]);
    expect(result.env).toEqual({
      APP_API_KEY_KEY: api.key,
      APP_DB_USER: db.user,
      APP_DB_PASSWORD: db.password,
      APP_DB_HOSTS_0: db.hosts[0],
      APP_DB_HOSTS_1: db.hosts[1],
    });
    // Every value and leaf passed the mask gate; the sub-folder was not read.
    for (const leaf of [db.password, ...db.hosts, api.key]) expect(result.masks).toContain(leaf);
    const requests = fx.vault.requests.slice(before).map((r) => r.path);
    expect(requests.filter((p) => p.includes('/metadata/'))).toEqual([
      '/v1/secret/metadata/ci/app',
    ]);
    expect(requests.filter((p) => p.includes('/data/')).sort()).toEqual([
      '/v1/secret/data/ci/app/api-key',
      '/v1/secret/data/ci/app/db',
    ]);

    // The audit log has the listing and each match; the summary a row per match.
    const audit = auditLines(
      result.result.records,
      { runId: undefined, runAttempt: undefined, repository: undefined, job: undefined },
      (t) => t,
    )
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { reference: string; lines: number[] });
    expect(audit.map((a) => a.reference).sort()).toEqual([
      'vault:secret/data/ci/app/*',
      'vault:secret/data/ci/app/api-key',
      'vault:secret/data/ci/app/db',
    ]);
    expect(audit.every((a) => a.lines.join() === '1')).toBe(true);
    const summary = summaryMarkdown({
      plan: result.result.plan!,
      records: result.result.records,
      secrets: result.result.secrets,
      masked: 0,
      exportModes: ['env'],
      failed: false,
    });
    expect(summary).toContain(
      '| APP_* → 5 variables | vault | `secret/data/ci/app/*` | — | ok, 2 matched |',
    );
    expect(summary).toContain('| ↳ | vault | `secret/data/ci/app/db` | — | ok |');
    expect(summary).toContain('| ↳ | vault | `secret/data/ci/app/api-key` | — | ok |');
    expectNoLeak(summary, secretValues);
  });

  it('lists a KV v1 folder with a name prefix: names are relative to the prefix', async () => {
    const result = await run('T_*: vault:kv/team/api-*');
    expect(result.messages).toEqual([]);
    expect(Object.keys(result.env).sort()).toEqual(['T_ONE_V', 'T_TWO_V']);
  });

  it('takes one listing round, then reads every match in one round', async () => {
    // A barrier: each read waits until all 30 reads are in flight. Reads issued in more
    // than one round never all arrive, and the first one fails the step after 5 s.
    const waiting: Array<() => void> = [];
    let reads = 0;
    let listed = false;
    let readBeforeList = false;
    fx.vault.setFault(async (request: ServedRequest): Promise<Fault> => {
      if (request.url.searchParams.get('list') === 'true') {
        listed = true;
        return undefined;
      }
      if (!request.url.pathname.startsWith('/v1/secret/data/ci/many/')) return undefined;
      if (!listed) readBeforeList = true;
      reads++;
      if (reads === 30) waiting.splice(0).forEach((release) => release());
      else {
        let timer: NodeJS.Timeout | undefined;
        const released = await Promise.race([
          new Promise<boolean>((resolve) => waiting.push(() => resolve(true))),
          new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 5000))),
        ]);
        clearTimeout(timer);
        if (!released) return { status: 500, body: { errors: ['not one round of reads'] } };
      }
      return undefined;
    });
    const before = fx.vault.requests.length;
    try {
      const result = await run('M_*: vault:secret/data/ci/many/*');
      expect(result.messages).toEqual([]);
      expect(Object.keys(result.env)).toHaveLength(30);
    } finally {
      fx.vault.setFault(undefined);
    }
    expect(readBeforeList).toBe(false);
    const requests = fx.vault.requests.slice(before);
    expect(requests.filter(lists('/v1/secret/metadata/ci/many'))).toHaveLength(1);
    expect(requests.filter((r) => r.path.startsWith('/v1/secret/data/'))).toHaveLength(30);
  });

  it('refuses more matches than ?max, naming how many matched and the limit', async () => {
    const result = await run('M_*: vault:secret/data/ci/many/*?max=10');
    expect(result.env).toEqual({});
    expect(result.messages).toEqual([
      expect.stringMatching(
        /^secrets line 1: vault:secret\/data\/ci\/many\/\*: 30 secrets match, more than \?max=10 allows/,
      ),
    ]);
  });

  it('refuses zero matches unless ?optional', async () => {
    const none = await run('N_*: vault:secret/data/ci/nothing-here/*');
    expect(none.env).toEqual({});
    expect(none.messages).toEqual([
      expect.stringMatching(/^secrets line 1: .*no secret matches \(add \?optional/),
    ]);
    const optional = await run(
      'N_*: vault:secret/data/ci/nothing-here/*?optional\nX_*: vault:kv/team/flat',
    );
    expect(optional.messages).toEqual([]);
    expect(optional.env).toEqual({ X_TOKEN: flat.token });
    // Absent, as any ?optional line whose secret is not there: the action's notice and
    // summary row come from this.
    expect(optional.result.absent.map((a) => [a.line.line, a.reason])).toEqual([
      [1, 'vault:secret/data/ci/nothing-here/*: no secret matches'],
    ]);
  });

  it('fails a collision between a match and another line, exporting nothing', async () => {
    const result = await run(
      'APP_*: vault:secret/data/ci/app/*\nAPP_DB_USER: vault:kv/team/flat#token',
    );
    expect(result.env).toEqual({});
    expect(result.messages.join('\n')).toMatch(/APP_DB_USER/);
    expect(result.messages.join('\n')).toMatch(/secrets line 2/);
  });

  it('refuses a denied listing with the policy hint, naming the line', async () => {
    const result = await run('OTHER_*: vault:secret/data/other/*');
    expect(result.env).toEqual({});
    expect(result.messages).toEqual([
      expect.stringMatching(/^secrets line 1: vault:secret\/data\/other\/\*: permission denied/),
    ]);
  });
});

describe('malformed * lines', () => {
  const problems = (input: string): string[] => {
    try {
      planSecrets(input);
    } catch (error) {
      if (error instanceof ActionErrors) return error.errors.map((e) => e.message);
      if (error instanceof ActionError) return [error.message];
      throw error;
    }
    return [];
  };

  it.each([
    ['APP: vault:secret/data/app/*', /secrets line 1 \(APP\): a listing .* needs a NAME_\* name/],
    ['APP_*: vault:secret/data/app/*#key', /secrets line 1 \(APP_\*\): .*cannot take a #selector/],
    ['APP_*: vault:secret/*/app/*', /secrets line 1 \(APP_\*\): vault locator: only one \*/],
    ['APP_*: vault:secret/data/app/*?max=0', /secrets line 1 \(APP_\*\): .*option max must be/],
    ['APP_*: vault:secret/data/app/*?optional=maybe', /option optional is a flag/],
    [
      'APP_*: aws:arn:aws:secretsmanager:*',
      /aws locator: a listing needs a Secrets Manager name prefix/,
    ],
    ['APP_*: local:KEY*', /local locator: local references cannot list/],
    ['APP_*: gcp:projects/p/secrets/*?filter=', /option filter must be/],
    ['APP_*: vault:secret/data/app/*?version=2', /unknown option 'version'/],
  ])('%s', (line, expected) => {
    const found = problems(line);
    expect(found).toEqual([expect.stringMatching(expected)]);
  });

  it('accepts the documented forms', () => {
    const plan = planSecrets(
      [
        'A_*: vault:secret/data/app/*',
        'B_*: aws:prod/app/api-*?max=500',
        'C_*: gcp:projects/p/secrets/*?filter=labels.team=ci',
        'D_*: gcp:projects/p/locations/europe-west1/secrets/api-*',
        'E_*: azure:My-Vault/*?optional',
        'F_*: ssm:/app/prod/*',
      ].join('\n'),
    );
    expect(plan.locations.map((l) => [l.key, l.list])).toEqual([
      ['vault:secret/data/app/*', true],
      ['aws:prod/app/api-*?max=500', true],
      ['gcp:projects/p/secrets/*?filter=labels.team=ci', true],
      ['gcp:projects/p/locations/europe-west1/secrets/api-*', true],
      ['azure:my-vault/*', true],
      ['ssm:/app/prod/*', true],
    ]);
  });
});
