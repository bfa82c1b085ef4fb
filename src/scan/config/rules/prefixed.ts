// Tokens with a documented fixed prefix (or suffix) and alphabet, beyond the families of
// rules.ts: precise rules, tried only where their prefix occurs.
import type { RawRule } from '../../types.js';
import { END_DASHED as E, named, prefixed } from './shape.js';

/**
 * A curl command up to an option: the option on the command's line or on one of the next
 * five continuation lines (a line ending in `\`), each searched a bounded width.
 */
const CURL = String.raw`\bcurl\b(?:[^\n]{0,300}?\\\r?\n){0,5}[^\n]{0,300}?[ \t\r\n]`;

export function prefixedRules(): RawRule[] {
  return [
    // --- secrets managers, identity ------------------------------------------------------
    prefixed(
      '1password-secret-key',
      '1Password account secret key',
      String.raw`\b(A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5})\b`,
      ['a3-'],
      { entropy: 3.5 },
    ),
    prefixed(
      '1password-service-account-token',
      '1Password service account token',
      String.raw`\b(ops_eyJ[A-Za-z0-9+/]{250,1000}={0,3})`,
      ['ops_eyj'],
      { entropy: 4 },
    ),
    prefixed(
      'authress-access-key',
      'Authress service client access key',
      String.raw`\b((?:sc|ext|scauth|authress)_[A-Za-z0-9]{5,30}\.[A-Za-z0-9]{4,6}\.acc[_-][A-Za-z0-9-]{10,32}\.[A-Za-z0-9+/_=-]{30,120})`,
      ['.acc_', '.acc-'],
    ),
    prefixed(
      'openshift-user-token',
      'OpenShift user (OAuth access) token',
      String.raw`\b(sha256~[A-Za-z0-9_-]{43})${E}`,
      ['sha256~'],
      { entropy: 3.5 },
    ),
    prefixed(
      'harness-token',
      'Harness personal or service account token',
      String.raw`\b((?:pat|sat)\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{20})\b`,
      ['pat.', 'sat.'],
    ),
    prefixed(
      'okta-ssws-token',
      'Okta API token in an SSWS authorization header',
      String.raw`(?i)\bSSWS[ \t]+(00[A-Za-z0-9_-]{40})${E}`,
      ['ssws'],
      { entropy: 3.5 },
    ),

    // --- cloud, hosting, infrastructure ------------------------------------------------
    prefixed(
      'artifactory-api-key',
      'JFrog Artifactory API key',
      String.raw`\b(AKCp[A-Za-z0-9]{69})\b`,
      ['akcp'],
      { entropy: 4.5 },
    ),
    prefixed(
      'artifactory-reference-token',
      'JFrog Artifactory reference token',
      String.raw`\b(cmVmd[A-Za-z0-9]{59})\b`,
      ['cmvmd'],
      { entropy: 4.5 },
    ),
    prefixed(
      'clickhouse-cloud-api-secret',
      'ClickHouse Cloud API secret key',
      String.raw`\b(4b1d[A-Za-z0-9]{38})\b`,
      ['4b1d'],
    ),
    prefixed(
      'dynatrace-api-token',
      'Dynatrace API token',
      String.raw`\b((?:dt0c01|dt0s01|dt0s02)\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64})\b`,
      ['dt0c01.', 'dt0s01.', 'dt0s02.'],
      { entropy: 4 },
    ),
    prefixed(
      'flyio-macaroon',
      'Fly.io macaroon token',
      String.raw`\b((?:fm1[ar]|fm2)_[A-Za-z0-9+/]{100,1000}={0,3})`,
      ['fm1a_', 'fm1r_', 'fm2_'],
      { entropy: 4 },
    ),
    prefixed(
      'scalingo-api-token',
      'Scalingo API token',
      String.raw`\b(tk-us-[A-Za-z0-9_-]{48})${E}`,
      ['tk-us-'],
    ),
    prefixed(
      'infracost-api-token',
      'Infracost API token',
      // Not followed by a dot: `favicon.ico-<hash>.png` is a fingerprinted asset name.
      String.raw`\b(ico-[A-Za-z0-9]{32})(?:[^A-Za-z0-9.]|$)`,
      ['ico-'],
    ),
    prefixed(
      'octopus-deploy-api-key',
      'Octopus Deploy API key',
      String.raw`\b(API-[A-Z0-9]{26})\b`,
      ['api-'],
    ),
    prefixed('prefect-api-token', 'Prefect API key', String.raw`\b(pnu_[A-Za-z0-9]{36})\b`, [
      'pnu_',
    ]),
    prefixed(
      'yandex-api-key',
      'Yandex Cloud API key',
      String.raw`\b(AQVN[A-Za-z0-9_-]{35,38})${E}`,
      ['aqvn'],
      { entropy: 3.5 },
    ),
    prefixed(
      'yandex-iam-token',
      'Yandex Cloud IAM token',
      String.raw`\b(t1\.[A-Za-z0-9_-]{1,100}={0,2}\.[A-Za-z0-9_-]{86}={0,2})`,
      ['t1.'],
      { entropy: 4 },
    ),
    prefixed(
      'sidekiq-sensitive-url',
      'Sidekiq Pro/Enterprise credentials in a gem source URL',
      String.raw`(?i)\bhttps?://([a-f0-9]{8}:[a-f0-9]{8})@(?:gems|enterprise)\.contribsys\.com`,
      ['contribsys.com'],
      { entropy: 2 },
    ),
    // gitleaks writes this as a vendor-named value: the same assignment shapes (XML elements,
    // typed Go declarations, setProperty arguments, `=>`) are read.
    named(
      'sidekiq-secret',
      'Sidekiq Pro/Enterprise credentials in a Bundler setting',
      'BUNDLE_(?:ENTERPRISE|GEMS)__CONTRIBSYS__COM',
      ['__contribsys__com'],
      '[a-f0-9]{8}:[a-f0-9]{8}',
      { entropy: 2, tags: ['secret'] },
    ),
    prefixed(
      'gitlab-session-cookie',
      'GitLab session cookie',
      String.raw`\b_gitlab_session=([0-9a-z]{32})\b`,
      ['_gitlab_session='],
    ),
    prefixed(
      'sourcegraph-access-token',
      'Sourcegraph access token',
      String.raw`\b(sgp_(?:(?:[a-fA-F0-9]{16}|local)_)?[a-fA-F0-9]{40})\b`,
      ['sgp_'],
    ),
    prefixed(
      'sonarqube-token',
      'SonarQube / SonarCloud user, project or analysis token',
      String.raw`\b(sq[upa]_[a-f0-9]{40})\b`,
      ['squ_', 'sqp_', 'sqa_'],
    ),

    // --- AI and developer APIs -------------------------------------------------------
    prefixed(
      'perplexity-api-key',
      'Perplexity API key',
      String.raw`\b(pplx-[A-Za-z0-9]{48})\b`,
      ['pplx-'],
      { entropy: 4 },
    ),
    prefixed(
      'langsmith-api-key',
      'LangSmith API key',
      String.raw`\b(lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10})\b`,
      ['lsv2_pt_', 'lsv2_sk_'],
    ),
    prefixed('readme-api-token', 'ReadMe API key', String.raw`\b(rdme_[a-z0-9]{70})\b`, ['rdme_']),
    prefixed(
      'frameio-api-token',
      'Frame.io developer token',
      String.raw`\b(fio-u-[A-Za-z0-9_=-]{64})${E}`,
      ['fio-u-'],
    ),
    prefixed(
      'typeform-api-token',
      'Typeform personal access token',
      String.raw`\b(tfp_[A-Za-z0-9_.=-]{59})(?:[^A-Za-z0-9_.=-]|$)`,
      ['tfp_'],
    ),
    prefixed(
      'maxmind-license-key',
      'MaxMind license key',
      String.raw`\b([A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk)\b`,
      ['_mmk'],
      { entropy: 4 },
    ),
    prefixed(
      'intra42-client-secret',
      '42 Intra API client secret',
      String.raw`\b(s-s4t2(?:ud|af)-[a-f0-9]{64})\b`,
      ['s-s4t2ud-', 's-s4t2af-'],
    ),
    prefixed(
      'settlemint-token',
      'SettleMint personal, application or service access token',
      String.raw`\b(sm_(?:pat|aat|sat)_[A-Za-z0-9]{16})\b`,
      ['sm_pat_', 'sm_aat_', 'sm_sat_'],
    ),
    prefixed(
      'defined-networking-api-token',
      'Defined Networking API token',
      String.raw`\b(dnkey-[A-Za-z0-9=_-]{26}-[A-Za-z0-9=_-]{52})(?:[^A-Za-z0-9=_-]|$)`,
      ['dnkey-'],
    ),
    prefixed(
      'adobe-client-secret',
      'Adobe OAuth client secret',
      String.raw`\b(p8e-[A-Za-z0-9]{32})\b`,
      ['p8e-'],
    ),
    prefixed(
      'airtable-pat',
      'Airtable personal access token',
      String.raw`\b(pat[A-Za-z0-9]{14}\.[a-f0-9]{64})\b`,
      ['pat'],
      { entropy: 3.5 },
    ),
    prefixed(
      'clojars-api-token',
      'Clojars deploy token',
      String.raw`(?i)\b(CLOJARS_[a-z0-9]{60})\b`,
      ['clojars_'],
    ),
    prefixed(
      'grafana-api-key',
      'Grafana API key (legacy, base64 JSON)',
      String.raw`\b(eyJrIjoi[A-Za-z0-9]{70,400}={0,3})`,
      ['eyjrijoi'],
    ),
    prefixed(
      'jwt-base64',
      'JSON Web Token, base64-encoded',
      // base64 of `eyJhbGciOi`, `eyJ0eXAiOi`, `eyJraWQiO`: a JWT whose header starts with alg, typ or kid.
      String.raw`\b((?:ZXlKaGJHY2lPaU|ZXlKMGVYQWlPaU|ZXlKcmFXUWlP)[A-Za-z0-9+/]{40,1000}={0,2})`,
      ['zxlkagjhy2lpau', 'zxlkmgvyqwlpau', 'zxlkcmfxuwlp'],
    ),
    prefixed(
      'gcp-service-account-key',
      'Google Cloud service account key file',
      String.raw`"type"[ \t]{0,3}:[ \t]{0,3}"service_account"[^}]{0,300}?"private_key_id"[ \t]{0,3}:[ \t]{0,3}"([a-f0-9]{40})"`,
      ['"service_account"'],
    ),

    // --- payments, commerce, finance ---------------------------------------------------
    prefixed(
      'duffel-api-token',
      'Duffel API token',
      String.raw`\b(duffel_(?:test|live)_[A-Za-z0-9_=-]{43})(?:[^A-Za-z0-9_=-]|$)`,
      ['duffel_test_', 'duffel_live_'],
    ),
    prefixed(
      'easypost-api-token',
      'EasyPost production or test API key',
      String.raw`\b(EZ[AT]K[A-Za-z0-9]{54})\b`,
      ['ezak', 'eztk'],
    ),
    prefixed(
      'flutterwave-secret-key',
      'Flutterwave secret or encryption key',
      String.raw`\b(FLWSECK(?:_TEST)?-(?:[a-hA-H0-9]{32}-X|[a-hA-H0-9]{12}))(?:[^A-Za-z0-9_-]|$)`,
      ['flwseck'],
    ),
    prefixed(
      'shippo-api-token',
      'Shippo API token',
      String.raw`\b(shippo_(?:live|test)_[a-fA-F0-9]{40})\b`,
      ['shippo_live_', 'shippo_test_'],
    ),
    prefixed(
      'plaid-access-token',
      'Plaid access token',
      String.raw`\b(access-(?:sandbox|development|production)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b`,
      ['access-sandbox-', 'access-development-', 'access-production-'],
    ),
    prefixed(
      'paystack-secret-key',
      'Paystack secret key',
      String.raw`\b(sk_(?:live|test)_[a-f0-9]{40})\b`,
      ['sk_live_', 'sk_test_'],
    ),

    // --- messaging, mail, marketing ------------------------------------------------------
    prefixed(
      'sendinblue-api-token',
      'Brevo (Sendinblue) API or SMTP key',
      String.raw`\b((?:xkeysib|xsmtpsib)-[a-f0-9]{64}-[A-Za-z0-9]{16})\b`,
      ['xkeysib-', 'xsmtpsib-'],
    ),
    prefixed(
      'mailgun-pub-key',
      'Mailgun public validation key',
      String.raw`\b(pubkey-[a-f0-9]{32})\b`,
      ['pubkey-'],
      { entropy: 3.2 },
    ),
    prefixed(
      'newrelic-insert-key',
      'New Relic insights insert key',
      String.raw`\b(NRII-[A-Za-z0-9_-]{32})${E}`,
      ['nrii-'],
    ),
    prefixed(
      'newrelic-browser-api-token',
      'New Relic ingest browser API token',
      String.raw`\b(NRJS-[a-f0-9]{19})\b`,
      ['nrjs-'],
    ),
    prefixed(
      'newrelic-license-key',
      'New Relic ingest license key',
      String.raw`\b([a-f0-9]{36}NRAL)\b`,
      ['nral'],
    ),
    prefixed(
      'facebook-page-access-token',
      'Facebook (Meta) page or user access token',
      String.raw`\b(EAA[MC][A-Za-z0-9]{100,1000})\b`,
      ['eaam', 'eaac'],
      { entropy: 4 },
    ),
    prefixed(
      'slack-legacy-bot-token',
      'Slack legacy bot token',
      String.raw`\b(xoxb-[0-9]{8,14}-[A-Za-z0-9]{18,26})\b`,
      ['xoxb-'],
    ),
    prefixed(
      'slack-legacy-workspace-token',
      'Slack legacy workspace or refresh token',
      String.raw`\b(xox[ar]-(?:[0-9]-)?[0-9A-Za-z]{8,48})\b`,
      ['xoxa-', 'xoxr-'],
    ),
    prefixed(
      'twilio-api-key',
      'Twilio API key SID (with its secret nearby)',
      String.raw`\b(SK[0-9a-f]{32})\b`,
      ['sk'],
    ),
    prefixed(
      'mapbox-secret-token',
      'Mapbox secret access token',
      String.raw`\b(sk\.eyJ[A-Za-z0-9_-]{40,400}\.[A-Za-z0-9_-]{22})${E}`,
      ['sk.eyj'],
      { entropy: 4 },
    ),

    // --- files that hold credentials by their path -------------------------------------
    prefixed(
      'nuget-config-password',
      'Password in a NuGet.config package source credential',
      String.raw`(?i)<add[ \t]+key="(?:ClearText)?Password"[ \t\r\n]{0,20}value="([^"]{8,200})"`,
      ['password"'],
      {
        entropy: 1,
        path: String.raw`(?i)(?:^|/)nuget\.config$`,
        allowlists: [
          {
            description: 'environment variable references (%NAME%, $(Name))',
            regexes: [String.raw`^%[^%\s]+%$`, String.raw`^\$\(`],
          },
          {
            // The sample passwords of Microsoft's nuget.config reference page.
            description: 'documentation samples',
            regexes: [String.raw`^(?:33f!!lloppa|hal\+9ooo_da!sY)$`],
          },
        ],
      },
    ),
    prefixed(
      'freemius-secret-key',
      'Freemius SDK secret key in PHP',
      String.raw`(?i)["']secret_key["'][ \t]{0,5}=>[ \t]{0,5}["'](sk_[^\s'"]{29})["']`,
      ['secret_key'],
      { entropy: 2, path: String.raw`(?i)\.php$` },
    ),
    prefixed(
      'terraform-password',
      'Password in a Terraform or HCL file',
      // `terraform fmt` aligns the `=` of neighbouring arguments: many blanks may come first.
      String.raw`(?i)\b(?:administrator_login_)?password[\w.-]{0,20}?[ \t]{0,40}=[ \t]{0,5}"([A-Za-z0-9=_!@#%^*.-]{8,64})"`,
      ['password'],
      {
        entropy: 2.5,
        path: String.raw`(?i)\.(?:tf|tfvars|hcl)$`,
        allowlists: [
          {
            description: 'variables and placeholders',
            regexes: [String.raw`(?i)^(?:password|passw0rd|p@ssw0rd|changeme|example|test|secret)`],
            stopwords: ['your', 'example', 'changeme', 'placeholder', 'replace', 'xxxx', 'dummy'],
          },
        ],
      },
    ),
    prefixed(
      'curl-auth-header',
      'Credential in a curl command header',
      // As gitleaks' rule reads it: a Basic value in base64, a Bearer or Token value, a bare
      // Authorization value, or an X-…-Api-Key / Token header, quoted, on the command's line
      // or on one of its continuation lines.
      String.raw`(?i)${CURL}(?:-H|--header)(?:=|[ \t]{0,5})["'](?:Authorization:[ \t]{0,5}(?:Basic[ \t]([A-Za-z0-9+/]{8,300}={0,3})|(?:Bearer|(?:Api-)?Token)[ \t]([\w=~@.+/-]{8,300})|([\w=~@.+/-]{8,300}))|(?:X-(?:[a-z]{1,30}-)?)?(?:Api-?)?(?:Key|Token):[ \t]{0,5}([\w=~@.+/-]{8,300}))["']`,
      ['curl'],
      {
        entropy: 2.75,
        // The first group that took part is the secret.
        secretGroup: 0,
        allowlists: [
          {
            description: 'shell variables and placeholders',
            regexes: [String.raw`^\$`, String.raw`(?i)^(?:token|api[_-]?key|xxx+)$`],
          },
        ],
      },
    ),
    prefixed(
      'curl-auth-user',
      'user:password in a curl command',
      // gitleaks' forms: "user:pass", ":pass" and "user:" quoted, 'user:pass', and each half
      // quoted or bare (user:'pass', "{id}":"{secret}"); a bare password may hold punctuation.
      String.raw`(?i)${CURL}(?:-u|--user)(?:=|[ \t]{1,5})(?:"(:[^"\n]{3,100}|[^:"\n]{3,100}:|[^:"\n]{3,100}:[^"\n]{3,100})"|'([^:'\n]{3,100}:[^'\n]{3,100})'|((?:"[^"\n]{3,100}"|'[^'\n]{3,100}'|[\w$@.-]{1,100}):(?:"[^"\n]{3,100}"|'[^'\n]{3,100}'|[^\s'"<>[\]:]{1,100})))(?:\s|$)`,
      ['curl'],
      {
        entropy: 2,
        secretGroup: 0,
        allowlists: [
          {
            description: 'placeholders, variables, templates and commands',
            regexes: [
              String.raw`(?i):['"]?(?:change(?:it|me)|pass(?:word)?|pwd|test|token|\*+|x+)['"]?$`,
              String.raw`<[^>]*>`,
              String.raw`:['"]?\$(?:\d|\w+|\{[^}]*\})['"]?$`,
              String.raw`\$\(`,
              String.raw`\{\{`,
            ],
          },
        ],
      },
    ),
  ];
}
