// The building blocks every built-in rule is written with: how a name is assigned a value
// in the languages and formats people commit, and the two kinds of rule (a token with a
// fixed prefix, a value next to the vendor's name).
import type { RawRule } from '../../types.js';

/**
 * An assignment operator between a name and a value: `=`, `:=`, `::=`, `:`, `=>`, `?=`,
 * `||=`, PHP's `.=` and `+=`. (XML elements have their own rule: `>` alone is no assignment.)
 */
export const ASSIGN = String.raw`['"]?[ \t]{0,3}(?:=|:{1,3}=|:|=>|\?=|\|\|=|\.=|\+=)[ \t]{0,5}(?:['"\x60]|b['"])?`;

/** Where a token ends: not followed by another character of the token's alphabet. */
export const END_DASHED = String.raw`(?:[^A-Za-z0-9_-]|$)`;

export function prefixed(
  id: string,
  description: string,
  regex: string,
  keywords: string[],
  extra: Partial<RawRule> = {},
): RawRule {
  return {
    id,
    description,
    regex,
    keywords,
    entropy: 3,
    secretGroup: 1,
    tags: ['secret'],
    ...extra,
  };
}

/**
 * The operator of a vendor-named assignment, as gitleaks' vendor rules accept it: quotes
 * and blanks around `=`, `:`, `:=`, `::=`, `=>`, `?=`, `||`, `>` (an XML element, its value
 * maybe on the next line) or `,` (a function's arguments: `put("TWITTER_SECRET", "…")`).
 * Each run is capped, so a try stays linear. The name may be followed by a type or PHP's
 * `.` of `.=` (`var twitterToken string = "…"`).
 */
const NAMED_ASSIGN = String.raw`[ \t'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[ \t\r\n'"\x60=]{0,6}`;
/** What may follow a vendor-named value: a quote, a blank, `;`, an escaped line break, the end. */
const NAMED_END = String.raw`(?:[\x60'"\s;,)}\]<]|\\[nr]|$)`;

/**
 * A value assigned to a name that holds the vendor's name (`TWITTER_API_SECRET = "…"`),
 * for vendors whose tokens have no prefix. `names` is a regex alternation whose every
 * branch holds one of `keywords`; `value` is the token's documented alphabet and length.
 */
export function named(
  id: string,
  description: string,
  names: string,
  keywords: string[],
  value: string,
  extra: Partial<RawRule> = {},
): RawRule {
  return {
    id,
    description,
    regex: String.raw`(?i)(?:${names})[ \t\w.-]{0,20}?${NAMED_ASSIGN}(${value})${NAMED_END}`,
    keywords,
    entropy: 3,
    secretGroup: 1,
    tags: ['secret', 'named'],
    ...extra,
  };
}

/** A UUID, the form several vendors' keys take (named, as a UUID alone is no secret). */
export const UUID = String.raw`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`;
