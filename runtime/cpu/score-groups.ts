// Position-only heads that share their scores. A position-only head (runtime/position-only.ts)
// reads, with W_Q and W_K, only coordinates that no layer it could see has written: at position i
// they hold what the embedding put there, in every layer and every iteration. Two such heads with
// the same W_Q and W_K therefore compute the same queries, keys, rounded scores and softmax
// weights at every position, wherever they sit: a looped block's head in each iteration, and the
// equal heads of a deep model's D layers. A layer-by-layer pass keeps one set of weights per
// group (an exact saving; the weighted sums over the values stay dense).

import type { PreparedHead, PreparedLayer } from './prepared.js';
import type { Csr } from './sparse.js';

export interface ScoreGroups {
  /** group[slot][head]: the head's group, undefined for a head that is not position-only. */
  group: (number | undefined)[][];
  /** How many groups. */
  count: number;
}

function csrKey(A: Csr): string {
  return `${A.rows}x${A.cols}:${A.ptr.join(',')}:${A.idx.join(',')}:${A.val.join(',')}`;
}

function scoreKey(h: PreparedHead): string {
  return `${h.dk}|${csrKey(h.sparse.wq)}|${csrKey(h.sparse.wk)}`;
}

/** The score groups of the position-only heads of `slots` (equal W_Q and W_K: one group). */
export function scoreGroups(slots: PreparedLayer[]): ScoreGroups {
  const ids = new Map<string, number>();
  const group = slots.map((L) =>
    L.heads.map((h) => {
      if (!h.positionOnly) return undefined;
      const key = scoreKey(h);
      let id = ids.get(key);
      if (id === undefined) ids.set(key, (id = ids.size));
      return id;
    }),
  );
  return { group, count: ids.size };
}
