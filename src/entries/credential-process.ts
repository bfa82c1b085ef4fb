// dist/credential-process.js: the AWS profiles' credential_process (src/github/credentials/process.ts).
import { run } from '../github/credentials/process.js';

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  () => {
    process.stderr.write('oidc-secrets credential_process: unexpected failure\n');
    process.exitCode = 1;
  },
);
