// `PROVIDER:PREFIX*` (SPEC §1.1b): the locator rules of a listing line, per provider, and the
// options every listing takes. A listing line's locator keeps its `*` (so its key and its
// label differ from a read of the same prefix); `listPrefix` gives what a provider's `list`
// is asked for. Messages never echo text that failed validation (see reference.ts).
import { checkK8sLocator, checkLabelSelector } from './k8s-locator.js';
import type { ProviderName, SecretRef } from './types.js';

/** `?max=N` when not given: a line expands to at most this many secrets. */
export const DEFAULT_LIST_MAX = 100;
/** The most `?max` may ask for: beyond it a listing is a dump, not a line. */
const LIST_MAX_LIMIT = 10000;

type OptionCheck = (value: string) => string | undefined;

interface ListRule {
  /** The canonical prefix (without `*`), or what is wrong with it. */
  check(prefix: string): { prefix: string } | { problem: string };
  /** Options this provider's listing takes besides max (`optional` is every line's). */
  options: Readonly<Record<string, OptionCheck>>;
}

const VAULT_FOLDER = /^[A-Za-z0-9_.@+=-]+(\/[A-Za-z0-9_.@+=:-]+)*\/[A-Za-z0-9_.@+=:-]*$/;
const AWS_PREFIX = /^[A-Za-z0-9/_+=.@-]{0,511}$/;
const SSM_PREFIX = /^\/([A-Za-z0-9_.-]+\/)*[A-Za-z0-9_.-]*$/;
const GCP_PREFIX =
  /^projects\/([a-z0-9-]{1,64}|[0-9]+)\/(locations\/[a-z0-9-]{1,64}\/)?secrets\/[A-Za-z0-9_-]{0,254}$/;
const AZURE_PREFIX = /^[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]\/[A-Za-z0-9-]{0,126}$/;

const RULES: Partial<Record<ProviderName, ListRule>> = {
  vault: {
    check(prefix) {
      const path = prefix.replace(/^\/+/, '').replace(/^v1\//, '');
      if (!VAULT_FOLDER.test(path) || path.split('/').some((s) => s === '.' || s === '..'))
        return {
          problem:
            'a listing needs a Vault folder and an optional name prefix before the *, such as secret/data/app/* (KV v2) or kv/app/* (KV v1)',
        };
      return { prefix: path };
    },
    options: {},
  },
  aws: {
    check: (prefix) =>
      AWS_PREFIX.test(prefix) && !prefix.startsWith('arn:')
        ? { prefix }
        : {
            problem:
              'a listing needs a Secrets Manager name prefix before the * (letters, digits and /_+=.@-), not an ARN',
          },
    options: {},
  },
  gcp: {
    check: (prefix) =>
      GCP_PREFIX.test(prefix)
        ? { prefix }
        : {
            problem:
              'a listing needs projects/PROJECT/secrets/ (or projects/PROJECT/locations/LOCATION/secrets/) and an optional name prefix before the *',
          },
    options: {
      // A Secret Manager list filter (labels.team=ci); its grammar is Google's to check.
      filter: (value) =>
        value.length > 0 && value.length <= 512 && !/[\r\n]/.test(value)
          ? undefined
          : 'must be a Secret Manager filter such as labels.team=ci',
    },
  },
  azure: {
    check(prefix) {
      if (!AZURE_PREFIX.test(prefix))
        return {
          problem:
            'a listing needs VAULT/ and an optional secret name prefix (letters, digits, dashes) before the *',
        };
      const [vault = '', name = ''] = prefix.split('/');
      // Vault names are DNS labels: case does not matter.
      return { prefix: `${vault.toLowerCase()}/${name}` };
    },
    options: {},
  },
  ssm: {
    check: (prefix) =>
      SSM_PREFIX.test(prefix)
        ? { prefix }
        : {
            problem:
              'a listing needs a parameter path starting with / (and an optional name prefix) before the *, such as /app/prod/*',
          },
    options: {},
  },
};

// Kubernetes: NAMESPACE/ or NAMESPACE/PREFIX, checked as k8s-locator.ts checks a listing.
RULES.k8s = {
  check(prefix) {
    const checked = checkK8sLocator(`${prefix}*`);
    return 'problem' in checked ? checked : { prefix };
  },
  options: { selector: checkLabelSelector },
};

function ruleOf(provider: string): ListRule | undefined {
  return RULES[provider as ProviderName];
}

const LIST_OPTIONS: Readonly<Record<string, OptionCheck>> = {
  max: (value) =>
    /^[1-9][0-9]{0,4}$/.test(value) && Number(value) <= LIST_MAX_LIMIT
      ? undefined
      : `must be a whole number from 1 to ${LIST_MAX_LIMIT}`,
};

/** Whether a locator asks for a listing: it ends in `*`. */
export function isListLocator(locator: string): boolean {
  return locator.endsWith('*');
}

/**
 * The canonical listing locator (`PREFIX*`) and the options it takes, or what is wrong.
 * `locator` is the text between `PROVIDER:` and `?`/`#`, ending in `*`.
 */
export function checkListLocator(
  provider: string,
  locator: string,
): { locator: string; options: Readonly<Record<string, OptionCheck>> } | { problem: string } {
  const rule = ruleOf(provider);
  if (!rule) return { problem: `${provider} references cannot list (no * locators)` };
  const prefix = locator.slice(0, -1);
  if (prefix.includes('*')) return { problem: 'only one *, at the end of the locator' };
  const checked = rule.check(prefix);
  if ('problem' in checked) return checked;
  return { locator: `${checked.prefix}*`, options: { ...LIST_OPTIONS, ...rule.options } };
}

/** The locator before the `*`: what a provider's `list` is asked for. */
export function listPrefix(ref: Pick<SecretRef, 'locator'>): string {
  return ref.locator.slice(0, -1);
}

/** `?max=N`, or the default. */
export function listMax(options: Readonly<Record<string, string>>): number {
  return options.max ? Number(options.max) : DEFAULT_LIST_MAX;
}

/** The options a provider's `list` sees: the listing's own (max) is core's. */
export function providerListOptions(
  options: Readonly<Record<string, string>>,
): Record<string, string> {
  const rest: Record<string, string> = {};
  for (const [key, value] of Object.entries(options)) if (!(key in LIST_OPTIONS)) rest[key] = value;
  return rest;
}
