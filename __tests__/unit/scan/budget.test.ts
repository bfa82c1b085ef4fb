// What happens when a rule cannot finish a fragment within its work budget, or its native
// regex overflows V8's stack: the scan stops with a "scan incomplete" error naming the file
// and the rule (code SCAN_INCOMPLETE, which the CLI turns into exit 2 and the action into a
// failed step, like every SCAN_ error), never a hang and never a silent pass.
import { parse as parseToml } from 'smol-toml';
import { compileConfig, parseScanConfig, validateConfig } from '../../../src/scan/config.js';
import { builtinConfig } from '../../../src/scan/rules.js';
import { Detector, ScanIncompleteError } from '../../../src/scan/detector.js';
import { tokens } from './helpers.js';

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (err) {
    return err;
  }
  throw new Error('expected the scan to stop');
}

describe('the work budget', () => {
  const builtin = compileConfig(builtinConfig(), 'built-in');

  it('ends a fragment that needs more than its budget in a scan-incomplete error naming file and rule', () => {
    const secret = tokens.githubPat();
    const detector = new Detector(builtin, { budget: { perChar: 0, base: 4 } });
    const err = thrown(() =>
      detector.detect({
        path: 'src/app.ts',
        text: `const t = "${secret}";\n`,
        commit: 'a'.repeat(40),
      }),
    );
    expect(err).toBeInstanceOf(ScanIncompleteError);
    const incomplete = err as ScanIncompleteError;
    expect(incomplete.code).toBe('SCAN_INCOMPLETE');
    expect(incomplete.incomplete).toEqual({
      path: 'src/app.ts',
      commit: 'a'.repeat(40),
      ruleId: 'github-pat',
      reason: 'budget',
    });
    expect(incomplete.message).toMatch(/^scan incomplete: rule "github-pat" .* on src\/app\.ts/);
    expect(incomplete.message).not.toContain(secret);
  });

  it('is per fragment: work on one file does not count against the next', () => {
    // Each fragment alone fits the budget; together they would not.
    const detector = new Detector(builtin, { budget: { perChar: 4, base: 0 } });
    const text = `token = "${tokens.githubPat()}"\n`;
    for (let k = 0; k < 50; k++)
      expect(detector.detect({ path: `f${k}.ts`, text })).toHaveLength(1);
  });

  it('the default budget leaves room for a dense file', () => {
    const detector = new Detector(builtin);
    const text = Array.from({ length: 2000 }, () => `token = "${tokens.githubPat()}"`).join(' ');
    expect(detector.detect({ path: 'dense.txt', text })).toHaveLength(2000);
  });
});

describe("a native regex that overflows V8's stack", () => {
  it('ends in a scan-incomplete error naming file and rule, not an unexpected failure', () => {
    // Only the audited built-in patterns run natively; a config compiled with every pattern
    // native stands in for a built-in one that would overflow on a 10 MB run.
    const cfg = compileConfig(
      validateConfig(parseToml(`[[rules]]\nid = "deep"\nregex = '''(x|y)*z'''\n`), 't.toml'),
      't.toml',
      { native: () => true },
    );
    const err = thrown(() =>
      new Detector(cfg).detect({ path: 'big.txt', text: 'x'.repeat(10_000_000) }),
    );
    expect(err).toBeInstanceOf(ScanIncompleteError);
    expect((err as ScanIncompleteError).incomplete).toMatchObject({
      path: 'big.txt',
      ruleId: 'deep',
      reason: 'engine',
    });
  });

  it('the same configured rule runs on the linear engine and finishes', () => {
    const cfg = parseScanConfig(`[[rules]]\nid = "deep"\nregex = '''(x|y)*z'''\n`, 't.toml');
    expect(cfg.rules[0]!.pattern!.engine).toBe('linear');
    const text = 'x'.repeat(2_000_000) + 'z';
    expect(new Detector(cfg).detect({ path: 'big.txt', text })).toHaveLength(1);
  });
});
