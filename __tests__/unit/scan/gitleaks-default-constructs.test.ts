// gitleaks' default config (config/gitleaks.toml) must load with no rule refused or
// ignored and no warning. Its file is not copied here: this config of our own, in the same
// format, uses each construct that file uses — a global [allowlist] with paths, regexes and
// stopwords; inline `(?i)` part-way through a pattern; `(?-i:…)` and `(?i:…)` groups;
// `(?P<name>…)` groups; `(?s:.)`; `\z`; `\x60`; lazy bounded repeats; a path-only rule; a
// rule with `path` and `regex`; [[rules.allowlists]] with `regexTarget` (match, line),
// `stopwords`, and `condition = "AND"` with paths and regexes. Each is then seen to work.
import { randomBytes } from 'node:crypto';
import { parseScanConfig } from '../../../src/scan/config/config.js';
import { Detector } from '../../../src/scan/detect/detector.js';

const CONFIG = String.raw`
title = "constructs of gitleaks' default config"

[allowlist]
description = "global allow lists"
paths = [
    '''(?i)\.(?:bmp|gif|jpe?g|png)$''',
    '''(?:^|/)node_modules(?:/.*)?$''',
]
regexes = [
    '''(?i)^true|false|null$''',
    '''^(?i:a+|b+|c+|x+|\*+|\.+)$''',
    '''^\$\{\{[ \t]*(?:(?:env|secrets|vars)(?:\.[A-Za-z]\w+)+[\w "'&./=|]*)[ \t]*}}$''',
    '''^/Users/(?i)[a-z0-9]+/[\w .-/]+$''',
]
stopwords = ["abcdefghijklmnopqrstuvwxyz"]

[[rules]]
id = "mid-pattern-flag"
description = "Prefix in capitals, body in any case"
regex = '''\b(zqx-(?i)[a-z0-9]{24})(?:[\x60'"\s;]|\\[nr]|$)'''
entropy = 2
keywords = ["zqx-"]

[[rules]]
id = "case-sensitive-name"
description = "A name whose case matters inside a case-insensitive pattern"
regex = '''(?i)[\w.-]{0,50}?(?:(?-i:WIDGETCO|[Ww]idgetco))(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{32})(?:[\x60'"\s;]|\\[nr]|$)'''
keywords = ["widgetco"]
[[rules.allowlists]]
regexTarget = "match"
regexes = ['''(?i)widgetco[_.-]?id''']
[[rules.allowlists]]
regexTarget = "line"
regexes = ['''--mount=type=secret,''']
[[rules.allowlists]]
condition = "AND"
paths = ['''\.bb$''']
regexTarget = "line"
regexes = ['''SRC[^=]*=\s*"[a-zA-Z0-9]+''']
[[rules.allowlists]]
stopwords = ["deadbeefdeadbeefdeadbeefdeadbeef"]

[[rules]]
id = "named-groups"
description = "Named groups, as gitleaks' jwt-base64 rule writes them"
regex = '''\bQk9Y(?:(?P<one>aGVsbG8)|(?P<two>d29ybGQ))[a-zA-Z0-9\/\\_+\-\r\n]{20,}={0,2}'''
entropy = 2
keywords = ["qk9y"]

[[rules]]
id = "dot-all-group"
description = "A block spanning lines"
regex = '''(?i)-----BEGIN ZQX KEY-----(?s:.){16,200}?-----END ZQX KEY-----'''
keywords = ["-----begin zqx"]

[[rules]]
id = "end-of-text"
description = "A token ending the text"
regex = '''\b(zqe~[\w-]{20})(?:[^\w-]|\z)'''
entropy = 2
keywords = ["zqe~"]

[[rules]]
id = "php-only"
description = "A rule with a path and a regex"
regex = '''(?i)["']zqp_key["']\s*=>\s*["'](zqp_[\S]{20})["']'''
path = '''(?i)\.php$'''
keywords = ["zqp_key"]

[[rules]]
id = "zqx-bundle-file"
description = "A path-only rule"
path = '''(?i)(?:^|\/)[^\/]+\.zq(?:12|fx)$'''
`;

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const token = (n: number, alphabet = ALNUM): string =>
  Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join('');

describe("a config in gitleaks' format with the default config's constructs", () => {
  const config = parseScanConfig(CONFIG, '.gitleaks.toml');
  const detector = new Detector(config, { maxDecodeDepth: 0 });
  const rulesIn = (path: string, text: string): string[] =>
    detector.detect({ path, text }).map((f) => f.ruleId);

  it('loads every rule, none refused or ignored, with no warning', () => {
    expect(config.warnings ?? []).toEqual([]);
    expect(config.rules.map((r) => r.id)).toEqual([
      'mid-pattern-flag',
      'case-sensitive-name',
      'named-groups',
      'dot-all-group',
      'end-of-text',
      'php-only',
      'zqx-bundle-file',
    ]);
    expect(config.allowlists).toHaveLength(1);
    expect(config.rules[1]!.allowlists).toHaveLength(4);
  });

  it('an inline (?i) part-way through applies from there on', () => {
    expect(rulesIn('a.txt', `key: zqx-${token(24).toUpperCase()}\n`)).toEqual(['mid-pattern-flag']);
    expect(rulesIn('a.txt', `key: ZQX-${token(24)}\n`)).toEqual([]);
  });

  it('(?-i:…) keeps its case; match, line and AND allowlists and stopwords apply', () => {
    const value = token(32, 'abcdef0123456789');
    expect(rulesIn('a.env', `WIDGETCO_KEY=${value}\n`)).toEqual(['case-sensitive-name']);
    expect(rulesIn('a.env', `wIDGETCO_KEY=${value}\n`)).toEqual([]);
    expect(rulesIn('a.env', `WIDGETCO_ID=${value}\n`)).toEqual([]);
    expect(rulesIn('Dockerfile', `RUN --mount=type=secret, widgetco=${value}\n`)).toEqual([]);
    expect(rulesIn('x.bb', `SRC_WIDGETCO = "${value}"\n`)).toEqual([]);
    expect(rulesIn('x.txt', `SRC_WIDGETCO = "${value}"\n`)).toEqual(['case-sensitive-name']);
    expect(rulesIn('a.env', `WIDGETCO_KEY=deadbeefdeadbeefdeadbeefdeadbeef\n`)).toEqual([]);
  });

  it('named groups, (?s:.) across lines and \\z at the end of the text', () => {
    expect(rulesIn('a.txt', `t = Qk9YaGVsbG8${token(30)}\n`)).toEqual(['named-groups']);
    const body = Array.from({ length: 3 }, () => token(40)).join('\n');
    expect(rulesIn('k.txt', `-----BEGIN ZQX KEY-----\n${body}\n-----END ZQX KEY-----\n`)).toEqual([
      'dot-all-group',
    ]);
    expect(rulesIn('a.txt', `x zqe~${token(20)}`)).toEqual(['end-of-text']);
  });

  it('a path with a regex fires only on its files; a path-only rule fires on the name', () => {
    const line = `'zqp_key' => 'zqp_${token(20)}'\n`;
    expect(rulesIn('src/a.php', line)).toEqual(['php-only']);
    expect(rulesIn('src/a.txt', line)).toEqual([]);
    expect(rulesIn('certs/client.zq12', '')).toEqual(['zqx-bundle-file']);
    expect(rulesIn('node_modules/x/client.zq12', '')).toEqual([]);
  });
});
