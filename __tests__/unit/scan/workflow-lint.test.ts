// The workflow policy lint (SPEC §2): long-lived cloud credentials from secrets.*, and OIDC
// credential steps in jobs without `id-token: write`; every message says what to use instead.
import { lintWorkflowText, mayHaveFindings } from '../../../src/scan/lint/workflow-lint.js';

// Every workflow of this file with a finding also checks the CLI's shortcut: a text that
// yields a finding is never one that `mayHaveFindings` lets it skip.
const lint = (yaml: string) => {
  const result = lintWorkflowText(yaml, '.github/workflows/ci.yml');
  if (result.findings.length > 0) expect(mayHaveFindings(yaml)).toBe(true);
  return result;
};
const rules = (yaml: string) => lint(yaml).findings.map((f) => `${f.ruleId}@${f.line}`);

describe('static cloud credentials from secrets', () => {
  it('AWS keys handed to configure-aws-credentials, with the OIDC replacement', () => {
    const { findings } = lint(`
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          aws-access-key-id: \${{ secrets.AWS_ACCESS_KEY_ID }}
          aws-secret-access-key: \${{ secrets.AWS_SECRET_ACCESS_KEY }}
          aws-region: eu-west-1
`);
    expect(findings.map((f) => `${f.ruleId}@${f.line}:${f.column}`)).toEqual([
      'workflow-static-credential@9:30',
      'workflow-static-credential@10:34',
    ]);
    expect(findings[0]!.message).toMatch(/`secrets\.AWS_ACCESS_KEY_ID`/);
    expect(findings[0]!.message).toMatch(/role-to-assume/);
    expect(findings[0]!.message).toMatch(/id-token: write/);
  });

  it('env at workflow, job and step level; GCP key JSON, Azure secret, Vault token', () => {
    expect(
      rules(`
on: push
env:
  VAULT_TOKEN: \${{ secrets.VAULT_TOKEN }}
jobs:
  build:
    runs-on: ubuntu-latest
    env:
      GOOGLE_CREDENTIALS: \${{ secrets.GCP_SA_KEY }}
    steps:
      - uses: google-github-actions/auth@v2
        with:
          credentials_json: \${{ secrets.GCP_SA_KEY }}
      - uses: azure/login@v2
        with:
          creds: \${{ secrets.AZURE_CREDENTIALS }}
      - run: terraform apply
        env:
          ARM_CLIENT_SECRET: \${{ secrets.ARM_CLIENT_SECRET }}
`),
    ).toEqual([
      'workflow-static-credential@4',
      'workflow-static-credential@9',
      'workflow-static-credential@13',
      'workflow-static-credential@16',
      'workflow-static-credential@19',
    ]);
  });

  it('a secret named for a cloud key used in a script', () => {
    const { findings } = lint(`
on: push
jobs:
  x:
    runs-on: ubuntu-latest
    steps:
      - run: aws configure set aws_secret_access_key \${{ secrets.PROD_AWS_SECRET_ACCESS_KEY }}
`);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toMatch(/in its script/);
  });

  it('leaves alone non-cloud secrets, literals and OIDC set-ups', () => {
    expect(
      rules(`
on: push
permissions:
  id-token: write
  contents: read
jobs:
  x:
    runs-on: ubuntu-latest
    env:
      NPM_TOKEN: \${{ secrets.NPM_TOKEN }}
      AWS_REGION: eu-west-1
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/ci
          aws-region: eu-west-1
      - run: echo \${{ secrets.GITHUB_TOKEN }}
`),
    ).toEqual([]);
  });
});

describe('OIDC credential steps need id-token: write', () => {
  const job = (permissions: string, step: string) => `
on: pull_request
${permissions}
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
${step}
`;
  const aws = `      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/ci
          aws-region: eu-west-1`;

  it('no permissions at all: the default token has no id-token', () => {
    const { findings } = lint(job('', aws));
    expect(findings.map((f) => `${f.ruleId}@${f.line}`)).toEqual(['workflow-missing-id-token@8']);
    expect(findings[0]!.message).toMatch(
      /add `permissions: \{ id-token: write, contents: read \}`/,
    );
  });

  it('permissions that leave id-token out, or read-all', () => {
    expect(rules(job('permissions:\n  contents: read', aws))).toEqual([
      'workflow-missing-id-token@9',
    ]);
    expect(rules(job('permissions: read-all', aws))).toEqual(['workflow-missing-id-token@8']);
  });

  it('granted at workflow or job level, or write-all', () => {
    expect(rules(job('permissions:\n  id-token: write', aws))).toEqual([]);
    expect(rules(job('permissions: write-all', aws))).toEqual([]);
    const jobLevel = job('', aws).replace(
      'runs-on: ubuntu-latest',
      'runs-on: ubuntu-latest\n    permissions:\n      id-token: write',
    );
    expect(rules(jobLevel)).toEqual([]);
  });

  it('a job-level block replaces the workflow one', () => {
    const yaml = job('permissions:\n  id-token: write', aws).replace(
      'runs-on: ubuntu-latest',
      'runs-on: ubuntu-latest\n    permissions:\n      contents: read',
    );
    expect(rules(yaml)).toEqual(['workflow-missing-id-token@11']);
  });

  it('knows GCP, Azure, Vault and this action', () => {
    const steps = `      - uses: google-github-actions/auth@v2
        with:
          workload_identity_provider: projects/1/locations/global/workloadIdentityPools/p/providers/gh
      - uses: azure/login@v2
        with:
          client-id: 00000000-0000-0000-0000-000000000000
          tenant-id: 00000000-0000-0000-0000-000000000000
      - uses: hashicorp/vault-action@v3
        with:
          method: jwt
          role: ci
      - uses: octo-org/oidc-secrets@v1
        with:
          vault-role: ci
          secrets: "A: vault:secret/data/a#a"
      - uses: octo-org/oidc-secrets/scan@v1`;
    expect(rules(job('', steps))).toEqual([
      'workflow-missing-id-token@8',
      'workflow-missing-id-token@11',
      'workflow-missing-id-token@15',
      'workflow-missing-id-token@19',
    ]);
  });
});

it('reports a file that is not YAML', () => {
  expect(lint('jobs: [unclosed').error).toMatch(/ci\.yml: not valid YAML/);
});

describe('the shortcut that skips parsing a workflow with nothing to find', () => {
  const ordinary = `
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: npm publish
        env:
          NODE_AUTH_TOKEN: \${{ secrets.NPM_TOKEN }}
`;
  it('skips a workflow with no credential slot, credential secret name or OIDC action', () => {
    expect(lint(ordinary).findings).toEqual([]);
    expect(mayHaveFindings(ordinary)).toBe(false);
  });

  it('still parses what YAML escapes hide: \\x, \\u and an escaped line break', () => {
    const hidden = [
      `on: push\nenv:\n  "AWS\\x5fACCESS_KEY_ID": \${{ secrets.K1 }}\n`,
      `on: push\nenv:\n  X: "\${{ secrets.VAULT\\u005fTOKEN }}"\n`,
      `on: push\nenv:\n  X: "\${{ secrets.AZURE_CLIENT_\\\n    SECRET }}"\n`,
      `on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: "aws-actions/configure-aws-cr\\x65dentials@v4"\n        with: { role-to-assume: arn }\n`,
    ];
    for (const yaml of hidden) {
      expect(lint(yaml).findings).toHaveLength(1);
      expect(mayHaveFindings(yaml)).toBe(true);
    }
  });
});
