// A gitleaks config key the scan does not know is said, not silently dropped (gitleaks itself
// ignores it): `oidc-secrets scan` prints a warning naming the key, and the composite rule the
// same file defines works end to end.
import { jest } from '@jest/globals';
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

async function scan(): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((c) => !!out.push(String(c)));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((c) => !!err.push(String(c)));
  try {
    process.chdir(dir);
    const code = await runScanCommand(['--config', 'rules.toml', '--no-lint', 'src']);
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
