// The vendor rules of src/scan/config/rules/*.ts, each on a credential made at test time in
// the provider's documented format, and on a decoy it must not report: the same value cut
// short (prefixed formats have a fixed length), or under an unrelated name (vendor-named
// values are only keys next to the vendor's name). Assertions compare hashes, never values.
import { randomInt } from 'node:crypto';
import { compileConfig } from '../../../src/scan/config/config.js';
import { Detector } from '../../../src/scan/detect/detector.js';
import { builtinConfig } from '../../../src/scan/config/rules.js';
import { prefixedRules } from '../../../src/scan/config/rules/prefixed.js';
import { namedRules } from '../../../src/scan/config/rules/named.js';
import { B62, B64URL, DIGITS, HEX, LOWER, random, sha, UPPER } from './helpers.js';

const detector = new Detector(compileConfig(builtinConfig(), 'built-in'));
const scan = (text: string, path = 'src/settings.txt') => detector.detect({ path, text });

const r = random;
const B64 = B62 + '+/';
const UA = UPPER + DIGITS;
const LA = LOWER + DIGITS;
/** n different characters of the alphabet (a short random run can score under an entropy floor). */
function distinct(alphabet: string, n: number): string {
  const a = [...alphabet];
  for (let i = a.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, n).join('');
}
/**
 * Digits with all ten in them, in random order, not starting with 0, and no run like
 * `1234567` (the built-in rules take those for documentation placeholders).
 */
function digits(n: number): string {
  for (;;) {
    const d = r('123456789', 1) + distinct(DIGITS, 10) + r(DIGITS, n - 11);
    if (!/0123456|1234567|2345678|3456789/.test(d)) return d;
  }
}
const uuid = () => `${r(HEX, 8)}-${r(HEX, 4)}-4${r(HEX, 3)}-a${r(HEX, 3)}-${r(HEX, 12)}`;

/**
 * A prefixed token: [rule id, make the token, the line it sits in, the file path, a decoy
 * value for rules whose length has a range (a fixed-length token cut short is the default)].
 */
type Token = [string, () => string, ((t: string) => string)?, string?, string?];
const line = (t: string) => `value = "${t}"`;

const tokens: Token[] = [
  ['1password-secret-key', () => `A3-${r(UA, 6)}-${r(UA, 11)}-${r(UA, 5)}-${r(UA, 5)}-${r(UA, 5)}`],
  ['1password-service-account-token', () => 'ops_eyJ' + r(B62, 300)],
  ['authress-access-key', () => `sc_${r(LA, 12)}.${r(LA, 5)}.acc_${r(LA, 20)}.${r(B64URL, 60)}`],
  ['openshift-user-token', () => 'sha256~' + r(B64URL, 43)],
  ['harness-token', () => `pat.${r(B64URL, 22)}.${r(B62, 24)}.${r(B62, 20)}`],
  ['okta-ssws-token', () => '00' + r(B64URL, 40), (t) => `Authorization: SSWS ${t}`],
  ['artifactory-api-key', () => 'AKCp' + r(B62, 69)],
  ['artifactory-reference-token', () => 'cmVmd' + r(B62, 59)],
  ['clickhouse-cloud-api-secret', () => '4b1d' + r(B62, 38)],
  ['dynatrace-api-token', () => `dt0c01.${r(UA, 24)}.${r(B62, 64)}`],
  ['flyio-macaroon', () => 'fm2_' + r(B64, 200)],
  ['scalingo-api-token', () => 'tk-us-' + r(B64URL, 48)],
  ['infracost-api-token', () => 'ico-' + r(B62, 32)],
  ['octopus-deploy-api-key', () => 'API-' + r(UA, 26)],
  ['prefect-api-token', () => 'pnu_' + r(B62, 36)],
  ['yandex-api-key', () => 'AQVN' + r(B64URL, 36)],
  ['yandex-iam-token', () => `t1.${r(B64URL, 20)}.${r(B64URL, 86)}`],
  [
    'sidekiq-sensitive-url',
    () => `${r(HEX, 8)}:${r(HEX, 8)}`,
    (t) => `source "https://${t}@gems.contribsys.com/"`,
  ],
  [
    'sidekiq-secret',
    () => `${r(HEX, 8)}:${r(HEX, 8)}`,
    (t) => `BUNDLE_GEMS__CONTRIBSYS__COM: "${t}"`,
  ],
  ['gitlab-session-cookie', () => r(LA, 32), (t) => `Cookie: _gitlab_session=${t}`],
  ['sourcegraph-access-token', () => `sgp_${r(HEX, 16)}_${r(HEX, 40)}`],
  ['sonarqube-token', () => 'squ_' + r(HEX, 40)],
  ['perplexity-api-key', () => 'pplx-' + r(B62, 48)],
  ['langsmith-api-key', () => `lsv2_pt_${r(HEX, 32)}_${r(HEX, 10)}`],
  ['readme-api-token', () => 'rdme_' + r(LA, 70)],
  ['frameio-api-token', () => 'fio-u-' + r(B64URL, 64)],
  ['typeform-api-token', () => 'tfp_' + r(B64URL, 59)],
  ['maxmind-license-key', () => `${r(B62, 6)}_${r(B62, 29)}_mmk`],
  ['intra42-client-secret', () => 's-s4t2ud-' + r(HEX, 64)],
  ['settlemint-token', () => 'sm_pat_' + r(B62, 16)],
  ['defined-networking-api-token', () => `dnkey-${r(B62, 26)}-${r(B62, 52)}`],
  ['adobe-client-secret', () => 'p8e-' + r(B62, 32)],
  ['airtable-pat', () => `pat${r(B62, 14)}.${r(HEX, 64)}`],
  ['clojars-api-token', () => 'CLOJARS_' + r(LA, 60)],
  ['grafana-api-key', () => 'eyJrIjoi' + r(B62, 80)],
  [
    'jwt-base64',
    () =>
      Buffer.from(
        `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${r(B64URL, 40)}.${r(B64URL, 43)}`,
      ).toString('base64'),
    undefined,
    undefined,
    Buffer.from('eyJhbGciOiJub25lIn0.').toString('base64'),
  ],
  [
    'gcp-service-account-key',
    () => r(HEX, 40),
    (t) => `{"type": "service_account", "project_id": "demo", "private_key_id": "${t}"}`,
  ],
  ['duffel-api-token', () => 'duffel_live_' + r(B64URL, 43)],
  ['easypost-api-token', () => 'EZAK' + r(B62, 54)],
  ['flutterwave-secret-key', () => `FLWSECK_TEST-${r('abcdef0123456789', 32)}-X`],
  ['shippo-api-token', () => 'shippo_live_' + r(HEX, 40)],
  ['plaid-access-token', () => 'access-production-' + uuid()],
  ['paystack-secret-key', () => 'sk_live_' + r(HEX, 40)],
  ['sendinblue-api-token', () => `xkeysib-${r(HEX, 64)}-${r(B62, 16)}`],
  ['mailgun-pub-key', () => 'pubkey-' + r(HEX, 32)],
  ['newrelic-insert-key', () => 'NRII-' + r(B64URL, 32)],
  ['newrelic-browser-api-token', () => 'NRJS-' + r(HEX, 19)],
  ['newrelic-license-key', () => r(HEX, 36) + 'NRAL'],
  ['facebook-page-access-token', () => 'EAAC' + r(B62, 120)],
  ['slack-legacy-bot-token', () => `xoxb-${r(DIGITS, 10)}-${r(B62, 24)}`],
  [
    'slack-legacy-workspace-token',
    () => `xoxa-2-${r(B62, 32)}`,
    undefined,
    undefined,
    'xoxa-2-abc',
  ],
  ['twilio-api-key', () => 'SK' + r(HEX, 32)],
  ['mapbox-secret-token', () => `sk.eyJ${r(B64URL, 60)}.${r(B64URL, 22)}`],
  [
    'nuget-config-password',
    () => r(B62, 10) + '!' + r(B62, 6),
    (t) => `<add key="ClearTextPassword" value="${t}" />`,
    'NuGet.Config',
    '%NUGET_PASSWORD%',
  ],
  [
    'freemius-secret-key',
    () => 'sk_' + r(B62, 29),
    (t) => `'secret_key' => '${t}',`,
    'plugin/init.php',
  ],
  ['terraform-password', () => r(B62, 14), (t) => `  password = "${t}"`, 'infra/db.tf'],
  [
    'curl-auth-header',
    () => r(B62, 40),
    (t) => `curl -s -X POST -H "Authorization: Bearer ${t}" https://api.acme.dev/v1/run`,
    undefined,
    '$API_TOKEN',
  ],
  [
    'curl-auth-user',
    () => `deploy:${r(B62, 18)}`,
    (t) => `curl --user ${t} https://ci.acme.dev/job/build`,
    undefined,
    'deploy:changeme',
  ],
];

/** A vendor-named value: [rule id, the name it is assigned to, make the value]. */
const namedValues: [string, string, () => string][] = [
  ['adafruit-api-key', 'ADAFRUIT_IO_KEY', () => r(LA + '_', 32)],
  ['adobe-client-id', 'adobe_client_id', () => r(HEX, 32)],
  ['airtable-api-key', 'AIRTABLE_API_KEY', () => 'key' + r(B62, 14)],
  ['algolia-api-key', 'algoliaAdminKey', () => r(LA, 32)],
  ['alibaba-secret-key', 'alibaba_secret', () => r(B62, 30)],
  ['asana-client-id', 'ASANA_CLIENT_ID', () => digits(16)],
  ['asana-client-secret', 'ASANA_CLIENT_SECRET', () => r(LA, 32)],
  ['atlassian-api-token-named', 'JIRA_API_TOKEN', () => r(LA, 20) + r(HEX, 4)],
  ['beamer-api-token', 'BEAMER_API_KEY', () => 'b_' + r(B64URL, 44)],
  ['bitbucket-client-id', 'bitbucket_client_id', () => r(LA, 32)],
  ['bitbucket-client-secret', 'BITBUCKET_CLIENT_SECRET', () => r(B64URL, 64)],
  ['bittrex-key', 'bittrex_api_secret', () => r(LA, 32)],
  ['cisco-meraki-api-key', 'MERAKI_DASHBOARD_API_KEY', () => r(HEX, 40)],
  ['cloudflare-api-token', 'CLOUDFLARE_API_TOKEN', () => r(B64URL, 40)],
  ['cloudflare-global-api-key', 'cloudflare_api_key', () => r(HEX, 37)],
  ['codecov-access-token', 'CODECOV_TOKEN', () => r(LA, 32)],
  ['cohere-api-token', 'COHERE_API_KEY', () => r(B62, 40)],
  ['coinbase-access-token', 'coinbase_token', () => r(B64URL, 64)],
  ['confluent-access-token', 'CONFLUENT_API_KEY', () => distinct(UA, 16)],
  ['confluent-secret-key', 'CONFLUENT_API_SECRET', () => r(B64, 64)],
  ['contentful-delivery-api-token', 'CONTENTFUL_ACCESS_TOKEN', () => r(B64URL, 43)],
  ['datadog-access-token', 'DATADOG_APP_KEY', () => r(LA, 40)],
  ['discord-api-token', 'DISCORD_PUBLIC_TOKEN', () => r(HEX, 64)],
  ['discord-client-id', 'DISCORD_CLIENT_ID', () => digits(18)],
  ['discord-client-secret', 'discord_client_secret', () => r(B64URL, 32)],
  [
    'discord-bot-token',
    'DISCORD_BOT_TOKEN',
    () => `M${r(B64URL, 23)}.${r(B64URL, 6)}.${r(B64URL, 27)}`,
  ],
  ['droneci-access-token', 'DRONECI_TOKEN', () => r(LA, 32)],
  ['dropbox-api-token', 'dropbox_app_secret', () => distinct(LA, 15)],
  ['dropbox-long-lived-api-token', 'DROPBOX_TOKEN', () => `${r(LA, 11)}AAAAAAAAAA${r(B64URL, 43)}`],
  ['dropbox-short-lived-api-token', 'DROPBOX_TOKEN', () => 'sl.' + r(B64URL, 140)],
  ['etsy-access-token', 'ETSY_API_KEY', () => r(LA, 24)],
  ['facebook-secret', 'FACEBOOK_APP_SECRET', () => r(HEX, 32)],
  ['facebook-access-token', 'facebook_token', () => `${r(DIGITS, 15)}|${r(B64URL, 30)}`],
  ['fastly-api-token', 'FASTLY_API_TOKEN', () => r(B64URL, 32)],
  ['finicity-api-token', 'FINICITY_APP_KEY', () => r(HEX, 32)],
  ['finicity-client-secret', 'finicity_secret', () => r(LA, 20)],
  ['finnhub-access-token', 'FINNHUB_TOKEN', () => r(LA, 20)],
  ['flickr-access-token', 'FLICKR_API_KEY', () => r(LA, 32)],
  ['freshbooks-access-token', 'FRESHBOOKS_TOKEN', () => r(LA, 64)],
  ['gitter-access-token', 'GITTER_TOKEN', () => r(LA, 40)],
  ['gocardless-api-token', 'GOCARDLESS_ACCESS_TOKEN', () => 'live_' + r(B64URL, 40)],
  ['hubspot-api-key', 'HUBSPOT_API_KEY', () => uuid()],
  ['intercom-api-key', 'INTERCOM_ACCESS_TOKEN', () => r(B64URL, 60)],
  ['jfrog-api-key', 'ARTIFACTORY_API_KEY', () => r(LA, 73)],
  ['jfrog-identity-token', 'JFROG_ACCESS_TOKEN', () => r(LA, 64)],
  ['kraken-access-token', 'KRAKEN_PRIVATE_KEY', () => r(B64, 88)],
  ['kucoin-key', 'KUCOIN_API_KEY', () => r(HEX, 24)],
  ['launchdarkly-access-token', 'LAUNCHDARKLY_SDK_KEY', () => 'sdk-' + uuid()],
  ['linear-client-secret', 'LINEAR_CLIENT_SECRET', () => r(HEX, 32)],
  ['linkedin-client-id', 'LINKEDIN_CLIENT_ID', () => distinct(LA, 14)],
  ['linkedin-client-secret', 'LINKEDIN_CLIENT_SECRET', () => distinct(LA, 16)],
  ['lob-api-key', 'LOB_API_KEY', () => 'live_' + r(HEX, 35)],
  ['mailgun-signing-key', 'MAILGUN_SIGNING_KEY', () => `${r(HEX, 32)}-${r(HEX, 8)}-${r(HEX, 8)}`],
  ['mailchimp-transactional-key', 'MAILCHIMP_TRANSACTIONAL_KEY', () => 'md-' + r(B64URL, 22)],
  ['mapbox-api-token', 'MAPBOX_TOKEN', () => `pk.${r(LA, 60)}.${r(LA, 22)}`],
  ['mattermost-access-token', 'MATTERMOST_TOKEN', () => r(LA, 26)],
  ['messagebird-api-token', 'MESSAGEBIRD_API_KEY', () => r(LA, 25)],
  ['netlify-access-token', 'NETLIFY_AUTH_TOKEN', () => 'nfp_' + r(B62, 40)],
  ['newrelic-user-api-id', 'NEW_RELIC_API_ID', () => r(LA, 64)],
  ['nytimes-access-token', 'NYTIMES_API_KEY', () => r(B62, 32)],
  ['okta-access-token', 'OKTA_API_TOKEN', () => '00' + r(B64URL, 40)],
  ['plaid-client-id', 'PLAID_CLIENT_ID', () => r(LA, 24)],
  ['plaid-secret-key', 'PLAID_SECRET', () => r(LA, 30)],
  ['privateai-api-token', 'PRIVATE_AI_KEY', () => r(LA, 32)],
  ['rapidapi-access-token', 'X-RapidAPI-Key', () => r(B64URL, 50)],
  ['sendbird-access-token', 'SENDBIRD_API_TOKEN', () => r(HEX, 40)],
  ['sentry-access-token', 'SENTRY_AUTH_TOKEN', () => r(HEX, 64)],
  ['snyk-api-token', 'SNYK_TOKEN', () => uuid()],
  ['sonar-api-token', 'SONAR_TOKEN', () => r(LA, 40)],
  ['squarespace-access-token', 'SQUARESPACE_API_KEY', () => uuid()],
  ['sumologic-access-id', 'SUMO_ACCESS_ID', () => 'su' + r(B62, 12)],
  ['sumologic-access-token', 'SUMO_ACCESS_KEY', () => r(LA, 64)],
  ['telegram-bot-api-token', 'TELEGRAM_BOT', () => `${r(DIGITS, 10)}:A${r(B64URL, 34)}`],
  ['travisci-access-token', 'TRAVIS_TOKEN', () => r(LA, 22)],
  ['twitch-api-token', 'TWITCH_CLIENT_SECRET', () => r(LA, 30)],
  ['twitter-access-secret', 'TWITTER_ACCESS_SECRET', () => r(LA, 45)],
  ['twitter-access-token', 'TWITTER_ACCESS_TOKEN', () => `${r(DIGITS, 19)}-${r(B62, 30)}`],
  ['twitter-api-key', 'TWITTER_API_KEY', () => r(LA, 25)],
  ['twitter-api-secret', 'TWITTER_API_SECRET', () => r(LA, 50)],
  ['twitter-bearer-token', 'TWITTER_BEARER', () => 'A'.repeat(22) + r(B62, 90)],
  ['yandex-aws-access-token', 'YANDEX_ACCESS_KEY', () => 'YC' + r(B64URL, 38)],
  ['zendesk-secret-key', 'ZENDESK_API_TOKEN', () => r(LA, 40)],
];

const idsOf = (text: string, path?: string) => scan(text, path).map((f) => f.ruleId);

describe('every vendor rule has a true sample and a decoy here', () => {
  it('lists each rule of rules/prefixed.ts and rules/named.ts', () => {
    const tested = new Set([...tokens.map(([id]) => id), ...namedValues.map(([id]) => id)]);
    const rules = [...prefixedRules(), ...namedRules()].map((rule) => rule.id);
    expect(rules.filter((id) => !tested.has(id))).toEqual([]);
  });
});

describe('prefixed token formats', () => {
  it.each(tokens.map((t) => [t[0], t] as const))('%s', (id, [, make, render, path, decoy]) => {
    const secret = make();
    const text = (render ?? line)(secret);
    const found = scan(text, path);
    const f = found.find((x) => x.ruleId === id);
    expect(f && sha(f.secret)).toBe(sha(secret));
    // The decoy: the token cut to half its length, unless the rule names its own.
    const short = decoy ?? secret.slice(0, Math.ceil(secret.length / 2));
    expect(idsOf((render ?? line)(short), path)).not.toContain(id);
  });
});

describe('vendor-named values', () => {
  it.each(namedValues.map((n) => [n[0], n] as const))('%s', (id, [, name, make]) => {
    const value = make();
    for (const text of [`${name}=${value}`, `  "${name}": "${value}",`, `${name}: '${value}'`]) {
      const f = scan(text).find((x) => x.ruleId === id);
      expect(f && sha(f.secret)).toBe(sha(value));
    }
    // The decoy: the same value under a name that is not the vendor's.
    expect(idsOf(`ASSET_CHECKSUM=${value}`)).not.toContain(id);
  });
});

describe('path-bound rules only fire in their files', () => {
  it.each([
    [
      'nuget-config-password',
      '<add key="Password" value="Kx7!pQ2mZr9v" />',
      'NuGet.Config',
      'app.config',
    ],
    ['terraform-password', '  password = "Kx7pQ2mZr9vT"', 'main.tf', 'main.py'],
    ['freemius-secret-key', `'secret_key' => 'sk_${'Ab3'.repeat(9)}xy',`, 'a.php', 'a.js'],
  ])('%s', (id, text, inside, outside) => {
    expect(idsOf(text, inside)).toContain(id);
    expect(idsOf(text, outside)).not.toContain(id);
  });
});
