// `oidc-secrets scan` end to end on what gitleaks users bring: a config key the scan does not
// know is said, not silently dropped (gitleaks ignores it); a composite rule works; a key
// wrapped in base64 in a YAML file is found and named as such, never printed.
import { jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScanCommand } from '../../../src/cli/scan-command.js';

const cwd = process.cwd();
let dir = '';
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'scan-warn-'))));
afterEach(() => {
  process.chdir(cwd);
  rmSync(dir, { recursive: true, force: true });
});

const CONFIG = `
[[rules]]
id = "acme-client-secret"
regex = '''acme_secret\\s*=\\s*"(sec_[a-z0-9]{12})"'''
keywords = ["acme_secret"]
[[rules.required]]
id = "acme-client-id"
withinLines = 1

[[rules]]
id = "acme-client-id"
regex = '''cid_[a-z0-9]{8}'''
keywords = ["cid_"]
skipReport = true
[[rules.allowlists]]
stopword = ["example"]
regexes = ['''cid_00000000''']
`;

async function scan(
  args = ['--config', 'rules.toml', '--no-lint', 'src'],
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((c) => !!out.push(String(c)));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((c) => !!err.push(String(c)));
  try {
    process.chdir(dir);
    const code = await runScanCommand(args);
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

it('warns about an unknown key and applies the composite rule', async () => {
  writeFileSync(join(dir, 'rules.toml'), CONFIG);
  mkdirSync(join(dir, 'src'));
  // Fake values: the secret beside its id (reported), and one alone (not reported).
  writeFileSync(
    join(dir, 'src', 'paired.py'),
    'client = "cid_fakefake"\nacme_secret = "sec_fakefakefake"\n',
  );
  writeFileSync(join(dir, 'src', 'alone.py'), 'acme_secret = "sec_fakefakefak2"\n');
  const r = await scan();
  expect(r.err).toContain(
    'warning: rules.toml: rule "acme-client-id": allowlists[0]: unknown key "stopword" is ignored (did you mean "stopwords"?)',
  );
  expect(r.code).toBe(1);
  expect(r.out).toContain('src/paired.py:2');
  expect(r.out).not.toContain('alone.py');
  expect(r.out).not.toContain('acme-client-id');
  for (const value of ['sec_fakefakefake', 'cid_fakefake']) {
    expect(r.out.includes(value)).toBe(false);
    expect(r.err.includes(value)).toBe(false);
  }
});

it('finds a key wrapped in base64 in a YAML file, says so, and prints neither form', async () => {
  const token = `ghp_${randomBytes(27).toString('base64').replace(/[+/]/g, 'x')}`;
  const encoded = Buffer.from(token).toString('base64');
  mkdirSync(join(dir, 'k8s'));
  writeFileSync(join(dir, 'k8s', 'secret.yaml'), `kind: Secret\ndata:\n  token: ${encoded}\n`);
  const found = await scan(['--no-lint', 'k8s']);
  expect(found.code).toBe(1);
  expect(found.out).toMatch(/k8s\/secret\.yaml:3:10: github-pat: .* \(base64-encoded\)/);
  const off = await scan(['--no-lint', '--max-decode-depth', '0', 'k8s']);
  expect(off.out).not.toContain('github-pat');
  const bad = await scan(['--no-lint', '--max-decode-depth', 'deep', 'k8s']);
  expect(bad.code).toBe(2);
  expect(bad.err).toContain('--max-decode-depth: expected a whole number from 0 to 10, got "deep"');
  for (const r of [found, off, bad])
    for (const value of [token, encoded, token.slice(4)]) {
      expect(r.out.includes(value)).toBe(false);
      expect(r.err.includes(value)).toBe(false);
    }
});
