// `k8s:NAMESPACE/NAME` (one Secret) and `k8s:NAMESPACE/PREFIX*` (a listing, SPEC §1.1b),
// checked before any request: a namespace is a DNS-1123 label and a Secret's name a DNS-1123
// subdomain (Kubernetes "Object Names and IDs"), so anything else can only be a typo or an
// attempt to reach another API path, and is refused with the line named.

/** RFC 1123 label as Kubernetes validates it: lower-case alphanumerics and '-', at most 63. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** RFC 1123 subdomain: labels joined by '.', at most 253 characters. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** What a subdomain may start with: the prefix of a listing (`app-`, `db.`). */
const SUBDOMAIN_PREFIX = /^([a-z0-9][-a-z0-9.]*)?$/;

/** A label key (optional DNS subdomain prefix and '/') and a label value (Kubernetes "Labels and Selectors"). */
const LABEL_KEY =
  '(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?';
const LABEL_VALUE = '(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)';
const REQUIREMENTS = [
  new RegExp(`^!?${LABEL_KEY}$`),
  new RegExp(`^${LABEL_KEY}\\s*(?:==|=|!=)\\s*${LABEL_VALUE}?$`),
  new RegExp(
    `^${LABEL_KEY}\\s+(?:in|notin)\\s*\\(\\s*${LABEL_VALUE}?(?:\\s*,\\s*${LABEL_VALUE}?)*\\s*\\)$`,
  ),
];

/** The canonical locator, or what is wrong with it. */
export function checkK8sLocator(locator: string): { locator: string } | { problem: string } {
  const slash = locator.indexOf('/');
  const namespace = slash > 0 ? locator.slice(0, slash) : '';
  const name = slash > 0 ? locator.slice(slash + 1) : '';
  const expected =
    'expected NAMESPACE/NAME: a namespace (lower-case letters, digits and -, at most 63) and a Secret name (lower-case letters, digits, - and ., at most 253)';
  if (!DNS_LABEL.test(namespace)) return { problem: expected };
  if (name.endsWith('*')) {
    const prefix = name.slice(0, -1);
    if (SUBDOMAIN_PREFIX.test(prefix) && prefix.length < 253) return { locator };
    return { problem: `${expected}; a listing is NAMESPACE/* or NAMESPACE/PREFIX*` };
  }
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) return { problem: expected };
  return { locator };
}

/** A Kubernetes label selector (`app=web,tier!=db`, `env in (ci,dev)`, `!legacy`). */
export function checkLabelSelector(value: string): string | undefined {
  const problem = 'must be a Kubernetes label selector such as app=web or env in (ci,dev)';
  if (!value.trim() || value.length > 1024) return problem;
  const requirements: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of value) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (depth < 0 || depth > 1) return problem;
    if (char === ',' && depth === 0) {
      requirements.push(current);
      current = '';
    } else current += char;
  }
  requirements.push(current);
  if (depth !== 0) return problem;
  return requirements.every((r) => REQUIREMENTS.some((pattern) => pattern.test(r.trim())))
    ? undefined
    : problem;
}

export const k8sLocatorRule = {
  check: checkK8sLocator,
  options: { selector: checkLabelSelector },
};
