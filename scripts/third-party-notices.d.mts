// Types for scripts/third-party-notices.mjs (plain JavaScript so that the build runs it with
// node alone), for the tests that import it.
import type { Metafile } from 'esbuild';

export const ALLOWED_LICENCES: ReadonlySet<string>;

export function packageDirOf(input: string): string | undefined;

export function isAllowedLicence(expression: string): boolean;

export interface BundledPackage {
  /** relative to the build's working directory, e.g. `node_modules/yaml` */
  dir: string;
  name: string;
  version: string;
  licence: string | undefined;
  /** the outputs holding its code, relative to the output directory */
  bundles: string[];
  /** its licence and notice files' names */
  files: string[];
}

export function bundledPackages(
  metafiles: readonly Metafile[],
  root: string,
  outdir: string,
): BundledPackage[];

export function thirdPartyNotices(
  metafiles: readonly Metafile[],
  root: string,
  outdir: string,
): string;
