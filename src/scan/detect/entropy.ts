// Shannon entropy in bits per character, as gitleaks computes it for a rule's `entropy`
// threshold: a random 40-character base64 string scores about 4.9, an English word under 3.
//
// H = -Σ (c/n)·log2(c/n) = log2(n) - Σ c·log2(c) / n over the count c of each distinct
// character: one logarithm per text, the c·log2(c) terms from a table. Every candidate
// secret is scored, most of them to be turned away, so this runs tens of thousands of times
// per megabyte of code.
const byteCounts = new Int32Array(256);
const TABLE_SIZE = 1024;
const countLogCount = Float64Array.from({ length: TABLE_SIZE }, (_, c) =>
  c === 0 ? 0 : c * Math.log2(c),
);
const termOf = (count: number): number =>
  count < TABLE_SIZE ? countLogCount[count]! : count * Math.log2(count);

export function shannonEntropy(text: string): number {
  const n = text.length;
  if (n === 0) return 0;
  let wide: Map<number, number> | null = null;
  for (let i = 0; i < n; i++) {
    const code = text.charCodeAt(i);
    if (code < 256) byteCounts[code]!++;
    else (wide ??= new Map()).set(code, (wide.get(code) ?? 0) + 1);
  }
  let sum = 0;
  // Visit each distinct character once (via the text), resetting its count as we go.
  for (let i = 0; i < n; i++) {
    const code = text.charCodeAt(i);
    if (code >= 256) continue;
    const count = byteCounts[code]!;
    if (count === 0) continue;
    byteCounts[code] = 0;
    sum += termOf(count);
  }
  if (wide) for (const count of wide.values()) sum += termOf(count);
  // A text of one repeated character scores 0, exactly (not a rounding error's -0 or 1e-16).
  return Math.max(0, Math.log2(n) - sum / n);
}
