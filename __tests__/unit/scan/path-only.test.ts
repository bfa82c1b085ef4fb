// Path-only rules meet every file, as in gitleaks: one the content rules skip (binary by its
// signature) is still a finding when its path says what it is, and one read in pieces is one
// finding.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScanConfig, parseScanConfig } from '../../../src/scan/config/config.js';
import { workTreeReader } from '../../../src/scan/config/settings.js';
import { IgnoreList } from '../../../src/scan/detect/fingerprint.js';
import { runScan } from '../../../src/scan/scan.js';
import type { ScanConfig } from '../../../src/scan/types.js';

let root = '';
beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'path-only-'))));
afterEach(() => rmSync(root, { recursive: true, force: true }));

async function scanTree(config: ScanConfig, maxFileBytes?: number) {
  const ignore = IgnoreList.read(workTreeReader(root));
  const target = { kind: 'tree' as const, paths: ['.'] };
  const result = await runScan({ root, target, config, ignore, maxFileBytes });
  return {
    found: result.findings.map((f) => `${f.ruleId}:${f.file}`).sort(),
    notes: result.notes.map((n) => `${n.reason}:${n.path}`).sort(),
  };
}

const JKS_RULE = `
[[rules]]
id = "java-keystore"
path = '''(?i)\\.jks$'''
`;

it('fires on a file the content rules skip as binary', async () => {
  // A zip signature: the tree reader skips the content as binary.
  writeFileSync(join(root, 'release.jks'), Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 4]));
  const { found, notes } = await scanTree(parseScanConfig(JKS_RULE, 'rules.toml'));
  expect(notes).toEqual(['binary:release.jks']);
  expect(found).toEqual(['java-keystore:release.jks']);
});

it('fires once on a file read in pieces (larger than the scan holds at once)', async () => {
  writeFileSync(join(root, 'big.jks'), 'x'.repeat(99).concat('\n').repeat(40));
  const { found, notes } = await scanTree(parseScanConfig(JKS_RULE, 'rules.toml'), 1024);
  expect(notes).toEqual([]);
  expect(found).toEqual(['java-keystore:big.jks']);
});

it('the built-in rules flag a real PKCS #12 key store', async () => {
  const run = (args: string[]): void => {
    execFileSync('openssl', args, { cwd: root, stdio: 'ignore' });
  };
  run(
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'].concat([
      '-keyout',
      'k.pem',
      '-out',
      'c.pem',
      '-subj',
      '/CN=fake',
      '-days',
      '1',
    ]),
  );
  run(
    ['pkcs12', '-export', '-inkey', 'k.pem', '-in', 'c.pem', '-out', 'store.p12'].concat([
      '-passout',
      'pass:fake-password',
    ]),
  );
  rmSync(join(root, 'k.pem'));
  rmSync(join(root, 'c.pem'));
  const { found } = await scanTree(loadScanConfig({ root }));
  expect(found).toEqual(['pkcs12-file:store.p12']);
});
