// The import boundary of eslint.config.js, checked on small fixtures through ESLint's own API
// with the project's config, so that a config change that stops the rule firing fails here
// rather than letting a front-end import slip into the pipeline unnoticed.
import { resolve } from 'node:path';
import { ESLint } from 'eslint';

const root = resolve(import.meta.dirname, '../../..');
const eslint = new ESLint({ cwd: root, overrideConfigFile: resolve(root, 'eslint.config.js') });

/** The rule ids ESLint reports for `code` as if it were the file at `filePath`. */
async function ruleIds(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(root, filePath) });
  return (result?.messages ?? []).map((message) => message.ruleId ?? message.message);
}

describe('import boundary (eslint.config.js)', () => {
  const inner = [
    'src/core/x.ts',
    'src/core/plan/x.ts',
    'src/providers/x.ts',
    'src/net/x.ts',
    'src/store/x.ts',
    'src/scan/config/x.ts',
    'src/scan/sources/x.ts',
    'src/scan/detect/x.ts',
  ];

  it.each(inner)('%s may not import src/github/ or src/cli/, at any depth', async (file) => {
    const up = '../'.repeat(file.split('/').length - 2);
    for (const target of [`${up}github/commands.js`, `${up}cli/args.js`]) {
      expect(await ruleIds(`import { x } from '${target}';\nexport const y = x;\n`, file)).toEqual([
        'no-restricted-imports',
      ]);
      expect(await ruleIds(`export { x } from '${target}';\n`, file)).toEqual([
        'no-restricted-imports',
      ]);
      expect(await ruleIds(`export const y = await import('${target}');\n`, file)).toEqual([
        'no-restricted-syntax',
      ]);
    }
  });

  it.each(inner)('%s may not touch process.env, process.stdout or process.stderr', async (file) => {
    for (const code of [
      'export const home = process.env.HOME;\n',
      'const { env } = process;\nexport const home = env.HOME;\n',
      "process.stdout.write('x');\n",
      "process.stderr.write('x');\n",
    ]) {
      expect(await ruleIds(code, file)).toContain('no-restricted-properties');
    }
    expect(
      await ruleIds("import { env } from 'node:process';\nexport const e = env;\n", file),
    ).toEqual(['no-restricted-imports']);
  });

  it('providers may not read an environment handed to them either', async () => {
    expect(
      await ruleIds(
        'export const f = (context: { env: object }) => context.env;\n',
        'src/providers/x.ts',
      ),
    ).toEqual(['no-restricted-properties']);
  });

  it('allows the pipeline its own imports and the front ends everything', async () => {
    expect(
      await ruleIds(
        "import { ActionError } from '../core/errors.js';\nexport const E = ActionError;\n",
        'src/net/x.ts',
      ),
    ).toEqual([]);
    expect(
      await ruleIds(
        "import { x } from './github-like.js';\nexport const y = x;\n",
        'src/core/x.ts',
      ),
    ).toEqual([]);
    for (const file of ['src/github/x.ts', 'src/cli/x.ts', 'src/scan/report/x.ts']) {
      expect(
        await ruleIds(
          "import { x } from '../github/commands.js';\nexport const y = [x, process.env.HOME];\n",
          file,
        ),
      ).toEqual([]);
    }
  });
});
