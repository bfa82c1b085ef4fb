// The action's `endpoints` input pointing every cloud service at the local emulators.
export function emulatorEndpoints(emulators: {
  aws: { url: string };
  gcp: { url: string };
  azure: { url: string };
}): string {
  const { aws, gcp, azure } = emulators;
  return [
    `aws-sts: ${aws.url}`,
    `aws-secretsmanager: ${aws.url}`,
    `aws-ssm: ${aws.url}`,
    `gcp-sts: ${gcp.url}`,
    `gcp-iamcredentials: ${gcp.url}`,
    `gcp-secretmanager: ${gcp.url}`,
    `gcp-oauth2: ${gcp.url}`,
    `azure-authority: ${azure.url}`,
    `azure-keyvault-suffix: ${azure.url}`,
  ].join('\n');
}
