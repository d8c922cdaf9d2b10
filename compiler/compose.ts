// Composing a model from blocks that declare the subspaces they read and write (BlockSpaces).
// checkComposition verifies the declarations against the weights and against each other:
//   - a block's weights touch only its declared subspaces (nonzero input columns of W_Q, W_K,
//     W_V, W1 and of the unembedding lie in `reads`; nonzero output rows of W_O, W2, b2 and the
//     embeddings' nonzero columns lie in `writes`);
//   - no two blocks write the same subspace;
//   - every subspace a block reads is written by an embedding or by an earlier block (a head of
//     layer l reads what layers < l wrote; the feed-forward layer of l also reads the heads of l);
//   - a subspace a block `updates` in place (reads and corrects: a looped block replacing a value)
//     was written by another block that runs earlier.
// A violation is a bug in a construction: it throws.

import type { BlockSpaces, Model } from '../model/index.js';
import type { Basis } from '../model/index.js';

function columnsTouched(W: Float32Array, rows: number, d: number): Set<number> {
  const s = new Set<number>();
  for (let r = 0; r < rows; r++) for (let c = 0; c < d; c++) if (W[r * d + c] !== 0) s.add(c);
  return s;
}

/** Rows of a [rows, cols] matrix with a nonzero entry. */
function rowsTouched(W: Float32Array, rows: number, cols: number): Set<number> {
  const s = new Set<number>();
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) if (W[r * cols + c] !== 0) s.add(r);
  return s;
}

/** Order in which blocks run: embeddings, then per layer heads before the feed-forward layer. */
function stage(b: BlockSpaces): number {
  switch (b.kind) {
    case 'token-embedding':
    case 'position-embedding':
      return 0;
    case 'head':
      return 1 + 2 * b.layer;
    case 'feed-forward':
      return 2 + 2 * b.layer;
    case 'unembedding':
      return Infinity;
  }
}

export function checkComposition(m: Model, basis: Basis, blocks: BlockSpaces[]): void {
  const d = m.d;
  const labels = basis.labels();
  const spaceOf = labels.map((l) => l.replace(/\[\d+\]$/, ''));
  const fail = (msg: string) => {
    throw new Error(`composition: ${msg}`);
  };
  const within = (b: BlockSpaces, cs: Set<number>, allowed: string[], what: string) => {
    for (const c of cs) if (!allowed.includes(spaceOf[c]!)) fail(`${b.name} ${what} ${labels[c]}, outside its declared ${what === 'reads' ? 'reads' : 'writes'} (${allowed.join(', ')})`);
  };
  const writer = new Map<string, BlockSpaces>();
  for (const b of blocks) {
    for (const s of [...b.reads, ...b.writes, ...(b.updates ?? [])]) if (!basis.has(s)) fail(`${b.name} declares ${s}, which is not a subspace`);
    for (const s of b.writes) {
      const other = writer.get(s);
      if (other) fail(`${b.name} and ${other.name} both write ${s}`);
      writer.set(s, b);
    }
  }
  for (const b of blocks) {
    const reads = [...b.reads, ...(b.updates ?? [])];
    const writes = [...b.writes, ...(b.updates ?? [])];
    for (const s of reads) {
      const w = writer.get(s);
      if (!w) fail(`${b.name} reads ${s}, which no block writes`);
      else if (stage(w) >= stage(b)) fail(`${b.name} reads ${s} before ${w.name} writes it`);
    }
    const V = m.vocab.length;
    switch (b.kind) {
      case 'token-embedding':
        within(b, columnsTouched(m.tokEmb, V, d), writes, 'writes');
        break;
      case 'position-embedding':
        within(b, columnsTouched(m.posEmb, m.posEmb.length / d, d), writes, 'writes');
        break;
      case 'unembedding':
        within(b, columnsTouched(m.unembed, V, d), reads, 'reads');
        break;
      case 'head': {
        const h = m.layers[b.layer]?.heads.find((x) => x.name === b.name);
        if (!h) return fail(`no head ${b.name} in layer ${b.layer}`);
        for (const W of [h.wq, h.wk]) within(b, columnsTouched(W, h.dk, d), reads, 'reads');
        within(b, columnsTouched(h.wv, h.dv, d), reads, 'reads');
        within(b, rowsTouched(h.wo, d, h.dv), writes, 'writes');
        break;
      }
      case 'feed-forward': {
        const f = m.layers[b.layer]!.ff;
        const [u0, u1] = b.units ?? [0, f.m];
        const ins = new Set<number>();
        const outs = new Set<number>();
        for (let u = u0; u < u1; u++) {
          for (let c = 0; c < d; c++) {
            if (f.w1[u * d + c] !== 0) ins.add(c);
            if (f.w2[c * f.m + u] !== 0) outs.add(c);
          }
        }
        within(b, ins, reads, 'reads');
        within(b, outs, writes, 'writes');
        break;
      }
    }
  }
  m.layers.forEach((L, l) => {
    const writes = blocks.filter((b) => b.kind === 'feed-forward' && b.layer === l).flatMap((b) => [...b.writes, ...(b.updates ?? [])]);
    L.ff.b2.forEach((x, c) => {
      if (x !== 0 && !writes.includes(spaceOf[c]!)) fail(`layer ${l}'s feed-forward bias writes ${labels[c]}, which no feed-forward block of that layer declares`);
    });
  });
}
