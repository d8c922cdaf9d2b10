// The latent certifier's induction over (applied layer t, position p), for every input at once.
//
// The state at (t, p) says what the residual stream at p holds after t applied layers, for EVERY
// input: either
//   indexed by p's wire w   the residual lies in box B_v for every input on which w's true value
//                           is v (v = 0, 1; a missing box: no input gives w that value), or
//   a disjunction           it lies in one of a few boxes (what the wire holds is not yet known).
// t = 0 is the embedding: an input position is indexed by its wire (the token "0" or "1"), every
// other position is one box. Step t applies the t-th layer at every position p: the heads attend
// to positions that do not depend on the input or on t (attention.ts), so p's residual after the
// layer depends only on p's state and its targets' states. The step enumerates the cases: p's own
// box, and each target's box where the head's value differs between them (a target indexed by an
// operand wire of p's wire always, so that the case fixes that operand's value), keeping only
// cases consistent with the circuit (a wire and its operands, all fixed by the case, agree with
// the gate). In each case the layer is evaluated on boxes (step.ts); if every case fixes p's
// wire's true value v (from p's own state, or from the gate on its operands' values), the cases
// are grouped by v into the new indexed state, otherwise they form a disjunction. Every state is
// therefore a true statement about every input (induction on t), without enumerating the inputs.
//
// A wire is established after layer t when its state is indexed by it and, in each of its boxes,
// the unembedding's argmax is that box's value with a positive margin, i.e. the model's answer at
// that position would be the wire's value for every input. Unchanged states are not recomputed: a
// position whose state and targets' states did not change in the previous iteration of the same
// stored layer keeps its state (exact formats settle; the outward bounds keep widening slowly).

import { applyOp, arity, type Circuit, type OpCode } from '../../circuits/index.js';
import type { BoundSequence } from '../../model/index.js';
import type { PreparedModel } from '../../runtime/index.js';
import type { Box } from '../enclosure.js';
import { headOutput } from '../uniform/attention.js';
import { hullBox as hull, newBox, type BoxOps } from '../uniform/ops.js';
import type { LayerAttention } from './attention.js';
import { embedAt, isPoint, layerAt, logitsOf, overlaps, sameBox, valueAt } from './step.js';

export interface PosState {
  /** >= 0: indexed by this wire (boxes[v]: its value is v); -1: a disjunction of boxes. */
  wire: number;
  boxes: (Box | null)[];
}

/** More disjuncts than this are joined into one box. */
const MAX_DISJUNCTS = 8;
/** More cases than this at one position: the certifier gives up there. */
const MAX_CASES = 4096;

export interface InductionInput {
  pm: PreparedModel;
  seq: BoundSequence;
  circuit: Circuit;
  ops: BoxOps;
  /** Per stored layer. */
  att: LayerAttention[];
  onProgress?: (done: number, total: number) => void;
}

export interface InductionResult {
  /** Applied layers. */
  T: number;
  /** Per wire: the least lead of its value's token at its position after the last layer, over every input (null: not established). */
  margins: (number | null)[];
  /** Per wire: the first t from which it is established through the last layer (null: not at the last). */
  settle: (number | null)[];
  /** Position steps evaluated, and kept from the iteration before. */
  steps: number;
  reused: number;
  maxCases: number;
  /** Every state of every step is a point (exact formats: every coordinate known exactly in each case). */
  allPoints: boolean;
  /** Widest coordinate of an established output's final boxes. */
  maxWidth: number;
  failure?: string;
}

function sameState(a: PosState, b: PosState): boolean {
  if (a.wire !== b.wire || a.boxes.length !== b.boxes.length) return false;
  return a.boxes.every((x, i) => (x === null ? b.boxes[i] === null : b.boxes[i] !== null && sameBox(x, b.boxes[i]!)));
}

function disjunction(outs: Box[]): PosState {
  let list: Box[] = [];
  for (const b of outs) {
    let x = b;
    for (let i = list.findIndex((y) => overlaps(y, x)); i >= 0; i = list.findIndex((y) => overlaps(y, x))) {
      x = hull(list[i]!, x);
      list.splice(i, 1);
    }
    list.push(x);
  }
  if (list.length > MAX_DISJUNCTS) list = [list.reduce((a, b) => hull(a, b))];
  return { wire: -1, boxes: list };
}

export function latentInduction(x: InductionInput): InductionResult {
  const { pm, seq, circuit, ops } = x;
  const S = seq.seqLen;
  const d = pm.d;
  const n = circuit.nInputs;
  const W = n + circuit.ops.length;
  const vocab = pm.model.vocab;
  const tok = [vocab.indexOf('0'), vocab.indexOf('1')];
  const exact = !ops.outward;
  const T = pm.layers.length;
  const embed = (t: number, p: number) => embedAt(ops, pm, t, p);
  let cur: PosState[] = seq.prompt.map((e, p) => (typeof e === 'number' ? { wire: -1, boxes: [embed(e, p)] } : { wire: Number(e.slice(1)), boxes: [embed(tok[0]!, p), embed(tok[1]!, p)] }));
  const operands = (w: number): number[] => {
    if (w < n) return [];
    const g = w - n;
    return [circuit.a[g]!, circuit.b[g]!].slice(0, arity(circuit.ops[g] as OpCode));
  };
  // the wire's value in a case, from the case itself or from its gate on its operands
  const valueIn = (w: number, assign: Map<number, number>): number | undefined => {
    const v = assign.get(w);
    if (v !== undefined || w < n) return v;
    const ops2 = operands(w);
    if (!ops2.every((u) => assign.has(u))) return undefined;
    return applyOp(circuit.ops[w - n] as OpCode, assign.get(ops2[0]!) ?? 0, assign.get(ops2[1]!) ?? 0);
  };
  const consistent = (assign: Map<number, number>): boolean => {
    for (const [w, v] of assign) {
      if (w < n) continue;
      const ops2 = operands(w);
      if (ops2.every((u) => assign.has(u)) && applyOp(circuit.ops[w - n] as OpCode, assign.get(ops2[0]!) ?? 0, assign.get(ops2[1]!) ?? 0) !== v) return false;
    }
    return true;
  };
  const marginOf = (st: PosState, w: number): number | null => {
    if (w < 0 || st.wire !== w) return null;
    let m = Infinity;
    for (const v of [0, 1]) {
      const b = st.boxes[v];
      if (!b) continue;
      const lg = logitsOf(ops, pm.sparse.unembed, b);
      let rival = -Infinity;
      for (let t = 0; t < pm.V; t++) if (t !== tok[v]) rival = Math.max(rival, lg.hi[t]!);
      m = Math.min(m, lg.lo[tok[v]!]! - rival);
    }
    return m === Infinity ? null : m;
  };
  const lastBad = new Int32Array(W).fill(-1);
  let margin: (number | null)[] = Array.from({ length: W }, (_, w) => marginOf(cur[seq.valuePos[w]!]!, w));
  margin.forEach((m, w) => !(m !== null && m > 0) && (lastBad[w] = 0));
  const res: InductionResult = { T, margins: [], settle: [], steps: 0, reused: 0, maxCases: 0, allPoints: true, maxWidth: 0 };
  let changed = new Uint8Array(S).fill(1);
  let prevHull: Box[] | undefined;
  for (let t = 1; t <= T && !res.failure; t++) {
    const l = pm.stored[t - 1]!;
    const layer = pm.distinct[l]!;
    const att = x.att[l]!;
    const same = t >= 2 && pm.stored[t - 2] === l;
    const vcache = new Map<number, Box>();
    const valueBox = (i: number, j: number, c: number): Box => {
      const key = (j * 8 + c) * 8 + i;
      let v = vcache.get(key);
      if (!v) vcache.set(key, (v = valueAt(ops, layer.heads[i]!.sparse.wv, cur[j]!.boxes[c]!)));
      return v;
    };
    // outward: per head, the hull of the values each position sees (the weight elsewhere multiplies it)
    let hulls: Box[] | undefined;
    let hullSame = true;
    if (!exact) {
      hulls = layer.heads.map((hd, i) => {
        const h: Box = { lo: new Float64Array(S * hd.dv), hi: new Float64Array(S * hd.dv) };
        for (let j = 0; j < S; j++) {
          for (let e = 0; e < hd.dv; e++) {
            let lo = j > 0 ? h.lo[(j - 1) * hd.dv + e]! : Infinity;
            let hi = j > 0 ? h.hi[(j - 1) * hd.dv + e]! : -Infinity;
            cur[j]!.boxes.forEach((b, c) => {
              if (!b) return;
              const v = valueBox(i, j, c);
              lo = Math.min(lo, v.lo[e]!);
              hi = Math.max(hi, v.hi[e]!);
            });
            h.lo[j * hd.dv + e] = lo;
            h.hi[j * hd.dv + e] = hi;
          }
        }
        return h;
      });
      hullSame = same && prevHull !== undefined && hulls.every((h, i) => sameBox(h, prevHull![i]!));
      prevHull = hulls;
    }
    const stepAt = (p: number): PosState | string => {
      const w = seq.wireAt(p);
      const need = new Set(operands(w));
      const vars: { pos: number; wire: number; choices: number[] }[] = [];
      const varOf = new Map<number, number>();
      const addVar = (pos: number) => {
        if (varOf.has(pos)) return;
        const st = cur[pos]!;
        varOf.set(pos, vars.length);
        vars.push({ pos, wire: st.wire, choices: st.boxes.flatMap((b, c) => (b ? [c] : [])) });
      };
      addVar(p);
      const fixed: (Box | undefined)[] = [];
      att.heads.forEach((h, i) => {
        const j = h.target[p]!;
        if (j < -1) return;
        if (j < 0 || varOf.has(j)) return;
        const st = cur[j]!;
        const vals = st.boxes.flatMap((b, c) => (b ? [valueBox(i, j, c)] : []));
        if (!(st.wire >= 0 && need.has(st.wire)) && vals.every((v) => sameBox(v, vals[0]!))) fixed[i] = vals[0]!;
        else addVar(j);
      });
      if (att.heads.some((h) => h.target[p]! < -1)) return 'a head has no unique target here (claim 2)';
      const count = vars.reduce((a, v) => a * v.choices.length, 1);
      if (count > MAX_CASES) return `${count} cases, more than ${MAX_CASES}`;
      res.maxCases = Math.max(res.maxCases, count);
      const cases: { v: number | undefined; out: Box }[] = [];
      const pick = new Int32Array(vars.length);
      for (let m = 0; m < count; m++) {
        let r = m;
        const assign = new Map<number, number>();
        vars.forEach((v, k) => {
          pick[k] = v.choices[r % v.choices.length]!;
          r = Math.floor(r / v.choices.length);
          if (v.wire >= 0) assign.set(v.wire, pick[k]!);
        });
        if (!consistent(assign)) continue;
        const choice = (pos: number) => pick[varOf.get(pos)!]!;
        const outs = att.heads.map((h, i) => {
          const j = h.target[p]!;
          const dv = layer.heads[i]!.dv;
          if (j < 0 && exact) return newBox(dv);
          const hv: Box = hulls ? { lo: hulls[i]!.lo.subarray(p * dv, (p + 1) * dv), hi: hulls[i]!.hi.subarray(p * dv, (p + 1) * dv) } : newBox(dv);
          if (j < 0) return nonneg(headOutput(false, -1, [], 0, 0, h.eta[p]!, hv, dv, p + 1), [hv]);
          const vb = fixed[i] ?? valueBox(i, j, choice(j));
          if (h.dense) return cpuSum(h.dense[p]!, j, vb, i);
          return exact ? vb : nonneg(headOutput(false, j, () => vb, h.alphaLo[p]!, h.alphaHi[p]!, h.eta[p]!, hv, dv, p + 1), [vb, hv]);
        });
        const out = layerAt(ops, layer, cur[p]!.boxes[choice(p)]!, outs);
        if (res.allPoints && !isPoint(out)) res.allPoints = false;
        cases.push({ v: w >= 0 ? valueIn(w, assign) : undefined, out });
      }
      if (cases.length === 0) return 'no case is consistent with the circuit';
      if (w >= 0 && cases.every((c) => c.v !== undefined)) {
        const boxes: (Box | null)[] = [null, null];
        for (const c of cases) boxes[c.v!] = boxes[c.v!] ? hull(boxes[c.v!]!, c.out) : c.out;
        return { wire: w, boxes };
      }
      return disjunction(cases.map((c) => c.out));
    };
    // nearest: the CPU reference's weighted sum, in its order, at the ends of each value's range
    // (the weights are >= 0 and every rounding is monotone); the target's value is the case's
    const hullCache = new Map<number, Box>();
    const valueHull = (i: number, j: number): Box => {
      const key = j * 8 + i;
      let v = hullCache.get(key);
      if (!v) hullCache.set(key, (v = cur[j]!.boxes.flatMap((b, c) => (b ? [valueBox(i, j, c)] : [])).reduce((a, b) => hull(a, b))));
      return v;
    };
    const cpuSum = (at: { j: Int32Array; w: Float64Array }, target: number, vb: Box, i: number): Box => {
      const R = (y: number) => pm.k.round(y);
      const dv = vb.lo.length;
      const out = newBox(dv);
      for (let x = 0; x < at.j.length; x++) {
        const j = at.j[x]!;
        const w = at.w[x]!;
        const v = j === target ? vb : valueHull(i, j);
        for (let e = 0; e < dv; e++) {
          out.lo[e] = R(out.lo[e]! + R(w * v.lo[e]!));
          out.hi[e] = R(out.hi[e]! + R(w * v.hi[e]!));
        }
      }
      return out;
    };
    const next: PosState[] = new Array(S);
    for (let p = 0; p < S; p++) {
      if (same && hullSame && !changed[p] && att.heads.every((h) => (h.dense ? Array.from(h.dense[p]!.j).every((j) => !changed[j]) : h.target[p]! < 0 || !changed[h.target[p]!]))) {
        next[p] = cur[p]!;
        res.reused++;
        continue;
      }
      const r = stepAt(p);
      if (typeof r === 'string') {
        res.failure = `layer ${t} (stored layer ${l}), position ${p}: ${r}`;
        break;
      }
      next[p] = r;
      res.steps++;
    }
    if (res.failure) break;
    const nowChanged = new Uint8Array(S);
    for (let p = 0; p < S; p++) nowChanged[p] = sameState(next[p]!, cur[p]!) ? 0 : 1;
    cur = next;
    changed = nowChanged;
    margin = margin.map((m, w) => (changed[seq.valuePos[w]!] ? marginOf(cur[seq.valuePos[w]!]!, w) : m));
    margin.forEach((m, w) => !(m !== null && m > 0) && (lastBad[w] = t));
    x.onProgress?.(t, T);

  }
  res.margins = margin;
  res.settle = margin.map((m, w) => (m !== null && m > 0 && !res.failure ? lastBad[w]! + 1 : null));
  for (const w of circuitOutputs(circuit)) {
    for (const b of cur[seq.valuePos[w]!]!.boxes) if (b) for (let c = 0; c < d; c++) res.maxWidth = Math.max(res.maxWidth, b.hi[c]! - b.lo[c]!);
  }
  return res;
}

/** A head's output is a sum of weights (>= 0) times values: where every value it may see is >= 0,
 * so is the output, in every rounding (a faithful rounding of x >= 0 is >= 0). */
function nonneg(out: Box, seen: Box[]): Box {
  for (let e = 0; e < out.lo.length; e++) if (seen.every((b) => b.lo[e]! >= 0)) out.lo[e] = Math.max(0, out.lo[e]!);
  return out;
}

export function circuitOutputs(c: Circuit): number[] {
  return c.outputs.flatMap((o) => Array.from(o.wires));
}
