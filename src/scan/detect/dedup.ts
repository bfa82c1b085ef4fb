// Which of a fragment's findings are reported when rules overlap: gitleaks' rule, exactly.
// gitleaks runs every rule over the fragment (and over each decoded pass), collects all
// findings, and then `filter` (detect/utils.go, gitleaks/gitleaks at b1c9c7e) drops only this:
//
//     if strings.Contains(strings.ToLower(f.RuleID), "generic") {
//         for _, fPrime := range findings {
//             if f.StartLine == fPrime.StartLine &&
//                 f.Commit == fPrime.Commit &&
//                 f.RuleID != fPrime.RuleID &&
//                 strings.Contains(fPrime.Secret, f.Secret) &&
//                 !strings.Contains(strings.ToLower(fPrime.RuleID), "generic") {
//                 ... include = false
//
// A finding of a rule whose id holds "generic" (any case, anywhere: `my-Generic-token` too)
// is dropped when a finding of a rule whose id does not, starting on the same line, has a
// secret that contains its secret as text (wherever on the line either lies; a generic
// secret that only overlaps the other's is kept). Nothing else is deduplicated:
// - two generic rules matching one secret are both reported, as are two specific ones;
// - the same secret matched twice by one rule is two findings (`FindAllStringIndex`);
// - a decoded pass keeps only matches that overlap a run decoded in that pass ("This item
//   has already been added to a finding", detect.go), so text the plain pass matched is not
//   reported again; and `filter` runs once over the plain and decoded findings together, a
//   decoded finding's line being the line of its encoded run in the original text.
// gitleaks' StartLine is the line where the match starts: our `matchLine` (0 for a path-only
// finding, which has no secret).
import type { Finding } from '../types.js';

/** Whether gitleaks treats a rule as generic: its id holds "generic", in any case. */
export function isGenericRule(ruleId: string): boolean {
  return ruleId.toLowerCase().includes('generic');
}

/** The findings gitleaks would report, in their order: generic ones shadowed as above dropped. */
export function dropShadowedGeneric(findings: Finding[]): Finding[] {
  if (findings.length < 2) return findings;
  const generic = findings.map((f) => isGenericRule(f.ruleId));
  if (!generic.includes(true) || !generic.includes(false)) return findings;
  // Specific secrets by commit and line: a generic finding is compared with its line's only.
  const lineKey = (f: Finding): string => `${f.matchLine}\0${f.commit ?? ''}`;
  const specific = new Map<string, SecretsOnLine>();
  findings.forEach((f, i) => {
    if (generic[i]) return;
    const key = lineKey(f);
    let line = specific.get(key);
    if (line === undefined) specific.set(key, (line = new SecretsOnLine()));
    line.add(f.secret);
  });
  return findings.filter((f, i) => {
    if (!generic[i]) return true;
    const line = specific.get(lineKey(f));
    return line === undefined || !line.contain(f.secret);
  });
}

/**
 * The specific secrets of one line, asked "does one of you contain this text?". The first
 * questions are answered by searching each secret; once those searches have cost a few times
 * the secrets' length, a suffix automaton of the secrets answers the rest in time linear in
 * the question: a minified line with thousands of findings of both kinds stays linear.
 */
class SecretsOnLine {
  private readonly secrets: string[] = [];
  private length = 0;
  private searched = 0;
  private automaton: SuffixAutomaton | undefined;

  add(secret: string): void {
    this.secrets.push(secret);
    this.length += secret.length;
  }

  contain(text: string): boolean {
    if (this.automaton === undefined && this.searched > 4 * this.length + 4096)
      this.automaton = new SuffixAutomaton(this.secrets);
    if (this.automaton !== undefined) return this.automaton.has(text);
    this.searched += this.length;
    return this.secrets.some((s) => s.includes(text));
  }
}

/**
 * The substrings of a list of strings (one automaton over them joined by a separator that
 * no question holds), in states and transitions linear in their total length.
 */
class SuffixAutomaton {
  private readonly next: Map<number, number>[] = [new Map()];
  private readonly link: number[] = [-1];
  private readonly len: number[] = [0];

  constructor(strings: readonly string[]) {
    let last = 0;
    strings.forEach((s, k) => {
      // A code no UTF-16 unit has: a question never crosses from one string to the next.
      if (k > 0) last = this.extend(last, 0x10000);
      for (let i = 0; i < s.length; i++) last = this.extend(last, s.charCodeAt(i));
    });
  }

  has(text: string): boolean {
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      const to = this.next[state]!.get(text.charCodeAt(i));
      if (to === undefined) return false;
      state = to;
    }
    return true;
  }

  /** The standard online construction: appends one code after the state `last`. */
  private extend(last: number, code: number): number {
    const { next, link, len } = this;
    const cur = next.length;
    next.push(new Map());
    len.push(len[last]! + 1);
    link.push(0);
    let p = last;
    while (p !== -1 && !next[p]!.has(code)) {
      next[p]!.set(code, cur);
      p = link[p]!;
    }
    if (p === -1) return cur;
    const q = next[p]!.get(code)!;
    if (len[p]! + 1 === len[q]) {
      link[cur] = q;
      return cur;
    }
    const clone = next.length;
    next.push(new Map(next[q]!));
    len.push(len[p]! + 1);
    link.push(link[q]!);
    while (p !== -1 && next[p]!.get(code) === q) {
      next[p]!.set(code, clone);
      p = link[p]!;
    }
    link[q] = clone;
    link[cur] = clone;
    return cur;
  }
}
