import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

// The import boundary (issue 12, DESIGN.md): only the two front ends, src/github/ (the
// Actions runner) and src/cli/ (the terminal), know where they run. The pipeline and what it
// uses (core, providers, net, store, and the scanner's config, sources and detection) import
// neither front end and read no process globals: the front end hands them settings, an
// environment where one is needed, and writers for their output.
//
// A relative import reaches src/github/ or src/cli/ only through a path segment named
// `github` or `cli` (no other folder in src/ has those names), so the pattern below catches
// `../github/x.js`, `../../cli/x.js` and `./github` from any depth; dynamic `import()` and
// `require()` with a literal path are caught by the syntax selectors.
const FRONT_END = String.raw`^\.{1,2}/(?:[^'"]*/)?(?:github|cli)(?:/|$)`;
// The same pattern for esquery selectors, whose regex literals cannot contain a slash.
const FRONT_END_SELECTOR = FRONT_END.replaceAll('/', String.raw`\x2F`);
const BOUNDARY_MESSAGE =
  'The pipeline does not import a front end (src/github/, src/cli/): take what it needs as a parameter (see eslint.config.js).';
const PROCESS_MESSAGE =
  'process.env, process.stdout and process.stderr are the front end’s business: take the environment or a writer as a parameter.';

const boundaryFiles = [
  'src/core/**',
  'src/providers/**',
  'src/net/**',
  'src/store/**',
  'src/scan/config/**',
  'src/scan/sources/**',
  'src/scan/detect/**',
];

const boundaryRules = {
  'no-restricted-imports': [
    'error',
    {
      paths: [
        { name: 'process', message: PROCESS_MESSAGE },
        { name: 'node:process', message: PROCESS_MESSAGE },
      ],
      patterns: [{ regex: FRONT_END, message: BOUNDARY_MESSAGE }],
    },
  ],
  'no-restricted-syntax': [
    'error',
    {
      selector: `ImportExpression > Literal.source[value=/${FRONT_END_SELECTOR}/]`,
      message: BOUNDARY_MESSAGE,
    },
    {
      selector: `CallExpression[callee.name=/^(?:require|nodeRequire)$/] > Literal.arguments[value=/${FRONT_END_SELECTOR}/]`,
      message: BOUNDARY_MESSAGE,
    },
  ],
  'no-restricted-properties': [
    'error',
    { object: 'process', property: 'env', message: PROCESS_MESSAGE },
    { object: 'process', property: 'stdout', message: PROCESS_MESSAGE },
    { object: 'process', property: 'stderr', message: PROCESS_MESSAGE },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-console': 'off',
    },
  },
  { files: boundaryFiles, rules: boundaryRules },
  {
    // A provider knows its wire protocol and its own settings, not the environment it runs
    // in: not even an environment handed to it (`context.env`). The `env:` provider is the
    // exception: the environment it is handed is its source, as Vault is Vault's.
    files: ['src/providers/**'],
    ignores: ['src/providers/env.ts'],
    rules: {
      'no-restricted-properties': [
        ...boundaryRules['no-restricted-properties'],
        {
          property: 'env',
          message:
            'A provider reads no environment: the front end puts what it needs into the provider’s settings.',
        },
      ],
    },
  },
  {
    files: ['scripts/**/*.mjs', '*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
