// SARIF 2.1.0 for GitHub code scanning (`github/codeql-action/upload-sarif`): one run, the
// rules that produced results, each result at the secret's exact region, redacted in its
// message, with the commit-less fingerprint as a partial fingerprint so an alert keeps its
// identity across a squash merge. Secret findings are errors, lint findings warnings.
// The types are the SARIF 2.1.0 schema's own (@types/sarif), so a misnamed or misplaced
// property fails to compile instead of being dropped by code scanning.
import type { Log, ReportingDescriptor, Result, Run } from 'sarif';
import { secretHash } from '../detect/fingerprint.js';
import { redact } from '../detect/redact.js';
import type { Finding } from '../types.js';
import type { LintFinding } from '../lint/workflow-lint.js';

export const TOOL_NAME = 'oidc-secrets scan';
export const TOOL_VERSION = '0.1.0';
const INFORMATION_URI = 'https://github.com/oidc-secrets/oidc-secrets';

export interface SarifContext {
  /** e.g. `https://github.com/owner/repo` */
  repositoryUri?: string;
  revision?: string;
}

/** A repository path as a relative URI reference (each segment percent-encoded). */
export function pathToUri(path: string): string {
  return path
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

const SECRET_HELP =
  'A credential was added to the repository. Anyone who can read the repository or its history can use it: ' +
  'revoke or rotate it now, then remove it from the branch (a squash merge keeps it out of the default branch, ' +
  'but the pull request refs keep the commits). If it is not a credential, add `gitleaks:allow` on the line ' +
  'or its fingerprint to `.gitleaksignore`.';

export function buildSarif(
  findings: readonly Finding[],
  lint: readonly LintFinding[],
  context: SarifContext = {},
): Log {
  const rules: ReportingDescriptor[] = [];
  const ruleIndex = new Map<string, number>();
  const ruleFor = (id: string, make: () => ReportingDescriptor): number => {
    let index = ruleIndex.get(id);
    if (index === undefined) {
      index = rules.length;
      rules.push(make());
      ruleIndex.set(id, index);
    }
    return index;
  };

  const results: Result[] = [];
  for (const f of findings) {
    const index = ruleFor(f.ruleId, () => ({
      id: f.ruleId,
      name: f.ruleId
        .split(/[^A-Za-z0-9]+/)
        .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
        .join(''),
      shortDescription: { text: f.description },
      fullDescription: { text: `${f.description}: a credential committed to the repository.` },
      help: { text: SECRET_HELP, markdown: SECRET_HELP },
      defaultConfiguration: { level: 'error' },
      properties: {
        tags: ['security', 'secret', ...f.tags.filter((t) => t !== 'secret')],
        precision: 'high',
        'security-severity': '9.0',
      },
    }));
    const shown = f.secret ? redact(f.secret) : f.match;
    results.push({
      ruleId: f.ruleId,
      ruleIndex: index,
      level: 'error',
      message: {
        text: `${f.description} (${shown}${f.decoded ? `, ${f.decoded}-encoded` : ''})${f.commit ? ` added in commit ${f.commit.slice(0, 12)}` : ''}. Fingerprint: ${f.fingerprint}`,
      },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: pathToUri(f.file), uriBaseId: '%SRCROOT%' },
            region: {
              startLine: Math.max(1, f.startLine),
              startColumn: Math.max(1, f.startColumn),
              endLine: Math.max(1, f.endLine),
              endColumn: Math.max(1, f.endColumn),
            },
          },
        },
      ],
      partialFingerprints: { 'secretLocation/v1': f.globalFingerprint },
      properties: {
        redacted: shown,
        fingerprint: f.fingerprint,
        // The short hash of the secret (the one .gitleaksignore entries carry): what a later
        // scan given this file as its baseline compares (config/baseline.ts).
        secretHash: secretHash(f),
        entropy: Math.round(f.entropy * 100) / 100,
        ...(f.commit ? { commit: f.commit } : {}),
        ...(f.decoded ? { decoded: f.decoded } : {}),
      },
    });
  }
  for (const l of lint) {
    const index = ruleFor(l.ruleId, () => ({
      id: l.ruleId,
      name:
        l.ruleId === 'workflow-static-credential'
          ? 'WorkflowStaticCloudCredential'
          : 'WorkflowMissingIdTokenPermission',
      shortDescription: { text: l.title },
      fullDescription: {
        text:
          l.ruleId === 'workflow-static-credential'
            ? 'A workflow passes a long-lived cloud credential from repository secrets instead of using OIDC.'
            : 'A job exchanges an OIDC token for cloud credentials without `id-token: write` permission.',
      },
      help: { text: l.message, markdown: l.message },
      defaultConfiguration: { level: 'warning' },
      properties: { tags: ['security', 'workflow'], precision: 'high', 'security-severity': '5.0' },
    }));
    results.push({
      ruleId: l.ruleId,
      ruleIndex: index,
      level: 'warning',
      message: { text: l.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: pathToUri(l.file), uriBaseId: '%SRCROOT%' },
            region: {
              startLine: l.line,
              startColumn: l.column,
              endLine: l.line,
              endColumn: l.column + 1,
            },
          },
        },
      ],
      partialFingerprints: { 'workflowLint/v1': `${l.file}:${l.ruleId}:${l.line}` },
    });
  }

  const run: Run = {
    tool: {
      driver: {
        name: TOOL_NAME,
        semanticVersion: TOOL_VERSION,
        informationUri: INFORMATION_URI,
        rules,
      },
    },
    automationDetails: { id: 'oidc-secrets-scan/' },
    originalUriBaseIds: { '%SRCROOT%': { description: { text: 'The repository root.' } } },
    results,
  };
  if (context.repositoryUri) {
    run.versionControlProvenance = [
      {
        repositoryUri: context.repositoryUri,
        ...(context.revision ? { revisionId: context.revision } : {}),
      },
    ];
  }
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [run],
  };
}
