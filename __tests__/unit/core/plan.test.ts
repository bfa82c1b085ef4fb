import { ActionError, ActionErrors } from '../../../src/core/errors.js';
import { planSecrets } from '../../../src/core/plan/plan.js';

function planError(input: string): ActionError[] {
  try {
    planSecrets(input);
  } catch (error) {
    if (error instanceof ActionErrors) return error.errors;
    if (error instanceof ActionError) return [error];
    throw error;
  }
  throw new Error('expected the plan to fail');
}

describe('planSecrets', () => {
  it('parses every provider form of SPEC §1.1 and dedupes locations', () => {
    const plan = planSecrets(`
      # comment
      DB_PASSWORD: vault:secret/data/ci/db#password
      DB_*:        vault:secret/data/ci/db
      PG_*:        vault:database/creds/readonly
      OLD:         vault:secret/data/ci/db?version=2#password
      API_KEY:     aws:prod/myapp/api#key
      PREV:        aws:arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/x-AbCdEf?stage=AWSPREVIOUS
      TLS_KEY:     azure:My-Vault/tls-key
      SA_JSON:     gcp:projects/my-proj/secrets/deployer/versions/latest
      SA_SAME:     gcp:projects/my-proj/secrets/deployer
      BOT_TOKEN:   local:TELEGRAM_BOT_TOKEN
      FROM_ENV:    env:SOME_VAR
      FROM_FILE:   file:./secret.txt
    `);
    expect(plan.lines).toHaveLength(12);
    expect(plan.providers).toEqual(['vault', 'aws', 'azure', 'gcp', 'local', 'env', 'file']);
    // #password and the whole object share one read; ?version=2 is its own location;
    // gcp …/versions/latest and the bare secret are the same location.
    expect(plan.locations.map((l) => l.key)).toEqual([
      'vault:secret/data/ci/db',
      'vault:database/creds/readonly',
      'vault:secret/data/ci/db?version=2',
      'aws:prod/myapp/api',
      'aws:arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/x-AbCdEf?stage=AWSPREVIOUS',
      'azure:my-vault/tls-key',
      'gcp:projects/my-proj/secrets/deployer/versions/latest',
      'local:TELEGRAM_BOT_TOKEN',
      'env:SOME_VAR',
      'file:./secret.txt',
    ]);
    expect(plan.locations[0]?.lines).toEqual([3, 4]);
    const flat = plan.lines.find((l) => l.name === 'DB_');
    expect(flat).toMatchObject({ flatten: true, line: 4 });
    expect(plan.lines[0]?.ref.selector).toEqual(['password']);
  });

  it('reports every bad line at once, each naming its line', () => {
    const errors = planError(
      ['A: vault:x', '1BAD: vault:y', 'GITHUB_TOKEN: env:X', 'B: nope:x', 'A: vault:z'].join('\n'),
    );
    expect(errors.map((e) => [e.line, e.code])).toEqual([
      [2, 'NAME_INVALID'],
      [3, 'NAME_RESERVED'],
      [4, 'REFERENCE_INVALID'],
      [5, 'NAME_COLLISION'],
    ]);
    for (const error of errors)
      expect(error.message).toMatch(new RegExp(`^secrets line ${error.line}\\b`));
  });

  it.each([
    ['no colon', 'JUST_A_NAME', 'SECRETS_SYNTAX'],
    ['empty name', ': vault:x', 'NAME_INVALID'],
    ['empty reference', 'A:', 'SECRETS_SYNTAX'],
    ['digit first', '9A: vault:x', 'NAME_INVALID'],
    ['dash in name', 'MY-NAME: vault:x', 'NAME_INVALID'],
    ['bare star', '*: vault:x', 'NAME_INVALID'],
    ['reserved prefix', 'RUNNER_*: vault:x', 'NAME_RESERVED'],
    ['reserved exact', 'NODE_OPTIONS: vault:x', 'NAME_RESERVED'],
    ['reserved path lower-case', 'path: vault:x', 'NAME_RESERVED'],
    ['unknown provider', 'A: vaultt:x', 'REFERENCE_INVALID'],
    ['an unknown WORD: prefix', 'A: hashicorp:secret/data/x', 'REFERENCE_INVALID'],
    ['missing locator', 'A: vault:', 'REFERENCE_INVALID'],
    ['dot-dot path', 'A: vault:secret/../sys/x', 'REFERENCE_INVALID'],
    ['unknown option', 'A: vault:secret/data/x?versoin=2', 'REFERENCE_INVALID'],
    ['bad version', 'A: vault:secret/data/x?version=zero', 'REFERENCE_INVALID'],
    ['empty selector segment', 'A: vault:secret/data/x#a..b', 'REFERENCE_INVALID'],
    ['bad gcp', 'A: gcp:projects/p/secret/s', 'REFERENCE_INVALID'],
    ['bad azure version', 'A: azure:vault/name/notaversion', 'REFERENCE_INVALID'],
    ['aws option on gcp', 'A: gcp:projects/p/secrets/s?stage=AWSCURRENT', 'REFERENCE_INVALID'],
    ['bad env name', 'A: env:1X', 'REFERENCE_INVALID'],
    ['only comments', '# nothing\n\n', 'SECRETS_SYNTAX'],
  ])('refuses %s', (_what, input, code) => {
    const errors = planError(input);
    expect(errors[0]?.code).toBe(code);
  });

  it('never echoes text that failed validation', () => {
    const pasted = 'sk_live_' + 'q'.repeat(24);
    // (`A: ${pasted}` alone is a literal since SPEC §1.1a: a bare value is exported as
    // written; see literal-references.test.ts.)
    for (const input of [
      pasted,
      `A: ${pasted}:x`,
      `${pasted}-x: vault:x`,
      `A: vault:x#${pasted}!`,
      `A: vault:a b ${pasted}`,
    ]) {
      const errors = planError(input);
      for (const error of errors) expect(error.message.includes(pasted)).toBe(false);
    }
  });
});
