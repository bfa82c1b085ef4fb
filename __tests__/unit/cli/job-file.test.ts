// Job files of `run -c FILE` (SPEC §3.1): NAME: REFERENCE lines, .env-style NAME=REFERENCE
// lines, or seed 001's YAML job configuration with its environment: mapping — recognised
// from the content, each line numbered as in the file, no value ever echoed.
import { ActionError, ActionErrors } from '../../../src/core/errors.js';
import { planSecrets } from '../../../src/core/plan/plan.js';
import { jobFileFormat, parseJobFile } from '../../../src/cli/job-file.js';

async function problems(text: string): Promise<ActionError[]> {
  try {
    await parseJobFile(text);
  } catch (error) {
    if (error instanceof ActionErrors) return error.errors;
    if (error instanceof ActionError) return [error];
    throw error;
  }
  throw new Error('expected a refusal');
}

const lines = async (text: string) =>
  planSecrets((await parseJobFile(text)).secrets).lines.map((l) => [
    l.line,
    l.name + (l.flatten ? '*' : ''),
    l.ref.provider,
    l.ref.locator,
  ]);

describe('the format, from the content', () => {
  it.each([
    ['A: secret:A\n', 'lines'],
    ['# comment\n\nA: env:HOME\n', 'lines'],
    ['A=secret:A\n', 'dotenv'],
    ['# c\nexport A="env:HOME"\n', 'dotenv'],
    ['name: backup\nenvironment:\n  A: "secret:A"\n', 'yaml'],
    ['environment:   # the job environment\n  A: x\n', 'yaml'],
  ])('%j is %s', (text, format) => {
    expect(jobFileFormat(text)).toBe(format);
  });
});

describe("seed 001's YAML job configuration", () => {
  it('reads the "Mixed References" block as written, each on its own line', async () => {
    const text = `# config.yml
environment:
  # Secret from encrypted storage
  API_KEY: "secret:OPENAI_API_KEY"
  
  # System environment variable
  HOME_DIR: "env:HOME"
  
  # File content
  SSH_KEY: "file:/etc/secrets/ssh_key"
  
  # Plain text value
  LOG_LEVEL: "INFO"
`;
    expect(await lines(text)).toEqual([
      [4, 'API_KEY', 'local', 'OPENAI_API_KEY'],
      [7, 'HOME_DIR', 'env', 'HOME'],
      [10, 'SSH_KEY', 'file', '/etc/secrets/ssh_key'],
      [13, 'LOG_LEVEL', 'plain', 'INFO'],
    ]);
  });

  it('keeps scalars as written, ignores the scheduler’s other keys, takes unquoted references', async () => {
    const text = `name: api-monitor
schedule: "*/5 * * * *"
command: ./monitor.sh
environment:
  PORT: 8080
  RATIO: 1.50
  ENABLED: yes
  DB_*: vault:secret/data/ci/db
  PW: 'vault:secret/data/ci/db#password'
retries: 3
`;
    expect(await lines(text)).toEqual([
      [5, 'PORT', 'plain', '8080'],
      [6, 'RATIO', 'plain', '1.50'],
      [7, 'ENABLED', 'plain', 'yes'],
      [8, 'DB_*', 'vault', 'secret/data/ci/db'],
      [9, 'PW', 'vault', 'secret/data/ci/db'],
    ]);
  });

  it('names the line of what cannot be a reference, never its text', async () => {
    const secret = 'sk-' + 'a1'.repeat(12);
    const errors = await problems(`environment:
  OK: "secret:A"
  NESTED:
    inner: "${secret}"
  LIST: ["${secret}"]
  MULTI: |
    ${secret}
    two
  "A:B": x
`);
    expect(errors.map((e) => e.message)).toEqual([
      'line 3: NESTED: expected a reference or a value, not a list or mapping',
      'line 5: LIST: expected a reference or a value, not a list or mapping',
      'line 6: MULTI: a reference is one line; this value spans several',
      'line 9: expected an environment variable name as the key of this environment: entry',
    ]);
    for (const error of errors) expect(error.message).not.toContain(secret);
  });

  it('reports YAML that does not parse by line and kind only', async () => {
    const secret = 'tok-' + 'z9'.repeat(10);
    const errors = await problems(`environment:\n  A: "secret:A"\n  B: "${secret}\n`);
    // yaml places an unclosed quote at the end of the text it ran through.
    expect(errors[0]?.message).toMatch(/^line 4: not valid YAML \(missing char\)$/);
    for (const error of errors) expect(error.message).not.toContain(secret);
    expect((await problems('environment:\n  A: x\n  A: y\n'))[0]?.message).toMatch(
      /^line 3: not valid YAML \(duplicate key\)/,
    );
    expect((await problems('environment:\n  - "secret:A"\n'))[0]?.message).toBe(
      'line 2: environment: must be a mapping of NAME: "REFERENCE" entries',
    );
    // On one line, `environment: REF` is a NAME: REFERENCE line like any other.
    expect(jobFileFormat('environment: "secret:A"\n')).toBe('lines');
  });
});

describe('whatever the editor', () => {
  it('reads a file with a byte-order mark and CRLF line ends', async () => {
    expect(await lines('\uFEFFenvironment:\r\n  A: "secret:A"\r\n  B: INFO\r\n')).toEqual([
      [2, 'A', 'local', 'A'],
      [3, 'B', 'plain', 'INFO'],
    ]);
    expect(await lines('\uFEFFA=secret:A\r\nB="env:HOME"\r\n')).toEqual([
      [1, 'A', 'local', 'A'],
      [2, 'B', 'env', 'HOME'],
    ]);
  });
});

describe('.env-style lines', () => {
  it('reads NAME=REFERENCE lines, quotes and export, # after a blank a comment', async () => {
    const text = `# the job's secrets
TELEGRAM_BOT_TOKEN=secret:TELEGRAM_BOT_TOKEN
export CHAT="secret:TELEGRAM_CHAT_ID"
PW='vault:secret/data/ci/db#password'
KEY=vault:secret/data/ci/db#password   # the selector stays, the comment goes
APP_*=dotenv:.env
LOG_LEVEL=INFO
`;
    expect(await lines(text)).toEqual([
      [2, 'TELEGRAM_BOT_TOKEN', 'local', 'TELEGRAM_BOT_TOKEN'],
      [3, 'CHAT', 'local', 'TELEGRAM_CHAT_ID'],
      [4, 'PW', 'vault', 'secret/data/ci/db'],
      [5, 'KEY', 'vault', 'secret/data/ci/db'],
      [6, 'APP_*', 'dotenv', '.env'],
      [7, 'LOG_LEVEL', 'plain', 'INFO'],
    ]);
    expect(planSecrets((await parseJobFile(text)).secrets).lines[3]?.ref.selector).toEqual([
      'password',
    ]);
  });

  it('names each line that is not NAME=REFERENCE, never its text', async () => {
    const secret = 'hunter2-' + 'q'.repeat(16);
    const errors = await problems(`A=secret:A\n${secret}\nB: secret:B\n`);
    expect(errors.map((e) => [e.line, e.message])).toEqual([
      [2, expect.stringMatching(/^line 2: expected NAME=REFERENCE/)],
      [3, expect.stringMatching(/^line 3: expected NAME=REFERENCE/)],
    ]);
    for (const error of errors) expect(error.message).not.toContain(secret);
  });
});
