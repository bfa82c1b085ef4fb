// A warning about a short masked value names the variable that holds it and its line, not
// only the read it came from; a short leaf no variable holds is still warned about, under
// the read's label. Warnings never carry the value.
import { MaskGate } from '../../../src/core/mask.js';
import { runActionPipeline } from '../../../test/support/pipeline.js';

/** The pipeline's sequence: road, then shape with the variable's label, then the flush. */
async function warningsFor(secrets: string, env: NodeJS.ProcessEnv) {
  const warnings: string[] = [];
  const masks: string[] = [];
  const gate = new MaskGate({ add: (v) => masks.push(v) }, (w) => warnings.push(w));
  const run = await runActionPipeline(secrets, {}, env, gate);
  expect(run.errors).toEqual([]);
  return { warnings, masks };
}

const SHORT = 'Q7';
const LONG = 'long-enough-password-1';

describe('short-value warnings', () => {
  it('name the variable and its line for a selected value', async () => {
    const { warnings, masks } = await warningsFor('\nPIN: env:APP_JSON#pin', {
      APP_JSON: JSON.stringify({ pin: SHORT, password: LONG }),
    });
    expect(masks).toContain(SHORT);
    expect(warnings).toEqual([
      "secrets line 2 (PIN): a value of 2 characters is masked; masks this short also hide that text wherever else it appears in the job's log",
    ]);
  });

  it('name the flattened variable, not the prefix', async () => {
    const { warnings } = await warningsFor('DB_*: env:DB_JSON', {
      DB_JSON: JSON.stringify({ port: SHORT, password: LONG }),
    });
    expect(warnings).toEqual([expect.stringMatching(/^secrets line 1 \(DB_PORT\): a value of 2 /)]);
  });

  it('name the read for a short leaf that no variable holds', async () => {
    const { warnings, masks } = await warningsFor('PASSWORD: env:APP_JSON#password', {
      APP_JSON: JSON.stringify({ pin: SHORT, password: LONG }),
    });
    expect(masks).toContain(SHORT);
    expect(warnings).toEqual([
      expect.stringMatching(/^secrets line 1 \(env:APP_JSON\): a value of 2 characters/),
    ]);
  });

  it('name each variable of a read two lines share', async () => {
    const { warnings } = await warningsFor('A: env:CODE\nB: env:CODE', { CODE: 'x9' });
    expect(warnings).toEqual([
      expect.stringMatching(/^secrets line 1 \(A\): a value of 2 /),
      expect.stringMatching(/^secrets line 2 \(B\): a value of 2 /),
    ]);
    for (const warning of warnings) expect(warning).not.toContain('x9');
  });
});
