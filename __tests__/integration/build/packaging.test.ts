// What the package carries: its own licence, the licence notices for every third-party
// package whose code is in a bundle (and the build refusing code without an allowed licence),
// and none of the test emulators the demo bundles.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Metafile } from 'esbuild';
import {
  isAllowedLicence,
  packageDirOf,
  thirdPartyNotices,
} from '../../../scripts/third-party-notices.mjs';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** The `Package: name@version` lines of a notices file. */
const listed = (notices: string) =>
  [...notices.matchAll(/^Package: (.+)$/gm)].map((match) => match[1]).sort();

describe('LICENSE', () => {
  it("is the MIT licence package.json names, for the project's authors", () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(manifest.license).toBe('MIT');
    const licence = readFileSync(join(root, 'LICENSE'), 'utf8');
    expect(licence).toMatch(/^MIT License\n\nCopyright \(c\) 2026 the oidc-secrets authors\n/);
    expect(licence).toContain('Permission is hereby granted, free of charge');
  });
});

describe('third-party notices', () => {
  it('list every package whose code a fresh build puts in a bundle, and no other', () => {
    const out = mkdtempSync(join(tmpdir(), 'oidc-secrets-notices-'));
    const metafilePath = join(mkdtempSync(join(tmpdir(), 'oidc-secrets-meta-')), 'meta.json');
    execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), out], {
      cwd: root,
      env: { ...process.env, BUILD_METAFILE: metafilePath },
      stdio: 'pipe',
    });
    const metafiles = JSON.parse(readFileSync(metafilePath, 'utf8')) as Metafile[];

    // Read the metafiles here independently of the script: every input under node_modules
    // that puts bytes in an output names a package directory.
    const expected = new Set<string>();
    for (const metafile of metafiles) {
      for (const output of Object.values(metafile.outputs)) {
        for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
          const dir = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
          if (dir === undefined || bytesInOutput === 0) continue;
          const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
          expected.add(`${manifest.name}@${manifest.version}`);
        }
      }
    }
    expect(expected.size).toBeGreaterThan(0);

    const notices = readFileSync(join(out, 'THIRD_PARTY_NOTICES.txt'), 'utf8');
    expect(listed(notices)).toEqual([...expected].sort());
    // Committed and compared with fresh builds: nothing from this machine or this run.
    expect(notices).not.toContain(root);
    expect(notices).not.toContain(out);
    expect(notices).not.toMatch(/\b20\d\d-\d\d-\d\d/);
    // Each entry carries its licence's text, not only its name.
    for (const section of notices.split(/^-{80}$/m).slice(1)) {
      expect(section).toMatch(/^Licence: \S/m);
      expect(section.length).toBeGreaterThan(300);
    }
  });

  /** A fake node_modules with the given packages, each contributing code to one bundle. */
  function fixture(packages: Record<string, Record<string, unknown>>, files: string[] = []) {
    const dir = mkdtempSync(join(tmpdir(), 'oidc-secrets-licences-'));
    const inputs: Metafile['outputs'][string]['inputs'] = {};
    for (const [name, manifest] of Object.entries(packages)) {
      mkdirSync(join(dir, 'node_modules', name), { recursive: true });
      writeFileSync(
        join(dir, 'node_modules', name, 'package.json'),
        JSON.stringify({ name, version: '1.0.0', ...manifest }),
      );
      for (const file of files) {
        writeFileSync(join(dir, 'node_modules', name, file), `${file} of ${name}\r\n\r\n`);
      }
      inputs[`node_modules/${name}/index.js`] = { bytesInOutput: 10 };
    }
    const metafile: Metafile = {
      inputs: {},
      outputs: {
        'dist/main.js': { bytes: 100, inputs, imports: [], exports: [] },
      },
    };
    return { dir, metafiles: [metafile] };
  }

  it('fail the build for a bundled package without a licence or outside the allow list', () => {
    const { dir, metafiles } = fixture({
      'copyleft-lib': { license: 'GPL-3.0-only' },
      '@scope/unlicensed': {},
      'fine-lib': { license: 'MIT' },
    });
    let message = '';
    try {
      thirdPartyNotices(metafiles, dir, join(dir, 'dist'));
    } catch (error) {
      message = (error as Error).message;
    }
    // Every problem at once, each naming its package.
    expect(message).toMatch(/copyleft-lib@1\.0\.0 .*"GPL-3\.0-only" is not in the allow list/);
    expect(message).toMatch(/@scope\/unlicensed@1\.0\.0 .*names no licence/);
    expect(message).not.toContain('fine-lib');
  });

  it('print each licence file, normalised, under a sorted list of packages', () => {
    const { dir, metafiles } = fixture(
      { zeta: { license: 'ISC' }, alpha: { license: '(MIT OR GPL-3.0-only)' } },
      ['LICENSE', 'NOTICE'],
    );
    const notices = thirdPartyNotices(metafiles, dir, join(dir, 'dist'));
    expect(listed(notices)).toEqual(['alpha@1.0.0', 'zeta@1.0.0']);
    expect(notices).toContain(
      'Package: alpha@1.0.0\nLicence: (MIT OR GPL-3.0-only)\nIn: main.js\n\nLICENSE:\n\nLICENSE of alpha\n\nNOTICE:\n\nNOTICE of alpha\n',
    );
    expect(notices).not.toContain('\r');
    expect(thirdPartyNotices(metafiles, dir, join(dir, 'dist'))).toBe(notices);
  });

  it('leave out a package that is loaded but contributes no code', () => {
    const { dir, metafiles } = fixture({ 'types-only': { license: 'MIT' } });
    metafiles[0]!.outputs['dist/main.js']!.inputs['node_modules/types-only/index.js'] = {
      bytesInOutput: 0,
    };
    expect(listed(thirdPartyNotices(metafiles, dir, join(dir, 'dist')))).toEqual([]);
  });

  it.each([
    ['MIT', true],
    ['Apache-2.0', true],
    ['(MIT OR Apache-2.0)', true],
    ['(MIT OR GPL-3.0-only)', true],
    ['MIT AND GPL-3.0-only', false],
    ['(MIT AND BSD-3-Clause) OR GPL-2.0', true],
    ['Apache-2.0 WITH LLVM-exception', true],
    ['GPL-3.0-or-later', false],
    ['SEE LICENSE IN LICENSE.txt', false],
    ['UNLICENSED', false],
    ['(MIT', false],
    ['MIT OR', false],
  ])('judges the licence expression %s (allowed: %s)', (expression, allowed) => {
    expect(isAllowedLicence(expression)).toBe(allowed);
  });

  it('tell a nested copy from its parent package', () => {
    expect(packageDirOf('node_modules/a/node_modules/@s/b/dist/x.js')).toBe(
      'node_modules/a/node_modules/@s/b',
    );
    expect(packageDirOf('node_modules/yaml/dist/index.js')).toBe('node_modules/yaml');
    expect(packageDirOf('src/github/main.ts')).toBeUndefined();
  });
});

describe('npm pack', () => {
  it('publishes the action, the CLI, the licences, and no test emulators', () => {
    const [pack] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    ) as { files: { path: string }[] }[];
    const files = pack!.files.map((file) => file.path);
    for (const required of [
      'LICENSE',
      'action.yml',
      'scan/action.yml',
      'dist/main.js',
      'dist/post.js',
      'dist/scan.js',
      'dist/cli.cjs',
      'dist/THIRD_PARTY_NOTICES.txt',
    ]) {
      expect(files).toContain(required);
    }
    // The demo bundle holds the Vault and OIDC issuer emulators: the repository keeps it for
    // `npm run demo`, the package does not.
    expect(files).not.toContain('dist/demo.mjs');
    expect(files.filter((file) => /^(test|demo|__tests__|src)\//.test(file))).toEqual([]);
  });
});
