// The keyword prefilter must find every occurrence of every keyword, case-insensitively,
// by either walk (JavaScript over strings, WebAssembly over ASCII bytes).
import fc from 'fast-check';
import { KeywordMatcher } from '../../../src/scan/detect/keywords.js';

/** Every (end offset, keyword) occurrence, the slow way. */
function naive(text: string, keywords: string[]): string[] {
  const lower = text.toLowerCase();
  const out: string[] = [];
  for (const k of new Set(keywords.map((w) => w.toLowerCase()))) {
    for (let i = lower.indexOf(k); i !== -1; i = lower.indexOf(k, i + 1))
      out.push(`${i + k.length}:${k}`);
  }
  return out.sort();
}

function found(
  matcher: KeywordMatcher,
  hits: { ends: Int32Array; states: Int32Array; count: number } | null,
): string[] {
  if (hits === null) throw new Error('not ASCII');
  const out: string[] = [];
  for (let i = 0; i < hits.count; i++) {
    for (const k of matcher.keywordsOf(hits.states[i]!))
      out.push(`${hits.ends[i]}:${matcher.keywords[k]}`);
  }
  return out.sort();
}

const alphabet = fc.constantFrom(...'abcdekyto_-:/.Q~ \nKEYTOK'.split(''));
const keywordArb = fc.array(fc.string({ unit: alphabet, minLength: 1, maxLength: 5 }), {
  minLength: 1,
  maxLength: 8,
});

describe('KeywordMatcher', () => {
  it('finds what indexOf finds, whatever the case (strings)', () => {
    fc.assert(
      fc.property(keywordArb, fc.string({ unit: alphabet, maxLength: 300 }), (keywords, text) => {
        const m = new KeywordMatcher(keywords);
        expect(found(m, m.scan(text))).toEqual(naive(text, keywords));
      }),
      { numRuns: 300 },
    );
  });

  it('the WebAssembly walk over ASCII bytes finds the same, across its four parts', () => {
    const asciiKeywords = fc.array(fc.string({ unit: alphabet, minLength: 1, maxLength: 6 }), {
      minLength: 1,
      maxLength: 10,
    });
    fc.assert(
      fc.property(
        asciiKeywords,
        fc.string({ unit: alphabet, minLength: 1024, maxLength: 9000 }),
        (keywords, text) => {
          const m = new KeywordMatcher(keywords);
          const bytes = Buffer.from(text, 'latin1');
          expect(found(m, m.scanBytes(bytes))).toEqual(naive(text, keywords));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('the WebAssembly walk: a wide alphabet (classes not pre-scaled), many states, dense hits', () => {
    // 94 printable characters, 68 classes once folded: more than fit a byte multiplied by 4.
    const chars = Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i));
    const printable = fc.constantFrom(...chars);
    const everyClass = chars.join('').toLowerCase();
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: printable, minLength: 1, maxLength: 12 }), {
          minLength: 20,
          maxLength: 200,
        }),
        fc.string({ unit: printable, minLength: 1024, maxLength: 6000 }),
        (some, text) => {
          const keywords = [...some, everyClass];
          const m = new KeywordMatcher(keywords);
          const bytes = Buffer.from(text, 'latin1');
          expect(found(m, m.scanBytes(bytes))).toEqual(naive(text, keywords));
        },
      ),
      { numRuns: 40 },
    );
    // A keyword at every offset: every step of every round ends one.
    const m = new KeywordMatcher(['a', 'aa']);
    const text = 'a'.repeat(5000);
    expect(found(m, m.scanBytes(Buffer.from(text)))).toEqual(naive(text, ['a', 'aa']));
  });

  it('bytes that are not all ASCII give null, wherever the first such byte is', () => {
    const m = new KeywordMatcher(['key', 'token']);
    for (const size of [100, 5000]) {
      expect(found(m, m.scanBytes(Buffer.alloc(size, 'key token ')))).not.toHaveLength(0);
      for (const at of [0, 1, size >> 2, size >> 1, size - 2, size - 1]) {
        const bytes = Buffer.alloc(size, 'key token ');
        bytes[at] = 0xc3;
        expect(m.scanBytes(bytes)).toBeNull();
      }
    }
    // So many that the walks' hit regions overflow: decided by a plain check instead.
    expect(m.scanBytes(Buffer.alloc(600_000, 'é'))).toBeNull();
  });

  it('a keyword straddling the boundary between two walks is found once', () => {
    const m = new KeywordMatcher(['boundary']);
    for (let at = 4096 - 10; at < 4096 + 10; at++) {
      const text = 'x'.repeat(at) + 'BOUNDARY' + 'y'.repeat(16384 - at);
      const hits = m.scanBytes(Buffer.from(text));
      expect(found(m, hits)).toEqual([`${at + 8}:boundary`]);
    }
  });

  it('non-ASCII text: keywords with non-Latin-1 letters, folded', () => {
    const m = new KeywordMatcher(['ключ', 'key']);
    expect(found(m, m.scan('КЛЮЧ=1 Key=2'))).toEqual(['4:ключ', '10:key'].sort());
  });

  it('numbers the states that end keywords densely (slots)', () => {
    const m = new KeywordMatcher(['ab', 'b', 'abc']);
    const hits = m.scan('abc');
    const slots = Array.from(hits.states.subarray(0, hits.count), (s) => m.slotOf(s));
    for (const slot of slots) {
      expect(slot).toBeGreaterThanOrEqual(0);
      expect(slot).toBeLessThan(m.outputSlots);
      expect(m.stateOfSlot(slot)).toBe(hits.states[slots.indexOf(slot)]);
    }
  });
});
