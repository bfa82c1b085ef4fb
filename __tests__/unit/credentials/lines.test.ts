// The `credentials` input's lines (src/github/credentials/lines.ts): each form, and every
// malformed line named by its number, all at once.
import { ActionErrors } from '../../../src/core/errors.js';
import { closestTarget, parseCredentials } from '../../../src/github/credentials/lines.js';

const messages = (text: string): string[] => {
  try {
    parseCredentials(text);
  } catch (error) {
    if (error instanceof ActionErrors) return error.errors.map((e) => e.message);
    throw error;
  }
  return [];
};

describe('parseCredentials', () => {
  it('reads every form, skipping blank lines and comments', () => {
    const lines = parseCredentials(
      [
        '# what later steps get',
        'aws: env',
        '',
        'aws: profile',
        'aws: profile prod role=arn:aws:iam::210987654321:role/deploy region=us-east-1',
        'gcp: adc',
        'azure: env',
        'vault: env',
      ].join('\n'),
    );
    expect(lines).toEqual([
      { line: 2, target: 'aws', mode: 'env' },
      {
        line: 4,
        target: 'aws',
        mode: 'profile',
        profile: 'default',
        role: undefined,
        region: undefined,
      },
      {
        line: 5,
        target: 'aws',
        mode: 'profile',
        profile: 'prod',
        role: 'arn:aws:iam::210987654321:role/deploy',
        region: 'us-east-1',
      },
      { line: 6, target: 'gcp', mode: 'adc' },
      { line: 7, target: 'azure', mode: 'env' },
      { line: 8, target: 'vault', mode: 'env' },
    ]);
  });

  it('names each bad line, with the closest target for a misspelt one', () => {
    expect(
      messages(
        [
          'gpc: adc',
          'aws: envv',
          'aws',
          'gcp: adc extra',
          'aws: profile a b',
          'aws: profile x region=europe',
          'aws: profile y colour=blue',
          'kubernetes: env',
        ].join('\n'),
      ),
    ).toEqual([
      'credentials line 1: unknown target "gpc" (did you mean gcp?); the targets are aws, gcp, azure, vault',
      'credentials line 2: aws takes aws: env or aws: profile',
      expect.stringMatching(/^credentials line 3: expected TARGET: FORM/),
      'credentials line 4: gcp: adc takes nothing after it',
      'credentials line 5: aws: profile takes one NAME, then role=ARN and region=R',
      'credentials line 6: region= takes a region such as eu-west-1',
      'credentials line 7: aws: profile takes NAME, role=ARN and region=R, each once (not colour=)',
      'credentials line 8: unknown target "kubernetes"; the targets are aws, gcp, azure, vault',
    ]);
  });

  it('refuses the same line or profile twice', () => {
    expect(messages('vault: env\naws: profile\nvault: env\naws: profile default')).toEqual([
      'credentials line 3: vault: env is already given by line 1',
      'credentials line 4: profile default is already given by line 2',
    ]);
  });

  it('an empty input is no lines', () => {
    expect(parseCredentials('')).toEqual([]);
    expect(parseCredentials('\n# nothing\n')).toEqual([]);
  });

  it('suggests only a target within two edits', () => {
    expect(closestTarget('gpc')).toBe('gcp');
    expect(closestTarget('AWS')).toBe('aws');
    expect(closestTarget('azrue')).toBe('azure');
    expect(closestTarget('valut')).toBe('vault');
    expect(closestTarget('kubernetes')).toBeUndefined();
  });
});
