// Outward-rounded interval arithmetic for binary32 (claim 4 under --arith f32).
//
// The nearest-rounding pass (sweep.ts, fast-sweep.ts) re-evaluates the CPU reference's own
// round-to-nearest operations, in its own order: exact for that engine, silent about any other.
// This pass encloses EVERY binary32 evaluation of the model in which
//   - each +, -, × is rounded faithfully (to either neighbour of the exact value: nearest, directed,
//     or a fused multiply-add), results below 2^-126 may be flushed to zero;
//   - sums and dot products are taken in any order and association (sequential, tree, tiled);
//   - exp(x) is within (3 + 2|x|) ulp (WGSL's accuracy bound for f32 exp), x / y within 2.5 ulp
//     (WGSL's bound for f32 division);
//   - softmax subtracts the row maximum of the computed scores, at once or as an online softmax
//     whose running sums are rescaled by exp(m_old - m_new) whenever its running maximum grows
//     (the WebGPU engine's tiled kernels);
// and, with every error term set to zero, the exact real-number computation. Each quantity is an
// interval [lo, hi] computed in float64; every sum or dot product of n terms is widened by the
// classical bound γ_n·Σ|terms| with γ_n = n·u/(1 - n·u), u = 2^-23 (a faithful rounding errs by
// less than one ulp ≤ 2^-23·|x|), plus n·2^-126 for flushed underflows, plus n·2^-50·Σ|terms| for
// float64's own rounding while computing the bounds (2^27 times smaller than the f32 terms).
//
// Scores: heads are position-only, so the score of key j is Σ_c q_c·K_jc over the keys' exact
// coordinate values; walking the coordinates with the set of reachable exact partial sums (few:
// the keys are ±λ patterns) gives the target's exact score and a superset of every other key's,
// each then widened by a bound on the enclosure radius of q and K and the f32 dot-product error.

import type { Csr } from '../runtime/index.js';
import type { CertContext } from './context.js';
import { tokensAt, wiresThatMatter } from './induction.js';
import { columnExtreme, firstDuplicateKey } from './kernels.js';

export const U = 2 ** -23;
export const TINY = 2 ** -126;
const F64 = 2 ** -50;

export const gamma = (n: number): number => (n * U) / (1 - n * U);

/** Widening of a sum or dot product of n terms whose absolute values add up to A. */
export const sumError = (n: number, A: number): number => gamma(n) * A + n * F64 * A + n * TINY;

/** Relative error bound of exp(x) in f32 (WGSL: 3 + 2|x| ulp). */
export const expRel = (x: number): number => (3 + 2 * Math.abs(x)) * U + F64;

export function expLo(x: number): number {
  const e = Math.exp(x);
  return e < TINY ? 0 : e * (1 - expRel(x));
}
export function expHi(x: number): number {
  return Math.exp(x) * (1 + expRel(x)) + TINY;
}

export const DIV_REL = 2.5 * U + F64;

export interface Box {
  lo: Float64Array;
  hi: Float64Array;
}

const box = (n: number): Box => ({ lo: new Float64Array(n), hi: new Float64Array(n) });

/** A·x (+ bias) over a box, enclosing every order of evaluation (a zero weight contributes
 * nothing in any order, so only the nonzeros of the CSR form are summed). */
export function encMatvec(A: Csr, x: Box, bias?: ArrayLike<number>): Box {
  const out = box(A.rows);
  for (let r = 0; r < A.rows; r++) {
    let lo = 0;
    let hi = 0;
    let abs = 0;
    let n = 0;
    for (let p = A.ptr[r]!; p < A.ptr[r + 1]!; p++) {
      const w = A.val[p]!;
      const c = A.idx[p]!;
      const a = w * x.lo[c]!;
      const b = w * x.hi[c]!;
      lo += Math.min(a, b);
      hi += Math.max(a, b);
      abs += Math.max(Math.abs(a), Math.abs(b));
      n++;
    }
    if (bias) {
      lo += bias[r]!;
      hi += bias[r]!;
      abs += Math.abs(bias[r]!);
      n++;
    }
    const err = sumError(n, abs);
    out.lo[r] = lo - err;
    out.hi[r] = hi + err;
  }
  return out;
}

/** Element-wise sum of boxes, enclosing every order. */
export function encAdd(...xs: Box[]): Box {
  const d = xs[0]!.lo.length;
  const out = box(d);
  for (let c = 0; c < d; c++) {
    let lo = 0;
    let hi = 0;
    let A = 0;
    for (const x of xs) {
      lo += x.lo[c]!;
      hi += x.hi[c]!;
      A += Math.max(Math.abs(x.lo[c]!), Math.abs(x.hi[c]!));
    }
    const err = sumError(xs.length, A);
    out.lo[c] = lo - err;
    out.hi[c] = hi + err;
  }
  return out;
}

/** The residual stream after embedding token t at position j: one f32 addition per coordinate. */
function embedBox(ctx: CertContext, t: number, j: number): Box {
  const { pm } = ctx;
  const d = pm.d;
  const pos = pm.model.posEmb;
  const tok = pm.tok;
  const out = box(d);
  for (let c = 0; c < d; c++) {
    const a = tok[t * d + c]!;
    const b = Math.fround(pos[j * d + c]!);
    const err = sumError(2, Math.abs(a) + Math.abs(b));
    out.lo[c] = a + b - err;
    out.hi[c] = a + b + err;
  }
  return out;
}

/** The runtime's own round-to-nearest key or query at position j for token t (the centre the
 * enclosure radii are measured from), through the prepared model's f32 kernels. */
function nearestProjection(ctx: CertContext, W: ArrayLike<number>, rows: number, t: number, j: number): Float64Array {
  const { pm } = ctx;
  const d = pm.d;
  const h = new Float64Array(d);
  for (let c = 0; c < d; c++) h[c] = pm.k.round(pm.tok[t * d + c]! + pm.k.round(pm.model.posEmb[j * d + c]!));
  const out = new Float64Array(rows);
  pm.k.matvec(W, rows, d, h, 0, out, 0);
  return out;
}

export interface EnclosureResult {
  supported: boolean;
  reason?: string;
  /** Per CoT position (from firstPosition): the least lead of the right token, over every input. */
  margins: Float64Array;
  firstPosition: number;
  failure?: { position: number; detail: string };
  /** Least enclosed weight on a target, most enclosed weight elsewhere (over positions and heads). */
  minTargetWeight: number;
  maxElsewhere: number;
}

const MAX_STATES = 4096;

/** Claim 4 with outward rounding (see the header). Requires position-only heads and 1 layer. */
export function enclosureSweep(ctx: CertContext): EnclosureResult {
  const { pm, S } = ctx;
  const first = ctx.P - 1;
  const res: EnclosureResult = { supported: true, margins: new Float64Array(Math.max(0, S - 1 - first)).fill(NaN), firstPosition: first, minTargetWeight: Infinity, maxElsewhere: 0 };
  const layer = pm.layers[0]!;
  if (pm.layers.length !== 1 || !layer.heads.every((h) => h.positionOnly)) return { ...res, supported: false, reason: 'outward enclosure needs one layer of position-only heads' };
  const heads = layer.heads;
  const shift = pm.arith.maxSubtract;
  // keys: centres (the runtime's own round-to-nearest keys, so equal patterns stay equal) and one
  // radius per coordinate covering every position's enclosure; values: boxes
  const keyC = heads.map((h) => new Float64Array(S * h.dk));
  const keyR = heads.map((h) => new Float64Array(h.dk));
  const vals = heads.map((h) => ({ lo: new Float64Array(S * 2 * h.dv), hi: new Float64Array(S * 2 * h.dv) }));
  for (let j = 0; j < S; j++) {
    const toks = tokensAt(ctx, j);
    toks.forEach((t, slot) => {
      const e = embedBox(ctx, t, j);
      heads.forEach((h, hi) => {
        if (slot === 0) {
          const k = encMatvec(h.sparse.wk, e);
          const kc = nearestProjection(ctx, h.wk, h.dk, t, j);
          for (let c = 0; c < h.dk; c++) {
            keyC[hi]![j * h.dk + c] = kc[c]!;
            keyR[hi]![c] = Math.max(keyR[hi]![c]!, k.hi[c]! - kc[c]!, kc[c]! - k.lo[c]!);
          }
        }
        const v = encMatvec(h.sparse.wv, e);
        for (const s2 of toks.length === 1 ? [0, 1] : [slot]) {
          vals[hi]!.lo.set(v.lo, (j * 2 + s2) * h.dv);
          vals[hi]!.hi.set(v.hi, (j * 2 + s2) * h.dv);
        }
      });
    });
  }
  for (let hi = 0; hi < heads.length; hi++) {
    const dup = firstDuplicateKey(keyC[hi]!, S, heads[hi]!.dk);
    if (dup >= 0) return { ...res, supported: false, reason: `head ${heads[hi]!.name}: position ${dup} has the same key as an earlier position` };
  }
  // column values of the key centres, and global value ranges (other positions' terms)
  const columns = heads.map((h, hi) => Array.from({ length: h.dk }, (_, c) => [...new Set(Array.from({ length: S }, (_, j) => keyC[hi]![j * h.dk + c]!))]));
  const kMax = heads.map((h, hi) => Array.from({ length: h.dk }, (_, c) => Math.max(...columns[hi]![c]!.map(Math.abs)) + keyR[hi]![c]!));
  const vMin = heads.map((h, hi) => Array.from({ length: h.dv }, (_, e) => columnExtreme(vals[hi]!.lo, e, h.dv, 2 * S, Math.min)));
  const vMax = heads.map((h, hi) => Array.from({ length: h.dv }, (_, e) => columnExtreme(vals[hi]!.hi, e, h.dv, 2 * S, Math.max)));
  for (let i = first; i < S - 1; i++) {
    const targets = ctx.seq.targets[0]!.map((t) => t[i]!);
    const q0 = embedBox(ctx, ctx.src[i]! < 0 ? -1 - ctx.src[i]! : ctx.t0, i);
    // per head: the target's weight range, the most any other position gets, and the output box for each token at the target
    const ranges: { target: number; out: Box[] }[] = [];
    for (let hi = 0; hi < heads.length; hi++) {
      const h = heads[hi]!;
      const t = targets[hi]!;
      const qb = encMatvec(h.sparse.wq, q0);
      const q = nearestProjection(ctx, h.wq, h.dk, ctx.src[i]! < 0 ? -1 - ctx.src[i]! : ctx.t0, i);
      // radius of any score: centre error from q's and K's radii, plus the f32 dot-product error
      let R = 0;
      let A = 0;
      for (let c = 0; c < h.dk; c++) {
        const rq = Math.max(qb.hi[c]! - q[c]!, q[c]! - qb.lo[c]!);
        R += Math.abs(q[c]!) * keyR[hi]![c]! + rq * kMax[hi]![c]!;
        A += (Math.abs(q[c]!) + rq) * kMax[hi]![c]!;
      }
      R += sumError(h.dk, A);
      // exact partial sums: on the target's key, and off it
      let onT = 0;
      let off = new Set<number>();
      for (let c = 0; c < h.dk; c++) {
        const next = new Set<number>();
        const kt = keyC[hi]![t * h.dk + c]!;
        let nextOn = 0;
        for (const v of columns[hi]![c]!) {
          const term = q[c]! * v;
          if (v === kt) nextOn = onT + term;
          else next.add(onT + term);
          for (const x of off) next.add(x + term);
        }
        onT = nextOn;
        off = next;
        if (off.size > MAX_STATES) return { ...res, supported: false, reason: `head ${h.name}: more than ${MAX_STATES} partial scores` };
      }
      const offHi = off.size ? Math.max(...off) + R : -Infinity;
      const offLo = off.size ? Math.min(...off) - R : Infinity;
      const sTlo = onT - R;
      const sThi = onT + R;
      if (shift && !(sTlo > offHi)) {
        res.failure ??= { position: i, detail: `head ${h.name} at position ${i}: another key may score as high as the target ${t} (${offHi} vs ${sTlo})` };
        res.margins[i - first] = -Infinity;
        ranges.push({ target: t, out: [] });
        continue;
      }
      // the engine's shift is its computed target score, so the target's exp argument is exactly 0
      const m = shift ? { lo: sTlo, hi: sThi } : { lo: 0, hi: 0 };
      const xTlo = shift ? 0 : sTlo;
      const xThi = shift ? 0 : sThi;
      // An online softmax (the WebGPU engine's) rescales its running sums by exp(m_old - m_new) each
      // time its running maximum grows: at most n times, with exponents adding up to at most the
      // score range, each factor within (3 + 2|Δ|) ulp and its subtraction and product within one
      // ulp. Every term's exp then errs by a further factor within 1 ± ρ.
      const range = shift && off.size ? sThi - offLo : 0;
      const rho = shift ? Math.exp((4 * (i + 1) + 4 * range) * U) - 1 : 0;
      const eTlo = expLo(xTlo) * (1 - rho);
      const eThi = expHi(xThi) * (1 + rho);
      // s_j - shift, one faithful subtraction: within one ulp of the exact difference
      const dHi = offHi - m.lo;
      const dLo = offLo - m.hi;
      const xOffHi = off.size ? dHi + U * Math.abs(dHi) : -Infinity;
      const xOffLo = off.size ? dLo - U * Math.abs(dLo) : 0;
      const eOffHi = off.size ? expHi(xOffHi) * (1 + rho) : 0;
      const eOffLo = off.size ? Math.max(0, expLo(xOffLo) * (1 - rho)) : 0;
      const n = i + 1;
      const zLo = Math.max(0, (eTlo + (n - 1) * eOffLo) * (1 - gamma(n)) - n * TINY);
      const zHi = (eThi + (n - 1) * eOffHi) * (1 + gamma(n) + n * F64) + n * TINY;
      const aTlo = zHi > 0 ? (eTlo / zHi) * (1 - DIV_REL) : 0;
      const aThi = zLo > 0 ? Math.min(1 + DIV_REL, (eThi / zLo) * (1 + DIV_REL)) : Infinity;
      const aOff = zLo > 0 ? (eOffHi / zLo) * (1 + DIV_REL) + TINY : Infinity;
      res.minTargetWeight = Math.min(res.minTargetWeight, aTlo);
      res.maxElsewhere = Math.max(res.maxElsewhere, (n - 1) * aOff);
      // the head's output for each token at the target: target term + n - 1 terms in [min(0, aOff·v), max(0, aOff·v)]
      const out: Box[] = [];
      for (let slot = 0; slot < 2; slot++) {
        const o = box(h.dv);
        for (let e = 0; e < h.dv; e++) {
          const vl = vals[hi]!.lo[(t * 2 + slot) * h.dv + e]!;
          const vh = vals[hi]!.hi[(t * 2 + slot) * h.dv + e]!;
          const corners = [aTlo * vl, aTlo * vh, aThi * vl, aThi * vh];
          const offL = Math.min(0, aOff * vMin[hi]![e]!);
          const offH = Math.max(0, aOff * vMax[hi]![e]!);
          const Asum = Math.max(...corners.map(Math.abs)) + (n - 1) * Math.max(Math.abs(offL), Math.abs(offH));
          const err = sumError(n, Asum);
          o.lo[e] = Math.min(...corners) + (n - 1) * offL - err;
          o.hi[e] = Math.max(...corners) + (n - 1) * offH + err;
        }
        out.push(o);
      }
      ranges.push({ target: t, out });
    }
    if (ranges.some((r) => r.out.length === 0)) continue;
    res.margins[i - first] = enclosedStep(ctx, i, ranges, res);
  }
  return res;
}

/** The induction step at position i on boxes: the least lead of the right token over every other. */
function enclosedStep(ctx: CertContext, i: number, ranges: { target: number; out: Box[] }[], res: EnclosureResult): number {
  const { pm } = ctx;
  const layer = pm.layers[0]!;
  const exp = ctx.expectation(i + 1);
  const rel = wiresThatMatter(ctx, i, ranges.map((r) => r.target), exp.deps);
  let worst = Infinity;
  for (let mask = 0; mask < 1 << rel.length; mask++) {
    const val = (w: number) => (mask >> rel.indexOf(w)) & 1;
    const src = (j: number) => ctx.src[j]!;
    const tokAt = (j: number) => (src(j) < 0 ? -1 - src(j) : val(src(j)) ? ctx.t1 : ctx.t0);
    const slotAt = (j: number) => (src(j) < 0 ? 0 : val(src(j)));
    const parts = [embedBox(ctx, tokAt(i), i), ...layer.heads.map((h, hi) => encMatvec(h.sparse.wo, ranges[hi]!.out[slotAt(ranges[hi]!.target)]!))];
    const h1 = encAdd(...parts);
    const z = encMatvec(layer.sparse.w1, h1, layer.b1);
    for (let u = 0; u < layer.m; u++) {
      z.lo[u] = Math.max(0, z.lo[u]!);
      z.hi[u] = Math.max(0, z.hi[u]!);
    }
    const f = encMatvec(layer.sparse.w2, z, layer.b2);
    const h2 = encAdd(h1, f);
    const logits = encMatvec(pm.sparse.unembed, h2);
    const want = exp.token(exp.deps.map(val));
    let rival = -Infinity;
    for (let v = 0; v < pm.V; v++) if (v !== want) rival = Math.max(rival, logits.hi[v]!);
    const margin = logits.lo[want]! - rival;
    if (margin < worst) worst = margin;
    if (!(margin > 0) && !res.failure) {
      res.failure = { position: i, detail: `position ${i} (writing position ${i + 1}), outward-rounded: with ${rel.map((w) => `wire ${w}=${val(w)}`).join(', ') || 'no free wire'}, '${pm.model.vocab[want]}' has logit >= ${logits.lo[want]} but another token may reach ${rival}` };
    }
  }
  return worst;
}
