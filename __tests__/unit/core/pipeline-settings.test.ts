// A settings problem found before any request keeps, through the pipeline, which setting it
// is about (a front end or a tool can act on `setting` without parsing the message).
import { MaskGate } from '../../../src/core/mask.js';
import { OidcSecretsError } from '../../../src/core/errors.js';
import { runActionPipeline } from '../../../test/support/pipeline.js';

describe('the pipeline’s settings checks', () => {
  it('name the setting on the error, and say it in the front end’s words', async () => {
    const gate = new MaskGate({ add() {} }, () => {});
    const run = await runActionPipeline(
      'SA: gcp:projects/p/secrets/s',
      { 'gcp-workload-identity-provider': 'not-a-provider' },
      { GITHUB_WORKSPACE: '/tmp' },
      gate,
    );
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]!.setting).toBe('gcp.workloadIdentityProvider');
    expect(run.errors[0]!.cause).toBeInstanceOf(OidcSecretsError);
    expect(run.messages[0]).toMatch(/^secrets line 1: input gcp-workload-identity-provider: /);
  });
});
