// Claims 1 and 3 of a latent model's certificate.
//   structure   looped: 1 stored layer of 2 heads applied `loops` times; looped-cot: 1 stored layer
//               of 3 heads; deep: one stored layer of 2 heads per level of the circuit, each applied
//               once; d_model = 3k + 9 (looped, deep) or 4k + 11 (looped-cot), k = ceil(log2(S + 1));
//               every weight finite
//   gate lemma  every stored layer's feed-forward block (the latent update), on a residual built
//               from the model's named subspaces, for every gate type, every pair of operand bits
//               (off by ε: the attention's error), and both old values: writes the gate's value in
//               place of the old one and clears its scratch; at an input (no gate) and, looped-cot,
//               at a gate that is not selected it keeps the old value. Exact formats: exactly.

import { OP_NAMES, opCode, truthTable, wireDepths, type Circuit } from '../../circuits/index.js';
import { positionBits, type Model } from '../../model/index.js';
import type { PreparedModel } from '../../runtime/index.js';
import type { ClaimResult, Evidence } from '../types.js';
import type { BoxOps } from '../uniform/ops.js';
import { feedForwardAt } from './step.js';

export type LatentKind = 'looped' | 'looped-cot' | 'deep';

export function latentKind(m: Model): LatentKind {
  const c = m.meta.construction;
  return c === 'looped-cot' || c === 'deep' ? c : 'looped';
}

/** The circuit's depth as the construction counts it (at least 1). */
export function depthOf(c: Circuit): number {
  return wireDepths(c).reduce((a, b) => Math.max(a, b), 1);
}

export function latentStructure(m: Model, c: Circuit, applied: number, loops: number | undefined): ClaimResult {
  const kind = latentKind(m);
  const S = m.meta.mode === 'positional' ? m.meta.seq_len : 0;
  const k = positionBits(S);
  const [formula, dForm] = kind === 'looped-cot' ? ['4k + 11', 4 * k + 11] : ['3k + 9', 3 * k + 9];
  const heads = m.layers.map((L) => L.heads.length);
  const depth = depthOf(c);
  const wantLayers = kind === 'deep' ? depth : 1;
  const wantHeads = kind === 'looped-cot' ? 3 : 2;
  const weights = [m.tokEmb, m.posEmb, m.unembed, ...m.layers.flatMap((L) => [...L.heads.flatMap((h) => [h.wq, h.wk, h.wv, h.wo]), L.ff.w1, L.ff.b1, L.ff.w2, L.ff.b2])];
  let nonFinite = 0;
  for (const a of weights) for (const x of a) if (!Number.isFinite(x)) nonFinite++;
  const loopOk = kind === 'deep' ? !m.meta.loop : m.meta.loop?.start === 0 && m.meta.loop.end === 1;
  const shape = m.layers.length === wantLayers && heads.every((h) => h === wantHeads) && loopOk;
  const holds = shape && m.d === dForm && nonFinite === 0;
  const evidence: Evidence = {
    construction: kind,
    stored_layers: m.layers.length,
    applied_layers: applied,
    heads_per_layer: [...new Set(heads)].join(','),
    loops: loops ?? null,
    loops_needed: kind === 'looped-cot' ? Math.max(1, c.ops.length) : depth,
    circuit_depth: depth,
    seq_len: S,
    k,
    d_model: m.d,
    d_formula: dForm,
    formula,
    parameters: weights.reduce((s, w) => s + w.length, 0),
    non_finite_weights: nonFinite,
  };
  const r: ClaimResult = { claim: 'structure', holds, evidence };
  if (!holds) r.failure = { position: -1, detail: `${m.layers.length} stored layers of ${heads.join(',')} heads (the ${kind} construction: ${wantLayers} of ${wantHeads}${kind === 'deep' ? '' : ', one looped block'}), d_model ${m.d} (formula ${formula} = ${dForm}), ${nonFinite} non-finite weights` };
  return r;
}

/** Claim 3 (see the header); a fetched bit b lies in [b - eps.below, b + eps.above] (0 in the exact formats). */
export function latentGateLemma(pm: PreparedModel, ops: BoxOps, eps: { below: number; above: number }): ClaimResult {
  const labels = pm.model.meta.basis;
  const cot = latentKind(pm.model) === 'looped-cot';
  const names = ['one', 'val', 'is_gate', 'val_a', 'val_b', 'tt[0]', 'tt[1]', 'tt[2]', 'tt[3]', ...(cot ? ['prev_done', 'done'] : [])];
  const missing = names.filter((x) => labels.indexOf(x) < 0);
  if (missing.length > 0) return { claim: 'gate lemma', holds: false, evidence: { reason: `the model's basis lacks ${missing.join(', ')}` }, failure: { position: -1, detail: 'not the latent construction' } };
  const at = (x: string) => labels.indexOf(x);
  const scratch = ['val_a', 'val_b', ...(cot ? ['prev_done'] : [])].map(at);
  const exact = !ops.outward;
  const perOp: Record<string, number> = {};
  let worst = Infinity;
  let failure: ClaimResult['failure'];
  let cases = 0;
  // one residual: the named coordinates set (fetched bits widened by eps), the rest 0
  const run = (l: number, set: [string, number][], fetched: [number, number], want: [string, number][], what: string): number => {
    const d = pm.d;
    const lo = new Float64Array(d);
    const hi = new Float64Array(d);
    for (const [x, v] of set) lo[at(x)] = hi[at(x)] = v;
    [at('val_a'), at('val_b')].forEach((c, i) => {
      lo[c] = fetched[i]! - eps.below;
      hi[c] = fetched[i]! + eps.above;
    });
    const out = feedForwardAt(ops, pm.distinct[l]!, { lo, hi });
    let dev = 0;
    for (const [x, v] of [...want, ...scratch.map((c) => [labels[c]!, 0] as [string, number])]) dev = Math.max(dev, Math.abs(out.lo[at(x)]! - v), Math.abs(out.hi[at(x)]! - v));
    const m = exact ? (dev === 0 ? 0.5 : -dev) : 0.5 - dev;
    cases++;
    if (!(m > 0) && !failure) failure = { position: -1, detail: `stored layer ${l}, ${what}: the block writes ${want.map(([x]) => `${x} in [${out.lo[at(x)]}, ${out.hi[at(x)]}]`).join(', ')}, scratch ${scratch.map((c) => `[${out.lo[c]}, ${out.hi[c]}]`).join(', ')}; wanted ${want.map(([x, v]) => `${x} = ${v}`).join(', ')}${exact ? ' exactly' : ''} and scratch 0` };
    return m;
  };
  for (let l = 0; l < pm.distinct.length; l++) {
    for (const name of OP_NAMES) {
      const tt = truthTable(opCode(name)!);
      const table = tt.map((x, u) => [`tt[${u}]`, x] as [string, number]);
      let opWorst = Infinity;
      for (let a = 0; a < 2; a++) {
        for (let b = 0; b < 2; b++) {
          const y = tt[2 * a + b]!;
          for (let old = 0; old < (cot ? 1 : 2); old++) {
            const base: [string, number][] = [['one', 1], ['is_gate', 1], ['val', old], ...table];
            const sel: [string, number][] = cot ? [['prev_done', 1], ['done', 0]] : [];
            opWorst = Math.min(opWorst, run(l, [...base, ...sel], [a, b], [['val', y], ...(cot ? [['done', 1] as [string, number]] : [])], `${name}(${a}, ${b}), old value ${old}`));
          }
          if (cot) {
            // not selected: the predecessor is not done yet, or this gate is done already
            opWorst = Math.min(opWorst, run(l, [['one', 1], ['is_gate', 1], ['val', 0], ...table, ['prev_done', 0], ['done', 0]], [a, b], [['val', 0], ['done', 0]], `${name}(${a}, ${b}) before its turn`));
            opWorst = Math.min(opWorst, run(l, [['one', 1], ['is_gate', 1], ['val', y], ...table, ['prev_done', 1], ['done', 1]], [a, b], [['val', y], ['done', 1]], `${name}(${a}, ${b}) after its turn`));
          }
        }
      }
      perOp[name] = Math.min(perOp[name] ?? Infinity, opWorst);
      worst = Math.min(worst, opWorst);
    }
    // an input position (no gate, no table) keeps its value whatever it fetches
    for (let v = 0; v < 2; v++) {
      for (let a = 0; a < 2; a++) worst = Math.min(worst, run(l, [['one', 1], ['val', v], ...(cot ? ([['prev_done', 1], ['done', 1]] as [string, number][]) : [])], [a, a], [['val', v]], `an input holding ${v}`));
    }
  }
  const r: ClaimResult = { claim: 'gate lemma', holds: !failure, evidence: { block: 'latent update', stored_layers: pm.distinct.length, cases, epsilon: Math.max(eps.below, eps.above), exact, min_margin: worst, ...perOp } };
  if (failure) r.failure = failure;
  return r;
}
