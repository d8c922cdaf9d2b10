// The fast pass (O(S·dk·states) instead of O(S²·dk)): bounds every attention weight without
// computing every score.
//
// For a query q_i, the score against key k_j is a rounded left-to-right sum over the key's
// coordinates, so it is a function of the key's coordinate values alone. Each coordinate c of
// the keys takes few values over all positions (V_c). Walking the coordinates with the set of
// reachable partial sums (a small automaton: under F_s there are at most 2^(2s+1) partial sums)
// gives the exact score of the intended target t and a set containing the score of every key
// that differs from k_t — a superset of the real positions, so bounds drawn from it are sound.
// Keys must be pairwise distinct (checked), so every j ≠ t is among "differs from k_t".
// Then, by monotonicity of every rounding: Z (the softmax denominator, a left-to-right rounded
// sum) lies between the sums with every other term at its least and at its greatest value, the
// target weight between e_t / Z_hi and e_t / Z_lo, every other weight below e_max / Z_lo, and the
// head's output between left-to-right sums of those extreme terms. Under fixed:s, when every
// other [exp] is exactly 0, this proves the exact one-hot attention of Lemma E.3.

import type { CertContext } from './context.js';
import { setup, type HeadRange } from './induction.js';
import { columnExtreme, firstDuplicateKey, rdivOf } from './kernels.js';
import { emptyResult, ExactChecker, recordInduction, recordRetrieval, unsupportedReason, type HeadStat, type SweepOptions, type SweepResult } from './sweep.js';

/** Beyond this many reachable partial scores the automaton is not worth it. */
const MAX_STATES = 4096;

/** Steps simulated one by one before an IEEE sum switches to its error bound. */
const SIMULATED = 64;

/**
 * A bound on acc after adding `term` n times, left to right with rounding: simulated exactly
 * until acc stops moving (it then never moves again). For IEEE modes (unit roundoff u > 0), past
 * SIMULATED steps the rest is enclosed by the classical bound |computed - exact| <=
 * γ_m (|acc| + m |term|), γ_m = m u / (1 - m u) (Higham, Accuracy and Stability, §4.2).
 */
function repeatAdd(round: (x: number) => number, acc: number, term: number, n: number, dir: 'lo' | 'hi', u: number): number {
  for (let r = 0; r < n; r++) {
    if (u > 0 && r === SIMULATED) {
      const m = n - r;
      const exact = acc + m * term;
      const gamma = (m * u) / (1 - m * u);
      const err = gamma * (Math.abs(acc) + m * Math.abs(term)) + Number.EPSILON * Math.abs(exact);
      return dir === 'lo' ? exact - err : exact + err;
    }
    const next = round(acc + term);
    if (next === acc) return acc;
    acc = next;
  }
  return acc;
}

/** Sorted distinct values of column c of an S x dk row-major matrix. */
function columnValues(keys: Float64Array, S: number, dk: number, c: number): number[] {
  const set = new Set<number>();
  for (let j = 0; j < S; j++) set.add(keys[j * dk + c]!);
  return [...set].sort((x, y) => x - y);
}

export function fastSweep(ctx: CertContext, opts: SweepOptions = {}): SweepResult {
  const res = emptyResult(ctx);
  const reason = unsupportedReason(ctx);
  if (reason) return { ...res, supported: false, reason };
  const { pm, S, arith } = ctx;
  const { k, d } = pm;
  const round = (x: number) => k.round(x);
  const u = arith.kind === 'f32' ? 2 ** -24 : arith.kind === 'f64' ? 2 ** -53 : arith.kind === 'f16' ? 2 ** -11 : 0;
  const rdiv = rdivOf(arith);
  const s = setup(ctx);
  const heads = pm.layers[0]!.heads;
  const stats: HeadStat[] = heads.map((hd) => ({ name: hd.name, minTargetWeight: Infinity, maxElsewhere: 0, minMargin: Infinity }));
  const exact = new ExactChecker(ctx, res.exactChecks);
  const columns = heads.map((hd, h) => Array.from({ length: hd.dk }, (_, c) => columnValues(s.keys[h]!, S, hd.dk, c)));
  for (let h = 0; h < heads.length; h++) {
    const dup = firstDuplicateKey(s.keys[h]!, S, heads[h]!.dk);
    if (dup >= 0) {
      res.retrievalFailure = { position: dup, detail: `head ${heads[h]!.name}: position ${dup} has the same key as an earlier position, so attention cannot single it out` };
      return res;
    }
  }
  // Global range of every value coordinate (other positions' terms are bounded by it).
  const vmin = heads.map((hd, h) => Array.from({ length: hd.dv }, (_, e) => columnExtreme(s.vlo[h]!, e, hd.dv, S, Math.min)));
  const vmax = heads.map((hd, h) => Array.from({ length: hd.dv }, (_, e) => columnExtreme(s.vhi[h]!, e, hd.dv, S, Math.max)));
  const hbuf = new Float64Array(d);
  const q = new Float64Array(Math.max(...heads.map((hd) => hd.dk)));
  const first = res.firstPosition;
  const total = S - 1 - first;
  for (let i = first; i < S - 1; i++) {
    s.hOf(ctx.src[i]! < 0 ? -1 - ctx.src[i]! : ctx.t0, i, hbuf);
    const intended = ctx.seq.targets[0]!.map((t) => t[i]!);
    const ranges: HeadRange[] = [];
    for (let h = 0; h < heads.length; h++) {
      const hd = heads[h]!;
      const t = intended[h]!;
      k.spmv(s.wq[h]!, hbuf, 0, q, 0);
      const kt = s.keys[h]!.subarray(t * hd.dk, (t + 1) * hd.dk);
      // Reachable partial sums: those still on the target's key (a single value) and the others.
      let onTarget = 0;
      let off = new Set<number>();
      for (let c = 0; c < hd.dk; c++) {
        const next = new Set<number>();
        let nextOn = 0;
        for (const v of columns[h]![c]!) {
          const term = round(q[c]! * v);
          if (v === kt[c]) nextOn = round(onTarget + term);
          else next.add(round(onTarget + term));
          for (const x of off) next.add(round(x + term));
        }
        onTarget = nextOn;
        off = next;
        if (off.size > MAX_STATES) return { ...res, supported: false, reason: `head ${hd.name}: more than ${MAX_STATES} partial scores; use the exhaustive method` };
      }
      const target = onTarget;
      const offScores = [...off];
      const shift = arith.maxSubtract ? Math.max(target, ...offScores) : 0;
      if (arith.maxSubtract && offScores.some((x) => x > target)) {
        // the real maximum may be an off-target score: the shift is unknown, the bound does not apply
        res.retrievalFailure ??= { position: i, detail: `head ${hd.name} at position ${i}: a key other than position ${t}'s may score higher than the target` };
      }
      const expOf = (x: number) => {
        const y = round(x - shift);
        const e = round(Math.exp(y));
        exact.exp(y, e);
        return e;
      };
      const eT = expOf(target);
      let eMax = 0;
      let eMin = offScores.length ? Infinity : 0;
      for (const x of offScores) {
        const e = expOf(x);
        eMax = Math.max(eMax, e);
        eMin = Math.min(eMin, e);
      }
      // Z over positions 0..i: t of them before the target, i - t after.
      const sumOf = (term: number, mid: number, dir: 'lo' | 'hi') => repeatAdd(round, round(repeatAdd(round, 0, term, t, dir, u) + mid), term, i - t, dir, u);
      const zLo = sumOf(eMin, eT, 'lo');
      const zHi = sumOf(eMax, eT, 'hi');
      const aTlo = rdiv(eT, zHi);
      const aThi = rdiv(eT, zLo);
      const aOff = rdiv(eMax, zLo);
      exact.div(eT, zHi, aTlo);
      exact.div(eT, zLo, aThi);
      exact.div(eMax, zLo, aOff);
      const elsewhere = i * aOff;
      recordRetrieval(stats[h]!, aTlo, elsewhere);
      const oneHot = eMax === 0 && aTlo === 1 && aThi === 1;
      if (!oneHot) res.oneHot = false;
      if (!res.retrievalFailure && (aTlo - elsewhere <= 0 || (arith.kind === 'fixed' && !oneHot))) {
        res.retrievalFailure = { position: i, detail: `head ${hd.name} at position ${i}: the weight on position ${t} is only known to be >= ${aTlo}, and up to ${elsewhere} may lie elsewhere` };
      }
      // Output range: the target's term for each token there, others' terms at their extremes.
      const options = ctx.src[t]! < 0 ? 1 : 2;
      const r: HeadRange = { attended: t, lo: [], hi: [] };
      for (let slot = 0; slot < options; slot++) {
        const lo = new Float64Array(hd.dv);
        const hi = new Float64Array(hd.dv);
        for (let e = 0; e < hd.dv; e++) {
          const v = s.vals[h]![(t * 2 + slot) * hd.dv + e]!;
          const tl = Math.min(round(aTlo * v), round(aThi * v));
          const th = Math.max(round(aTlo * v), round(aThi * v));
          const corners = [round(0 * vmin[h]![e]!), round(0 * vmax[h]![e]!), round(aOff * vmin[h]![e]!), round(aOff * vmax[h]![e]!)];
          const ol = Math.min(...corners);
          const oh = Math.max(...corners);
          lo[e] = sumOf(ol, tl, 'lo');
          hi[e] = sumOf(oh, th, 'hi');
        }
        r.lo.push(lo);
        r.hi.push(hi);
      }
      ranges.push(r);
    }
    recordInduction(res, s, i, ranges);
    if (opts.onProgress && (i - first) % 1024 === 0) opts.onProgress(i - first, total);
  }
  opts.onProgress?.(total, total);
  res.heads = stats;
  return res;
}
