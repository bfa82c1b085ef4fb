// `PROVIDER:LOCATOR[?OPTIONS][#SELECTOR]` → SecretRef, with each provider's locator rules.
// Messages describe what is wrong without echoing text that failed validation: a user who
// pasted a value where a reference belongs must not see it printed back.
import { ActionError } from '../errors.js';
import { NAME_PATTERN } from './names.js';
import { k8sLocatorRule } from './k8s-locator.js';
import { checkListLocator, isListLocator } from './listing.js';
import { PROVIDERS, type ProviderName, type SecretRef } from './types.js';

interface LocatorRule {
  /** Canonical form of a valid locator, or a description of what is wrong. */
  check(locator: string): { locator: string } | { problem: string };
  options: Readonly<Record<string, (value: string) => string | undefined>>;
}

/** `method=POST|PUT`: a Vault write (SPEC §1.1a); the other options are its JSON body. */
const vaultWriteMethod = (value: string) =>
  value === 'POST' || value === 'PUT' ? undefined : 'must be POST or PUT';
/** A body field of a Vault write: a parameter name, any value but empty. */
const VAULT_BODY_FIELD = /^[a-z_][a-z0-9_]{0,63}$/;
const vaultBodyValue = (value: string) => (value ? undefined : 'needs a value');

const positiveInteger = (value: string) =>
  /^[1-9][0-9]{0,9}$/.test(value) ? undefined : 'must be a positive whole number';

const VAULT_PATH = /^[A-Za-z0-9_.@+=-]+(\/[A-Za-z0-9_.@+=:-]+)*$/;
const AWS_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const AWS_ARN =
  /^arn:aws(-[a-z]+)*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$/;
const GCP_SECRET =
  /^projects\/([a-z0-9-]{1,64}|[0-9]+)\/secrets\/([A-Za-z0-9_-]{1,255})(\/versions\/(latest|[1-9][0-9]*))?$/;
// A regional secret (SPEC §1.1a): projects/P/locations/L/secrets/S[/versions/V].
const GCP_REGIONAL_SECRET =
  /^projects\/([a-z0-9-]{1,64}|[0-9]+)\/locations\/[a-z][a-z0-9-]{0,62}\/secrets\/([A-Za-z0-9_-]{1,255})(\/versions\/(latest|[1-9][0-9]*))?$/;
const AZURE_SECRET =
  /^([A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9])\/([A-Za-z0-9-]{1,127})(\/([0-9a-fA-F]{32}))?$/;
const STORE_KEY = NAME_PATTERN;
// Parameter Store names: letters, digits, _.-/ (a leading / for a hierarchy), at most 2048
// with the path; or the parameter's ARN (`…:parameter/NAME`, the name without its leading /).
const SSM_NAME = /^\/?[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;
const SSM_ARN = /^arn:aws(-[a-z]+)*:ssm:[a-z0-9-]+:\d{12}:parameter\/[A-Za-z0-9_./-]{1,2048}$/;
// Parameter labels: letters, digits, `.`, `-`, `_`; at most 100; not starting with a digit.
const SSM_LABEL = /^[A-Za-z_.-][A-Za-z0-9_.-]{0,99}$/;

const RULES: Record<ProviderName, LocatorRule> = {
  vault: {
    check(locator) {
      const path = locator.replace(/^\/+/, '').replace(/^v1\//, '');
      if (!VAULT_PATH.test(path) || path.split('/').some((s) => s === '.' || s === '..')) {
        return {
          problem:
            'expected a Vault API path after /v1/, such as secret/data/app (KV v2), kv/app (KV v1) or database/creds/role',
        };
      }
      return { locator: path };
    },
    options: { version: positiveInteger, method: vaultWriteMethod },
  },
  aws: {
    check(locator) {
      if (AWS_ARN.test(locator) || (AWS_NAME.test(locator) && !locator.startsWith('arn:')))
        return { locator };
      return {
        problem:
          'expected a Secrets Manager secret name (letters, digits and /_+=.@-, at most 512) or its ARN',
      };
    },
    options: {
      stage: (v) =>
        /^[A-Za-z0-9_+=.@-]{1,256}$/.test(v)
          ? undefined
          : 'must be a version stage such as AWSCURRENT',
      'version-id': (v) =>
        /^[A-Za-z0-9-]{32,64}$/.test(v) ? undefined : 'must be a Secrets Manager version id',
    },
  },
  gcp: {
    check(locator) {
      const match = GCP_SECRET.exec(locator) ?? GCP_REGIONAL_SECRET.exec(locator);
      if (!match) {
        return {
          problem:
            'expected projects/PROJECT/secrets/SECRET[/versions/VERSION] (or projects/PROJECT/locations/LOCATION/secrets/SECRET[/versions/VERSION] for a regional secret)',
        };
      }
      return match[3] ? { locator } : { locator: `${locator}/versions/latest` };
    },
    options: {},
  },
  azure: {
    check(locator) {
      const match = AZURE_SECRET.exec(locator);
      if (!match) {
        return {
          problem:
            'expected VAULT/SECRET[/VERSION]: a vault name (3-24 letters, digits, dashes), a secret name (letters, digits, dashes) and an optional 32-hex-digit version',
        };
      }
      // Vault names are DNS labels: case does not matter, so it must not split the cache.
      return {
        locator: [match[1]?.toLowerCase(), match[2], match[4]?.toLowerCase()]
          .filter(Boolean)
          .join('/'),
      };
    },
    options: {},
  },
  local: {
    check: (locator) =>
      STORE_KEY.test(locator)
        ? { locator }
        : {
            problem:
              'expected a store key (letters, digits, underscores; not starting with a digit)',
          },
    options: {},
  },
  env: {
    check: (locator) =>
      NAME_PATTERN.test(locator)
        ? { locator }
        : { problem: 'expected an environment variable name' },
    options: {},
  },
  ssm: {
    check: (locator) =>
      (SSM_NAME.test(locator) && locator.length <= 2048 && !locator.startsWith('arn:')) ||
      SSM_ARN.test(locator)
        ? { locator }
        : {
            problem:
              'expected a Parameter Store name (letters, digits and _.-/, such as /app/prod/db-password) or its ARN',
          },
    options: {
      version: positiveInteger,
      label: (v) =>
        SSM_LABEL.test(v) && !/^(aws|ssm)/i.test(v)
          ? undefined
          : 'must be a parameter label (letters, digits, . - _; not starting with a digit, aws or ssm)',
    },
  },
  file: {
    check: (locator) =>
      locator.length > 0 && !locator.includes('\0')
        ? { locator }
        : { problem: 'expected a file path' },
    options: {},
  },
  k8s: k8sLocatorRule,
  dotenv: {
    check: (locator) =>
      locator.length > 0 && !locator.includes('\0')
        ? { locator }
        : { problem: 'expected the path of a .env file' },
    options: {},
  },
  // A literal: parsed by parseLiteral below, never through these rules.
  plain: { check: (locator) => ({ locator }), options: {} },
};

function isProvider(text: string): text is ProviderName {
  return (PROVIDERS as readonly string[]).includes(text);
}

/**
 * Options every provider takes. They say what the line does with the value, not what is
 * fetched: they stay out of the location's key (two lines that differ only in them share
 * one read) and out of Location.options.
 */
const LINE_OPTIONS: Readonly<Record<string, (value: string) => string | undefined>> = {
  optional: (v) =>
    v === 'true'
      ? undefined
      : 'is a flag: write ?optional (a secret that does not exist leaves the line out)',
  decode: (v) => (v === 'base64' ? undefined : 'must be base64 (the only encoding decoded)'),
};
const LINE_OPTION_TEXT = 'optional and decode=base64';

/** Whether an option name is one every provider takes (kept out of Location.options). */
export function isLineOption(name: string): boolean {
  return Object.hasOwn(LINE_OPTIONS, name);
}

/** What a reference may start with: the providers, and `secret` (seed 001's `local`). */
const PREFIXES: readonly string[] = [...PROVIDERS, 'secret'];

type ReferenceHead =
  | { kind: 'provider'; provider: ProviderName; colon: number }
  | { kind: 'literal'; text: string }
  | { kind: 'unknown'; word: string };

/**
 * What a reference starts with (SPEC §1.1a). `secret:` is seed 001's name for the store.
 * Text that does not start with `WORD:` is a literal (`INFO`, `8080`, `1234:abcd`), and so is
 * `WORD://…` (a URL). A WORD (shaped like a URI scheme: a letter, then letters, digits,
 * `+ - . _`) that names no provider is refused: a typo (`vualt:`) must not become a value.
 */
function classifyReference(text: string): ReferenceHead {
  const match = /^([A-Za-z][A-Za-z0-9+._-]*):/.exec(text);
  if (!match) return { kind: 'literal', text };
  const word = match[1] as string;
  const colon = word.length;
  if (text.startsWith('//', colon + 1)) return { kind: 'literal', text };
  if (word === 'secret') return { kind: 'provider', provider: 'local', colon };
  if (isProvider(word)) return { kind: 'provider', provider: word, colon };
  return { kind: 'unknown', word };
}

/** A literal value: exported as written, never masked, no options or selector. */
function literal(text: string): SecretRef {
  return { provider: 'plain', locator: text, options: {}, selector: [], key: `plain:${text}` };
}

/** Parses one reference; `where` prefixes every message (e.g. "secrets line 3 (DB)"). */
export function parseReference(text: string, where: string, line?: number): SecretRef {
  const fail = (message: string): never => {
    throw new ActionError('REFERENCE_INVALID', `${where}: ${message}`, line);
  };
  const head = classifyReference(text);
  if (head.kind === 'literal') return literal(head.text);
  if (head.kind === 'unknown') {
    const named = isNameable(head.word)
      ? `unknown provider '${head.word}'${closest(head.word, PREFIXES)}: `
      : '';
    return fail(
      `${named}the reference must start with a provider: one of ${PREFIXES.join(', ')}, then ':' and a locator (PROVIDER:LOCATOR[?OPTIONS][#SELECTOR]); ` +
        `a literal value shaped WORD:TEXT is written plain:WORD:TEXT`,
    );
  }
  const { provider, colon } = head;
  let rest = text.slice(colon + 1).trim();
  if (provider === 'plain') return literal(text.slice(colon + 1));

  let selectorText: string | undefined;
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    selectorText = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
  }
  let optionsText: string | undefined;
  const question = rest.indexOf('?');
  if (question >= 0) {
    optionsText = rest.slice(question + 1);
    rest = rest.slice(0, question);
  }
  const locatorText = rest.trim();
  if (!locatorText) fail(`${provider}: needs a locator after the provider`);

  // A locator ending in `*` is a listing (SPEC §1.1b): its own rule and options (listing.ts).
  const listing = isListLocator(locatorText);
  let rule = RULES[provider];
  let checked: { locator: string } | { problem: string };
  if (listing) {
    const list = checkListLocator(provider, locatorText);
    checked = list;
    if ('options' in list) rule = { check: (l) => ({ locator: l }), options: list.options };
  } else {
    checked = rule.check(locatorText);
  }
  if ('problem' in checked) return fail(`${provider} locator: ${checked.problem}`);
  if (listing && selectorText !== undefined)
    fail(`${provider}:${checked.locator}: a listing (*) cannot take a #selector`);

  const options: Record<string, string> = {};
  if (optionsText !== undefined) {
    if (!optionsText) fail(`${provider}:${checked.locator}: '?' must be followed by OPTION=VALUE`);
    for (const pair of optionsText.split('&')) {
      const eq = pair.indexOf('=');
      // `optional` is a flag: written alone, it is on.
      const key = eq > 0 ? pair.slice(0, eq) : pair === 'optional' ? pair : '';
      const value = eq > 0 ? pair.slice(eq + 1) : 'true';
      const own = Object.keys(rule.options);
      const known = [...own, ...Object.keys(LINE_OPTIONS)];
      // A Vault write takes any parameter of its endpoint as a body field.
      const isWrite = provider === 'vault' && !listing && /(^|&)method=/.test(optionsText);
      // Own keys only: `?toString=x` names no option, whatever Object.prototype holds.
      const validate = Object.hasOwn(rule.options, key)
        ? rule.options[key]
        : Object.hasOwn(LINE_OPTIONS, key)
          ? LINE_OPTIONS[key]
          : isWrite && VAULT_BODY_FIELD.test(key) && key !== 'version'
            ? vaultBodyValue
            : undefined;
      if (!validate) {
        const named = isNameable(key) ? ` '${key}'${suggestion(key, known)}` : '';
        fail(
          own.length
            ? `${provider}:${checked.locator}: unknown option${named}; ${provider} takes ${own.join(', ')}, and every reference takes ${LINE_OPTION_TEXT}`
            : `${provider}:${checked.locator}: unknown option${named}; ${provider} references take only ${LINE_OPTION_TEXT}`,
        );
        continue;
      }
      if (Object.hasOwn(options, key))
        fail(`${provider}:${checked.locator}: option ${key} is given twice`);
      const problem = validate(value);
      if (problem) fail(`${provider}:${checked.locator}: option ${key} ${problem}`);
      options[key] = value;
    }
  }
  if (provider === 'vault' && options.method && options.version)
    fail(`vault:${checked.locator}: a write (method=) takes no version`);
  if (provider === 'ssm' && options.version && options.label)
    fail(`ssm:${checked.locator}: give version or label, not both`);
  const selector = selectorText === undefined ? [] : parseSelector(selectorText, where, line);
  const optionKey = Object.keys(options)
    .filter((k) => !isLineOption(k))
    .sort()
    .map((k) => `${k}=${options[k]}`)
    .join('&');
  return {
    provider,
    locator: checked.locator,
    options,
    selector,
    key: `${provider}:${checked.locator}${optionKey ? '?' + optionKey : ''}`,
    ...(listing ? { list: true as const } : {}),
  };
}

/**
 * Whether a word the user wrote where a provider or option name belongs may be quoted back.
 * The runner prints the whole `secrets` input in the step's header, so quoting a word of it
 * reveals nothing new, but a value pasted in the wrong place (`user:password`, `AKIA…:…`)
 * should not be repeated in an error annotation: only short words of letters, `-` and `_`
 * are quoted. Tokens and keys carry digits or are long.
 */
function isNameable(word: string): boolean {
  return /^[A-Za-z][A-Za-z_-]{0,23}$/.test(word);
}

/** " (did you mean 'vault'?)" for a likely typo, else " (the closest provider is 'env')". */
function closest(word: string, valid: readonly string[]): string {
  const likely = suggestion(word, valid);
  if (likely) return likely;
  const lower = word.toLowerCase();
  const best = [...valid].sort((a, b) => editDistance(lower, a) - editDistance(lower, b))[0];
  return best === undefined ? '' : ` (the closest provider is '${best}')`;
}

/** " (did you mean 'vault'?)" when a valid name is a likely typo's target, else "". */
function suggestion(word: string, valid: readonly string[]): string {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of valid) {
    const distance = editDistance(lower, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const close = Math.max(2, Math.floor(lower.length / 3));
  return best !== undefined && bestDistance <= close ? ` (did you mean '${best}'?)` : '';
}

/** Levenshtein distance with adjacent transpositions counted as one edit (versoin → version). */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(
        (d[(i - 1) * cols + j] ?? 0) + 1,
        (d[i * cols + j - 1] ?? 0) + 1,
        (d[(i - 1) * cols + j - 1] ?? 0) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        value = Math.min(value, (d[(i - 2) * cols + j - 2] ?? 0) + 1);
      d[i * cols + j] = value;
    }
  }
  return d[rows * cols - 1] ?? 0;
}

const SELECTOR_SEGMENT = /^[A-Za-z0-9_$@-]+$/;
/** Keys longer than this are no key anyone writes by hand; nor is a deeper path. */
const MAX_SEGMENT = 256;
const MAX_SEGMENTS = 32;

/**
 * The selector after `#` (SPEC §1.1a): a dot path (`a.b`, `items.0.key`) whose segments may
 * be double-quoted for keys with dots or blanks (`"tls.crt"`, `data."my key".x`; `\"` and
 * `\\` inside quotes), or an RFC 6901 JSON Pointer (`/tls.crt/0`, `~1` for `/`, `~0` for
 * `~`). Either way the result is the list of keys and indexes to walk.
 */
export function parseSelector(text: string, where: string, line?: number): string[] {
  const fail = (detail: string): never => {
    throw new ActionError(
      'REFERENCE_INVALID',
      `${where}: the selector after '#' ${detail}: write a dot path such as password or items.0.key, a quoted key such as "tls.crt", or a JSON Pointer such as /tls.crt/0`,
      line,
    );
  };
  const trimmed = text.trim();
  const segments = trimmed.startsWith('/') ? jsonPointer(trimmed, fail) : dotPath(trimmed, fail);
  if (segments.length > MAX_SEGMENTS) fail(`has more than ${MAX_SEGMENTS} segments`);
  if (segments.some((s) => s.length > MAX_SEGMENT))
    fail(`has a key longer than ${MAX_SEGMENT} characters`);
  return segments;
}

function jsonPointer(text: string, fail: (detail: string) => never): string[] {
  // RFC 6901 §3: '~' is followed by 0 or 1 only; ~1 is decoded before ~0 (§4).
  if (/~(?![01])/.test(text)) fail("is a JSON Pointer with a '~' not followed by 0 or 1");
  return text
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function dotPath(text: string, fail: (detail: string) => never): string[] {
  const segments: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let segment = '';
      let closed = false;
      for (i++; i < text.length; i++) {
        const c = text[i] as string;
        if (c === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) {
          segment += text[++i];
        } else if (c === '"') {
          closed = true;
          i++;
          break;
        } else {
          segment += c;
        }
      }
      if (!closed) fail('has a quoted key without its closing quote');
      if (!segment) fail('has an empty quoted key');
      segments.push(segment);
    } else {
      const end = text.indexOf('.', i);
      const segment = text.slice(i, end < 0 ? text.length : end);
      if (!SELECTOR_SEGMENT.test(segment))
        fail('has an empty segment or one with characters a bare key cannot have');
      segments.push(segment);
      i += segment.length;
    }
    if (i >= text.length) return segments;
    if (text[i] !== '.') fail('has text after a quoted key that is not a dot');
    i++;
  }
}

/** A selector as the user could write it again: plain segments dotted, others quoted. */
export function selectorText(segments: readonly string[]): string {
  return segments
    .map((s) => (SELECTOR_SEGMENT.test(s) ? s : `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`))
    .join('.');
}
