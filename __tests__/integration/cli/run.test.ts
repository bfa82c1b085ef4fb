import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStore } from '../../../src/store/store.js';
import { bundlesSettled, CLI, expectOutput, runCli, sha } from './cli-process.js';

let dir: string;
const token = `tok_${randomBytes(16).toString('hex')}`;
const pem = `-----BEGIN PRIVATE KEY-----\n${randomBytes(45).toString('base64')}\n${randomBytes(30).toString('base64')}\n-----END PRIVATE KEY-----\n`;
const db = {
  user: `user_${randomBytes(4).toString('hex')}`,
  password: `pw_${randomBytes(12).toString('hex')}`,
  port: 54329,
};

/** `run` with FILE = lines, CMD = node -e SCRIPT. */
function runNode(script: string, lines: string, env: NodeJS.ProcessEnv = {}) {
  return writeFile(join(dir, 'secrets.conf'), lines).then(() =>
    runCli(['run', '-c', 'secrets.conf', '--', process.execPath, '-e', script], { cwd: dir, env }),
  );
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-run-'));
  await new LocalStore({
    storePath: join(dir, 'secrets.json.enc'),
    keyPath: join(dir, 'secrets.key'),
  }).set([
    ['BOT_TOKEN', token],
    ['TLS_KEY', pem],
    ['DB', JSON.stringify(db)],
  ]);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('oidc-secrets run', () => {
  it('keeps its compiled code between runs, and recompiles a damaged cache', async () => {
    const cache = join(dir, 'cache');
    const env = { XDG_CACHE_HOME: cache, OIDC_SECRETS_DEBUG: '1' };
    const once = async () => {
      const result = await runNode(
        `console.log(process.env.BOT.length)`,
        'BOT: local:BOT_TOKEN\n',
        env,
      );
      expect([result.code, result.stdout]).toEqual([0, `${token.length}\n`]);
      return /compile cache for run: (\w+)/.exec(result.stderr)?.[1];
    };
    await bundlesSettled();
    // Help alone leaves no cache: it would hold little of what `run` itself compiles.
    const help = await runCli(['run', '--help'], { cwd: dir, env });
    expect([help.code, /compile cache for run: (\w+)/.exec(help.stderr)?.[1]]).toEqual([0, 'miss']);
    expect(
      existsSync(join(cache, 'oidc-secrets')) && readdirSync(join(cache, 'oidc-secrets')),
    ).toEqual([]);

    expect(await once()).toBe('miss');
    const entries = readdirSync(join(cache, 'oidc-secrets'));
    // Named after the file as written and node: run.cjs-<node>-<arch>-<dev>-<ino>-<size>-<ctime>-<mtime>.
    expect(entries).toEqual([expect.stringMatching(/^run\.cjs-v[\d.]+-\w+(?:-\d+){5}$/)]);
    expect(await once()).toBe('hit');

    const entry = join(cache, 'oidc-secrets', entries[0]!);
    writeFileSync(entry, Buffer.alloc(statSync(entry).size, 0x5a));
    expect(await once()).toBe('rejected');
    expect(await once()).toBe('hit'); // rewritten by the run that rejected it
  });

  it('passes the secrets in the environment', async () => {
    const script = `const h=(v)=>require('crypto').createHash('sha256').update(v??'').digest('hex').slice(0,16);
      console.log(h(process.env.BOT), h(process.env.DB_USER), h(process.env.TLS), h(process.env.FROM_ENV))`;
    const fromEnv = `env_${randomBytes(12).toString('hex')}`;
    const result = await runNode(
      script,
      'BOT: local:BOT_TOKEN\nDB_*: local:DB\nTLS: local:TLS_KEY\nFROM_ENV: env:SOURCE\n',
      {
        SOURCE: fromEnv,
      },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${sha(token)} ${sha(db.user)} ${sha(pem)} ${sha(fromEnv)}\n`);
  });

  it('takes the store key as text from OIDC_SECRETS_STORE_KEY, and does not pass it on', async () => {
    const { readFile, rm: remove } = await import('node:fs/promises');
    const keyText = (await readFile(join(dir, 'secrets.key'), 'utf8')).trim();
    await remove(join(dir, 'secrets.key'));
    const script = `console.log(process.env.OIDC_SECRETS_STORE_KEY === undefined ? 'no key' : 'key passed', process.env.BOT)`;
    const result = await runNode(script, 'BOT: local:BOT_TOKEN\n', {
      OIDC_SECRETS_STORE_KEY: keyText,
    });
    expect(result.code).toBe(0);
    expectOutput(result.stdout, 'no key ***\n');
  });

  it('masks a value split across output chunks, on stdout and stderr', async () => {
    // Half the token, a pause long enough for the pipe to deliver it alone, then the rest.
    const script = `const v=process.env.BOT, h=v.length>>1;
      process.stdout.write('before '+v.slice(0,h));
      process.stderr.write('err '+v.slice(0,5));
      setTimeout(()=>{process.stdout.write(v.slice(h)+' after\\n'); process.stderr.write(v.slice(5)+'!\\n');},150);`;
    const result = await runNode(script, 'BOT: local:BOT_TOKEN\n');
    expect(result.code).toBe(0);
    expectOutput(result.stdout, 'before *** after\n');
    expectOutput(result.stderr, 'err ***!\n');
  });

  it('masks a value written one byte at a time', async () => {
    const script = `const v=Buffer.from('['+process.env.BOT+']\\n'); let i=0;
      const next=()=>{ if(i<v.length){ process.stdout.write(v.subarray(i,i+1)); i++; setTimeout(next,2);} }; next();`;
    const result = await runNode(script, 'BOT: local:BOT_TOKEN\n');
    expectOutput(result.stdout, '[***]\n');
  });

  it('masks every line of a multi-line value, and its encodings', async () => {
    const script = `const v=process.env.TLS; process.stdout.write(v);
      console.log('json='+JSON.stringify(v)); console.log('b64='+Buffer.from(v).toString('base64'));`;
    const result = await runNode(script, 'TLS: local:TLS_KEY\n');
    expect(result.code).toBe(0);
    expectOutput(result.stdout, '***\n***\n***\n***\njson="***"\nb64=***\n');
  });

  it('masks JSON leaves, whole, inside other text, and base64-encoded', async () => {
    const script = `console.log('user='+process.env.DB_USER+'; pass='+process.env.DB_PASSWORD);
      console.log(JSON.stringify({u:process.env.DB_USER}));
      console.log(Buffer.from(process.env.BOT).toString('base64'));`;
    const result = await runNode(script, 'DB_*: local:DB\nBOT: local:BOT_TOKEN\n');
    expectOutput(result.stdout, 'user=***; pass=***\n{"u":"***"}\n***\n');
  });

  it('exits with the command exit code, or 128+signal', async () => {
    expect((await runNode('process.exit(3)', 'BOT: local:BOT_TOKEN\n')).code).toBe(3);
    expect(
      (await runNode('process.kill(process.pid, "SIGTERM")', 'BOT: local:BOT_TOKEN\n')).code,
    ).toBe(143);
    const missing = await runCli(['run', '-c', 'secrets.conf', '--', 'no-such-command-xyz'], {
      cwd: dir,
    });
    expect(missing.code).toBe(127);
    expect(missing.stderr).toBe('oidc-secrets run: command not found: no-such-command-xyz\n');
  });

  it('passes SIGTERM on to the command and exits with its code', async () => {
    await writeFile(join(dir, 'secrets.conf'), 'BOT: local:BOT_TOKEN\n');
    const script = `process.on('SIGTERM',()=>{console.log('got SIGTERM'); process.exit(42)}); console.log('ready'); setInterval(()=>{},1000);`;
    const child = spawn(
      process.execPath,
      [CLI, 'run', '-c', 'secrets.conf', '--', process.execPath, '-e', script],
      {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    await new Promise<void>((ready) =>
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('ready')) ready();
      }),
    );
    child.kill('SIGTERM');
    expect(await exited).toBe(42);
    expect(out).toBe('ready\ngot SIGTERM\n');
  });

  it('does not run the command when a line cannot be resolved, and names the line', async () => {
    const marker = join(dir, 'ran');
    const result = await runNode(
      `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x')`,
      '# comment\nBOT: local:BOT_TOKEN\nX: local:MISSING\nY: env:NOT_SET_ANYWHERE\n',
    );
    expect(result.code).toBe(1);
    expect(existsSync(marker)).toBe(false);
    const file = join(dir, 'secrets.conf');
    expect(result.stderr).toBe(
      `oidc-secrets: error: ${file}: secrets line 3: local:MISSING: no secret of that name in the store ${join(dir, 'secrets.json.enc')} (add it with \`oidc-secrets store set MISSING\`)\n` +
        `oidc-secrets: error: ${file}: secrets line 4: env:NOT_SET_ANYWHERE: the variable is not set in the environment (in a workflow, pass it with env: on the step)\n`,
    );
  });

  it('refuses a bad line before reading anything', async () => {
    const result = await runNode('', 'PATH: local:BOT_TOKEN\n');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^oidc-secrets: error: .*secrets.conf: secrets line 1 \(PATH\): /,
    );
  });

  it('reads ./.oidc-secrets by default and says so when it is missing', async () => {
    const missing = await runCli(['run', '--', 'true'], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `oidc-secrets: error: no secrets file ${join(dir, '.oidc-secrets')}: write one NAME: REFERENCE line per secret in it, or pass -c FILE\n`,
    );
    await writeFile(join(dir, '.oidc-secrets'), 'BOT: local:BOT_TOKEN\n');
    const ok = await runCli(['run', process.execPath, '-e', 'console.log(process.env.BOT)'], {
      cwd: dir,
    });
    expect(ok.code).toBe(0);
    expectOutput(ok.stdout, '***\n');
  });

  it('has --help, and wants a command', async () => {
    const help = await runCli(['run', '--help'], { cwd: dir });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: oidc-secrets run \[-c FILE\]/);
    const none = await runCli(['run', '-c', 'x'], { cwd: dir });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('expected -- CMD [ARGS…] to run');
  });
});
