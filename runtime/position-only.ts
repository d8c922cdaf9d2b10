// Which heads attend by position alone: in layer 0, a head whose W_Q and W_K read no coordinate
// that any token embedding sets computes the same scores for every input, so engines may compute
// them once per batch (an exact saving: the attention stays dense over all visible positions).

import type { Model } from '../model/index.js';

/** Columns that some token embedding sets to a non-zero value. */
function tokenColumns(m: Model): Uint8Array {
  const used = new Uint8Array(m.d);
  for (let i = 0; i < m.tokEmb.length; i++) if (m.tokEmb[i] !== 0) used[i % m.d] = 1;
  return used;
}

function readsOnly(W: Float32Array, d: number, banned: Uint8Array): boolean {
  for (let i = 0; i < W.length; i++) if (W[i] !== 0 && banned[i % d]) return false;
  return true;
}

/** positionOnly[l][h] for every head of the model. */
export function positionOnlyHeads(m: Model): boolean[][] {
  const banned = tokenColumns(m);
  return m.layers.map((L, l) => L.heads.map((h) => l === 0 && readsOnly(h.wq, m.d, banned) && readsOnly(h.wk, m.d, banned)));
}
