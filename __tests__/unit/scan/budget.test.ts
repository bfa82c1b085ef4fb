// What happens when a rule cannot finish a fragment within its work budget: the scan stops
// with a "scan incomplete" error naming the file and the rule (code SCAN_INCOMPLETE, which the
// CLI turns into exit 2 and the action into a failed step, like every SCAN_ error), never a
// hang and never a silent pass. And when a native regex overflows V8's stack: the call is
// made again on the linear engine.
import { parse as parseToml } from 'smol-toml';
import { compileConfig, parseScanConfig, validateConfig } from '../../../src/scan/config/config.js';
import { builtinConfig } from '../../../src/scan/config/rules.js';
import { Detector, ScanIncompleteError } from '../../../src/scan/detect/detector.js';
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
  it('is run again on the linear engine: same matches, no unexpected failure', () => {
    // Only the audited built-in patterns run natively; a config compiled with every pattern
    // native stands in for a built-in one meeting a run of megabytes.
    const cfg = compileConfig(
      validateConfig(
        parseToml(`[[rules]]\nid = "deep"\nregex = '''tok(x|y)*z'''\nkeywords = ["tok"]\n`),
        't.toml',
      ),
      't.toml',
      { native: () => true },
    );
    const run = 'x'.repeat(10_000_000);
    // V8 itself overflows on such a run: the case is real.
    expect(() => new RegExp('tok(x|y)*z', 'y').exec(`tok${run}`)).toThrow(RangeError);
    // An attempt that fails after the run (the linear engine answers in one pass), then a match.
    const text = `tok${run}\ntokxyz\n`;
    const findings = new Detector(cfg).detect({ path: 'big.txt', text });
    // The secret is the first non-empty group, as in gitleaks: the `y` of `tokxyz`.
    expect(findings.map((f) => [f.ruleId, f.startLine, f.startColumn, f.endColumn])).toEqual([
      ['deep', 2, 5, 6],
    ]);
  });

  it('a built-in rule on a run of megabytes: the JWT rule still finds the token after it', () => {
    const detector = new Detector(compileConfig(builtinConfig(), 'built-in'));
    const jwt = tokens.jwt();
    const text = `eyJ${'a'.repeat(8_000_000)}\nconst t = "${jwt}";\n`;
    expect(detector.detect({ path: 'big.txt', text }).map((f) => f.ruleId)).toContain('jwt');
  });
});

describe('a configured rule runs on the linear engine', () => {
  it('and finishes where V8 would overflow or backtrack', () => {
    const cfg = parseScanConfig(`[[rules]]\nid = "deep"\nregex = '''(x|y)*z'''\n`, 't.toml');
    expect(cfg.rules[0]!.pattern!.engine).toBe('linear');
    const text = 'x'.repeat(2_000_000) + 'z';
    expect(new Detector(cfg).detect({ path: 'big.txt', text })).toHaveLength(1);
  });
});
