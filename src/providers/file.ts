// `file:PATH` — a file on the runner, relative paths from GITHUB_WORKSPACE.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ActionError } from '../errors.js';
import type { ProviderFactory } from './types.js';

export const createFileProvider: ProviderFactory = (context) => ({
  name: 'file',
  async login() {},
  async read(location) {
    const path = resolve(context.env.GITHUB_WORKSPACE ?? process.cwd(), location.locator);
    try {
      return { value: await readFile(path, 'utf8') };
    } catch (error) {
      const code = (error as { code?: string }).code;
      throw new ActionError(
        code === 'ENOENT' ? 'SECRET_NOT_FOUND' : 'READ_FAILED',
        `file:${location.locator}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? 'error'})`}`,
      );
    }
  },
});
