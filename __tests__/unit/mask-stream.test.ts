import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  MaskAutomaton,
  StreamMasker,
  createMaskingStream,
  maskText,
} from '../../src/core/mask-stream.js';

/** The reference: every occurrence of every mask, merged when overlapping or touching. */
function naiveMask(input: Buffer, masks: string[]): Buffer {
  const covered: [number, number][] = [];
  for (const mask of new Set(masks.filter((m) => m.length > 0))) {
    const needle = Buffer.from(mask);
    for (let at = input.indexOf(needle); at !== -1; at = input.indexOf(needle, at + 1)) {
      covered.push([at, at + needle.length]);
    }
  }
  covered.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [start, end] of covered) {
    const last = merged[merged.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  const out: Buffer[] = [];
  let cursor = 0;
  for (const [start, end] of merged) {
    out.push(input.subarray(cursor, start), Buffer.from('***'));
    cursor = end;
  }
  out.push(input.subarray(cursor));
  return Buffer.concat(out);
}

function maskInChunks(input: Buffer, masks: string[], cuts: number[]): Buffer {
  const masker = new StreamMasker(new MaskAutomaton(masks));
  const out: Buffer[] = [];
  let from = 0;
  for (const cut of [...new Set(cuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b)) {
    out.push(...masker.push(input.subarray(from, cut)));
    from = cut;
  }
  out.push(...masker.push(input.subarray(from)), ...masker.end());
  return Buffer.concat(out);
}

// Assertion messages show hashes, never the text: masks stand in for secrets.
const digest = (b: Buffer): string => createHash('sha256').update(b).digest('hex').slice(0, 16);

describe('StreamMasker', () => {
  it('masks every occurrence, whatever the chunking (property, small alphabet)', () => {
    const alphabet = fc.constantFrom('a', 'b', 'c', 'é', '\n', '€');
    const text = fc.array(alphabet, { maxLength: 80 }).map((cs) => cs.join(''));
    const mask = fc.array(alphabet, { minLength: 1, maxLength: 6 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(
        text,
        fc.array(mask, { maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (input, masks, cuts) => {
          const bytes = Buffer.from(input);
          expect(digest(maskInChunks(bytes, masks, cuts))).toBe(digest(naiveMask(bytes, masks)));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('masks a value split one byte per chunk', () => {
    const secret = 'Zq8-secret-value-Ünïcødé-42';
    const input = Buffer.from(`before ${secret} middle ${secret}after\n`);
    const cuts = Array.from({ length: input.length }, (_, i) => i);
    expect(maskInChunks(input, [secret], cuts).toString()).toBe('before *** middle ***after\n');
  });

  it('merges overlapping and touching occurrences into one ***', () => {
    expect(maskText('xxabcdyy', ['abc', 'bcd'])).toBe('xx***yy');
    expect(maskText('xxabcabcyy', ['abc'])).toBe('xx***yy');
    expect(maskText('xxabcdyy', ['bc', 'abcd'])).toBe('xx***yy');
  });

  it('prefers the longest mask over its prefix', () => {
    expect(maskText('token=abcdef;', ['abc', 'abcdef'])).toBe('token=***;');
  });

  it('passes through bytes that are not UTF-8', () => {
    const input = Buffer.from([0xff, 0xfe, 0x41, 0x42, 0x43, 0x80]);
    const masker = new StreamMasker(new MaskAutomaton(['ABC']));
    const out = Buffer.concat([...masker.push(input), ...masker.end()]);
    expect([...out]).toEqual([0xff, 0xfe, 0x2a, 0x2a, 0x2a, 0x80]);
  });

  it('holds back only what can still start a mask', () => {
    const masker = new StreamMasker(new MaskAutomaton(['secret']));
    expect(Buffer.concat(masker.push(Buffer.from('line one\nsec'))).toString()).toBe('line one\n');
    expect(Buffer.concat(masker.push(Buffer.from('ond line\n'))).toString()).toBe('second line\n');
  });

  it('is a pipeable Transform that ignores empty masks', async () => {
    const chunks = ['hello sec', 'ret', ' world ', 'secr', 'et\n'];
    const stream = Readable.from(chunks.map((c) => Buffer.from(c))).pipe(
      createMaskingStream(['secret', '']),
    );
    const out: Buffer[] = [];
    for await (const chunk of stream) out.push(chunk as Buffer);
    expect(Buffer.concat(out).toString()).toBe('hello *** world ***\n');
  });

  it('passes everything through when there is nothing to mask', async () => {
    const stream = Readable.from([Buffer.from('a'), Buffer.from('b')]).pipe(
      createMaskingStream([]),
    );
    const out: Buffer[] = [];
    for await (const chunk of stream) out.push(chunk as Buffer);
    expect(Buffer.concat(out).toString()).toBe('ab');
  });

  it('handles many masks with shared prefixes', () => {
    const masks = Array.from(
      { length: 500 },
      (_, i) => `tok_${i.toString(36)}_${'x'.repeat(i % 7)}`,
    );
    const input = Buffer.from(masks.map((m, i) => `${i}:${m};`).join('\n'));
    expect(digest(maskInChunks(input, masks, [7, 300, 301, 4000]))).toBe(
      digest(naiveMask(input, masks)),
    );
  });
});
