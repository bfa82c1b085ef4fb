#!/usr/bin/env node
// A Kubernetes exec credential plugin for tests, as small as the contract allows
// (client.authentication.k8s.io/v1 ExecCredential): it reads KUBERNETES_EXEC_INFO, answers
// with the same apiVersion, and hands out what its arguments name —
//   token FILE            status.token from FILE
//   cert CERTFILE KEYFILE status.clientCertificateData and clientKeyData
//   fail                  exits 3 without output (a plugin whose login failed)
// With EXEC_PLUGIN_LOG set it appends the KUBERNETES_EXEC_INFO it got to that file.
import { appendFileSync, readFileSync } from 'node:fs';
import process from 'node:process';

const info = JSON.parse(process.env.KUBERNETES_EXEC_INFO ?? '{}');
if (process.env.EXEC_PLUGIN_LOG)
  appendFileSync(process.env.EXEC_PLUGIN_LOG, JSON.stringify(info) + '\n');
const [mode, first, second] = process.argv.slice(2);
if (mode === 'fail') {
  process.stderr.write('exec plugin: login failed\n');
  process.exit(3);
}
const status =
  mode === 'token'
    ? { token: readFileSync(first, 'utf8').trim() }
    : {
        clientCertificateData: readFileSync(first, 'utf8'),
        clientKeyData: readFileSync(second, 'utf8'),
      };
status.expirationTimestamp = new Date(Date.now() + 600_000).toISOString();
process.stdout.write(
  JSON.stringify({ apiVersion: info.apiVersion, kind: 'ExecCredential', status }),
);
