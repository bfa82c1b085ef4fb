// The one Aho-Corasick builder, shared by the output masker of `oidc-secrets run`
// (mask-stream.ts: masks as UTF-8 bytes) and the scanner's keyword prefilter
// (scan/detect/keywords.ts: keywords as case-folded characters). Each maps its symbols to
// alphabet classes first (symbols in no pattern share class 0), so the table has one row of
// `classCount` entries per state whatever the symbol size, and each adds what it needs on top:
// the masker has entries that lead to a state ending a mask flagged (`outputFlag`), the
// prefilter renumbers states so that those that end a keyword come last.
//
// The trie is written straight into the transition table and completed breadth first, one
// pass over each state's row, with no allocation per state: the masker builds its automaton
// cold on `run`'s start-up path, concurrently with the wrapped command's own start-up.

export interface AhoCorasick {
  /** Number of states; 0 is the root. States are numbered in the order the trie made them. */
  readonly stateCount: number;
  readonly classCount: number;
  /**
   * The complete DFA: `delta[state * classCount + class]` is the next state, premultiplied
   * (`next * classCount`, the offset of its row), so a walk is one add and one load a symbol;
   * OR'd with `outputFlag` when the next state ends a pattern (its own or a suffix's).
   */
  readonly delta: Int32Array;
  /** Per state: its failure state (the longest proper suffix that is a trie state). */
  readonly fail: Int32Array;
  /** Per state: its depth in the trie, the length of the prefix it stands for. */
  readonly depth: Int32Array;
  /** Per state: the index of the pattern that ends exactly there, or -1. */
  readonly ends: Int32Array;
  /** Every state but the root, breadth first: a state's failure state comes before it. */
  readonly order: Int32Array;
}

export interface BuildOptions {
  /** Symbol → alphabet class; without it the patterns' symbols are the classes. */
  classOf?: ArrayLike<number>;
  /** A bit no row offset uses, set in entries that lead to a state ending a pattern. */
  outputFlag?: number;
}

/**
 * Builds the automaton of `patterns`, each a sequence of symbols whose classes lie in
 * [1, classCount). Patterns must be non-empty; a pattern equal to an earlier one ends at the
 * same state, and `ends` names the later.
 */
export function buildAhoCorasick(
  patterns: readonly ArrayLike<number>[],
  classCount: number,
  { classOf, outputFlag = 0 }: BuildOptions = {},
): AhoCorasick {
  const offsetBits = ~outputFlag;
  let totalLength = 0;
  for (const pattern of patterns) totalLength += pattern.length;
  if ((totalLength + 1) * classCount > 0x7fffffff) {
    throw new RangeError(`too many pattern symbols to compile (${totalLength})`);
  }
  // The trie: entry = child state (0 = none, since the root is nobody's child).
  const delta = new Int32Array((totalLength + 1) * classCount);
  const depth = new Int32Array(totalLength + 1);
  const ends = new Int32Array(totalLength + 1).fill(-1);
  let states = 1;
  patterns.forEach((pattern, index) => {
    let node = 0;
    for (let i = 0; i < pattern.length; i++) {
      const at = node * classCount + (classOf ? classOf[pattern[i]!]! : pattern[i]!);
      let next = delta[at]!;
      if (next === 0) {
        next = states++;
        delta[at] = next;
        depth[next] = depth[node]! + 1;
      }
      node = next;
    }
    ends[node] = index;
  });

  // Breadth first, one pass over each state's row: a trie child (non-zero before its row is
  // processed) gets its failure link and stays; every other entry is taken from the failure
  // state's row, which is shallower and so already complete. Entries become row offsets,
  // flagged when the state ends a pattern or its failure state does.
  const fail = new Int32Array(states);
  const order = new Int32Array(Math.max(0, states - 1));
  const isOutput = new Uint8Array(states);
  let tail = 0;
  for (let cls = 0; cls < classCount; cls++) {
    const child = delta[cls]!;
    if (child === 0) continue;
    order[tail++] = child;
    isOutput[child] = ends[child]! >= 0 ? 1 : 0;
    delta[cls] = (child * classCount) | (isOutput[child] ? outputFlag : 0);
  }
  for (let head = 0; head < tail; head++) {
    const node = order[head]!;
    const row = node * classCount;
    const failRow = fail[node]! * classCount;
    for (let cls = 0; cls < classCount; cls++) {
      const child = delta[row + cls]!;
      if (child === 0) {
        delta[row + cls] = delta[failRow + cls]!;
        continue;
      }
      const suffix = (delta[failRow + cls]! & offsetBits) / classCount;
      fail[child] = suffix;
      isOutput[child] = ends[child]! >= 0 || isOutput[suffix] ? 1 : 0;
      delta[row + cls] = (child * classCount) | (isOutput[child] ? outputFlag : 0);
      order[tail++] = child;
    }
  }
  return {
    stateCount: states,
    classCount,
    delta: delta.subarray(0, states * classCount),
    fail,
    depth: depth.subarray(0, states),
    ends: ends.subarray(0, states),
    order,
  };
}
