#!/usr/bin/env node
// dist/cli.cjs (package.json `bin`): the CLI's dispatcher, which loads one command's bundle.
import { main } from '../cli/dispatch.js';
import { reportError } from '../cli/report.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    reportError(error);
    process.exitCode = 1;
  },
);
