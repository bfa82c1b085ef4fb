// The pull-request comment (`comment: true`): one comment per pull request, found again by a
// hidden marker and rewritten on each push, listing what the scan found (redacted, at most
// the first 4 characters), each finding's fingerprint and ignore entry, and what to do:
// rotate the credential, and for a cloud key, which OIDC input of the oidc-secrets step
// replaces it. Repository text goes through the summary's escaping (safe.ts): a file name
// cannot open markup or close the marker.
import { ignoreEntry } from '../detect/fingerprint.js';
import { redact } from '../detect/redact.js';
import { describeAmount, type ScanResult } from '../scan.js';
import { summaryCode as code, summaryText as cell } from './safe.js';

/** The first line of every comment this scan writes: how it is found again. */
export const COMMENT_MARKER = '<!-- oidc-secrets-scan:pr-comment -->';

/** GitHub refuses a comment body over 65,536 characters: rows are cut well before. */
export const COMMENT_ROW_LIMIT = 50;

/** The OIDC replacement of a long-lived cloud credential, by rule id prefix. */
const OIDC_REMEDY: readonly [prefix: string, text: string][] = [
  [
    'aws-',
    'AWS: give the job `permissions: id-token: write` and the oidc-secrets step `aws-role-arn` (STS AssumeRoleWithWebIdentity), then delete the IAM user’s access key',
  ],
  [
    'gcp-',
    'Google Cloud: give the step `gcp-workload-identity-provider` and `gcp-service-account` (Workload Identity Federation) instead of a key',
  ],
  [
    'azure-',
    'Azure: add a federated credential to the app registration and give the step `azure-client-id` and `azure-tenant-id` instead of a client secret or account key',
  ],
  [
    'vault-',
    'Vault: give the step `vault-url` and `vault-role` (a JWT auth role bound to the repository) instead of a token',
  ],
];

function remedyFor(ruleId: string): string | undefined {
  return OIDC_REMEDY.find(([prefix]) => ruleId.startsWith(prefix))?.[1];
}

export interface CommentContext {
  /** Link to the run whose summary and SARIF hold everything. */
  runUrl?: string;
}

export function renderComment(result: ScanResult, context: CommentContext = {}): string {
  const out: string[] = [COMMENT_MARKER];
  const n = result.findings.length;
  if (n === 0) {
    out.push('### ✅ Secret scan: no leaked credentials');
    out.push('');
    out.push(
      `The latest push is clean (${cell(describeAmount(result))}). An earlier finding was either removed or ignored; ` +
        'if it was a real credential, it is still in the branch’s history: rotate it.',
    );
    return out.join('\n') + '\n';
  }
  out.push(`### ❌ Secret scan: ${n} leaked credential${n === 1 ? '' : 's'}`);
  out.push('');
  out.push('| File | Line | Rule | Secret | Commit | Fingerprint |');
  out.push('| --- | --- | --- | --- | --- | --- |');
  for (const f of result.findings.slice(0, COMMENT_ROW_LIMIT)) {
    out.push(
      `| ${cell(f.file)} | ${f.startLine} | ${cell(f.ruleId)} | ${code(f.secret ? redact(f.secret) : 'file')} | ` +
        `${f.commit ? code(f.commit.slice(0, 7)) : ''} | ${code(ignoreEntry(f))} |`,
    );
  }
  if (n > COMMENT_ROW_LIMIT)
    out.push('', `…and ${n - COMMENT_ROW_LIMIT} more: see the run’s summary and SARIF report.`);
  out.push('');
  out.push('**What to do**');
  out.push('');
  out.push(
    '- **Rotate** each credential now: it is in this branch’s history, and removing the line does not take it back.',
  );
  const remedies = [...new Set(result.findings.flatMap((f) => remedyFor(f.ruleId) ?? []))];
  for (const remedy of remedies)
    out.push(`- Replace the long-lived key with the job’s OIDC identity. ${remedy}.`);
  out.push(
    '- Not a credential? Add `gitleaks:allow` on its line, or its fingerprint (the last column) to `.gitleaksignore`.',
  );
  if (context.runUrl) {
    out.push('');
    out.push(`[The scan’s run](${encodeURI(context.runUrl)})`);
  }
  return out.join('\n') + '\n';
}
