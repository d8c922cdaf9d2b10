// certify for latent models (compiler/looped: looped, looped-cot, deep; no chain of thought, the
// answer is the argmax at each output wire's position after the last applied layer), for all 2^n
// inputs at once:
//   1 structure       the construction's layers, heads and d_model (claims.ts)
//   2 retrieval lemma every head of every stored layer is position-only and, at every position,
//                     attends to the position the model's contract names (attention.ts): exactly
//                     one-hot in fixed:s / float:e,s, bounded weights in f32 (outward)
//   3 gate lemma      the latent update block computes every gate type in place (claims.ts)
//   4 induction       after applied layer t, every wire the construction has finished by then
//                     (looped, deep: depth(w) <= t; looped-cot: inputs, and gate g from loop g + 1)
//                     holds its true value at its position for every input (induction.ts)
//   5 all inputs      after the last applied layer, every output position's argmax is the output's
//                     value for every input
// The loop count is the model's own or an override (certify --loops K): the certificate states it.

import { wireDepths } from '../../circuits/index.js';
import { UserError } from '../../common/errors.js';
import type { Bound } from '../../model/index.js';
import { parseArith, prepare } from '../../runtime/index.js';
import type { ClaimResult } from '../types.js';
import { exactOps, outwardOps } from '../uniform/ops.js';
import { embeddings, layerAttention, type LayerAttention } from './attention.js';
import { latentGateLemma, latentKind, latentStructure } from './claims.js';
import { circuitOutputs, latentInduction } from './induction.js';

export interface LatentOptions {
  loops?: number;
  /** f32 only: 'outward' (the only rounding the latent certifier offers). */
  rounding?: 'outward' | 'nearest';
  onProgress?: (done: number, total: number) => void;
}

export interface LatentResult {
  claims: ClaimResult[];
  /** Per wire (position 1 + w): margin after the last layer, null where not established. */
  margins: (number | null)[];
  settle: (number | null)[];
  loops: number | undefined;
  applied: number;
  arith: string;
}

/** Why an outward f32 bound may fail where the model is exact, and what to use instead. */
const OUTWARD_HINT =
  ' (outward rounding covers every binary32 evaluation order, faithful rounding and WGSL\'s exp and division error included; this construction passes such errors on linearly, so they add up along the circuit\'s paths and across iterations; --rounding nearest certifies the CPU reference\'s own round-to-nearest order, where the values are exact)';

const fail = (claim: string, reason: string): ClaimResult => ({ claim, holds: false, evidence: { reason }, failure: { position: -1, detail: reason } });

/** When each wire is due: looped and deep after depth(w) layers, looped-cot gate g after g + 1. */
export function schedule(bound: Bound): number[] {
  const c = bound.circuit;
  if (latentKind(bound.model) === 'looped-cot') return Array.from({ length: c.nInputs + c.ops.length }, (_, w) => (w < c.nInputs ? 0 : w - c.nInputs + 1));
  return Array.from(wireDepths(c));
}

export function certifyLatent(bound: Bound, arithName: string, opts: LatentOptions = {}): LatentResult {
  const { model, circuit, seq } = bound;
  const arith = parseArith(arithName);
  if (arith.kind === 'f16' || arith.kind === 'f64') throw new UserError(`latent models are certified in f32 (outward rounding, or nearest rounding: the CPU reference's own order) or in the paper's formats fixed:s and float:e,s, not ${arith.name}`);
  if (model.meta.mode !== 'positional') throw new UserError('the latent certifier handles positional latent models (looped, looped-cot or deep)');
  const pm = prepare(model, arith, opts.loops !== undefined ? { loops: opts.loops } : {});
  const loops = pm.loops;
  const T = pm.layers.length;
  const W = circuit.nInputs + circuit.ops.length;
  const base = { loops, applied: T, arith: arith.name, margins: new Array<number | null>(W).fill(null), settle: new Array<number | null>(W).fill(null) };
  const structure = latentStructure(model, circuit, T, loops);
  const nearest = arith.kind === 'f32' && opts.rounding === 'nearest';
  const outward = arith.kind === 'f32' && !nearest;
  const ops = outward ? outwardOps() : exactOps(pm.k);
  const emb = embeddings(pm, seq, ops);
  const att: LayerAttention[] = [];
  for (let l = 0; l < pm.distinct.length; l++) {
    const a = layerAttention(pm, l, emb, ops, nearest);
    if (typeof a === 'string') return { ...base, claims: [structure, fail('retrieval lemma', a), fail('gate lemma', a), fail('induction', a), fail('all inputs', a)] };
    att.push(a);
  }
  const retrieval = retrievalClaim(bound, att, outward, nearest);
  // how far a fetched bit may be off: outward, either way; nearest, only up (weights and values are >= 0)
  let eps = 0;
  for (const a of att) for (const h of a.heads) h.target.forEach((t, p) => t >= 0 && (eps = Math.max(eps, Math.max(1 - h.alphaLo[p]!, h.alphaHi[p]! - 1) + h.eta[p]!)));
  const gate = latentGateLemma(pm, ops, outward ? { below: eps, above: eps } : { below: 0, above: nearest ? eps : 0 });
  if (!retrieval.holds) {
    const why = `the induction needs claim 2: ${retrieval.failure?.detail ?? 'retrieval lemma'}`;
    return { ...base, claims: [structure, retrieval, gate, fail('induction', why), fail('all inputs', why)] };
  }
  const ind = latentInduction({ pm, seq, circuit, ops, att, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
  const due = schedule(bound);
  const late = due.findIndex((t, w) => t <= T && !(ind.settle[w] !== null && ind.settle[w]! <= t));
  const label = (w: number) => (w < circuit.nInputs ? `input ${w}` : `gate ${w - circuit.nInputs} (wire ${w})`);
  const kind = latentKind(model);
  const rounding = outward ? 'outward' : nearest ? 'nearest' : 'exact';
  const induction: ClaimResult = {
    claim: 'induction',
    holds: !ind.failure && late < 0,
    evidence: {
      statement: kind === 'looped-cot' ? 'after applied layer t, every input and every gate g < t holds its value, for every input' : 'after applied layer t, every wire of depth <= t holds its value, for every input',
      wires: W,
      wires_due: due.filter((t) => t <= T).length,
      applied_layers: T,
      position_steps: ind.steps,
      position_steps_kept: ind.reused,
      max_cases: ind.maxCases,
      rounding,
      ...(outward ? {} : { exact_states: ind.allPoints }),
    },
  };
  if (ind.failure) induction.failure = { position: -1, detail: ind.failure };
  else if (late >= 0) induction.failure = { position: seq.valuePos[late]!, detail: `${label(late)} is due after layer ${due[late]}, but is established ${ind.settle[late] === null ? 'at no layer up to the last' : `only from layer ${ind.settle[late]}`}${outward ? OUTWARD_HINT : ''}` };
  const outs = circuitOutputs(circuit);
  const outMargins = outs.map((w) => ind.margins[w] ?? null);
  const finite = outMargins.filter((m): m is number => m !== null);
  const bad = outs.findIndex((w) => !(ind.margins[w] !== null && ind.margins[w]! > 0));
  const all: ClaimResult = {
    claim: 'all inputs',
    holds: !ind.failure && bad < 0 && outs.length > 0,
    evidence: {
      outputs: outs.length,
      inputs_covered: `2^${circuit.nInputs}`,
      min_margin: finite.length === outs.length && finite.length > 0 ? finite.reduce((a, b) => Math.min(a, b)) : null,
      outputs_established: finite.filter((m) => m > 0).length,
      applied_layers: T,
      loops: loops ?? null,
      wires_established: ind.margins.filter((m) => m !== null && m > 0).length,
      max_output_width: ind.maxWidth,
      rounding,
    },
  };
  if (ind.failure) all.failure = { position: -1, detail: ind.failure };
  else if (bad >= 0) {
    const w = outs[bad]!;
    const needs = due[w]! > T ? `: it is due after layer ${due[w]} and the model applies ${T}${loops !== undefined ? ` (${loops} loops are too few)` : ''}` : outward ? OUTWARD_HINT : '';
    all.failure = { position: seq.valuePos[w]!, detail: `output ${bad} (${label(w)}) is not established after the last layer (${T}) for every input${needs}` };
  }
  return { ...base, margins: ind.margins, settle: ind.settle, claims: [structure, retrieval, gate, induction, all] };
}

function retrievalClaim(bound: Bound, att: LayerAttention[], outward: boolean, nearest: boolean): ClaimResult {
  const { seq } = bound;
  let failure: ClaimResult['failure'];
  let checked = 0;
  let minTarget = Infinity;
  let maxElsewhere = 0;
  let lead = Infinity;
  for (const a of att) {
    for (const h of a.heads) {
      const want = seq.targets[h.layer]?.[h.index];
      h.target.forEach((t, p) => {
        checked++;
        const w = want?.[p] ?? -1;
        if (t !== w) {
          const got = t >= 0 ? `matches position ${t}` : t === -1 ? 'matches no visible key' : t === -2 ? 'matches several visible keys' : 'holds no code';
          failure ??= { position: p, detail: `head ${h.name} (stored layer ${h.layer}) at position ${p} ${got}; the model's contract says ${w >= 0 ? `position ${w}` : 'none'}` };
          return;
        }
        if (t < 0) return;
        minTarget = Math.min(minTarget, h.alphaLo[p]!);
        maxElsewhere = Math.max(maxElsewhere, h.eta[p]!);
        lead = Math.min(lead, h.alphaLo[p]! - h.eta[p]!);
      });
    }
    if (!outward && !nearest && !a.oneHot) failure ??= { position: -1, detail: `the automaton lemma fails: ${a.lemmas.join('; ')}` };
  }
  if ((outward || nearest) && !(lead > 0)) failure ??= { position: -1, detail: `a head may put as much weight elsewhere as on its target (least lead ${lead})` };
  const r: ClaimResult = {
    claim: 'retrieval lemma',
    holds: !failure,
    evidence: {
      method: nearest ? 'code match, every weight as the CPU reference computes it' : 'code match',
      position_only: true,
      stored_layers: att.length,
      head_positions_checked: checked,
      min_target_weight: minTarget,
      max_weight_elsewhere: maxElsewhere,
      ...(outward || nearest ? {} : { exact_one_hot: att.every((a) => a.oneHot) && !failure, automaton: [...new Set(att.flatMap((a) => a.lemmas.map((x) => x.replace(/^[^:]*: /, ''))))].join('; ') }),
    },
  };
  if (failure) r.failure = failure;
  return r;
}
