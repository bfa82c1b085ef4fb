// The AWS hop settings (SPEC §1.7): `aws-role-chain`, `aws-session-policy`,
// `aws-session-policy-arns`, `aws-session-tags`, `aws-role-session-name`. Parsed and
// checked with the other settings, before any request: a chain entry that is not a role
// ARN names its position in the list.
import { SettingError, type SettingKey } from './settings.js';

/** A role ARN in any partition: `arn:aws:iam::123456789012:role/path/NAME`. */
export const ROLE_ARN = /^arn:aws(?:-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
/** A managed policy ARN: the account's own or AWS's (`arn:aws:iam::aws:policy/…`). */
const POLICY_ARN = /^arn:aws(?:-[a-z]+)*:iam::(?:\d{12}|aws):policy\/[\w+=,.@/-]{1,512}$/;
/** A claim name usable as a session tag key (IAM: at most 128 characters). */
const TAG_CLAIM = /^[A-Za-z_]\w{0,127}$/;
/** STS: RoleSessionName is 2–64 characters of [\w+=,.@-]. */
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
/** STS: at most 10 managed session policies, 50 session tags. */
const MAX_POLICY_ARNS = 10;
const MAX_TAGS = 50;

export interface AwsHopSettings {
  roleChain: string[];
  sessionPolicy: string;
  sessionPolicyArns: string[];
  sessionTags: string[];
  /** Empty: `gha-<run id>-<attempt>`. */
  roleSessionName: string;
}

function list(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((item) => item.trim())
    .filter(Boolean);
}

function each(key: SettingKey, items: string[], pattern: RegExp, expected: string): string[] {
  items.forEach((item, index) => {
    if (!pattern.test(item))
      throw new SettingError(key, expected, `(entry ${index + 1} of ${items.length})`);
  });
  return items;
}

export function parseAwsHops(read: (key: SettingKey) => string): AwsHopSettings {
  const chain = each(
    'aws.roleChain',
    list(read('aws.roleChain')),
    ROLE_ARN,
    'comma-separated role ARNs such as arn:aws:iam::123456789012:role/NAME',
  );
  const policyArns = each(
    'aws.sessionPolicyArns',
    list(read('aws.sessionPolicyArns')),
    POLICY_ARN,
    'comma-separated managed policy ARNs such as arn:aws:iam::aws:policy/ReadOnlyAccess',
  );
  if (policyArns.length > MAX_POLICY_ARNS)
    throw new SettingError('aws.sessionPolicyArns', `at most ${MAX_POLICY_ARNS} policy ARNs`);
  const tags = each(
    'aws.sessionTags',
    list(read('aws.sessionTags')),
    TAG_CLAIM,
    'comma-separated claim names of the job OIDC token such as repository,ref,environment,job_workflow_ref',
  );
  if (tags.length > MAX_TAGS)
    throw new SettingError('aws.sessionTags', `at most ${MAX_TAGS} claim names`);
  const lower = tags.map((t) => t.toLowerCase());
  if (new Set(lower).size !== lower.length)
    // Tag keys are case-insensitive in IAM: two spellings would be one tag.
    throw new SettingError('aws.sessionTags', 'each claim name once (tag keys ignore case)');
  const policy = read('aws.sessionPolicy').trim();
  if (policy) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(policy);
    } catch {
      parsed = undefined;
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new SettingError(
        'aws.sessionPolicy',
        'an IAM policy document as JSON ({"Version": "2012-10-17", "Statement": [...]})',
      );
  }
  const sessionName = read('aws.roleSessionName').trim();
  if (sessionName && !SESSION_NAME.test(sessionName))
    throw new SettingError(
      'aws.roleSessionName',
      '2 to 64 characters of letters, digits and _ + = , . @ -',
    );
  return {
    roleChain: chain,
    // Sent compact: STS counts the packed size of the policy.
    sessionPolicy: policy ? JSON.stringify(JSON.parse(policy)) : '',
    sessionPolicyArns: policyArns,
    sessionTags: tags,
    roleSessionName: sessionName,
  };
}
