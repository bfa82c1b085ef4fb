// The built-in rule set: what `[extend] useDefault = true` extends and what a repository
// without `.gitleaks.toml` is scanned with. Written as a gitleaks config (RE2 regexes,
// keywords, entropy, allowlists) so that it goes through the same loader as users' files.
//
// Vendor tokens with a fixed prefix are in rules/prefixed.ts, vendor keys recognised by the
// vendor's name next to them in rules/named.ts, the shared building blocks in rules/shape.ts.
//
// Each rule follows the provider's documented token format: a fixed prefix and alphabet
// where one exists (those rules are precise), context words and an entropy floor where it
// doesn't. Every rule has keywords that occur inside its matches: the matcher only runs a
// rule's regex next to one of them. Secrets are capture group 1 unless said otherwise.
//
// Each pattern runs on V8's backtracking engine, so each is written to take time linear in
// the text (see __tests__/unit/scan/linear.test.ts): no quantified run overlaps the next
// item it must give way to, and a run that ends a token is capped (RE2's largest count,
// 1000): uncapped, a run of megabytes overflows V8's backtracking stack.
import type { RawAllowlist, RawConfig, RawRule } from '../types.js';
import { namedRules } from './rules/named.js';
import { prefixedRules } from './rules/prefixed.js';
import { ASSIGN, named, prefixed, UUID } from './rules/shape.js';

/** Values that are templates, placeholders or documentation samples, not credentials. */
const PLACEHOLDERS: RawAllowlist = {
  description: 'placeholders, masks and template references',
  regexes: [
    String.raw`(?i)(?:x{6,}|\*{4,}|0{8,}|\.\.\.|<[a-z0-9_ .-]*>|\$\{[^}]*\}|\{\{[^}]*\}\})`,
    String.raw`(?i)(?:example|sample|dummy|placeholder|changeme|redacted|your[_-]?(?:api|secret|token|key|pass|access|client)|insert[_-]?your|replace[_-]?me|fake[_-]?(?:key|token|secret|pass))`,
    String.raw`(?i)(?:0123456|1234567|abcdefg|qwertyu)`,
  ],
};

// No path allowlist: the scan skips a file only when it is binary by content type, and
// names it (SPEC §2.1; content-type.ts). A name says nothing of what a file holds: a PR could
// put a key in `creds.svg`, `notes.pdf`, a force-added `node_modules/x/index.js` or a lock
// file's resolved URL, and a skip by name would pass it unseen. What such skips once kept
// out is kept out by content: real images, archives and compiled objects by their
// signature; lock files' integrity hashes and digests meet no rule (no key-like name before
// them, and no vendor prefix), as the bench's lock-file corpus checks; vendored code's
// documentation samples by PLACEHOLDERS (above). A repository that wants a path left out says
// so in its own `.gitleaks.toml` (`[[allowlists]] paths`), and the scan names what that skips.

/** What follows a key-like name before its value: `NAME = "`, `"name": "`, `name: `, … */
const GENERIC_NAME = String.raw`(?i)(?:key|secret|token|passw(?:or)?d|pwd|credentials?)[\w.-]{0,25}?`;
/** The same names but passwords: those have their own rule (a lower entropy floor). */
const KEY_NAME = String.raw`(?i)(?:key|secret|token|credentials?|creds|auth)[\w.-]{0,25}?`;
/** Only names of passwords: a password is a secret at a lower entropy than a key is. */
const PASSWORD_NAME = String.raw`(?i)(?:passw(?:or)?d|pwd|passphrase)[\w.-]{0,25}?`;
/**
 * The assignment shapes gitleaks' generic rule understands, on top of ASSIGN: a declared
 * type between name and operator (Go's `var apiKey string = "…"`, `apiKey: string = "…"`,
 * Python's `token: str = "…"`) and a comma between a quoted name and its value
 * (`setProperty("X_TOKEN", "…")`, `put('api_key', '…')`).
 */
const GENERIC_ASSIGN = String.raw`(?:[ \t]{1,3}(?:string|str|\[\]byte)|[ \t]{0,3}:[ \t]{0,3}(?:string|str))?(?:${ASSIGN}|['"][ \t]{0,3},[ \t]{0,3}['"\x60])`;
/** What may follow the value: a quote, a separator, an escaped line break, the line's end. */
const GENERIC_END = String.raw`(?:['"\x60;,)}\]<>&| \t\r\f]|\\[nr]|(?m:$))`;
/**
 * A value that looks random: a value made only of letters, '_', '.' and '-' is a name, not
 * a secret, so one other character is required. The required character is the value's first
 * such one, so a try has one way to split the value (two overlapping runs around it, as this
 * once was, give V8 64 × 64 splits to try at each keyword before the terminator fails:
 * `key=key=…` took ~2 s a MB). It matches every value the overlapping form did (the value is
 * always the whole run up to the terminator, whose characters are outside the value's), and
 * values up to 193.
 */
const GENERIC_VALUE = String.raw`([A-Za-z_.-]{0,64}[0-9=+/~!@#%^*][\w.=+/~!@#%^*-]{0,128})`;
const GENERIC_KEYWORDS = ['key', 'secret', 'token', 'passw', 'pwd', 'credential'];

/**
 * A key-like name assigned a value that looks random. Both generic rules share the names,
 * the keywords and what is not a secret; they differ in the value's alphabet and entropy floor.
 */
function genericRule(
  id: string,
  description: string,
  regex: string,
  entropy: number,
  notValues: string[],
  keywords = GENERIC_KEYWORDS,
): RawRule {
  return {
    id,
    description,
    regex,
    secretGroup: 1,
    entropy,
    keywords,
    tags: ['secret', 'generic'],
    allowlists: [
      {
        description: 'identifiers, code references, paths, numbers, e-mail addresses and UUIDs',
        regexes: [
          String.raw`^[A-Za-z_.-]+$`,
          String.raw`^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$`,
          String.raw`^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$`,
          String.raw`^[a-z]+(?:[A-Z][a-z0-9]+)+$`,
          String.raw`^(?:\.{0,2}|~)/`,
          String.raw`^%`,
          String.raw`^[0-9.:-]+$`,
          String.raw`^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$`,
          String.raw`^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$`,
          ...notValues,
        ],
        stopwords: [
          'example',
          'sample',
          'dummy',
          'placeholder',
          'changeme',
          'redacted',
          'your',
          'xxxx',
          'test',
          'fake',
          'mock',
          'undefined',
          'null',
          'none',
          'todo',
          'replace',
          'insert',
          'lorem',
        ],
      },
      {
        description: 'names of key metadata (ids, hashes, names, lengths), not key material',
        regexTarget: 'match',
        regexes: [
          String.raw`(?i)^(?:key|secret|token|passw(?:or)?d|pwd|credentials?|creds|auth)[\w.-]*?(?:hash|sha\d*|md5|digest|checksum|fingerprint|id|ids|name|type|url|uri|path|file|len|length|size|count|format|prefix|version|expiry|expires|expiration|ttl|timeout|header|field|param|policy|ref|env|var)['"]?[ \t]*(?::|=)`,
          // Words and names that start with the keyword (keyword:, key_down_event=, keyVault…,
          // author =, authority:): the match starts at the keyword, so its start tells.
          String.raw`(?i)^(?:key(?:[_.-]?(?:alias|board|code|frame|id|length|mesh|name|pair|press(?:ed)?|ring|selector|signature|size|stone|storetype|word|up|down|left|right|vault|store|tab|file)|ing)|secret[_.-]?(?:length|name|size)|token[_.-]?(?:endpoint|ur[il]|file)|auth(?:or|ority|entication|source)|creds?[_.-]?id)`,
        ],
        // A value gitleaks' maintainers found in yarn berry's sources (not a credential).
        stopwords: ['6fe4476ee5a1832882e326b506d14126'],
      },
      {
        description: 'public keys',
        regexTarget: 'line',
        regexes: [String.raw`(?i)(?:public|publishable|pub)[_.-]?(?:key|token)`],
      },
      {
        // The match starts at the keyword, so the word before `key` is only on the line.
        description: 'keys that name things: cache, storage, database, i18n and sort keys',
        regexTarget: 'line',
        regexes: [
          String.raw`(?i)\b(?:cache|bucket|object|s3|storage|foreign|primary|partition|sort|routing|shard|idempotency|dedup(?:lication)?|lookup|schema|sequence|translation|i18n|hot|idx|natural|row|map|dict)[_.-]?key['"]?[ \t]{0,3}[:=]`,
          // Words holding a keyword (monkey, turkey), CSRF tokens and Maven coordinates.
          String.raw`(?i)(?:[dm]onkey|turkey|csrf[_.-]?token|io\.jsonwebtoken[ \t]?:)`,
        ],
      },
    ],
  };
}

function rules(): RawRule[] {
  return [
    // --- cloud providers -------------------------------------------------------------
    prefixed(
      'aws-access-key-id',
      'AWS access key ID',
      String.raw`\b((?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b`,
      ['akia', 'asia', 'abia', 'acca'],
    ),
    prefixed(
      'aws-secret-access-key',
      'AWS secret access key',
      String.raw`(?i)(?:aws[\w.-]{0,20}?secret[\w.-]{0,20}?|secret[_.-]?access[_.-]?key[\w.-]{0,10}?)${ASSIGN}([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)`,
      ['aws', 'secret_access', 'secretaccess', 'secret-access', 'secret.access'],
      { entropy: 4 },
    ),
    prefixed(
      'gcp-api-key',
      'Google Cloud API key',
      String.raw`\b(AIza[0-9A-Za-z_-]{35})(?:[^0-9A-Za-z_-]|$)`,
      ['aiza'],
      {
        entropy: 3.5,
        allowlists: [
          {
            // Keys written into the tests and samples of firebase/firebase-android-sdk:
            // published, and the same in every clone of it.
            description: 'Firebase SDK example keys',
            regexes: [
              String.raw`^AIza(?:Syabcdefghijklmnopqrstuvwxyz1234567|SyAnLA7NfeLquW1tJFpx_eQCxoX-oo6YyIs|SyCkEhVjf3pduRDt6d1yKOMitrUEke8agEM|SyDMAScliyLx7F0NPDEJi1QmyCgHIAODrlU|SyD3asb-2pEZVqMkmL6M9N6nHZRR_znhrh0|yDNSXIbFmlXbIE6mCzDLQAqITYefhixbX4A|SyAdOS2zB6NCsk1pCdZ4-P6GBdi_UUPwX7c|SyASWm6HmTMdYWpgMnjRBjxcQ9CKctWmLd4|SyANUvH9H9BsUccjsu2pCmEkOPjjaXeDQgY|SyA5_iVawFQ8ABuTZNUdcwERLJv_a_p4wtM|SyA4UrcGxgwQFTfaI3no3t7Lt1sjmdnP5sQ|SyDSb51JiIcB6OJpwwMicseKRhhrOq1cS7g|SyBF2RrAIm4a0mO64EShQfqfd2AFnzAvvuU|SyBcE-OOIbhjyR83gm4r2MFCu4MJmprNXsw|SyB8qGxt4ec15vitgn44duC5ucxaOi4FmqE|SyA8vmApnrHNFE0bApF4hoZ11srVL_n0nvY)$`,
            ],
          },
        ],
      },
    ),
    prefixed(
      'gcp-oauth-client-secret',
      'Google OAuth client secret',
      String.raw`\b(GOCSPX-[0-9A-Za-z_-]{28})(?:[^0-9A-Za-z_-]|$)`,
      ['gocspx-'],
    ),
    prefixed(
      'gcp-oauth-access-token',
      'Google OAuth access token',
      String.raw`\b(ya29\.[0-9A-Za-z_-]{30,1000})`,
      ['ya29.'],
      { entropy: 4 },
    ),
    prefixed(
      'azure-storage-account-key',
      'Azure storage account key in a connection string',
      String.raw`(?i)AccountKey=([A-Za-z0-9+/]{86}==)`,
      ['accountkey='],
      { entropy: 4 },
    ),
    prefixed(
      'azure-shared-access-key',
      'Azure Service Bus / Event Hubs / IoT shared access key',
      String.raw`(?i)SharedAccessKey=([A-Za-z0-9+/]{42,43}=)`,
      ['sharedaccesskey='],
      { entropy: 4 },
    ),
    prefixed(
      'azure-ad-client-secret',
      'Microsoft Entra ID (Azure AD) client secret',
      String.raw`(?:^|[^A-Za-z0-9_~.-])([A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34})(?:[^A-Za-z0-9_~.-]|$)`,
      ['q~'],
      { entropy: 3.5 },
    ),
    prefixed(
      'azure-sas-token',
      'Azure shared access signature',
      String.raw`(?i)\bsv=\d{4}-\d{2}-\d{2}&[^\s'"]{0,300}?\bsig=([A-Za-z0-9%+/]{40,100})`,
      ['sig='],
      { entropy: 3.5 },
    ),
    prefixed(
      'alibaba-access-key-id',
      'Alibaba Cloud AccessKey ID',
      String.raw`\b(LTAI[A-Za-z0-9]{20})\b`,
      ['ltai'],
      { entropy: 3.5 },
    ),
    prefixed(
      'digitalocean-token',
      'DigitalOcean personal access, OAuth or refresh token',
      String.raw`\b(do[opr]_v1_[a-f0-9]{64})\b`,
      ['dop_v1_', 'doo_v1_', 'dor_v1_'],
    ),
    prefixed(
      'heroku-api-key',
      'Heroku API key',
      String.raw`\b(HRKU-AA[0-9A-Za-z_-]{58})(?:[^0-9A-Za-z_-]|$)`,
      ['hrku-'],
    ),
    // A UUID next to Heroku's name, in every assignment shape gitleaks reads.
    named(
      'heroku-api-key-legacy',
      'Heroku API key (UUID form, named)',
      'heroku',
      ['heroku'],
      UUID,
      { tags: ['secret'] },
    ),
    prefixed(
      'cloudflare-origin-ca-key',
      'Cloudflare Origin CA key',
      String.raw`\b(v1\.0-[a-f0-9]{24}-[a-f0-9]{146})\b`,
      ['v1.0-'],
    ),
    prefixed(
      'databricks-token',
      'Databricks personal access token',
      String.raw`\b(dapi[a-f0-9]{32}(?:-[0-9])?)\b`,
      ['dapi'],
    ),
    prefixed(
      'flyio-token',
      'Fly.io access token',
      String.raw`\b(fo1_[A-Za-z0-9_-]{43})(?:[^A-Za-z0-9_-]|$)`,
      ['fo1_'],
    ),

    // --- source forges and CI ------------------------------------------------------------
    prefixed(
      'github-pat',
      'GitHub personal access token',
      String.raw`\b(ghp_[A-Za-z0-9]{36})\b`,
      ['ghp_'],
      {
        entropy: 3.5,
      },
    ),
    prefixed(
      'github-fine-grained-pat',
      'GitHub fine-grained personal access token',
      String.raw`\b(github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})\b`,
      ['github_pat_'],
      { entropy: 3.5 },
    ),
    prefixed(
      'github-oauth',
      'GitHub OAuth access token',
      String.raw`\b(gho_[A-Za-z0-9]{36})\b`,
      ['gho_'],
      {
        entropy: 3.5,
      },
    ),
    prefixed(
      'github-app-token',
      'GitHub App user-to-server or installation token',
      String.raw`\b((?:ghu|ghs)_[A-Za-z0-9]{36})\b`,
      ['ghu_', 'ghs_'],
      { entropy: 3.5 },
    ),
    prefixed(
      'github-refresh-token',
      'GitHub refresh token',
      String.raw`\b(ghr_[A-Za-z0-9]{36,76})\b`,
      ['ghr_'],
      { entropy: 3.5 },
    ),
    prefixed(
      'gitlab-pat',
      'GitLab personal, project or group access token',
      String.raw`\b(glpat-[0-9A-Za-z_-]{20,80}(?:\.[0-9A-Za-z_-]{2,80}){0,2})`,
      ['glpat-'],
      { entropy: 3.5 },
    ),
    prefixed(
      'gitlab-pipeline-trigger-token',
      'GitLab pipeline trigger token',
      String.raw`\b(glptt-[0-9a-f]{40})\b`,
      ['glptt-'],
    ),
    prefixed(
      'gitlab-runner-registration-token',
      'GitLab runner registration token',
      String.raw`\b(GR1348941[0-9A-Za-z_-]{20})(?:[^0-9A-Za-z_-]|$)`,
      ['gr1348941'],
    ),
    prefixed(
      'gitlab-token',
      'GitLab deploy, runner, CI job, feed, SCIM, OAuth, mail or agent token',
      String.raw`\b(gl(?:dt|rt|cbt|ft|soat|oas|imt|agent)-[0-9A-Za-z_-]{20,80})`,
      ['gldt-', 'glrt-', 'glcbt-', 'glft-', 'glsoat-', 'gloas-', 'glimt-', 'glagent-'],
      { entropy: 3.5 },
    ),
    prefixed(
      'bitbucket-app-password',
      'Bitbucket app password',
      String.raw`\b(ATBB[A-Za-z0-9_=.-]{28,100})`,
      ['atbb'],
      { entropy: 3.5 },
    ),
    prefixed(
      'atlassian-api-token',
      'Atlassian API token',
      String.raw`\b(ATATT3[A-Za-z0-9_=-]{150,250})`,
      ['atatt3'],
      { entropy: 3.5 },
    ),
    prefixed(
      'terraform-cloud-token',
      'Terraform Cloud / HCP Terraform API token',
      String.raw`\b([A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70})\b`,
      ['atlasv1'],
      { entropy: 3.5 },
    ),
    prefixed(
      'vault-service-token',
      'HashiCorp Vault service, batch or recovery token',
      String.raw`\b(hv[sbr]\.[A-Za-z0-9_-]{90,300})(?:[^A-Za-z0-9_-]|$)`,
      ['hvs.', 'hvb.', 'hvr.'],
      { entropy: 3.5 },
    ),
    prefixed(
      'vault-token-legacy',
      'HashiCorp Vault token (legacy s. form)',
      // gitleaks' form: `s.` and 24 letters and digits, alone (a word ends before and after).
      String.raw`\b(s\.[A-Za-z0-9]{24})(?:[\x60'"\s;]|\\[nr]|$)`,
      ['s.'],
      {
        entropy: 3.5,
        allowlists: [
          {
            description: 'member accesses: letters only (s.makeKubeConfigController)',
            regexes: [String.raw`^s\.[A-Za-z]{24}$`],
          },
        ],
      },
    ),
    prefixed(
      'doppler-token',
      'Doppler token',
      String.raw`\b(dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44})\b`,
      ['dp.pt.', 'dp.st.', 'dp.sa.', 'dp.ct.', 'dp.scim.', 'dp.audit.'],
    ),
    prefixed('pulumi-token', 'Pulumi access token', String.raw`\b(pul-[a-f0-9]{40})\b`, ['pul-']),
    prefixed(
      'tailscale-key',
      'Tailscale auth, API or OAuth client key',
      String.raw`\b(tskey-(?:auth|api|client|scim|webhook)-[A-Za-z0-9]{8,20}-[A-Za-z0-9]{16,64})\b`,
      ['tskey-'],
    ),
    prefixed(
      'sentry-token',
      'Sentry organization or user auth token',
      String.raw`\b(sntrys_eyJ[A-Za-z0-9+/=_-]{80,1000}|sntryu_[a-f0-9]{64})`,
      ['sntrys_', 'sntryu_'],
    ),
    prefixed(
      'grafana-token',
      'Grafana Cloud access policy or service account token',
      String.raw`\b(glc_[A-Za-z0-9+/]{32,400}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})`,
      ['glc_', 'glsa_'],
      { entropy: 3.5 },
    ),
    prefixed(
      'newrelic-user-api-key',
      'New Relic user API key',
      String.raw`\b(NRAK-[A-Z0-9]{27})\b`,
      ['nrak-'],
    ),
    prefixed(
      'supabase-token',
      'Supabase personal access token',
      String.raw`\b(sbp_[a-f0-9]{40})\b`,
      ['sbp_'],
    ),
    prefixed(
      'planetscale-token',
      'PlanetScale password, API or OAuth token',
      String.raw`\b(pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_.=-]{32,64})`,
      ['pscale_'],
    ),

    // --- chat and webhooks -----------------------------------------------------------------
    prefixed(
      'slack-bot-token',
      'Slack bot token',
      String.raw`\b(xoxb-[0-9]{8,14}-[0-9]{8,14}-[A-Za-z0-9]{20,32})\b`,
      ['xoxb-'],
    ),
    prefixed(
      'slack-user-token',
      'Slack user token',
      String.raw`\b(xox[pe](?:-[0-9]{8,14}){2,3}-[A-Za-z0-9]{28,40})\b`,
      ['xoxp-', 'xoxe-'],
    ),
    prefixed(
      'slack-app-token',
      'Slack app-level token',
      String.raw`(?i)\b(xapp-[0-9]-[A-Z0-9]{8,14}-[0-9]{10,16}-[a-z0-9]{32,80})\b`,
      ['xapp-'],
    ),
    prefixed(
      'slack-legacy-token',
      'Slack legacy workspace, app or refresh token',
      String.raw`\b(xox[aors]-[0-9]{6,100}-[0-9A-Za-z-]{10,1000}|xox[os]-[0-9]{1,20}-[0-9]{1,20}-[0-9]{1,20}-[a-fA-F0-9]{8,100})`,
      ['xoxa-', 'xoxo-', 'xoxr-', 'xoxs-'],
      { entropy: 3.5 },
    ),
    prefixed(
      'slack-config-token',
      'Slack configuration or refresh token',
      String.raw`\b(xoxe(?:\.xox[bp])?-[0-9]-[A-Za-z0-9]{140,180})\b`,
      ['xoxe.xox', 'xoxe-'],
    ),
    prefixed(
      'slack-webhook-url',
      'Slack incoming webhook or workflow trigger URL',
      String.raw`hooks\.slack\.com/((?:services|workflows|triggers)/[A-Za-z0-9+/]{40,100})`,
      ['hooks.slack.com'],
    ),
    prefixed(
      'discord-webhook-url',
      'Discord webhook URL',
      String.raw`discord(?:app)?\.com/api/webhooks/([0-9]{17,20}/[A-Za-z0-9_-]{60,68})`,
      ['/api/webhooks/'],
    ),
    prefixed(
      'microsoft-teams-webhook-url',
      'Microsoft Teams incoming webhook URL',
      String.raw`(?i)\.webhook\.office\.com/webhookb2/([a-z0-9-]{36}@[a-z0-9-]{36}/IncomingWebhook/[a-z0-9]{32}/[a-z0-9-]{36}(?:/[A-Za-z0-9_-]{30,80})?)`,
      ['webhook.office.com'],
    ),
    prefixed(
      'power-automate-webhook-url',
      'Power Automate / Teams workflow webhook URL',
      String.raw`(?i)/workflows/[a-f0-9]{32}/triggers/manual/paths/invoke\?[^\s'"]{0,200}?\bsig=([A-Za-z0-9_-]{43})`,
      ['/triggers/manual/paths/invoke'],
      { entropy: 3.5 },
    ),
    prefixed(
      'telegram-bot-token',
      'Telegram bot token',
      String.raw`\b([0-9]{8,10}:AA[0-9A-Za-z_-]{33})(?:[^0-9A-Za-z_-]|$)`,
      [':aa'],
      { entropy: 3.5 },
    ),

    // --- payments ------------------------------------------------------------------------
    prefixed(
      'stripe-secret-key',
      'Stripe secret or restricted API key',
      String.raw`\b((?:sk|rk)_(?:live|test|prod)_[0-9A-Za-z]{16,247})\b`,
      ['sk_live_', 'sk_test_', 'sk_prod_', 'rk_live_', 'rk_test_', 'rk_prod_'],
      {
        entropy: 3.5,
        // The test key printed throughout Stripe's API reference.
        allowlists: [
          {
            description: 'documented sample key',
            regexes: [String.raw`^sk_test_4eC39HqLyjWDarjtT1zdp7dc$`],
          },
        ],
      },
    ),
    prefixed(
      'stripe-webhook-secret',
      'Stripe webhook signing secret',
      String.raw`\b(whsec_[A-Za-z0-9]{32,64})\b`,
      ['whsec_'],
      { entropy: 3.5 },
    ),
    prefixed(
      'square-access-token',
      'Square access token',
      String.raw`\b(EAAA[0-9A-Za-z_-]{60}|sq0atp-[0-9A-Za-z_-]{22})(?:[^0-9A-Za-z_-]|$)`,
      ['eaaa', 'sq0atp-'],
      { entropy: 3.5 },
    ),
    prefixed(
      'square-oauth-secret',
      'Square OAuth application secret',
      String.raw`\b(sq0csp-[0-9A-Za-z_-]{43})(?:[^0-9A-Za-z_-]|$)`,
      ['sq0csp-'],
      { entropy: 3.5 },
    ),
    prefixed(
      'braintree-access-token',
      'PayPal Braintree access token',
      String.raw`\b(access_token\$production\$[0-9a-z]{16}\$[0-9a-f]{32})\b`,
      ['access_token$production$'],
    ),
    prefixed(
      'shopify-token',
      'Shopify access token or shared secret',
      String.raw`\b(shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32})\b`,
      ['shpat_', 'shpca_', 'shppa_', 'shpss_'],
    ),

    // --- package registries ------------------------------------------------------------------
    prefixed(
      'npm-access-token',
      'npm access token',
      String.raw`\b(npm_[A-Za-z0-9]{36})\b`,
      ['npm_'],
      {
        entropy: 3.5,
      },
    ),
    prefixed(
      'npmrc-auth-token',
      'npm registry auth token in .npmrc',
      String.raw`(?i)_authToken[ \t]*=[ \t]*([A-Za-z0-9_./+=-]{20,1000})`,
      ['_authtoken'],
    ),
    prefixed(
      'pypi-upload-token',
      'PyPI upload token',
      String.raw`\b(pypi-(?:AgEIcHlwaS5vcmc|AgENdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{50,1000})`,
      ['pypi-ageichlwas5vcmc', 'pypi-agendgvzdc5wexbplm9yzw'],
    ),
    prefixed('rubygems-api-token', 'RubyGems API key', String.raw`\b(rubygems_[a-f0-9]{48})\b`, [
      'rubygems_',
    ]),
    prefixed('nuget-api-key', 'NuGet API key', String.raw`\b(oy2[a-z0-9]{43})\b`, ['oy2'], {
      entropy: 3.5,
    }),
    prefixed(
      'dockerhub-token',
      'Docker Hub personal or organization access token',
      String.raw`\b(dckr_(?:pat|oat)_[A-Za-z0-9_-]{27,40})(?:[^A-Za-z0-9_-]|$)`,
      ['dckr_pat_', 'dckr_oat_'],
      { entropy: 3.5 },
    ),
    prefixed(
      'crates-io-api-token',
      'crates.io API token',
      String.raw`\b(cio[A-Za-z0-9]{32})\b`,
      ['cio'],
      { entropy: 3.5 },
    ),

    // --- AI and SaaS APIs ------------------------------------------------------------------------
    prefixed(
      'openai-api-key',
      'OpenAI API key',
      String.raw`\b(sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,160}T3BlbkFJ[A-Za-z0-9_-]{20,160})(?:[^A-Za-z0-9_-]|$)`,
      ['t3blbkfj'],
    ),
    prefixed(
      'anthropic-api-key',
      'Anthropic API key',
      String.raw`\b(sk-ant-(?:api03|admin01)-[A-Za-z0-9_-]{93}AA)(?:[^A-Za-z0-9_-]|$)`,
      ['sk-ant-api03-', 'sk-ant-admin01-'],
    ),
    prefixed('groq-api-key', 'Groq API key', String.raw`\b(gsk_[A-Za-z0-9]{52})\b`, ['gsk_'], {
      entropy: 3.5,
    }),
    prefixed(
      'huggingface-token',
      'Hugging Face access token',
      String.raw`\b((?:hf_|api_org_)[A-Za-z]{34})\b`,
      ['hf_', 'api_org_'],
      { entropy: 3.5 },
    ),
    prefixed(
      'sendgrid-api-key',
      'SendGrid API key',
      String.raw`\b(SG\.[A-Za-z0-9_=.-]{66})(?:[^A-Za-z0-9_=.-]|$)`,
      ['sg.'],
      { entropy: 3.5 },
    ),
    prefixed(
      'mailgun-api-key',
      'Mailgun private API key',
      String.raw`\b(key-[0-9a-f]{32})\b`,
      ['key-'],
      { entropy: 3.2 },
    ),
    prefixed(
      'mailchimp-api-key',
      'Mailchimp API key',
      String.raw`\b([0-9a-f]{32}-us[0-9]{1,2})\b`,
      ['-us'],
      { entropy: 3.2 },
    ),
    prefixed('linear-api-key', 'Linear API key', String.raw`\b(lin_api_[A-Za-z0-9]{40})\b`, [
      'lin_api_',
    ]),
    prefixed(
      'notion-token',
      'Notion integration token',
      String.raw`\b(ntn_[0-9]{11}[A-Za-z0-9]{35})\b`,
      ['ntn_'],
    ),
    prefixed(
      'figma-token',
      'Figma personal access token',
      String.raw`\b(figd_[A-Za-z0-9_-]{40})\b`,
      ['figd_'],
    ),
    prefixed(
      'postman-api-key',
      'Postman API key',
      String.raw`\b(PMAK-[a-f0-9]{24}-[a-f0-9]{34})\b`,
      ['pmak-'],
    ),

    ...prefixedRules(),
    ...namedRules(),

    // --- keys and tokens by structure ---------------------------------------------------------
    {
      id: 'private-key',
      description: 'Private key (PEM, OpenSSH, PGP)',
      // The body: base64 lines, PEM headers, or one JSON string with \n escapes. It holds no
      // run of five dashes (each of its items is up to four dashes and one other character),
      // so a try that meets a `-----` which does not end the key stops there: a file of
      // repeated BEGIN lines costs one line per try, not the rest of the file.
      regex: String.raw`-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----(?:-{0,4}[A-Za-z0-9+/=\s\\:,.]){64,}?-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----`,
      keywords: ['-----begin'],
      entropy: 3.5,
      tags: ['secret', 'private-key'],
    },
    prefixed(
      'age-secret-key',
      'age encryption secret key',
      String.raw`\b(AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})\b`,
      ['age-secret-key-1'],
    ),
    prefixed(
      'jwt',
      'JSON Web Token',
      String.raw`\b(eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,1000})`,
      ['eyj'],
      {
        entropy: 4,
        // The token on jwt.io's front page and in countless tutorials.
        allowlists: [
          {
            description: 'documented sample token',
            regexes: [String.raw`SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c$`],
          },
        ],
      },
    ),
    prefixed(
      'uri-credentials',
      'Password in a connection string or URL (user:password@host)',
      // Starting at "://" (not the scheme) lets the rule be tried only where "://" occurs.
      String.raw`://[^\s:/?#@'"\x60<>]{1,100}:([^\s:/?#@'"\x60<>]{3,128})@[A-Za-z0-9.\[\]-]+`,
      ['://'],
      {
        entropy: 0,
        allowlists: [
          {
            description: 'variables and templates in place of the password',
            regexes: [
              String.raw`^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$`,
              String.raw`^\$\(`,
              String.raw`^\{[^}]*\}$`,
              String.raw`^%(?:\([^)]*\))?[sv]$`,
              String.raw`^(?i)(?:password|passwd|pass|pwd|pw|secret|test|testing|hidden|masked?|none|null|empty|p(?:a|4)ssw(?:o|0)rd)$`,
            ],
          },
          {
            description: 'well-known default credentials of local development services',
            regexTarget: 'match',
            regexes: [
              String.raw`(?i)://(?:postgres:postgres|root:root|guest:guest|admin:admin|user:user|test:test|sa:sa|mysql:mysql|redis:redis|mongo:mongo)@`,
            ],
          },
        ],
      },
    ),
    {
      // A path-only rule: the file itself is the finding, binary as it is (scan.ts tries
      // path-only rules on files the content rules skip).
      id: 'pkcs12-file',
      description: 'PKCS #12 key store (.p12, .pfx): a private key and its certificate',
      path: String.raw`(?i)(?:^|/)[^/]+\.p(?:12|fx)$`,
      tags: ['file', 'key-store'],
    },
    genericRule(
      'generic-api-key',
      'Generic secret assignment (key, secret, token, credentials) with a high-entropy value',
      // The entropy floor implies the length: no string under 12 characters scores above
      // log2(11) = 3.46.
      KEY_NAME + GENERIC_ASSIGN + GENERIC_VALUE + GENERIC_END,
      3.5,
      // Hexadecimal values are the next rule's: their entropy tops out at 4 bits a character.
      [String.raw`^[0-9a-fA-F]+$`],
      ['key', 'secret', 'token', 'credential', 'creds', 'auth'],
    ),
    genericRule(
      'generic-hex-secret',
      'Generic secret assignment (key, secret, token, password) with a random hexadecimal value',
      GENERIC_NAME + GENERIC_ASSIGN + String.raw`([0-9a-fA-F]{16,128})` + GENERIC_END,
      3.0,
      [],
    ),
    genericRule(
      'generic-password',
      'Password assignment with a value of mixed characters',
      // Passwords people choose score lower than keys (`Summer#2024pass`: 3.4 bits a
      // character); 3.0 still needs eight different characters.
      PASSWORD_NAME + GENERIC_ASSIGN + GENERIC_VALUE + GENERIC_END,
      3.0,
      [String.raw`^[0-9a-fA-F]+$`],
      ['passw', 'pwd', 'passphrase'],
    ),
    genericRule(
      'generic-xml-secret',
      'Secret in an XML element (<password>value</password>), the value on its line or the next',
      // The closing tag is required: without it, `<your token>` followed by any line would
      // read that line as the value.
      GENERIC_NAME + String.raw`>[ \t\r\n]{0,60}?([\w.=+/~!@#%^*-]{8,200})[ \t\r\n]{0,60}?</`,
      3.5,
      [],
    ),
  ];
}

/** A fresh copy of the built-in configuration (callers may merge into it). */
export function builtinConfig(): RawConfig {
  return {
    title: 'oidc-secrets built-in rules',
    rules: rules(),
    allowlists: [{ ...PLACEHOLDERS }],
  };
}
