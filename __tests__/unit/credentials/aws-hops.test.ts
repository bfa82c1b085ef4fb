// The AWS hop settings (src/core/settings-aws-hops.ts) and the session tags taken from the
// token STS verified (src/providers/aws-sts.ts): every malformed setting names itself and
// the entry; a tag whose claim is missing or holds what a tag may not is refused.
import { SignJWT } from 'jose';
import { ActionError } from '../../../src/core/errors.js';
import { parseAwsHops } from '../../../src/core/settings-aws-hops.js';
import type { SettingKey } from '../../../src/core/settings.js';
import { roleSessionName } from '../../../src/providers/aws.js';
import { sessionTagsFrom } from '../../../src/providers/aws-sts.js';

const hops = (given: Partial<Record<SettingKey, string>>) =>
  parseAwsHops((key) => given[key] ?? '');
const refusal = (given: Partial<Record<SettingKey, string>>): string => {
  try {
    hops(given);
  } catch (error) {
    return (error as ActionError).message;
  }
  return '';
};

describe('aws hop settings', () => {
  it('parses lists, compacts the policy, keeps the session name', () => {
    expect(
      hops({
        'aws.roleChain':
          'arn:aws:iam::123456789012:role/a,\n arn:aws-cn:iam::123456789012:role/path/b',
        'aws.sessionPolicy': '{ "Version": "2012-10-17",\n "Statement": [] }',
        'aws.sessionPolicyArns': 'arn:aws:iam::aws:policy/ReadOnlyAccess',
        'aws.sessionTags': 'repository, ref',
        'aws.roleSessionName': 'deploy@main',
      }),
    ).toEqual({
      roleChain: ['arn:aws:iam::123456789012:role/a', 'arn:aws-cn:iam::123456789012:role/path/b'],
      sessionPolicy: '{"Version":"2012-10-17","Statement":[]}',
      sessionPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
      sessionTags: ['repository', 'ref'],
      roleSessionName: 'deploy@main',
    });
  });

  it('names the setting and the entry of each malformed value', () => {
    expect(
      refusal({
        'aws.roleChain': 'arn:aws:iam::123456789012:role/a, arn:aws:iam::123456789012:user/b',
      }),
    ).toBe(
      '{{label:aws.roleChain}} (entry 2 of 2): expected comma-separated role ARNs such as arn:aws:iam::123456789012:role/NAME',
    );
    expect(refusal({ 'aws.sessionPolicyArns': 'ReadOnlyAccess' })).toMatch(
      /^\{\{label:aws.sessionPolicyArns\}\} \(entry 1 of 1\)/,
    );
    expect(refusal({ 'aws.sessionPolicy': '{not json' })).toMatch(
      /^\{\{label:aws.sessionPolicy\}\}: expected an IAM policy document/,
    );
    expect(refusal({ 'aws.sessionPolicy': '[]' })).toMatch(/^\{\{label:aws.sessionPolicy\}\}/);
    expect(refusal({ 'aws.sessionTags': 'repository,Repository' })).toMatch(/tag keys ignore case/);
    expect(refusal({ 'aws.sessionTags': 'repo-name' })).toMatch(
      /^\{\{label:aws.sessionTags\}\} \(entry 1 of 1\)/,
    );
    expect(refusal({ 'aws.roleSessionName': 'has space' })).toMatch(
      /^\{\{label:aws.roleSessionName\}\}/,
    );
  });

  it('aws-role-session-name replaces gha-<run id>-<attempt>', () => {
    expect(
      roleSessionName({ runId: '7', runAttempt: '2', hops: { roleSessionName: 'mine' } }),
    ).toBe('mine');
    expect(roleSessionName({ runId: '7', runAttempt: '2', hops: { roleSessionName: '' } })).toBe(
      'gha-7-2',
    );
  });
});

describe('session tags from the verified token', () => {
  const token = async (claims: Record<string, unknown>) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new Uint8Array(32));

  it('takes each named claim', async () => {
    const jwt = await token({ repository: 'octo-org/octo-repo', ref: 'refs/heads/main' });
    expect(sessionTagsFrom(jwt, ['repository', 'ref'])).toEqual([
      ['repository', 'octo-org/octo-repo'],
      ['ref', 'refs/heads/main'],
    ]);
  });

  it('refuses a missing claim and a value a tag may not hold, naming the setting', async () => {
    const jwt = await token({ repository: 'octo-org/octo-repo', ref: 'refs/heads/feature#1' });
    expect(() => sessionTagsFrom(jwt, ['environment'])).toThrow(
      /\{\{aws.sessionTags\}\}: the job's OIDC token has no claim environment/,
    );
    expect(() => sessionTagsFrom(jwt, ['ref'])).toThrow(
      /value of claim ref holds characters a session tag may not/,
    );
  });
});
