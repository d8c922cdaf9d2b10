// Claim 3 (gate lemma): for every gate type and every pair of input bits, the feed-forward block
// and the output layer write the gate's value, also when the fetched bits are off by up to ε
// (the most weight a head puts outside its target, from claim 2). Evaluated with intervals in the
// runtime's arithmetic on a residual stream built from the model's named subspaces.

import { OP_NAMES, applyOp, opCode } from '../circuits/index.js';
import type { PreparedModel } from '../runtime/index.js';
import { intervalMatvec } from './kernels.js';
import type { ClaimResult } from './types.js';

export function gateClaim(pm: PreparedModel, eps: number): ClaimResult {
  const labels = pm.model.meta.basis;
  const at = (l: string) => labels.indexOf(l);
  const need = ['one', 'val_a', 'val_b', 'ff_out', 'tt[0]', 'tt[1]', 'tt[2]', 'tt[3]'];
  const missing = need.filter((l) => at(l) < 0);
  if (missing.length > 0 || pm.layers.length !== 1) {
    return { claim: 'gate lemma', holds: false, evidence: { reason: `the model lacks the subspaces ${missing.join(', ')}` }, failure: { position: -1, detail: 'not a gatecot construction' } };
  }
  const { d, V, k } = pm;
  const L = pm.layers[0]!;
  const vocab = pm.model.vocab;
  const perOp: Record<string, number> = {};
  let worst = Infinity;
  let failure: ClaimResult['failure'];
  for (const name of OP_NAMES) {
    const op = opCode(name)!;
    let opWorst = Infinity;
    for (let a = 0; a < 2; a++) {
      for (let b = 0; b < 2; b++) {
        const lo = new Float64Array(d);
        const hi = new Float64Array(d);
        const set = (l: string, x: number, y = x) => {
          lo[at(l)] = k.round(x);
          hi[at(l)] = k.round(y);
        };
        set('one', 1);
        set('val_a', a - eps, a + eps);
        set('val_b', b - eps, b + eps);
        [applyOp(op, 0, 0), applyOp(op, 0, 1), applyOp(op, 1, 0), applyOp(op, 1, 1)].forEach((t, u) => set(`tt[${u}]`, t));
        const zLo = new Float64Array(L.m);
        const zHi = new Float64Array(L.m);
        intervalMatvec(k, L.w1, L.m, d, lo, hi, zLo, zHi);
        for (let u = 0; u < L.m; u++) {
          zLo[u] = Math.max(0, k.round(zLo[u]! + L.b1[u]!));
          zHi[u] = Math.max(0, k.round(zHi[u]! + L.b1[u]!));
        }
        const fLo = new Float64Array(d);
        const fHi = new Float64Array(d);
        intervalMatvec(k, L.w2, d, L.m, zLo, zHi, fLo, fHi);
        for (let c = 0; c < d; c++) {
          lo[c] = k.round(lo[c]! + k.round(fLo[c]! + L.b2[c]!));
          hi[c] = k.round(hi[c]! + k.round(fHi[c]! + L.b2[c]!));
        }
        const lLo = new Float64Array(V);
        const lHi = new Float64Array(V);
        intervalMatvec(k, pm.unembed, V, d, lo, hi, lLo, lHi);
        const want = vocab.indexOf(String(applyOp(op, a, b)));
        let rival = -Infinity;
        for (let v = 0; v < V; v++) if (v !== want) rival = Math.max(rival, lHi[v]!);
        const margin = lLo[want]! - rival;
        opWorst = Math.min(opWorst, margin);
        if (!(margin > 0) && !failure) failure = { position: -1, detail: `${name}(${a}, ${b}) with fetched bits off by ${eps}: '${vocab[want]}' leads by ${margin}` };
      }
    }
    perOp[name] = opWorst;
    worst = Math.min(worst, opWorst);
  }
  const r: ClaimResult = { claim: 'gate lemma', holds: !failure, evidence: { epsilon: eps, min_margin: worst, ...perOp } };
  if (failure) r.failure = failure;
  return r;
}
