// `azure: env` (SPEC §1.7): what the Azure SDKs' WorkloadIdentityCredential reads
// (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_AUTHORITY_HOST, AZURE_FEDERATED_TOKEN_FILE) and
// what Terraform's azurerm provider reads for OIDC (ARM_CLIENT_ID, ARM_TENANT_ID,
// ARM_USE_OIDC, ARM_OIDC_TOKEN_FILE_PATH). The token file holds a job OIDC token for
// azure-audience; main writes the first one, the keep-alive replaces it before it expires.
import type { AzureSettings } from '../../core/settings.js';
import { azureAuthority } from '../../providers/azure.js';

export const AZURE_TOKEN_FILE = 'azure-federated-token';

export function azureVariables(tokenFile: string, azure: AzureSettings): Array<[string, string]> {
  return [
    ['AZURE_CLIENT_ID', azure.clientId],
    ['AZURE_TENANT_ID', azure.tenantId],
    // The SDKs take the authority as a host URL and add the tenant themselves.
    ['AZURE_AUTHORITY_HOST', `${azureAuthority(azure)}/`],
    ['AZURE_FEDERATED_TOKEN_FILE', tokenFile],
    ['ARM_CLIENT_ID', azure.clientId],
    ['ARM_TENANT_ID', azure.tenantId],
    ['ARM_USE_OIDC', 'true'],
    ['ARM_OIDC_TOKEN_FILE_PATH', tokenFile],
  ];
}
