// The Cloud KMS routes of the GCP emulator (test/emulators/gcp-kms.ts) pinned to Google's
// own client: @google-cloud/kms in REST mode (`fallback: true`: HTTP/1.1 + JSON, the wire
// the keyless store speaks), authenticated by google-auth-library's workload identity
// federation client against the emulator's STS. A field name or error shape only our own
// code agrees with fails here.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyManagementServiceClient } from '@google-cloud/kms';
import { ExternalAccountClient, type BaseExternalAccountClient } from 'google-auth-library';
import { GoogleError, Status } from 'google-gax';
import {
  GITHUB_ACTIONS_PROVIDER,
  crc32c,
  startGcp,
  type GcpEmulator,
} from '../../../test/emulators/gcp.js';
import { startOidcIssuer, type OidcIssuer } from '../../../test/emulators/oidc-issuer.js';

const POOL =
  'principalSet://iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/github';
const KEY = 'projects/my-proj/locations/global/keyRings/ci/cryptoKeys/store';
const OTHER = 'projects/my-proj/locations/global/keyRings/ci/cryptoKeys/other-team';

let issuer: OidcIssuer;
let gcp: GcpEmulator;
let audience = '';
let dir = '';

beforeAll(async () => {
  issuer = await startOidcIssuer();
  gcp = await startGcp({
    issuer: issuer.issuer,
    jwksUrl: issuer.jwksUrl,
    projectId: 'my-proj',
    projectNumber: '123456',
  });
  audience = gcp.addProvider({ ...GITHUB_ACTIONS_PROVIDER, provider: 'gh' }).audience;
  gcp.addKmsKey(KEY, [`${POOL}/attribute.repository/octo-org/octo-repo`]);
  gcp.addKmsKey(OTHER, ['serviceAccount:other@my-proj.iam.gserviceaccount.com']);
  dir = mkdtempSync(join(tmpdir(), 'gcp-kms-official-'));
});

afterAll(async () => {
  await gcp.close();
  await issuer.close();
  rmSync(dir, { recursive: true, force: true });
});

async function kmsClient(): Promise<KeyManagementServiceClient> {
  const tokenFile = join(dir, `token-${randomBytes(4).toString('hex')}`);
  writeFileSync(tokenFile, await issuer.mint({ aud: `https:${audience}` }));
  const authClient: BaseExternalAccountClient | null = ExternalAccountClient.fromJSON({
    type: 'external_account',
    audience,
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    token_url: `${gcp.url}/v1/token`,
    credential_source: { file: tokenFile },
    scopes: ['https://www.googleapis.com/auth/cloud-platform'],
  });
  if (!authClient) throw new Error('google-auth-library refused the credential configuration');
  const url = new URL(gcp.url);
  return new KeyManagementServiceClient({
    fallback: true,
    apiEndpoint: url.hostname,
    port: Number(url.port),
    protocol: 'http',
    authClient,
  });
}

describe('@google-cloud/kms (REST) against the Cloud KMS emulator', () => {
  it('encrypt then decrypt round-trip, with the CRC32C fields the client reads', async () => {
    const client = await kmsClient();
    const plaintext = randomBytes(32);
    const aad = Buffer.from('context');
    const [encrypted] = await client.encrypt({
      name: KEY,
      plaintext,
      additionalAuthenticatedData: aad,
    });
    expect(encrypted.name).toBe(`${KEY}/cryptoKeyVersions/1`);
    const ciphertext = Buffer.from(encrypted.ciphertext as Uint8Array);
    expect(String(encrypted.ciphertextCrc32c?.value)).toBe(String(crc32c(ciphertext)));
    const [decrypted] = await client.decrypt({
      name: KEY,
      ciphertext,
      additionalAuthenticatedData: aad,
    });
    expect(Buffer.from(decrypted.plaintext as Uint8Array).equals(plaintext)).toBe(true);
    expect(String(decrypted.plaintextCrc32c?.value)).toBe(String(crc32c(plaintext)));
  });

  it('other additional data does not decrypt: INVALID_ARGUMENT', async () => {
    const client = await kmsClient();
    const [encrypted] = await client.encrypt({
      name: KEY,
      plaintext: randomBytes(8),
      additionalAuthenticatedData: Buffer.from('a'),
    });
    const error = await googleErrorOf(
      client.decrypt({
        name: KEY,
        ciphertext: encrypted.ciphertext,
        additionalAuthenticatedData: Buffer.from('b'),
      }),
    );
    expect(error.code).toBe(Status.INVALID_ARGUMENT);
  });

  it('a key the caller is not a member of: PERMISSION_DENIED in Google words', async () => {
    const client = await kmsClient();
    const error = await googleErrorOf(client.encrypt({ name: OTHER, plaintext: randomBytes(8) }));
    expect(error.code).toBe(Status.PERMISSION_DENIED);
    expect(error.reason).toBe('IAM_PERMISSION_DENIED');
    expect(error.domain).toBe('cloudkms.googleapis.com');
    expect(error.message).toContain(
      `Permission 'cloudkms.cryptoKeyVersions.useToEncrypt' denied on resource '${OTHER}' (or it may not exist).`,
    );
  });
});

/**
 * The error as gax's REST transport decodes an HTTP error body (GoogleError.parseHttpError,
 * AIP-193 `{"error": {"code", "message", "status", "details"}}`): with an external account
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
