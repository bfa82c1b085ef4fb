// The least any node program must do for the Vault step, with node's own HTTP clients and no
// oidc-secrets code: ask the runner's endpoint for the OIDC token, log in to Vault with it,
// read every KV path in parallel (one HTTP/2 connection over TLS, keep-alive sockets over
// plain http, as the step does), parse each answer and write the values to GITHUB_ENV. No
// masking, no checks, no error handling beyond failing. The Vault bench times it beside the
// step: what this costs over the floor is node's, not the step's.
//
// node bare-vault-client.mjs VAULT_URL ROLE AUDIENCE COUNT [CA_PATH]
// (ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN and GITHUB_ENV from the environment)
import { Buffer } from 'node:buffer';
import { appendFileSync, readFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import process from 'node:process';

const [vaultUrl, role, audience, countText, caPath] = process.argv.slice(2);
const count = Number(countText);
const ca = caPath ? readFileSync(caPath, 'utf8') : undefined;

function request(client, url, options, body) {
  return new Promise((resolve, reject) => {
    const req = client.request(url, options, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`${url} answered ${res.statusCode}`));
        else resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const oidcUrl = `${process.env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=${encodeURIComponent(audience)}`;
const oidcClient = oidcUrl.startsWith('https:') ? https : http;
const { value: jwt } = await request(oidcClient, oidcUrl, {
  headers: { authorization: `Bearer ${process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` },
});

let headers = {};
let read;
let close;
if (vaultUrl.startsWith('https:')) {
  const session = http2.connect(vaultUrl, { ca });
  read = (path, method = 'GET', body) =>
    new Promise((resolve, reject) => {
      const stream = session.request({ ':method': method, ':path': path, ...headers });
      const chunks = [];
      let status = 0;
      stream.on('response', (h) => (status = h[':status']));
      stream.on('data', (chunk) => chunks.push(chunk));
      stream.on('end', () => {
        if (status !== 200) reject(new Error(`${path} answered ${status}`));
        else resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      });
      stream.on('error', reject);
      stream.end(body);
    });
  close = () => session.close();
} else {
  const agent = new http.Agent({ keepAlive: true });
  read = (path, method = 'GET', body) =>
    request(http, `${vaultUrl}${path}`, { method, agent, headers }, body);
  close = () => agent.destroy();
}
const login = await read('/v1/auth/jwt/login', 'POST', JSON.stringify({ role, jwt }));
headers = { 'x-vault-token': login.auth.client_token };
const answers = await Promise.all(
  Array.from({ length: count }, (_, i) => read(`/v1/secret/data/bench/s${i}`)),
);
appendFileSync(
  process.env.GITHUB_ENV,
  answers.map((answer, i) => `S${i}=${answer.data.data.value}\n`).join(''),
);
close();
