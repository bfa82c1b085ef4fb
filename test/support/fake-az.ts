// A stand-in for the Azure CLI on PATH: `az account get-access-token --output json --resource R`
// prints what the real one prints after `az login` (accessToken, expiresOn in local time,
// expires_on in epoch seconds since Azure CLI 2.54, subscription, tenant, tokenType), and
// what it prints when nobody is logged in. @azure/identity's AzureCliCredential parses it in
// __tests__/unit/emulators/laptop-official.test.ts, which pins the shape.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface FakeAzLogin {
  /** Tokens by resource (`https://vault.azure.net`). */
  tokens: Record<string, { accessToken: string; expiresAt: number }>;
  tenant: string;
  subscription: string;
}

/** `YYYY-MM-DD HH:MM:SS.ffffff` in local time, as az prints expiresOn. */
function localStamp(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.000000`;
}

/** Writes DIR/az (a Node script) for the login, or for nobody logged in; returns DIR. */
export function writeFakeAz(dir: string, login: FakeAzLogin | undefined): string {
  mkdirSync(dir, { recursive: true });
  const answers: Record<string, string> = {};
  for (const [resource, token] of Object.entries(login?.tokens ?? {})) {
    answers[resource] = JSON.stringify(
      {
        accessToken: token.accessToken,
        expiresOn: localStamp(token.expiresAt),
        expires_on: Math.floor(token.expiresAt / 1000),
        subscription: login!.subscription,
        tenant: login!.tenant,
        tokenType: 'Bearer',
      },
      null,
      2,
    );
  }
  const script = `#!${process.execPath}
const args = process.argv.slice(2);
const answers = ${JSON.stringify(answers)};
const at = args.indexOf('--resource');
if (args[0] !== 'account' || args[1] !== 'get-access-token' || at < 0) {
  process.stderr.write('ERROR: the fake az knows only account get-access-token --resource R\\n');
  process.exit(2);
}
if (Object.keys(answers).length === 0) {
  process.stderr.write("ERROR: Please run 'az login' to setup account.\\n");
  process.exit(1);
}
const answer = answers[args[at + 1].replace(/\\/+$/, '')];
if (!answer) {
  process.stderr.write('ERROR: AADSTS500011: The resource principal named ' + args[at + 1] + ' was not found in the tenant.\\n');
  process.exit(1);
}
process.stdout.write(answer + '\\n');
`;
  const path = join(dir, 'az');
  writeFileSync(path, script);
  chmodSync(path, 0o755);
  return dir;
}
