import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOidcIssuer, type OidcIssuer } from '../../../test/emulators/oidc-issuer.js';
import {
  SecretMasker,
  actionDefaults,
  inputVariable,
  parseFileCommand,
  parseWorkflowCommand,
  runJob,
  runStep,
} from '../../../test/support/runner.js';
import { expectNoLeak, findLeaks } from '../../../test/support/leaks.js';

let scripts: string;
const script = (name: string, source: string) => {
  const path = join(scripts, name);
  writeFileSync(path, source);
  return path;
};
// A fixture secret made at test time; never printed by an assertion.
const fixtureSecret = () => `fx-${randomBytes(12).toString('base64url')}`;

beforeAll(() => {
  scripts = mkdtempSync(join(tmpdir(), 'runner-test-'));
});
afterAll(() => {
  rmSync(scripts, { recursive: true, force: true });
});

describe('SecretMasker (actions/runner semantics)', () => {
  it('masks the value and the variants the runner derives from it', () => {
    const masker = new SecretMasker();
    const secret = 'p@ss w0rd"&<x>\'';
    masker.addMask(secret);
    const encoded = [
      secret,
      Buffer.from(secret).toString('base64'),
      Buffer.from(secret).subarray(1).toString('base64'),
      Buffer.from(secret).subarray(2).toString('base64'),
      JSON.stringify(secret).slice(1, -1),
      'p%40ss%20w0rd%22%26%3Cx%3E%27',
      'p@ss w0rd&quot;&amp;&lt;x&gt;&apos;',
    ];
    for (const text of encoded)
      expect(masker.mask(`before ${text} after`)).toBe('before *** after');
  });

  it('registers each trimmed line of a multi-line value, and merges overlapping matches', () => {
    const masker = new SecretMasker();
    masker.addMask('first-line-value\n  second-line-value  \n');
    expect(masker.mask('x second-line-value y')).toBe('x *** y');
    masker.addMask('abcdef');
    masker.addMask('defghi');
    expect(masker.mask('abcdefghi!')).toBe('***!');
    expect(masker.addMask('  \n ')).toBe(false);
  });
});

describe('parsers', () => {
  it('parses workflow commands with the runner unescaping, v2 and legacy', () => {
    expect(
      parseWorkflowCommand('  ::error file=a%3Ab.ts,line=3,title=x%2Cy::bad%0Athing %25'),
    ).toEqual({
      command: 'error',
      properties: { file: 'a:b.ts', line: '3', title: 'x,y' },
      data: 'bad\nthing %',
    });
    expect(parseWorkflowCommand('##[add-mask]legacy%3Bvalue')).toEqual({
      command: 'add-mask',
      properties: {},
      data: 'legacy;value',
    });
    expect(parseWorkflowCommand('::not-a-command::x')).toBeUndefined();
    expect(parseWorkflowCommand('plain :: line')).toBeUndefined();
  });

  it('parses file commands: name=value, heredocs with LF and CRLF, and errors', () => {
    const text = 'A=1\nB<<EOF\nline 1\nline=2\nEOF\nC<<X\r\nwin\r\nX\r\nEMPTY<<D\nD\nD=e=f\n';
    expect(parseFileCommand(text)).toEqual({
      entries: [
        ['A', '1'],
        ['B', 'line 1\nline=2'],
        ['C', 'win'],
        ['EMPTY', ''],
        ['D', 'e=f'],
      ],
      errors: [],
    });
    expect(parseFileCommand('X<<EOF\nunterminated\n').errors).toEqual([
      "Invalid value. Matching delimiter not found 'EOF'",
    ]);
    expect(parseFileCommand('garbage\n').errors).toEqual(["Invalid format 'garbage'"]);
  });

  it('reads action.yml input defaults, evaluating simple context expressions', () => {
    const yml = script(
      'action.yml',
      `inputs:\n  export:\n    default: env\n  token:\n    default: \${{ github.token }}\n  retries:\n    default: 3\n  secrets:\n    required: true\n`,
    );
    expect(actionDefaults(yml, { 'github.token': 'ghs_x' })).toEqual({
      export: 'env',
      token: 'ghs_x',
      retries: '3',
    });
  });

  it('names inputs as the runner does', () => {
    expect(inputVariable('vault-url')).toBe('INPUT_VAULT-URL');
    expect(inputVariable('my input')).toBe('INPUT_MY_INPUT');
  });
});

describe('runStep', () => {
  let issuer: OidcIssuer;
  beforeAll(async () => {
    issuer = await startOidcIssuer();
  });
  afterAll(async () => {
    await issuer.close();
  });

  it('gives the step the runner environment and nothing else of the test process', async () => {
    process.env.RUNNER_TEST_LEAKY_VARIABLE = 'must-not-pass';
    try {
      const result = await runStep({
        script: script('env.mjs', 'console.log(JSON.stringify(process.env));'),
        inputs: { 'vault-url': 'https://vault.example.com', 'my input': 'x' },
        state: { leases: '["a"]' },
        issuer,
      });
      expect(result.exitCode).toBe(0);
      const env = JSON.parse(result.stdout) as Record<string, string>;
      expect(env['INPUT_VAULT-URL']).toBe('https://vault.example.com');
      expect(env.INPUT_MY_INPUT).toBe('x');
      expect(env.STATE_leases).toBe('["a"]');
      expect(env.ACTIONS_ID_TOKEN_REQUEST_URL).toBe(issuer.requestUrl);
      expect(env.ACTIONS_ID_TOKEN_REQUEST_TOKEN).toBe(issuer.requestToken);
      expect(env).toMatchObject({
        GITHUB_ACTIONS: 'true',
        CI: 'true',
        GITHUB_REPOSITORY: 'octo-org/octo-repo',
        GITHUB_EVENT_NAME: 'push',
        RUNNER_OS: 'Linux',
        GITHUB_SERVER_URL: 'https://github.com',
      });
      for (const name of [
        'GITHUB_ENV',
        'GITHUB_OUTPUT',
        'GITHUB_STATE',
        'GITHUB_PATH',
        'GITHUB_STEP_SUMMARY',
        'GITHUB_EVENT_PATH',
        'RUNNER_TEMP',
        'GITHUB_WORKSPACE',
        'GITHUB_RUN_ID',
        'GITHUB_RUN_ATTEMPT',
      ]) {
        expect(env[name]).toBeTruthy();
      }
      const foreign = Object.keys(env).filter(
        (name) =>
          !/^(GITHUB_|RUNNER_|INPUT_|STATE_|ACTIONS_)/.test(name) &&
          !['PATH', 'HOME', 'CI'].includes(name),
      );
      expect(foreign).toEqual([]);
    } finally {
      delete process.env.RUNNER_TEST_LEAKY_VARIABLE;
    }
  });

  it('collects env, outputs, state, path and summary from the file commands', async () => {
    const result = await runStep({
      script: script(
        'files.mjs',
        `import { appendFileSync } from 'node:fs';
appendFileSync(process.env.GITHUB_ENV, 'PLAIN=1\\nMULTI<<ghadelimiter_1\\nline one\\nline two\\nghadelimiter_1\\n');
appendFileSync(process.env.GITHUB_OUTPUT, 'out<<EOF\\r\\nvalue\\r\\nEOF\\r\\n');
appendFileSync(process.env.GITHUB_STATE, 'leases=["x"]\\n');
appendFileSync(process.env.GITHUB_PATH, '/opt/tool/bin\\n');
appendFileSync(process.env.GITHUB_STEP_SUMMARY, '| a | b |\\n');
appendFileSync(process.env.GITHUB_ENV, 'NODE_OPTIONS=--require evil.js\\n');
`,
      ),
    });
    expect(result.env).toEqual({ PLAIN: '1', MULTI: 'line one\nline two' });
    expect(result.outputs).toEqual({ out: 'value' });
    expect(result.state).toEqual({ leases: '["x"]' });
    expect(result.path).toEqual(['/opt/tool/bin']);
    expect(result.summary).toBe('| a | b |\n');
    expect(result.fileCommandErrors).toEqual([
      "GITHUB_ENV: Can't store NODE_OPTIONS output parameter using '$GITHUB_ENV' command.",
    ]);
  });

  it('masks only what is printed after the add-mask command, in every runner encoding', async () => {
    const secret = fixtureSecret();
    const result = await runStep({
      script: script(
        'mask.mjs',
        `const s = process.env.S;
console.log('early ' + s);
console.log('::add-mask::' + s);
console.log('late ' + s);
console.log('b64 ' + Buffer.from('user:' + s).toString('base64'));
console.log('::warning title=t::warned about ' + s);
`,
      ),
      env: { S: secret },
    });
    const lines = result.log.split('\n');
    expect(lines.includes(`early ${secret}`)).toBe(true);
    expect(lines).toContain('late ***');
    expect(lines).toContain('##[warning]warned about ***');
    expect(result.masks.length === 1 && result.masks[0] === secret).toBe(true);
    expect(result.annotations.map((a) => [a.level, a.properties])).toEqual([
      ['warning', { title: 't' }],
    ]);
    expect(result.annotations[0]?.message === `warned about ${secret}`).toBe(true);
    // base64('user:' + s) contains base64 of s shifted by one of the three offsets.
    expect(lines.find((l) => l.startsWith('b64 '))).toContain('***');
    expect(findLeaks(lines.slice(lines.indexOf('late ***')).join('\n'), [secret])).toEqual([]);
  });

  it('models stderr lines of a batch as handled before stdout lines', async () => {
    const secret = fixtureSecret();
    const result = await runStep({
      script: script(
        'stderr.mjs',
        `const s = process.env.S;
process.stdout.write('::add-mask::' + s + '\\n');
process.stderr.write('same batch ' + s + '\\n');
setTimeout(() => process.stderr.write('later batch ' + s + '\\n'), 600);
`,
      ),
      env: { S: secret },
      batchWindowMs: 150,
    });
    expect(result.log.includes(`same batch ${secret}`)).toBe(true);
    expect(result.log).toContain('later batch ***');
  });

  it('honours stop-commands and processes commands from stderr too', async () => {
    const result = await runStep({
      script: script(
        'stop.mjs',
        `console.log('::stop-commands::tok123');
console.log('::add-mask::not-registered');
console.log('::tok123::');
console.error('::add-mask::from-stderr');
console.log('not-registered from-stderr');
`,
      ),
    });
    expect(result.masks).toEqual(['from-stderr']);
    expect(result.log).toContain('::add-mask::not-registered');
    expect(result.log).toContain('not-registered ***');
  });

  it('prints the given inputs and env in the header, masking workflow secrets', async () => {
    const secret = fixtureSecret();
    const result = await runStep({
      script: script('noop.mjs', ''),
      inputs: { 'store-key': secret, 'vault-url': 'https://vault.example.com' },
      env: { STAGE: 'ci' },
      secrets: [secret],
    });
    expect(result.log.split('\n')).toEqual([
      '##[group]Run octo-org/oidc-secrets@v1',
      'with:',
      '  store-key: ***',
      '  vault-url: https://vault.example.com',
      'env:',
      '  STAGE: ci',
      '##[endgroup]',
    ]);
  });

  it('runs dist/<entry>.js from a copy with no node_modules above it, with action.yml defaults', async () => {
    const root = join(scripts, 'fake-action');
    mkdirSync(join(root, 'dist'), { recursive: true });
    mkdirSync(join(root, 'node_modules', 'only-in-repo'), { recursive: true });
    writeFileSync(join(root, 'node_modules', 'only-in-repo', 'index.js'), 'module.exports = 1;');
    writeFileSync(join(root, 'package.json'), '{"type":"module"}');
    writeFileSync(join(root, 'action.yml'), 'inputs:\n  export:\n    default: env\n');
    writeFileSync(
      join(root, 'dist', 'main.js'),
      `const found = await import('only-in-repo').then(() => 'resolved', () => 'missing');
console.log(found + ' export=' + process.env.INPUT_EXPORT + ' cwd-is-workspace=' + (process.cwd() === process.env.GITHUB_WORKSPACE));`,
    );
    const isolated = await runStep({ entry: 'main', actionRoot: root });
    expect(isolated.stdout.trim()).toBe('missing export=env cwd-is-workspace=true');
    const inPlace = await runStep({ entry: 'main', actionRoot: root, isolate: false });
    expect(inPlace.stdout.trim()).toBe('resolved export=env cwd-is-workspace=true');
    await expect(runStep({ entry: 'post', actionRoot: root })).rejects.toThrow(
      /dist\/post\.js does not exist/,
    );
  });

  it('kills a step that outlives its timeout', async () => {
    const result = await runStep({
      script: script('hang.mjs', 'setInterval(() => {}, 1000);'),
      timeoutMs: 300,
    });
    expect(result.timedOut).toBe(true);
    expect(result.signal).toBe('SIGKILL');
    expect(result.durationMs).toBeLessThan(5000);
  });
});

describe('runJob', () => {
  it('runs main → user step → post with shared masks, env, state and the env: header', async () => {
    const secret = fixtureSecret();
    const json = JSON.stringify({ user: 'svc-user', password: fixtureSecret() });
    const main = script(
      'job-main.mjs',
      `import { appendFileSync } from 'node:fs';
const s = process.env.INPUT_VALUE;
const j = process.env.INPUT_JSON;
console.log('::add-mask::' + s);
for (const leaf of Object.values(JSON.parse(j))) console.log('::add-mask::' + leaf);
appendFileSync(process.env.GITHUB_ENV, 'TOKEN<<d1\\n' + s + '\\nd1\\nCREDS<<d2\\n' + j + '\\nd2\\n');
appendFileSync(process.env.GITHUB_STATE, 'lease=abc\\n');
`,
    );
    const post = script(
      'job-post.mjs',
      `console.log('post sees lease=' + process.env.STATE_lease + ' token=' + process.env.TOKEN);`,
    );
    const job = await runJob({ inputs: { value: secret, json }, scripts: { main, post } });

    expect(job.main.exitCode).toBe(0);
    expect(job.user?.stdout.includes(`TOKEN=${secret}`)).toBe(true);
    expect(job.user?.log).toContain('TOKEN=***');
    expect(job.user?.log).toContain('  TOKEN: ***');
    expect(job.post?.log).toContain('post sees lease=abc token=***');
    expect(job.env.TOKEN === secret).toBe(true);
    expect(job.masks.includes(secret)).toBe(true);
    // The inputs are printed in the main step's `with:` header before any mask exists, so
    // only the logs after main are clean here (a real workflow passes secrets, which the
    // runner masks from the start: see the next test).
    expect(findLeaks(job.main.log, [secret]).length).toBeGreaterThan(0);
    expectNoLeak([job.user?.log, job.post?.log].join('\n'), [secret, JSON.parse(json)]);
  });

  it('masks workflow secrets from the first line and skips the user step after a failure', async () => {
    const secret = fixtureSecret();
    const main = script('job-fail.mjs', 'console.log("::error::no"); process.exitCode = 1;');
    const post = script('job-post2.mjs', 'console.log("post ran");');
    const job = await runJob({
      inputs: { 'store-key': secret },
      secrets: [secret],
      scripts: { main, post },
    });
    expect(job.main.exitCode).toBe(1);
    expect(job.user).toBeUndefined();
    expect(job.post?.log).toContain('post ran');
    expect(job.main.log).toContain('  store-key: ***');
    expectNoLeak(job.log, [secret]);
  });
});
