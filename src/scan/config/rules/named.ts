// Vendors whose keys have no prefix: a value of the documented alphabet and length,
// assigned to a name that holds the vendor's name (`ALGOLIA_API_KEY = "…"`). The vendor's
// name is the keyword, and it lies inside every match.
import type { RawRule } from '../../types.js';
import { named, UUID } from './shape.js';

type Row = [
  id: string,
  description: string,
  value: string,
  entropy?: number,
  extra?: Partial<RawRule>,
];

/** [vendor name regex, keywords, rows]: a family's rules share the name and its keywords. */
const FAMILIES: [string, string[], Row[]][] = [
  ['adafruit', ['adafruit'], [['adafruit-api-key', 'Adafruit IO key', '[a-z0-9_-]{32}']]],
  ['adobe', ['adobe'], [['adobe-client-id', 'Adobe OAuth client ID', '[a-f0-9]{32}']]],
  ['airtable', ['airtable'], [['airtable-api-key', 'Airtable API key (legacy)', '[a-z0-9]{17}']]],
  ['algolia', ['algolia'], [['algolia-api-key', 'Algolia admin API key', '[a-z0-9]{32}']]],
  [
    'alibaba|aliyun',
    ['alibaba', 'aliyun'],
    [['alibaba-secret-key', 'Alibaba Cloud AccessKey secret', '[a-z0-9]{30}']],
  ],
  [
    'asana',
    ['asana'],
    [
      ['asana-client-id', 'Asana client ID', '[0-9]{16}', 2.5],
      [
        'asana-client-secret',
        'Asana client secret or PAT',
        '[a-z0-9]{32}|[0-9]/[0-9]{16}:[a-f0-9]{32}',
      ],
    ],
  ],
  [
    'atlassian|confluence|jira',
    ['atlassian', 'confluence', 'jira'],
    [
      [
        'atlassian-api-token-named',
        'Atlassian API token (legacy, named)',
        '[a-z0-9]{20}[a-f0-9]{4}',
      ],
    ],
  ],
  ['beamer', ['beamer'], [['beamer-api-token', 'Beamer API key', 'b_[a-z0-9=_-]{44}']]],
  [
    'bitbucket',
    ['bitbucket'],
    [
      ['bitbucket-client-id', 'Bitbucket OAuth client ID', '[a-z0-9]{32}'],
      ['bitbucket-client-secret', 'Bitbucket OAuth client secret', '[a-z0-9=_-]{64}'],
    ],
  ],
  ['bittrex', ['bittrex'], [['bittrex-key', 'Bittrex API key or secret', '[a-z0-9]{32}']]],
  ['meraki', ['meraki'], [['cisco-meraki-api-key', 'Cisco Meraki API key', '[0-9a-f]{40}']]],
  [
    'cloudflare',
    ['cloudflare'],
    [
      ['cloudflare-api-token', 'Cloudflare API token', '[a-z0-9_-]{40}'],
      ['cloudflare-global-api-key', 'Cloudflare global API key', '[a-f0-9]{37}'],
    ],
  ],
  ['codecov', ['codecov'], [['codecov-access-token', 'Codecov token', '[a-z0-9]{32}|' + UUID]]],
  [
    'cohere|co_api_key',
    ['cohere', 'co_api_key'],
    [['cohere-api-token', 'Cohere API key', '[a-zA-Z0-9]{40}', 4]],
  ],
  [
    'coinbase',
    ['coinbase'],
    [['coinbase-access-token', 'Coinbase access token', '[a-z0-9_-]{64}']],
  ],
  [
    'confluent',
    ['confluent'],
    [
      ['confluent-access-token', 'Confluent Cloud API key', '[a-z0-9]{16}'],
      ['confluent-secret-key', 'Confluent Cloud API secret', '[a-z0-9+/]{64}'],
    ],
  ],
  [
    'contentful',
    ['contentful'],
    [
      [
        'contentful-delivery-api-token',
        'Contentful delivery or management token',
        '[a-z0-9=_-]{43}|CFPAT-[a-z0-9_-]{43}',
      ],
    ],
  ],
  [
    'datadog|dd_api|dd_app',
    ['datadog', 'dd_api', 'dd_app'],
    [['datadog-access-token', 'Datadog API or application key', '[a-f0-9]{32}|[a-z0-9]{40}']],
  ],
  [
    'discord',
    ['discord'],
    [
      ['discord-api-token', 'Discord API key', '[a-f0-9]{64}'],
      ['discord-client-id', 'Discord client ID', '[0-9]{18}', 2.5],
      ['discord-client-secret', 'Discord client secret', '[a-z0-9=_-]{32}'],
      [
        'discord-bot-token',
        'Discord bot token',
        '[MNO][a-z0-9_-]{23,25}\\.[a-z0-9_-]{6}\\.[a-z0-9_-]{27,38}',
      ],
    ],
  ],
  [
    'droneci|drone_token',
    ['droneci', 'drone_token'],
    [['droneci-access-token', 'Drone CI token', '[a-z0-9]{32}']],
  ],
  [
    'dropbox',
    ['dropbox'],
    [
      ['dropbox-api-token', 'Dropbox app secret', '[a-z0-9]{15}'],
      [
        'dropbox-long-lived-api-token',
        'Dropbox long-lived token',
        '[a-z0-9]{11}AAAAAAAAAA[a-z0-9_=-]{43}',
      ],
      ['dropbox-short-lived-api-token', 'Dropbox short-lived token', 'sl\\.[a-z0-9_=-]{135,1000}'],
    ],
  ],
  ['etsy', ['etsy'], [['etsy-access-token', 'Etsy API key', '[a-z0-9]{24}']]],
  [
    'facebook|fb_app|fb_secret|fb_access',
    ['facebook', 'fb_app', 'fb_secret', 'fb_access'],
    [
      ['facebook-secret', 'Facebook app secret', '[a-f0-9]{32}'],
      [
        'facebook-access-token',
        'Facebook app access token',
        '[0-9]{15,16}(?:\\||%7C)[0-9a-z_-]{27,40}',
      ],
    ],
  ],
  ['fastly', ['fastly'], [['fastly-api-token', 'Fastly API token', '[a-z0-9=_-]{32}']]],
  [
    'finicity',
    ['finicity'],
    [
      ['finicity-api-token', 'Finicity app key', '[a-f0-9]{32}'],
      ['finicity-client-secret', 'Finicity partner secret', '[a-z0-9]{20}'],
    ],
  ],
  ['finnhub', ['finnhub'], [['finnhub-access-token', 'Finnhub API key', '[a-z0-9]{20}']]],
  [
    'flickr',
    ['flickr'],
    [['flickr-access-token', 'Flickr API key or secret', '[a-z0-9]{32}|[a-f0-9]{16}']],
  ],
  ['freshbooks', ['freshbooks'], [['freshbooks-access-token', 'FreshBooks token', '[a-z0-9]{64}']]],
  ['gitter', ['gitter'], [['gitter-access-token', 'Gitter token', '[a-z0-9_-]{40}']]],
  [
    'gocardless',
    ['gocardless'],
    [['gocardless-api-token', 'GoCardless access token', '(?:live|sandbox)_[a-z0-9_=-]{40}']],
  ],
  [
    'hubspot',
    ['hubspot'],
    [
      [
        'hubspot-api-key',
        'HubSpot API key or private app token',
        UUID + '|pat-(?:na|eu)[0-9]-' + UUID,
      ],
    ],
  ],
  ['intercom', ['intercom'], [['intercom-api-key', 'Intercom access token', '[a-z0-9=_-]{60}']]],
  [
    'jfrog|artifactory|bintray|xray',
    ['jfrog', 'artifactory', 'bintray', 'xray'],
    [
      ['jfrog-api-key', 'JFrog API key', '[a-z0-9]{73}'],
      ['jfrog-identity-token', 'JFrog identity token', '[a-z0-9]{64}'],
    ],
  ],
  [
    'kraken',
    ['kraken'],
    [['kraken-access-token', 'Kraken API key or private key', '[a-z0-9/=_+-]{80,90}']],
  ],
  ['kucoin', ['kucoin'], [['kucoin-key', 'KuCoin API key or secret', '[a-f0-9]{24}|' + UUID]]],
  [
    'launchdarkly',
    ['launchdarkly'],
    [
      [
        'launchdarkly-access-token',
        'LaunchDarkly access token',
        '(?:api|sdk|mob)-' + UUID + '|[a-z0-9=_-]{40}',
      ],
    ],
  ],
  ['linear', ['linear'], [['linear-client-secret', 'Linear OAuth client secret', '[a-f0-9]{32}']]],
  [
    'linked[_-]?in',
    ['linkedin', 'linked_in', 'linked-in'],
    [
      ['linkedin-client-id', 'LinkedIn client ID', '[a-z0-9]{14}'],
      ['linkedin-client-secret', 'LinkedIn client secret', '[a-z0-9]{16}'],
    ],
  ],
  ['lob', ['lob'], [['lob-api-key', 'Lob API key', '(?:live|test)_[a-f0-9]{35}']]],
  [
    'mailgun',
    ['mailgun'],
    [
      [
        'mailgun-signing-key',
        'Mailgun webhook signing key',
        '[a-h0-9]{32}-[a-h0-9]{8}-[a-h0-9]{8}',
      ],
    ],
  ],
  [
    'mailchimp',
    ['mailchimp'],
    [
      [
        'mailchimp-transactional-key',
        'Mailchimp Transactional (Mandrill) key',
        'md-[a-z0-9_-]{22}',
      ],
    ],
  ],
  [
    'mapbox',
    ['mapbox'],
    [['mapbox-api-token', 'Mapbox access token', '[ps]k\\.[a-z0-9]{60}\\.[a-z0-9]{22}']],
  ],
  [
    'mattermost',
    ['mattermost'],
    [['mattermost-access-token', 'Mattermost access token', '[a-z0-9]{26}']],
  ],
  [
    'message[_-]?bird',
    ['messagebird', 'message_bird', 'message-bird'],
    [['messagebird-api-token', 'MessageBird API key or client ID', '[a-z0-9]{25}|' + UUID]],
  ],
  [
    'netlify',
    ['netlify'],
    [['netlify-access-token', 'Netlify access token', '(?:nfp_)?[a-z0-9=_-]{40,46}']],
  ],
  [
    'new[_-]?relic',
    ['newrelic', 'new_relic', 'new-relic'],
    [['newrelic-user-api-id', 'New Relic user API ID', '[a-z0-9]{64}']],
  ],
  [
    'nytimes|new-york-times|newyorktimes',
    ['nytimes', 'new-york-times', 'newyorktimes'],
    [['nytimes-access-token', 'New York Times API key', '[a-z0-9=_-]{32}']],
  ],
  ['okta', ['okta'], [['okta-access-token', 'Okta API token', '00[a-z0-9_=-]{40}', 4]]],
  [
    'plaid',
    ['plaid'],
    [
      ['plaid-client-id', 'Plaid client ID', '[a-z0-9]{24}', 3.5],
      ['plaid-secret-key', 'Plaid secret', '[a-z0-9]{30}', 3.5],
    ],
  ],
  [
    'private[_-]?ai',
    ['privateai', 'private_ai', 'private-ai'],
    [['privateai-api-token', 'Private AI API key', '[a-z0-9]{32}']],
  ],
  ['rapidapi', ['rapidapi'], [['rapidapi-access-token', 'RapidAPI key', '[a-z0-9_-]{50}']]],
  [
    'sendbird',
    ['sendbird'],
    [['sendbird-access-token', 'Sendbird application ID or API token', UUID + '|[a-f0-9]{40}']],
  ],
  [
    'sentry',
    ['sentry'],
    [['sentry-access-token', 'Sentry auth token (old format)', '[a-f0-9]{64}']],
  ],
  ['snyk', ['snyk'], [['snyk-api-token', 'Snyk API token', UUID]]],
  ['sonar', ['sonar'], [['sonar-api-token', 'SonarQube token (legacy, named)', '[a-z0-9=_-]{40}']]],
  ['squarespace', ['squarespace'], [['squarespace-access-token', 'Squarespace API key', UUID]]],
  [
    'sumo',
    ['sumo'],
    [
      [
        'sumologic-access-id',
        'Sumo Logic access ID',
        'su[a-zA-Z0-9]{12}',
        undefined,
        {
          // `sumOfExposures = sumOfExposures`: a name that begins with "sum", not an ID.
          allowlists: [{ description: 'sumOf… names', regexTarget: 'line', regexes: ['sumOf'] }],
        },
      ],
      ['sumologic-access-token', 'Sumo Logic access key', '[a-z0-9]{64}'],
    ],
  ],
  [
    'telegr',
    ['telegr'],
    [['telegram-bot-api-token', 'Telegram bot token (named)', '[0-9]{5,16}:A[a-z0-9_-]{34}']],
  ],
  ['travis', ['travis'], [['travisci-access-token', 'Travis CI token', '[a-z0-9]{22}']]],
  ['twitch', ['twitch'], [['twitch-api-token', 'Twitch API token', '[a-z0-9]{30}']]],
  [
    'twitter',
    ['twitter'],
    [
      ['twitter-access-secret', 'Twitter access token secret', '[a-z0-9]{45}'],
      ['twitter-access-token', 'Twitter access token', '[0-9]{15,25}-[a-z0-9]{20,40}'],
      ['twitter-api-key', 'Twitter API key', '[a-z0-9]{25}'],
      ['twitter-api-secret', 'Twitter API secret', '[a-z0-9]{50}'],
      ['twitter-bearer-token', 'Twitter bearer token', 'A{22}[a-z0-9%]{80,100}'],
    ],
  ],
  [
    'yandex',
    ['yandex'],
    [['yandex-aws-access-token', 'Yandex Cloud static access key', 'YC[a-z0-9_-]{38}']],
  ],
  ['zendesk', ['zendesk'], [['zendesk-secret-key', 'Zendesk API token', '[a-z0-9]{40}']]],
];

export function namedRules(): RawRule[] {
  return FAMILIES.flatMap(([names, keywords, rows]) =>
    rows.map(([id, description, value, entropy, extra]) =>
      named(id, description, names, keywords, value, {
        ...(entropy === undefined ? {} : { entropy }),
        ...extra,
      }),
    ),
  );
}
