// Which residual coordinates can depend on the circuit's input values. A bound sequence's tokens
// vary with the input only where its template says "x<k>", "w<k>" (the token "0" or "1") or
// "c<k>" (FALSE or TRUE): the coordinates where those alternatives' embeddings differ are tainted;
// a head whose W_V reads a tainted coordinate taints what its W_O writes, a feed-forward unit
// reading one taints what it writes. If no W_Q or W_K reads a tainted coordinate, every query, key,
// score and attention weight is the same number for every input (the same operations on the same
// numbers), so the attention pattern computed for one input holds for all of them.

import type { PreparedModel } from '../../runtime/index.js';

export interface Taint {
  /** tainted[c]: coordinate c of the residual can depend on the input (after any layer). */
  tainted: Uint8Array;
  /** valueTainted[l][h]: head h of layer l copies something input-dependent. */
  valueTainted: boolean[][];
  /** The first head whose query or key reads a tainted coordinate, if any. */
  attentionReads?: string;
}

export function taintOf(pm: PreparedModel, alternatives: [number, number][]): Taint {
  const { d } = pm;
  const tainted = new Uint8Array(d);
  for (const [a, b] of alternatives) for (let c = 0; c < d; c++) if (pm.tok[a * d + c] !== pm.tok[b * d + c]) tainted[c] = 1;
  const reads = (W: Float64Array, rows: number, row?: number): boolean => {
    for (let r = row ?? 0; r < (row === undefined ? rows : row + 1); r++) for (let c = 0; c < d; c++) if (W[r * d + c] !== 0 && tainted[c]) return true;
    return false;
  };
  const valueTainted: boolean[][] = [];
  let attentionReads: string | undefined;
  pm.layers.forEach((L, l) => {
    const row: boolean[] = [];
    const writes: number[] = [];
    for (const hd of L.heads) {
      if (!attentionReads && (reads(hd.wq, hd.dk) || reads(hd.wk, hd.dk))) attentionReads = `head ${hd.name} of layer ${l}`;
      let any = false;
      for (let e = 0; e < hd.dv; e++) {
        if (!reads(hd.wv, hd.dv, e)) continue;
        any = true;
        for (let c = 0; c < d; c++) if (hd.wo[c * hd.dv + e] !== 0) writes.push(c);
      }
      row.push(any);
    }
    valueTainted.push(row);
    for (const c of writes) tainted[c] = 1;
    for (let u = 0; u < L.m; u++) {
      if (!reads(L.w1, L.m, u)) continue;
      for (let c = 0; c < d; c++) if (L.w2[c * L.m + u] !== 0) tainted[c] = 1;
    }
  });
  return attentionReads ? { tainted, valueTainted, attentionReads } : { tainted, valueTainted };
}
