// Licence notices for the third-party code in the bundles: the build (scripts/build.mjs)
// writes them to dist/THIRD_PARTY_NOTICES.txt from esbuild's metafiles. A package counts when
// at least one byte of its code is in an output; one that is only loaded (types, re-exports
// that tree-shaking drops) is not shipped, so it is not listed. The file is committed with
// dist/ and compared with a fresh build, so it holds nothing that varies between machines or
// runs: packages sorted, no dates, no absolute paths.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

/**
 * Licences whose terms a notice satisfies (attribution, at most a NOTICE file): anything
 * else, copyleft included, needs a person to decide before it is bundled.
 */
export const ALLOWED_LICENCES = new Set([
  '0BSD',
  'Apache-2.0',
  'BlueOak-1.0.0',
  'BSD-2-Clause',
  'BSD-3-Clause',
  'CC0-1.0',
  'ISC',
  'MIT',
  'MIT-0',
  'Unlicense',
  'Zlib',
]);

/** LICENSE, LICENCE, COPYING and Apache's NOTICE, with any extension or suffix (LICENSE-MIT). */
const LICENCE_FILE = /^(licen[cs]e|copying|notice)([-._].*)?$/i;

/**
 * The package an input path belongs to: the part up to the last `node_modules/<name>` (or
 * `node_modules/@scope/name`), so a nested copy is its own package.
 */
export function packageDirOf(input) {
  const parts = input.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at < 0 || at + 1 >= parts.length) return undefined;
  const scoped = parts[at + 1].startsWith('@');
  if (scoped && at + 2 >= parts.length) return undefined;
  return parts.slice(0, at + (scoped ? 3 : 2)).join('/');
}

/**
 * Whether an SPDX licence expression (`MIT`, `(MIT OR GPL-3.0)`, `Apache-2.0 AND BSD-3-Clause`)
 * can be met with allowed licences only: an OR needs one side, an AND both.
 */
export function isAllowedLicence(expression) {
  const tokens = expression.match(/\(|\)|[^\s()]+/g) ?? [];
  let at = 0;
  const fail = () => {
    throw new Error(`not an SPDX expression: ${expression}`);
  };
  const either = () => {
    let allowed = both();
    while (tokens[at] === 'OR') {
      at += 1;
      allowed = both() || allowed; // both() first: every operand is parsed
    }
    return allowed;
  };
  const both = () => {
    let allowed = single();
    while (tokens[at] === 'AND') {
      at += 1;
      allowed = single() && allowed;
    }
    return allowed;
  };
  const single = () => {
    const token = tokens[at++];
    if (token === '(') {
      const allowed = either();
      if (tokens[at++] !== ')') fail();
      return allowed;
    }
    if (token === undefined || ['AND', 'OR', 'WITH', ')'].includes(token)) fail();
    // An exception only adds permissions (e.g. `Apache-2.0 WITH LLVM-exception`).
    if (tokens[at] === 'WITH') at += 2;
    return ALLOWED_LICENCES.has(token.replace(/\+$/, ''));
  };
  try {
    const allowed = either();
    return at === tokens.length && allowed;
  } catch {
    return false;
  }
}

/** The licence expression a package.json states, including the old `licenses` array form. */
function licenceOf(manifest) {
  const { license, licenses } = manifest;
  if (typeof license === 'string' && license.trim() !== '') return license.trim();
  if (license && typeof license.type === 'string') return license.type;
  if (Array.isArray(licenses) && licenses.length > 0) {
    const types = licenses.map((l) => (typeof l === 'string' ? l : l?.type));
    if (types.every((t) => typeof t === 'string')) {
      return types.length === 1 ? types[0] : `(${types.join(' OR ')})`;
    }
  }
  return undefined;
}

/** A licence text with the line endings and trailing blanks that differ between packagers removed. */
function normalise(text) {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .trim();
}

const byCodeUnits = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The third-party packages with code in the outputs of the given metafiles, each with the
 * bundles (relative to `outdir`) that hold it. Paths in a metafile are relative to `root`,
 * esbuild's working directory.
 */
export function bundledPackages(metafiles, root, outdir) {
  const bundlesByDir = new Map();
  for (const metafile of metafiles) {
    for (const [output, { inputs }] of Object.entries(metafile.outputs)) {
      const bundle = relative(outdir, resolve(root, output)).split(sep).join('/');
      for (const [input, { bytesInOutput }] of Object.entries(inputs)) {
        const dir = packageDirOf(input);
        if (dir === undefined || bytesInOutput === 0) continue;
        if (!bundlesByDir.has(dir)) bundlesByDir.set(dir, new Set());
        bundlesByDir.get(dir).add(bundle);
      }
    }
  }
  const packages = [...bundlesByDir].map(([dir, bundles]) => {
    const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
    return {
      dir,
      name: manifest.name,
      version: manifest.version,
      licence: licenceOf(manifest),
      bundles: [...bundles].sort(byCodeUnits),
      files: readdirSync(join(root, dir), { withFileTypes: true })
        .filter((entry) => entry.isFile() && LICENCE_FILE.test(entry.name))
        .map((entry) => entry.name)
        .sort(byCodeUnits),
    };
  });
  // Two copies of one version (nested node_modules) are one entry.
  const unique = new Map();
  for (const pkg of packages) {
    const key = `${pkg.name}@${pkg.version}`;
    const seen = unique.get(key);
    if (seen) seen.bundles = [...new Set([...seen.bundles, ...pkg.bundles])].sort(byCodeUnits);
    else unique.set(key, pkg);
  }
  return [...unique.values()].sort(
    (a, b) => byCodeUnits(a.name, b.name) || byCodeUnits(a.version, b.version),
  );
}

const RULE = '-'.repeat(80);

/**
 * The notices file's text. Throws, naming every offending package at once, when a bundled
 * package states no licence or one outside ALLOWED_LICENCES.
 */
export function thirdPartyNotices(metafiles, root, outdir) {
  const packages = bundledPackages(metafiles, root, outdir);
  const problems = [];
  for (const pkg of packages) {
    if (pkg.licence === undefined) {
      problems.push(`${pkg.name}@${pkg.version} (${pkg.dir}): its package.json names no licence`);
    } else if (!isAllowedLicence(pkg.licence)) {
      problems.push(
        `${pkg.name}@${pkg.version} (${pkg.dir}): licence "${pkg.licence}" is not in the allow list (scripts/third-party-notices.mjs)`,
      );
    }
  }
  if (problems.length > 0) {
    throw new Error(`third-party code in the bundles:\n  ${problems.join('\n  ')}`);
  }
  const sections = packages.map((pkg) => {
    const texts =
      pkg.files.length > 0
        ? pkg.files.map(
            (file) => `${file}:\n\n${normalise(readFileSync(join(root, pkg.dir, file), 'utf8'))}`,
          )
        : [`The package has no licence file; its package.json states the licence ${pkg.licence}.`];
    return [
      RULE,
      `Package: ${pkg.name}@${pkg.version}`,
      `Licence: ${pkg.licence}`,
      `In: ${pkg.bundles.join(', ')}`,
      '',
      texts.join('\n\n'),
    ].join('\n');
  });
  return [
    'Third-party software in these bundles',
    '',
    'The bundles in this directory contain code from the packages below, each under the',
    'licence shown, whose text follows. This file is generated by scripts/build.mjs.',
    '',
    ...sections.flatMap((section) => [section, '']),
  ].join('\n');
}
