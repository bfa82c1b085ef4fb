// The GCP emulator pinned to Google's own clients: google-auth-library's workload identity
// federation client (STS token exchange, then IAM Credentials generateAccessToken) and
// @google-cloud/secret-manager in REST mode (`fallback: true`: HTTP/1.1 + JSON, the wire the
// action speaks). A field name or an error shape that only our own code agrees with fails here.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { ExternalAccountClient, type BaseExternalAccountClient } from 'google-auth-library';
import { GoogleError, Status } from 'google-gax';
import {
  GITHUB_ACTIONS_PROVIDER,
  crc32c,
  startGcp,
  type GcpEmulator,
} from '../../../test/emulators/gcp.js';
import { startOidcIssuer, type OidcIssuer } from '../../../test/emulators/oidc-issuer.js';

const SA = 'deployer@my-proj.iam.gserviceaccount.com';
const POOL =
  'principalSet://iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/github';

let issuer: OidcIssuer;
let gcp: GcpEmulator;
let audience = '';
let dir = '';
const apiKey = randomBytes(16).toString('hex');
const binary = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00]), randomBytes(16)]);

beforeAll(async () => {
  issuer = await startOidcIssuer();
  gcp = await startGcp({
    issuer: issuer.issuer,
    jwksUrl: issuer.jwksUrl,
    projectId: 'my-proj',
    projectNumber: '123456',
  });
  audience = gcp.addProvider({ ...GITHUB_ACTIONS_PROVIDER, provider: 'gh' }).audience;
  gcp.addServiceAccount(SA, [`${POOL}/attribute.repository/octo-org/octo-repo`]);
  gcp.addSecret('direct', apiKey, [`${POOL}/attribute.repository/octo-org/octo-repo`]);
  gcp.addSecret('binary', binary, [`${POOL}/attribute.repository/octo-org/octo-repo`]);
  gcp.addSecret('as-sa', apiKey, [`serviceAccount:${SA}`]);
  gcp.addSecret('other-team', 'x'.repeat(12), [
    'serviceAccount:other@my-proj.iam.gserviceaccount.com',
  ]);
  dir = mkdtempSync(join(tmpdir(), 'gcp-official-'));
});

afterAll(async () => {
  await gcp.close();
  await issuer.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A workload identity federation client as `gcloud iam workload-identity-pools
 * create-cred-config` writes it ("type": "external_account", a file credential source holding
 * the job's OIDC token), with Google's endpoints replaced by the emulator's.
 */
async function federationClient(impersonate?: string): Promise<BaseExternalAccountClient> {
  const tokenFile = join(dir, `token-${randomBytes(4).toString('hex')}`);
  writeFileSync(tokenFile, await issuer.mint({ aud: `https:${audience}` }));
  const client = ExternalAccountClient.fromJSON({
    type: 'external_account',
    audience,
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    token_url: `${gcp.url}/v1/token`,
    credential_source: { file: tokenFile },
    ...(impersonate
      ? {
          service_account_impersonation_url: `${gcp.url}/v1/projects/-/serviceAccounts/${impersonate}:generateAccessToken`,
        }
      : {}),
    scopes: ['https://www.googleapis.com/auth/cloud-platform'],
  });
  if (!client) throw new Error('google-auth-library refused the credential configuration');
  return client;
}

function secretManager(authClient: BaseExternalAccountClient): SecretManagerServiceClient {
  const url = new URL(gcp.url);
  return new SecretManagerServiceClient({
    // `fallback: true` is the HTTP/1.1 REST transport (google-gax's fallbackRest encoder).
    fallback: true,
    apiEndpoint: url.hostname,
    port: Number(url.port),
    protocol: 'http',
    authClient,
  });
}

describe('google-auth-library against the STS and IAM Credentials emulator', () => {
  it('exchanges the OIDC token for a federated access token', async () => {
    const client = await federationClient();
    const { token } = await client.getAccessToken();
    expect(token).toMatch(/^ya29\.d\./);
    expect(gcp.issuedTokens.at(-1)?.kind).toBe('federated');
  });

  it('impersonates a service account through generateAccessToken', async () => {
    const client = await federationClient(SA);
    const { token } = await client.getAccessToken();
    expect(token).toMatch(/^ya29\.c\./);
    expect(gcp.issuedTokens.at(-1)?.principal).toBe(SA);
  });

  it('surfaces the STS error as Google sends it (RFC 6749 error + error_description)', async () => {
    const client = await federationClient();
    // A provider that does not exist: STS answers 400 invalid_target.
    (client as unknown as { audience: string }).audience = audience.replace('/gh', '/nope');
    await expect(client.getAccessToken()).rejects.toThrow(/invalid_target/);
  });
});

describe('@google-cloud/secret-manager (REST) against the Secret Manager emulator', () => {
  it('reads a payload whose dataCrc32c the client sees', async () => {
    const client = secretManager(await federationClient());
    const [version] = await client.accessSecretVersion({
      name: 'projects/my-proj/secrets/direct/versions/latest',
    });
    expect(version.name).toBe('projects/123456/secrets/direct/versions/1');
    expect(Buffer.from(version.payload!.data as Uint8Array).toString('utf8') === apiKey).toBe(true);
    // SecretPayload's JSON representation is {"data": string, "dataCrc32c": string}: an
    // int64 sent as a decimal string. A field spelt any other way would come back empty here.
    expect(String(version.payload!.dataCrc32c)).toBe(String(crc32c(Buffer.from(apiKey))));
  });

  it('reads non-UTF-8 bytes unchanged', async () => {
    const client = secretManager(await federationClient());
    const [version] = await client.accessSecretVersion({
      name: 'projects/123456/secrets/binary/versions/1',
    });
    expect(Buffer.from(version.payload!.data as Uint8Array).equals(binary)).toBe(true);
    expect(String(version.payload!.dataCrc32c)).toBe(String(crc32c(binary)));
  });

  it('reads as an impersonated service account', async () => {
    const client = secretManager(await federationClient(SA));
    const [version] = await client.accessSecretVersion({
      name: 'projects/my-proj/secrets/as-sa/versions/1',
    });
    expect(Buffer.from(version.payload!.data as Uint8Array).toString('utf8') === apiKey).toBe(true);
  });

  it('answers PERMISSION_DENIED and NOT_FOUND as a google.rpc.Status gax decodes', async () => {
    const client = secretManager(await federationClient());
    const denied = await googleErrorOf(
      client.accessSecretVersion({ name: 'projects/my-proj/secrets/other-team/versions/1' }),
    );
    expect(denied.code).toBe(Status.PERMISSION_DENIED);
    expect(denied.message).toMatch(/^Permission 'secretmanager\.versions\.access' denied/);
    // details[] entries must carry an @type gax knows, or it could not decode them.
    expect(denied.reason).toBe('IAM_PERMISSION_DENIED');
    expect(denied.domain).toBe('secretmanager.googleapis.com');
    expect(denied.errorInfoMetadata).toEqual({ permission: 'secretmanager.versions.access' });

    // (last test of the file: the project-wide grant stays)
    gcp.grantProject(`${POOL}/attribute.repository/octo-org/octo-repo`);
    const missing = await googleErrorOf(
      client.accessSecretVersion({ name: 'projects/my-proj/secrets/nosuch/versions/1' }),
    );
    expect(missing.code).toBe(Status.NOT_FOUND);
  });
});

/**
 * The error as gax's REST transport decodes an HTTP error body (GoogleError.parseHttpError:
 * `{"error": {"code", "message", "status", "details"}}`, AIP-193). With an external account
 * auth client the failure arrives as the transport's error carrying the body as its message.
 */
async function googleErrorOf(call: Promise<unknown>): Promise<GoogleError> {
  const error: unknown = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error instanceof GoogleError && typeof error.code === 'number' && error.code < 100)
    return error;
  if (!(error instanceof Error)) throw new Error('the call did not fail');
  return GoogleError.parseHttpError(JSON.parse(error.message));
}
