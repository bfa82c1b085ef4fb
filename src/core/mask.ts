// The mask gate: every fetched value and every credential passes here on arrival, before
// anything downstream can print, export or write it (SPEC §1.2).
//
// The runner masks a registered value whole and line by line (each line trimmed), and adds
// encoded variants of each registered string itself. So:
// - a single-line value is registered whole;
// - a multi-line value is registered line by line — never whole: the runner would split it
//   and mask every trimmed line, including lines such as `{` or `-----END…` that would then
//   be blanked throughout the job's log. The single-line encodings of the whole value that
//   the runner would have derived (base64, JSON- and URI-escaped) are registered explicitly
//   instead;
// - every string and number leaf of a JSON value, exported or not.

/** Where registered strings go: `::add-mask::` on stdout for the action, a set for the CLI. */
export interface MaskSink {
  add(value: string): void;
}

/** What a value is about, for warnings: never the value itself. */
export interface MaskOrigin {
  /** e.g. "secrets line 3 (DB_PASSWORD)" or "vault token". */
  label: string;
  /**
   * A read as it arrives (the road): its strings are masked at once, but a warning about a
   * short one waits, so that it can name the variable that holds it once values are shaped
   * (a later admission of the same string without this flag), or the read's own label at
   * flushShortWarnings() when no variable holds it (a leaf that is not exported).
   */
  deferShortWarning?: boolean;
}

/** Values shorter than this are masked but earn a warning (they blank common text). */
export const SHORT_MASK_LENGTH = 4;

export class MaskGate {
  private readonly registered = new Set<string>();
  /** Labels already warned about (one warning per label). */
  private readonly warned = new Set<string>();
  /** Short strings whose warning waits, with the label of the read they came in. */
  private readonly pendingShort = new Map<string, string>();
  /** Short strings already warned about under a label that names their variable. */
  private readonly claimedShort = new Set<string>();

  constructor(
    private readonly sink: MaskSink,
    private readonly warn: (message: string) => void,
  ) {}

  /** A fetched secret value: whole or by line, its encodings, and its JSON leaves. */
  admitValue(value: string, origin: MaskOrigin): void {
    this.admitText(value, origin);
    // A multi-line leaf (a PEM in a service-account JSON) needs its whole-text encodings as
    // much as a multi-line value does: `jq -r .private_key | base64` prints one.
    for (const leaf of jsonLeaves(value)) this.admitText(leaf, origin);
  }

  /** A credential of the exchange (OIDC token, Vault token, session keys, access tokens). */
  admitCredential(value: string, what: string): void {
    this.admitText(value, { label: what });
  }

  /**
   * Warns about the short strings of reads that no variable claimed, under the read's
   * label. Call once the values are shaped.
   */
  flushShortWarnings(): void {
    for (const [value, label] of this.pendingShort) this.warnShort(value, label);
    this.pendingShort.clear();
  }

  /** How many distinct strings have been registered so far. */
  get size(): number {
    return this.registered.size;
  }

  /** Replaces every registered string in a text with `***` (for error bodies and messages). */
  redact(text: string): string {
    if (!text || this.registered.size === 0) return text;
    let out = text;
    for (const value of [...this.registered].sort((a, b) => b.length - a.length)) {
      if (out.includes(value)) out = out.split(value).join('***');
    }
    return out;
  }

  private admitText(text: string, origin: MaskOrigin): void {
    if (!text.includes('\n') && !text.includes('\r')) {
      // The runner trims what it masks; a value with edge blanks is also kept as written
      // for our own redaction of messages and of `run` output.
      this.register(text.trim(), origin);
      if (text.trim() && text.trim() !== text) this.register(text, origin, false);
      // The runner's JSON variant escapes U+0085/U+2028/U+2029 (Newtonsoft); JSON.stringify
      // leaves them raw, so a value with one of them and a quote or backslash would print
      // through JSON.stringify in a form the runner never derived.
      if (/[\u0085\u2028\u2029]/.test(text))
        this.register(JSON.stringify(text).slice(1, -1), origin, false);
      return;
    }
    for (const line of text.split(/\r?\n|\r/)) {
      const trimmed = line.trim();
      if (!trimmed || isStructureLine(trimmed)) continue;
      this.register(trimmed, origin);
    }
    for (const encoded of singleLineEncodings(text)) this.register(encoded, origin, false);
  }

  private register(value: string, origin: MaskOrigin, warnIfShort = true): void {
    if (!value) return;
    if (warnIfShort && value.length < SHORT_MASK_LENGTH) this.noteShort(value, origin);
    if (this.registered.has(value)) return;
    this.registered.add(value);
    this.sink.add(value);
  }

  private noteShort(value: string, origin: MaskOrigin): void {
    if (origin.deferShortWarning) {
      if (!this.claimedShort.has(value) && !this.pendingShort.has(value))
        this.pendingShort.set(value, origin.label);
      return;
    }
    this.pendingShort.delete(value);
    this.claimedShort.add(value);
    this.warnShort(value, origin.label);
  }

  private warnShort(value: string, label: string): void {
    if (this.warned.has(label)) return;
    this.warned.add(label);
    this.warn(
      `${label}: a value of ${value.length} character${value.length === 1 ? '' : 's'} is masked; ` +
        `masks this short also hide that text wherever else it appears in the job's log`,
    );
  }
}

/**
 * Lines of a multi-line value that are left unregistered: the structure of JSON text, which
 * carries no secret and, masked, would be blanked wherever it appears in the job's log.
 * Only that, by an allow-list: a line of other symbols (`#$%&*+=!?~^|<>@`) or of emoji can
 * be a password, and is masked.
 * - JSON/YAML structure: braces, brackets, commas, colons, quotes, dashes, blanks;
 * - ASCII punctuation shorter than SHORT_MASK_LENGTH (`});`, `];`): as a mask it would
 *   blank that text in every log line, for at most three characters of secret.
 * PEM armour (`-----BEGIN PRIVATE KEY-----`) has letters and is masked like any line: it
 * says what the value is, and blanking it elsewhere in the log costs nothing.
 */
function isStructureLine(line: string): boolean {
  return JSON_STRUCTURE.test(line) || SHORT_PUNCTUATION.test(line);
}

const JSON_STRUCTURE = /^[{}[\],:"'\-\s]+$/;
/** ASCII punctuation is ! to /, : to @, [ to ` and { to ~. */
const SHORT_PUNCTUATION = /^[!-/:-@[-`{-~]{1,3}$/;

/**
 * The single-line encodings the runner derives from a registered string, for a whole
 * multi-line value (which the gate never registers whole) and for every mask of the CLI's
 * `run` and `redact`, which mask as the runner would. The runner's SecretMasker value
 * encoders (actions/runner src/Sdk/DTLogging/Logging/ValueEncoders.cs, added in HostContext)
 * are base64 at three byte offsets, JSON string escaping (JsonStringEscape), URI data
 * escaping (UriDataEscape: .NET Uri.EscapeDataString) and XML escaping (XmlDataEscape: .NET
 * SecurityElement.Escape), besides ExpressionStringEscape and TrimDoubleQuotes. Here:
 * - JSON string escaping, also as Newtonsoft writes it (U+0085, U+2028 and U+2029 as \uXXXX);
 * - URI escaping, as encodeURIComponent writes it and as Uri.EscapeDataString does;
 * - XML escaping, and the HTML escapings that spell quotes differently; the expression
 *   string escaping (ExpressionStringEscape: ' as ''); a value in double quotes without them
 *   (TrimDoubleQuotes, for values over 8 characters) — single-line only: these keep line
 *   breaks, and each line's own forms cover a multi-line value;
 * - base64 at each of the three byte alignments a value can have inside a longer base64
 *   text, keeping only the characters determined by the value's own bytes.
 */
export function singleLineEncodings(value: string): string[] {
  // A lone surrogate (a JSON leaf "\ud800") is written to a log as U+FFFD, and would make
  // encodeURIComponent throw.
  const uri = encodeURIComponent(Buffer.from(value, 'utf8').toString('utf8'));
  const json = JSON.stringify(value).slice(1, -1);
  const out = [json, uri];
  const newtonsoft = json.replace(NEWTONSOFT_ESCAPED, unicodeEscape);
  if (newtonsoft !== json) out.push(newtonsoft);
  const strictUri = uri.replace(URI_RESERVED_BY_DOTNET, percentEncode);
  if (strictUri !== uri) out.push(strictUri);
  if (!/[\r\n]/.test(value)) {
    if (XML_SPECIAL.test(value))
      for (const escaped of xmlEscapings(value)) if (escaped !== value) out.push(escaped);
    if (value.includes("'")) out.push(value.replace(/'/g, "''"));
    if (value.length > 8 && value.startsWith('"') && value.endsWith('"'))
      out.push(value.slice(1, -1));
  }
  const bytes = Buffer.from(value, 'utf8');
  for (let shift = 0; shift < 3; shift++) {
    const padded = Buffer.concat([Buffer.alloc(shift), bytes]);
    const encoded = padded.toString('base64');
    const start = Math.ceil((8 * shift) / 6);
    const end = Math.floor((8 * padded.length) / 6);
    if (end - start >= SHORT_MASK_LENGTH) out.push(encoded.slice(start, end));
  }
  return out;
}

/**
 * What encodeURIComponent leaves as it is and Uri.EscapeDataString escapes: on .NET Core
 * only RFC 3986's unreserved characters (A-Z a-z 0-9 - . _ ~) stay.
 */
const URI_RESERVED_BY_DOTNET = /[!'()*]/g;
const percentEncode = (c: string) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`;

const XML_SPECIAL = /[&<>"']/;

/** What Newtonsoft's JsonConvert.ToString escapes and JSON.stringify leaves as it is. */
const NEWTONSOFT_ESCAPED = /[\u0085\u2028\u2029]/g;
const unicodeEscape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * How escapers spell `'` and `"`: .NET SecurityElement.Escape (the runner's XmlDataEscape)
 * first; then HTML escapers, which print what the runner does not mask (an addition: the CLI
 * masks more than the runner here, never less); then text-node escapers, which leave quotes.
 */
const QUOTE_SPELLINGS: ReadonlyArray<readonly [apostrophe: string, quote: string]> = [
  ['&apos;', '&quot;'], // .NET SecurityElement.Escape, XML
  ['&#x27;', '&quot;'], // Python html.escape
  ['&#39;', '&quot;'], // Ruby CGI.escapeHTML, lodash/underscore escape, escape-html
  ['&#39;', '&#34;'], // Go html.EscapeString, html/template
  ['&#039;', '&quot;'], // PHP htmlspecialchars(ENT_QUOTES)
  ["'", '"'], // Python xml.sax.saxutils.escape, html.escape(quote=False)
];

/** The distinct XML/HTML escapings of a text: & < > always, quotes as each escaper does. */
function xmlEscapings(value: string): string[] {
  const escapings = new Set<string>();
  for (const [apostrophe, quote] of QUOTE_SPELLINGS) {
    const entity: Record<string, string> = {
      '&': '&amp;',
      '<': '&lt;',
      '>': '&gt;',
      "'": apostrophe,
      '"': quote,
    };
    escapings.add(value.replace(/[&<>"']/g, (c) => entity[c]!));
  }
  return [...escapings];
}

/**
 * Every string and number leaf of a JSON text (true/false/null are not secrets). Numbers
 * are taken from the text as written too, so that 12345678901234567890 is masked as
 * printed and not only as JavaScript's rounded form of it.
 */
export function jsonLeaves(text: string): string[] {
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  const leaves: string[] = [];
  const walk = (node: unknown): void => {
    if (typeof node === 'string') leaves.push(node);
    else if (typeof node === 'number') leaves.push(String(node));
    else if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') Object.values(node).forEach(walk);
  };
  walk(parsed);
  leaves.push(...jsonNumberTokens(text));
  return leaves;
}

/** Number tokens of a JSON text as written, outside of strings. */
function jsonNumberTokens(text: string): string[] {
  const tokens: string[] = [];
  const pattern = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
  for (const match of text.matchAll(pattern)) {
    if (match[0][0] !== '"') tokens.push(match[0]);
  }
  return tokens;
}
