// shannonEntropy against the textbook sum -Σ p·log2(p), for the thresholds of gitleaks rules.
import { shannonEntropy } from '../../../src/scan/detect/entropy.js';

function reference(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let entropy = 0;
  for (const count of counts.values()) {
    const p = count / [...text].length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}

describe('shannonEntropy', () => {
  it('scores known texts exactly', () => {
    expect(shannonEntropy('')).toBe(0);
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('ab')).toBe(1);
    expect(shannonEntropy('abcd')).toBe(2);
    expect(shannonEntropy('0123456789abcdef')).toBe(4);
  });

  it('agrees with the textbook sum, including counts past its table and wide characters', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const alphabets = ['ab', 'abcdefghijklmnopqrstuvwxyz0123456789+/=', 'aé€😀'];
    for (let i = 0; i < 2000; i++) {
      const alphabet = [...alphabets[i % 3]!];
      const length = 1 + Math.floor(random() * (i % 50 === 0 ? 5000 : 120));
      const text = Array.from(
        { length },
        () => alphabet[Math.floor(random() * alphabet.length)],
      ).join('');
      // Code units, as gitleaks counts bytes of ASCII: the reference counts code points, so
      // compare on texts without astral characters only.
      if (/[\uD800-\uDFFF]/.test(text)) continue;
      expect(Math.abs(shannonEntropy(text) - reference(text))).toBeLessThan(1e-12);
    }
  });
});
