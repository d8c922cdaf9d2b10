// Which heads attend by position alone: a head whose W_Q and W_K read no coordinate that any
// token embedding sets (nor, beyond a first layer applied once, any layer writes) computes the
// same scores for every input, so engines may compute them once per batch (an exact saving: the
// attention stays dense over all visible positions).

import type { Model } from '../model/index.js';

/** Columns that some token embedding sets to a non-zero value. */
export function tokenColumns(m: Model): Uint8Array {
  const used = new Uint8Array(m.d);
  for (let i = 0; i < m.tokEmb.length; i++) if (m.tokEmb[i] !== 0) used[i % m.d] = 1;
  return used;
}

function readsOnly(W: Float32Array, d: number, banned: Uint8Array): boolean {
  for (let i = 0; i < W.length; i++) if (W[i] !== 0 && banned[i % d]) return false;
  return true;
}

/** Columns that some layer writes (a head's W_O rows, a feed-forward layer's W2 rows or b2). */
export function layerColumns(m: Model): Uint8Array {
  const d = m.d;
  const used = new Uint8Array(d);
  for (const L of m.layers) {
    for (const h of L.heads) for (let i = 0; i < h.wo.length; i++) if (h.wo[i] !== 0) used[Math.floor(i / h.dv)] = 1;
    for (let i = 0; i < L.ff.w2.length; i++) if (L.ff.w2[i] !== 0) used[Math.floor(i / L.ff.m)] = 1;
    L.ff.b2.forEach((x, c) => x !== 0 && (used[c] = 1));
  }
  return used;
}

/**
 * positionOnly[l][h] for every head of the model. Layer 0 of a model without a loop reads the
 * embeddings alone; any other head (and layer 0 when it is inside a loop, where it also reads
 * what the block wrote in the iteration before) must avoid the columns that layers write too.
 */
export function positionOnlyHeads(m: Model): boolean[][] {
  const tokens = tokenColumns(m);
  const written = layerColumns(m);
  const both = tokens.map((x, c) => x | written[c]!);
  const firstOnce = !m.meta.loop || m.meta.loop.start > 0;
  return m.layers.map((L, l) =>
    L.heads.map((h) => {
      const banned = l === 0 && firstOnce ? tokens : both;
      return readsOnly(h.wq, m.d, banned) && readsOnly(h.wk, m.d, banned);
    }),
  );
}
