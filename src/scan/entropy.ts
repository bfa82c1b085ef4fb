// Shannon entropy in bits per character, as gitleaks computes it for a rule's `entropy`
// threshold: a random 40-character base64 string scores about 4.9, an English word under 3.
const byteCounts = new Int32Array(256);

export function shannonEntropy(text: string): number {
  const n = text.length;
  if (n === 0) return 0;
  let wide: Map<number, number> | null = null;
  for (let i = 0; i < n; i++) {
    const code = text.charCodeAt(i);
    if (code < 256) byteCounts[code]!++;
    else (wide ??= new Map()).set(code, (wide.get(code) ?? 0) + 1);
  }
  let entropy = 0;
  // Visit each distinct character once (via the text), resetting its count as we go.
  for (let i = 0; i < n; i++) {
    const code = text.charCodeAt(i);
    if (code >= 256) continue;
    const count = byteCounts[code]!;
    if (count === 0) continue;
    byteCounts[code] = 0;
    const p = count / n;
    entropy -= p * Math.log2(p);
  }
  if (wide) {
    for (const count of wide.values()) {
      const p = count / n;
      entropy -= p * Math.log2(p);
    }
  }
  return entropy;
}
