// An unknown provider or option is named in its error, with the closest valid one, when the
// word is identifier-shaped (the runner prints the whole `secrets` input in the step header
// anyway); a word that could be a pasted value is still not echoed.
import { ActionError } from '../../../src/core/errors.js';
import { parseReference } from '../../../src/core/plan/reference.js';

function messageOf(reference: string): string {
  try {
    parseReference(reference, 'secrets line 4 (DB)', 4);
  } catch (error) {
    if (error instanceof ActionError) return error.message;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('unknown provider', () => {
  it.each([
    ['nosuch:x', "unknown provider 'nosuch' (the closest provider is 'vault'): "],
    ['valt:secret/data/x', "unknown provider 'valt' (did you mean 'vault'?): "],
    ['Vault:secret/data/x', "unknown provider 'Vault' (did you mean 'vault'?): "],
    ['azrue:v/s', "unknown provider 'azrue' (did you mean 'azure'?): "],
    ['hashicorp:secret/data/x', "unknown provider 'hashicorp' (the closest provider is 'gcp'): "],
  ])('names %s', (reference, expected) => {
    const message = messageOf(reference);
    expect(message.startsWith(`secrets line 4 (DB): ${expected}the reference must start`)).toBe(
      true,
    );
  });

  it.each([
    [`AKIA${'Z'.repeat(12)}0123:secret`],
    ['ghp_0123456789abcdef:x'],
    [`${'a'.repeat(40)}:x`],
  ])('does not echo %s (not a short word of letters)', (reference) => {
    const word = reference.slice(0, reference.indexOf(':'));
    const message = messageOf(reference);
    expect(message).not.toContain(word);
    expect(message).toMatch(/^secrets line 4 \(DB\): the reference must start with a provider/);
  });
});

describe('unknown option', () => {
  it('names the option and the closest valid one', () => {
    expect(messageOf('vault:secret/data/x?versoin=2')).toBe(
      "secrets line 4 (DB): vault:secret/data/x: unknown option 'versoin' (did you mean 'version'?); vault takes version, method, and every reference takes optional and decode=base64",
    );
    expect(messageOf('aws:app/db?colour=blue')).toBe(
      "secrets line 4 (DB): aws:app/db: unknown option 'colour'; aws takes stage, version-id, and every reference takes optional and decode=base64",
    );
    expect(messageOf('aws:app/db?versionid=x')).toBe(
      "secrets line 4 (DB): aws:app/db: unknown option 'versionid' (did you mean 'version-id'?); aws takes stage, version-id, and every reference takes optional and decode=base64",
    );
    expect(messageOf('gcp:projects/p/secrets/s?stage=AWSCURRENT')).toBe(
      "secrets line 4 (DB): gcp:projects/p/secrets/s/versions/latest: unknown option 'stage'; gcp references take only optional and decode=base64",
    );
  });

  it('does not echo an option that is not identifier-shaped', () => {
    const message = messageOf('vault:secret/data/x?s3cr3t-t0ken-value=1');
    expect(message).not.toContain('s3cr3t');
    expect(message).toBe(
      'secrets line 4 (DB): vault:secret/data/x: unknown option; vault takes version, method, and every reference takes optional and decode=base64',
    );
  });
});
