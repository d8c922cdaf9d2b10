// The attention of a latent model's heads, once per stored layer, for every input and every
// iteration at once. Every head must be position-only (runtime/position-only.ts: W_Q and W_K read
// no coordinate that a token embedding sets or that any layer writes), so its queries and keys are
// the position embedding's at every applied layer, whatever the input and the iteration; and a
// match head (proofs/uniform/match.ts: code bits interleaved with a constant). Each query's code is
// matched against the keys' codes; the target is the unique visible key with that code.
//   exact (fixed:s, float:e,s): the automaton lemma makes the weights exactly 1 on the target and
//     0 elsewhere, so the head's output is exactly the target's value vector;
//   outward (f32): the target's least weight and the most weight elsewhere, over every binary32
//     evaluation order (proofs/uniform/attention.ts `weights`);
//   nearest (f32, the CPU reference's own order): every weight exactly as the CPU reference
//     computes it (the same rounded dot products, max subtraction, exp and division), kept where
//     it is not 0: the target's weight and the few others (under f32, e^-100 is a subnormal).

import type { BoundSequence } from '../../model/index.js';
import { rdiv, type PreparedModel } from '../../runtime/index.js';
import { codeOf, keyOf, keyRanges, weights } from '../uniform/attention.js';
import { automatonLemma, matchStructure } from '../uniform/match.js';
import type { BoxOps } from '../uniform/ops.js';
import { embedAt } from './step.js';
import type { Box } from '../enclosure.js';

export interface LatentHead {
  name: string;
  /** Stored layer and index of the head in it. */
  layer: number;
  index: number;
  /** Matched position per query position: >= 0, or -1 no visible key matches, -2 several, -3 no code. */
  target: Int32Array;
  /** Least weight on the target, greatest, and the most weight elsewhere (exact: 1, 1, 0). */
  alphaLo: Float64Array;
  alphaHi: Float64Array;
  eta: Float64Array;
  /** nearest: the nonzero weights at each position, in the order the CPU reference sums them. */
  dense?: { j: Int32Array; w: Float64Array }[];
}

export interface LayerAttention {
  heads: LatentHead[];
  /** Exact formats: the automaton lemma's statement per head shape (empty under outward rounding). */
  lemmas: string[];
  /** Exact formats: every lemma holds. */
  oneHot: boolean;
}

/** The embedding box of every position (its first possible token: queries and keys read no token coordinate). */
export function embeddings(pm: PreparedModel, seq: BoundSequence, ops: BoxOps): Box[] {
  const vocab = pm.model.vocab;
  return seq.prompt.map((e, p) => {
    const tok = typeof e === 'number' ? e : vocab.indexOf('0');
    return embedAt(ops, pm, tok, p);
  });
}

/** Stored layer l's heads at every position, or why the certifier cannot treat them. */
export function layerAttention(pm: PreparedModel, l: number, emb: Box[], ops: BoxOps, nearest = false): LayerAttention | string {
  const layer = pm.distinct[l]!;
  const S = emb.length;
  const exact = !ops.outward;
  const lemmas: string[] = [];
  let oneHot = true;
  const heads: LatentHead[] = [];
  for (const [index, hd] of layer.heads.entries()) {
    if (!hd.positionOnly) return `head ${hd.name} (layer ${l}) reads, in its query or key, a coordinate that a token sets or a layer writes: its attention could depend on the input or the iteration`;
    const st = matchStructure(pm, l, hd);
    if (typeof st === 'string') return st;
    const P = st.pairs;
    const lam = exact ? pm.k.round(st.lambda) : st.lambda;
    if (exact && !nearest) {
      const r = automatonLemma(pm.k, pm.arith, st.lambda, P);
      lemmas.push(`${hd.name}: ${r.detail}`);
      if (!r.holds) oneHot = false;
    }
    const q = emb.map((e) => ops.matvec(hd.sparse.wq, e));
    const k = emb.map((e) => ops.matvec(hd.sparse.wk, e));
    const ranges = exact ? undefined : keyRanges(k, P);
    const target = new Int32Array(S);
    const alphaLo = new Float64Array(S);
    const alphaHi = new Float64Array(S);
    const eta = new Float64Array(S);
    const index0 = new Map<string, number[]>();
    let noKeyCode = -1;
    for (let p = 0; p < S; p++) {
      const kc = codeOf(k[p]!.lo, k[p]!.hi, P, lam, exact);
      if (kc.some((x) => Number.isNaN(x))) {
        noKeyCode = p;
        break;
      }
      const key = keyOf(kc);
      index0.set(key, [...(index0.get(key) ?? []), p]);
      const qc = codeOf(q[p]!.lo, q[p]!.hi, P, 1, exact);
      let t: number;
      if (qc.some((x) => Number.isNaN(x))) t = -3;
      else if (qc.some((x) => x === 0)) t = -1;
      else {
        const m = index0.get(keyOf(qc));
        t = !m ? -1 : m.length === 1 ? m[0]! : -2;
      }
      target[p] = t;
      if (t < 0) continue;
      if (exact) {
        alphaLo[p] = alphaHi[p] = 1;
        continue;
      }
      const w = weights(q[p]!, k[t]!, qc, ranges!, P, p + 1);
      alphaLo[p] = w.lo;
      alphaHi[p] = w.hi;
      eta[p] = w.eta;
    }
    if (noKeyCode >= 0) return `head ${hd.name} (layer ${l}): the key at position ${noKeyCode} is not a code`;
    const head: LatentHead = { name: hd.name, layer: l, index, target, alphaLo, alphaHi, eta };
    if (nearest) {
      head.dense = cpuWeights(pm, q, k, hd.dk);
      head.dense.forEach(({ j, w }, p) => {
        const at = j.indexOf(target[p]!);
        alphaLo[p] = alphaHi[p] = at >= 0 ? w[at]! : 0;
        eta[p] = w.reduce((s, x, i) => (i === at ? s : s + x), 0);
      });
    }
    heads.push(head);
  }
  return { heads, lemmas, oneHot };
}

/** Every attention weight of one head as the CPU reference computes it (runtime/cpu/stepper.ts),
 * from the exact queries and keys (points); the nonzero ones per position, in order. */
function cpuWeights(pm: PreparedModel, q: Box[], k: Box[], dk: number): { j: Int32Array; w: Float64Array }[] {
  const S = q.length;
  const K = new Float64Array(S * dk);
  k.forEach((b, j) => K.set(b.lo, j * dk));
  const s = new Float64Array(S);
  const out: { j: Int32Array; w: Float64Array }[] = [];
  for (let p = 0; p < S; p++) {
    let shift = pm.arith.maxSubtract ? -Infinity : 0;
    for (let j = 0; j <= p; j++) {
      s[j] = pm.k.dot(q[p]!.lo, 0, K, j * dk, dk);
      if (pm.arith.maxSubtract && s[j]! > shift) shift = s[j]!;
    }
    let Z = 0;
    for (let j = 0; j <= p; j++) {
      s[j] = pm.k.round(Math.exp(pm.k.round(s[j]! - shift)));
      Z = pm.k.round(Z + s[j]!);
    }
    const js: number[] = [];
    const ws: number[] = [];
    for (let j = 0; j <= p; j++) {
      const w = rdiv(pm.arith, s[j]!, Z);
      if (w !== 0) {
        js.push(j);
        ws.push(w);
      }
    }
    out.push({ j: Int32Array.from(js), w: Float64Array.from(ws) });
  }
  return out;
}
