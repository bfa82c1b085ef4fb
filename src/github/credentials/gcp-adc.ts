// `gcp: adc` (SPEC §1.7): an `external_account` credentials file, as Google's client
// libraries, gcloud and Terraform read it (Google AIP-4117, "URL-sourced credentials"):
// the subject token comes from a URL with headers, in JSON format under a named field —
// here the job's OIDC request endpoint (`{"value": "<jwt>"}`, Bearer request token), as
// google-github-actions/auth writes it — and is exchanged at `token_url` (STS) for the
// audience of the workload identity provider; with a service account, the federated token
// is exchanged again at `service_account_impersonation_url`. Each tool mints a fresh OIDC
// token whenever its access token nears its end: nothing in the file expires.
import type { GcpSettings } from '../../core/settings.js';
import { gcpEndpoint, gcpTokenAudience, providerResourceName } from '../../providers/gcp.js';

export function gcpAdcFile(
  gcp: GcpSettings,
  oidc: { requestUrl: string; requestToken: string },
): string {
  const name = providerResourceName(gcp.workloadIdentityProvider) as string;
  const url = new URL(oidc.requestUrl);
  url.searchParams.set('audience', gcpTokenAudience(gcp, name));
  const file: Record<string, unknown> = {
    type: 'external_account',
    audience: `//iam.googleapis.com/${name}`,
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    token_url: `${gcpEndpoint(gcp, 'sts')}/v1/token`,
    credential_source: {
      url: url.href,
      headers: { Authorization: `Bearer ${oidc.requestToken}` },
      format: { type: 'json', subject_token_field_name: 'value' },
    },
  };
  if (gcp.serviceAccount) {
    file.service_account_impersonation_url = `${gcpEndpoint(gcp, 'iamcredentials')}/v1/projects/-/serviceAccounts/${encodeURIComponent(gcp.serviceAccount)}:generateAccessToken`;
  }
  return JSON.stringify(file, null, 2);
}

/** The variables SPEC §1.7 lists, for the file at `path`. */
export function gcpVariables(path: string, gcp: GcpSettings): Array<[string, string]> {
  const variables: Array<[string, string]> = [
    ['GOOGLE_APPLICATION_CREDENTIALS', path],
    ['CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE', path],
    ['GOOGLE_GHA_CREDS_PATH', path],
  ];
  if (gcp.project)
    variables.push(['CLOUDSDK_CORE_PROJECT', gcp.project], ['GOOGLE_CLOUD_PROJECT', gcp.project]);
  return variables;
}
