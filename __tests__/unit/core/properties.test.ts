// Property-based tests over the `secrets` grammar and JSON flattening (fast-check):
// arbitrary input never crashes the planner, never puts a value in a message, and either
// yields exactly the expected names or fails with an error that names its line.
import fc from 'fast-check';
import { ActionError, ActionErrors } from '../../../src/core/errors.js';
import { shapeSecrets } from '../../../src/core/shape.js';
import { reservedPrefixReason, reservedReason } from '../../../src/core/plan/names.js';
import { planSecrets } from '../../../src/core/plan/plan.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 2000);

function errorsOf(error: unknown): ActionError[] {
  if (error instanceof ActionErrors) return error.errors;
  if (error instanceof ActionError) return [error];
  throw error; // anything else is a crash: fails the property
}

// Names the planner accepts both as a name and as a flatten prefix (NAME_*): reserved ones
// are refused by design (SPEC §1.4a) and have their own tests.
const nameArb = fc
  .stringMatching(/^[A-Z][A-Z0-9_]{0,12}$/)
  .filter((n) => !reservedReason(n) && !reservedPrefixReason(`${n}_`));
const segmentArb = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,8}$/);
const refArb = fc.oneof(
  fc
    .array(segmentArb, { minLength: 1, maxLength: 4 })
    .map((s) => `vault:secret/data/${s.join('/')}`),
  fc
    .tuple(fc.array(segmentArb, { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 99 }))
    .map(([s, v]) => `vault:kv/${s.join('/')}?version=${v}`),
  fc.array(segmentArb, { minLength: 1, maxLength: 3 }).map((s) => `aws:${s.join('/')}`),
  fc
    .tuple(fc.stringMatching(/^[a-z][a-z0-9-]{4,10}$/), segmentArb)
    .map(([p, s]) => `gcp:projects/${p}/secrets/${s}`),
  fc
    .tuple(fc.stringMatching(/^[a-z][a-z0-9]{2,10}$/), segmentArb)
    .map(([v, s]) => `azure:${v}/${s.replace(/_/g, '-')}`),
  nameArb.map((n) => `env:${n}`),
);
const selectorArb = fc.option(
  fc.array(fc.stringMatching(/^[a-z0-9_]{1,6}$/), { minLength: 1, maxLength: 3 }),
  { nil: undefined },
);

describe('grammar properties', () => {
  it('arbitrary text never crashes the planner; every error names a line within the input', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string(),
            fc.string({ unit: 'binary' }),
            fc.constantFrom('A: vault:x', 'B_*: env:Y', '#c', '', ' : ', 'a:b:c#d?e'),
          ),
          { maxLength: 8 },
        ),
        (lines) => {
          const input = lines.join('\n');
          try {
            planSecrets(input);
          } catch (error) {
            for (const e of errorsOf(error)) {
              expect(e.message).toMatch(/^secrets( line \d+)?[: (]/);
              if (e.line !== undefined)
                expect(e.line).toBeLessThanOrEqual(input.split(/\r?\n/).length);
            }
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('well-formed lines plan to exactly their names, one location per distinct reference', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(nameArb, fc.boolean(), refArb, selectorArb), {
          selector: ([n]) => n,
          minLength: 1,
          maxLength: 12,
        }),
        (entries) => {
          const input = entries
            .map(
              ([n, flat, ref, sel]) =>
                `${flat ? `${n}_*` : n}: ${ref}${sel ? `#${sel.join('.')}` : ''}`,
            )
            .join('\n');
          const plan = planSecrets(input);
          expect(plan.lines.map((l) => (l.flatten ? `${l.name}*` : l.name))).toEqual(
            entries.map(([n, flat]) => (flat ? `${n}_*` : n)),
          );
          expect(new Set(plan.locations.map((l) => l.key)).size).toBe(plan.locations.length);
          expect(plan.locations.flatMap((l) => l.lines).sort((a, b) => a - b)).toEqual(
            entries.map((_, i) => i + 1),
          );
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('a secret-looking text pasted anywhere in a line never appears in an error', () => {
    const secretArb = fc.stringMatching(/^[A-Za-z0-9+/=!@%^&*~-]{12,40}$/);
    fc.assert(
      fc.property(
        secretArb,
        fc.constantFrom(
          'X',
          'X: ',
          'X: vault:',
          'X: vault:a b',
          'X: aws:',
          'X: gcp:',
          'X: azure:v/',
          'X: vault:p#',
          'X: vault:p?',
        ),
        (secret, prefix) => {
          try {
            planSecrets(`${prefix}${secret}`);
          } catch (error) {
            for (const e of errorsOf(error)) expect(e.message.includes(secret)).toBe(false);
          }
        },
      ),
      // Found by a random run (stop 20): a text ending in * read as a listing, whose error
      // quoted the locator.
      { numRuns: RUNS, examples: [['+=aA@-+aAaa*', 'X: aws:']] },
    );
  });
});

/** The SPEC §1.1 flattening, written independently of src/core/shape.ts. */
function expectedFlatten(
  prefix: string,
  node: unknown,
  path: string[] = [],
  out = new Map<string, string>(),
): Map<string, string> {
  if (node !== null && typeof node === 'object') {
    const entries = Array.isArray(node)
      ? node.map((v, i) => [String(i), v] as const)
      : Object.entries(node);
    for (const [k, v] of entries)
      expectedFlatten(prefix, v, [...path, k.toUpperCase().replace(/[^A-Z0-9_]/g, '_')], out);
    return out;
  }
  const name = prefix + path.join('_');
  out.set(name, out.has(name) ? '\u0000collision' : node === null ? '' : String(node));
  return out;
}

describe('flattening properties', () => {
  it('NAME_* yields exactly the expected names and values, or a collision error naming the line', () => {
    const leaf = fc.oneof(
      fc.string({ minLength: 1 }),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
    );
    const tree = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), tie('node'), { maxKeys: 5 }),
      ),
    })).node;
    const objectArb = fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), tree, {
      minKeys: 1,
      maxKeys: 6,
    });
    fc.assert(
      fc.property(objectArb, (object) => {
        const raw = JSON.stringify(object);
        const plan = planSecrets('DB_*: vault:kv/db');
        const expected = expectedFlatten('DB_', object);
        const collides =
          [...expected.values()].includes('\u0000collision') ||
          hasCaseCollision([...expected.keys()]);
        try {
          const shaped = shapeSecrets(plan, new Map([['vault:kv/db', raw]]), () => {});
          expect(collides).toBe(false);
          expect(new Map(shaped.map((s) => [s.name, s.value]))).toEqual(expected);
        } catch (error) {
          const errors = errorsOf(error);
          expect(collides).toBe(true);
          for (const e of errors) {
            expect(e.code).toBe('NAME_COLLISION');
            expect(e.line).toBe(1);
            for (const leafValue of expected.values())
              if (leafValue.length >= 4) expect(e.message.includes(leafValue)).toBe(false);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });
});

function hasCaseCollision(names: string[]): boolean {
  return new Set(names.map((n) => n.toUpperCase())).size !== names.length;
}
