// The Google and Azure emulators the cloud benches read from: a workload identity provider
// and an Entra app that trust the OIDC issuer's GitHub-shaped tokens, and `reads` secrets in
// each (Secret Manager s0…, key vault kv-bench/s0…), each value also handed to `also` (the
// AWS bench reads the same values from its own emulator).
import { randomBytes } from 'node:crypto';
import { startAzure, type AzureEmulator } from '../test/emulators/azure.js';
import { GITHUB_ACTIONS_PROVIDER, startGcp, type GcpEmulator } from '../test/emulators/gcp.js';
import type { TlsOptions } from '../test/emulators/http-server.js';

export const AZURE_CLIENT = '11111111-2222-3333-4444-555555555555';
const POOL =
  'principalSet://iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/github';

export interface CloudEmulators {
  gcp: GcpEmulator;
  /** The workload identity provider's resource name (gcp-workload-identity-provider). */
  gcpProvider: string;
  azure: AzureEmulator;
  /** Secret `i`'s line for each provider. */
  gcpLine(i: number): string;
  azureLine(i: number): string;
}

export async function startCloudEmulators(
  issuer: string,
  tls: TlsOptions,
  reads: number,
  also: (i: number, value: string) => void = () => {},
): Promise<CloudEmulators> {
  const gcp = await startGcp({ issuer, projectNumber: '123456', tls });
  const gcpProvider = gcp.addProvider(GITHUB_ACTIONS_PROVIDER).name;
  const azure = await startAzure({ issuer, tls });
  azure.addApp(AZURE_CLIENT, [{ issuer, subject: 'repo:octo-org/octo-repo:ref:refs/heads/main' }]);
  for (let i = 0; i < reads; i++) {
    const value = randomBytes(18).toString('base64url');
    gcp.addSecret(`s${i}`, value, [`${POOL}/attribute.repository/octo-org/octo-repo`]);
    azure.addSecret('kv-bench', `s${i}`, value);
    also(i, value);
  }
  azure.grant('kv-bench', AZURE_CLIENT);
  return {
    gcp,
    gcpProvider,
    azure,
    gcpLine: (i) => `G${i}: gcp:projects/my-proj/secrets/s${i}/versions/latest`,
    azureLine: (i) => `A${i}: azure:kv-bench/s${i}`,
  };
}
