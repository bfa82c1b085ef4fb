// What reading Secrets Manager (and Parameter Store) in more than one region needs: the
// region an ARN names, the endpoint of a region, and a SigV4 signer per region and service
// made from the one STS session. An ARN is read in its own region whatever `aws-region`
// says (SPEC §1.1a); an `aws-secretsmanager` override serves every region.
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsSettings } from '../core/settings.js';
import { dnsSuffix, NodeSha256, type AwsSession } from './aws-sts.js';

const ARN_REGION = /^arn:aws(?:-[a-z]+)*:(?:secretsmanager|ssm):([a-z0-9-]+):/;

/** The region an ARN names; undefined for a plain name (read in `aws-region`). */
export function arnRegion(locator: string): string | undefined {
  return ARN_REGION.exec(locator)?.[1];
}

/** Secrets Manager's endpoint in a region, or the override (which serves every region). */
export function smEndpoint(aws: AwsSettings, region: string): string {
  return aws.endpoints.secretsManager ?? `https://secretsmanager.${region}.${dnsSuffix(region)}`;
}

const signers = new WeakMap<AwsSession, Map<string, SignatureV4>>();

/** A signer for `service` in `region` with the session's keys (one per pair, kept). */
export function regionalSigner(
  session: AwsSession,
  region: string,
  service = 'secretsmanager',
): SignatureV4 {
  let bySession = signers.get(session);
  if (!bySession) signers.set(session, (bySession = new Map()));
  const key = `${service} ${region}`;
  let signer = bySession.get(key);
  if (!signer) {
    signer = new SignatureV4({
      service,
      region,
      credentials: {
        accessKeyId: session.accessKeyId,
        secretAccessKey: session.secretAccessKey,
        sessionToken: session.sessionToken,
      },
      sha256: NodeSha256,
    });
    bySession.set(key, signer);
  }
  return signer;
}
