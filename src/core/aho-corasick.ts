// The one Aho-Corasick builder, shared by the output masker of `oidc-secrets run`
// (mask-stream.ts: masks as UTF-8 bytes) and the scanner's keyword prefilter
// (scan/detect/keywords.ts: keywords as case-folded characters). Each maps its symbols to
// alphabet classes first (symbols in no pattern share class 0), so the table has one row of
// `classCount` entries per state whatever the symbol size, and each adds what it needs on top:
// the masker flags states that end a mask, the prefilter renumbers states so that those that
// end a keyword come last.
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
   * (`next * classCount`, the offset of its row), so a walk is one add and one load a symbol.
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

/**
 * Builds the automaton of `patterns`, each a sequence of alphabet classes in
 * [1, classCount). Patterns must be distinct and non-empty (callers deduplicate).
 */
export function buildAhoCorasick(
  patterns: readonly ArrayLike<number>[],
  classCount: number,
): AhoCorasick {
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
      const at = node * classCount + pattern[i]!;
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
  // state's row, which is shallower and so already complete. Entries become row offsets.
  const fail = new Int32Array(states);
  const order = new Int32Array(Math.max(0, states - 1));
  let tail = 0;
  for (let cls = 0; cls < classCount; cls++) {
    const child = delta[cls]!;
    if (child === 0) continue;
    order[tail++] = child;
    delta[cls] = child * classCount;
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
      fail[child] = delta[failRow + cls]! / classCount;
      delta[row + cls] = child * classCount;
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
