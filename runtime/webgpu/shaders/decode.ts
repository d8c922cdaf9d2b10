// Attention for ONE new query per sequence (generation with the key/value cache), one head per
// dispatch. A single query over up to S keys would run serially in one invocation, so the keys
// are split over many invocations: invocation u of a segment takes the keys kStart + u + t·n
// (t = 0, 1, ...; n invocations, so neighbouring invocations read neighbouring keys) and keeps a
// running maximum, sum of exp and exp-weighted values (the online softmax: when the maximum
// grows, the sum and values are rescaled). It writes them as a partial; the step kernel
// (step.ts) merges the partials with the same algebra. No workgroup barriers: on a CPU-emulated
// adapter each barrier is a coroutine switch, and a decoding step is too small to pay for
// reductions. Workgroup rows y are the head's groups. The head's placement comes from the
// parameter block, so the kernel depends only on the head's shape.

import type { HeadShape, LayerLayout, Precision } from '../layout.js';
import { WG, header, headNb, range, vIndexP, zero, type ShaderSource } from './common.js';

/** Elements per partial: max, sum, then NB·dv accumulators (the widest head of the layer). */
export function partialStride(L: LayerLayout, nb: number): number {
  return 2 + Math.max(1, ...L.heads.map((hl) => headNb(hl, nb) * hl.dv));
}

/** Workgroup rows ("groups") of a head for a batch of B. */
export function headGroups(hl: HeadShape, B: number, nb: number): number {
  return Math.ceil(B / headNb(hl, nb));
}

/** A layer's (head, group) rows: the partials buffer holds blockCap partials for each. */
export function decodeGroups(L: LayerLayout, B: number, nb: number): number {
  return L.heads.reduce((n, hl) => n + headGroups(hl, B, nb), 0);
}

/** Invocations (partials) for n keys when each takes at least 8 and at most `lanes` are used. */
export function decodeSplit(nKeys: number, lanes: number): number {
  const per = Math.max(8, Math.ceil(nKeys / lanes));
  return Math.ceil(nKeys / per);
}

/** Heads [h0, h0 + n) of a layer share one decoding dispatch when they have the same shape
 *  (their placement then follows from the first one's). Returns the runs of such heads. */
export function headRuns(L: LayerLayout): { h0: number; n: number }[] {
  const runs: { h0: number; n: number }[] = [];
  L.heads.forEach((hl, h) => {
    const r = runs[runs.length - 1];
    const p = r ? L.heads[r.h0]! : undefined;
    if (r && p && p.dk4 === hl.dk4 && p.dv === hl.dv && p.shared === hl.shared) r.n++;
    else runs.push({ h0: h, n: 1 });
  });
  return runs;
}

/** Decoding attention for `heads` consecutive heads of one shape: workgroup row y is
 *  (head y / groups, group y % groups); the parameter block places the first head. */
export function decodeShader(prec: Precision, hl: HeadShape, nb: number, heads = 1): ShaderSource {
  const DK4 = hl.dk4 / 4;
  const NB = headNb(hl, nb);
  const NBDV = NB * hl.dv;
  const Kk = range(NBDV);
  const Z = zero(prec);
  const dotExpr = range(DK4).map((t) => `dot(q${t}, K[kb + ${t}u])`).join(' + ');
  const code = `${header(prec)}
@group(0) @binding(1) var<storage, read> Q: array<T4>;
@group(0) @binding(2) var<storage, read> K: array<T4>;
@group(0) @binding(3) var<storage, read> Vc: array<T>;
@group(0) @binding(4) var<storage, read_write> Part: array<T>;

@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let groups = ${hl.shared ? `(P.nRows + ${NB - 1}u) / ${NB}u` : 'P.nRows'};
  let h = gid.y / groups;
  let gy = gid.y % groups;
  let u = gid.x;
  let n = P.nBlocks;
  if (u >= n || h >= ${heads}u) { return; }
  let keySet = select(gy, 0u, ${hl.shared});
  let row0 = gy * ${NB}u;
  let KROW4 = P.hKRow / 4u;
  // Heads of one shape sit side by side: key rows ${hl.dk4}·sets apart, outputs ${hl.dv} apart.
  let hKOff = P.hKOff + h * ${hl.dk4}u * ${hl.shared ? '1u' : 'P.nRows'};
  let hAOff = P.hAOff + h * ${hl.dv}u;
  let kOff4 = (hKOff + keySet * ${hl.dk4}u) / 4u;
${range(DK4)
  .map((t) => `  let q${t} = Q[kOff4 + ${t}u];`)
  .join('\n')}
  var m = NEG;
  var l = ${Z};
${Kk.map((k) => `  var a${k} = ${Z};`).join('\n')}
  for (var j = P.kStart + u; j < P.kEnd; j += n) {
    let kb = (j - P.kvBase) * KROW4 + kOff4;
    let s = ${dotExpr};
    if (s > m) {
      let c = exp(m - s);
      l = l * c;
${Kk.map((k) => `      a${k} = a${k} * c;`).join('\n')}
      m = s;
    }
    let p = exp(s - m);
    l = l + p;
${Kk.map((k) => `    if (row0 + ${Math.floor(k / hl.dv)}u < P.nRows) { a${k} = a${k} + p * Vc[${vIndexP(hl.dv, 'j', `row0 + ${Math.floor(k / hl.dv)}u`, `${k % hl.dv}u`, 'hAOff')}]; }`).join('\n')}
  }
  let pb = ((P.hGBase + h * groups + gy) * P.blockCap + P.blockBase + u) * P.pStride;
  Part[pb] = m;
  Part[pb + 1u] = l;
${Kk.map((k) => `  Part[pb + ${2 + k}u] = a${k};`).join('\n')}
}
`;
  return { label: `decode(${heads} x dk4 ${hl.dk4}, dv ${hl.dv}, nb ${NB}${hl.shared ? ', shared' : ''})`, code, bindings: ['uniform', 'read', 'read', 'read', 'rw'] };
}
