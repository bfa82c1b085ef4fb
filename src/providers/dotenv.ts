// `dotenv:PATH[#KEY]` — a `.env` file (SPEC §1.1a), read by the same path rules as `file:`
// (readWorkspaceFile: relative paths stay inside the workspace once links are resolved,
// regular files only, at most 4 MiB) and parsed by the `dotenv` package, so `export KEY=`,
// comments, single and double quotes and multi-line double-quoted values mean what they mean
// to every other tool that reads the file. The value is the whole file as a JSON object:
// `#KEY` is an ordinary selector into it, and `APP_*: dotenv:.env` exports every key. The
// mask gate sees the JSON and registers every leaf, exported or not.
import dotenv from 'dotenv';
import type { DotenvSettings } from '../core/settings.js';
import { readWorkspaceFile } from './file.js';
import type { ProviderModule } from './types.js';

export const dotenvProvider: ProviderModule<DotenvSettings> = {
  check: () => [],
  create: ({ workspace }) => ({
    name: 'dotenv',
    async login() {},
    async read(location) {
      const text = await readWorkspaceFile(
        location.locator,
        workspace,
        `dotenv:${location.locator}`,
      );
      return { value: dotenvJson(text) };
    },
  }),
};

/** The variables of a .env text as a JSON object (keys in file order, the last one wins). */
export function dotenvJson(text: string): string {
  const parsed = dotenv.parse(text);
  // Copied onto a null-prototype object: a `__proto__=` line is a key like any other.
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const key of Object.keys(parsed)) out[key] = parsed[key] as string;
  return JSON.stringify(out);
}
