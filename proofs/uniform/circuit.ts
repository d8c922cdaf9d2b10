// certify for models of several layers (the uniform model): the four claims for one circuit and
// all 2^n inputs.
//   1 structure    layers, heads and d_model on the construction's formula (structure.ts)
//   2 retrieval    every head at every position attends where the model's contract says: its query
//                  matches exactly one visible key, that key is the stated target; paper formats:
//                  the automaton lemma makes the weights exactly one-hot; f32: least target weight
//   3 gate lemma   the block named `gate` computes every gate type on every pair of bits
//   4 all inputs   at every CoT position, the right token leads for every input (cone.ts)
// Preconditions checked on the way: every head is a match head, and no query or key reads an
// input-dependent coordinate (taint.ts), so one attention pattern serves every input.

import { OP_NAMES, applyOp, opCode, type OpCode } from '../../circuits/index.js';
import { uniformTypeName, type Bound } from '../../model/index.js';
import { certContext } from '../context.js';
import type { ClaimResult } from '../types.js';
import { attentionPass, CertError, type AttentionPass } from './attention.js';
import { ConeEvaluator } from './cone.js';
import { automatonLemma } from './match.js';
import { network, type Network } from './network.js';
import { exactOps, outwardOps, pointBox } from './ops.js';
import { taintOf } from './taint.js';

export interface LayersResult {
  claims: ClaimResult[];
  margins: Float64Array;
  firstPosition: number;
  rounding: string;
}

function failAll(reason: string, first: number, n: number): LayersResult {
  const c = (claim: string): ClaimResult => ({ claim, holds: false, evidence: { reason }, failure: { position: -1, detail: reason } });
  return { claims: [c('retrieval lemma'), c('gate lemma'), c('all inputs')], margins: new Float64Array(n).fill(NaN), firstPosition: first, rounding: 'none' };
}

export interface LayersOptions {
  onProgress?: (done: number, total: number) => void;
}

export function certifyLayers(bound: Bound, arithName: string, opts: LayersOptions = {}): LayersResult {
  const ctx = certContext(bound, arithName);
  const { pm, S, P } = ctx;
  const first = P - 1;
  const n = Math.max(0, S - 1 - first);
  const kind = ctx.arith.kind;
  if (kind === 'f16') return failAll('certify supports f32, f64, fixed:s and float:e,s', first, n);
  const outward = kind === 'f32';
  const ops = outward ? outwardOps() : exactOps(pm.k);
  const net = network(bound, pm, ops);
  if (typeof net === 'string') return failAll(net, first, n);
  const vocab = bound.model.vocab;
  const alts: [number, number][] = [[vocab.indexOf('0'), vocab.indexOf('1')]];
  if (vocab.includes('FALSE') && vocab.includes('TRUE')) alts.push([vocab.indexOf('FALSE'), vocab.indexOf('TRUE')]);
  const taint = taintOf(pm, alts.filter(([a, b]) => a >= 0 && b >= 0));
  if (taint.attentionReads) return failAll(`${taint.attentionReads} reads an input-dependent coordinate in its query or key: its attention would depend on the input`, first, n);
  let att: AttentionPass;
  try {
    att = attentionPass(net);
  } catch (e) {
    if (e instanceof CertError) return failAll(e.message, first, n);
    throw e;
  }
  const retrieval = retrievalClaim(net, att, outward);
  const gate = gateLemma(net);
  // Exact arithmetic evaluates each head as exactly its match's value: sound only where the
  // automaton lemma makes the weights exactly one-hot (the paper's formats; not f64, whose
  // exp(-2λ) is not 0). Without it claim 4 is not established.
  if (!outward && retrieval.evidence.exact_one_hot !== true) {
    const reason = `the attention is not exactly one-hot in ${ctx.arith.name} (${retrieval.failure?.detail ?? 'retrieval lemma'}): the exact evaluation does not apply${kind === 'f64' ? '; certify uniform models in f32 (outward) or fixed:s' : ''}`;
    return { claims: [retrieval, gate, { claim: 'all inputs', holds: false, evidence: { reason }, failure: { position: -1, detail: reason } }], margins: new Float64Array(n).fill(NaN), firstPosition: first, rounding: 'exact' };
  }
  const cone = new ConeEvaluator(net, att, taint);
  const margins = new Float64Array(n).fill(NaN);
  let failure: { position: number; detail: string } | undefined;
  let maxWires = 0;
  for (let p = first; p < S - 1; p++) {
    const r = cone.margin(p, ctx.expectation(p + 1));
    margins[p - first] = r.margin;
    maxWires = Math.max(maxWires, r.wires);
    if (!(r.margin > 0) && !failure) failure = { position: p, detail: `position ${p} (writing position ${p + 1}): ${r.detail}` };
    if (opts.onProgress && (p - first) % 256 === 0) opts.onProgress(p - first, n);
  }
  opts.onProgress?.(n, n);
  const finite = Array.from(margins).filter((x) => Number.isFinite(x));
  const all: ClaimResult = {
    claim: 'all inputs',
    holds: !failure && finite.length === n && finite.every((x) => x > 0),
    evidence: {
      positions: n,
      inputs_covered: `2^${bound.circuit.nInputs}`,
      min_margin: finite.length ? finite.reduce((a, b) => Math.min(a, b)) : null,
      first_position: first,
      rounding: outward ? 'outward' : 'exact',
      enumerated_wires_max: maxWires,
    },
  };
  if (failure) all.failure = failure;
  return { claims: [retrieval, gate, all], margins, firstPosition: first, rounding: outward ? 'outward' : 'exact' };
}

/** Claim 2: the matched targets are the contract's, at every position; the weights they get. */
function retrievalClaim(net: Network, att: AttentionPass, outward: boolean): ClaimResult {
  const { seq } = net.bound;
  const S = seq.seqLen;
  const k = net.pm.k;
  let failure: ClaimResult['failure'];
  let checked = 0;
  let minTarget = Infinity;
  let maxElsewhere = 0;
  const lemmas: string[] = [];
  let lemmaHolds = true;
  const seen = new Set<string>();
  net.layers.forEach((L, l) =>
    L.heads.forEach((hd, h) => {
      const a = att.heads[l]![h]!;
      const want = seq.targets[l]?.[h];
      if (!outward) {
        const key = `${hd.struct.lambda}/${hd.struct.pairs}`;
        if (!seen.has(key)) {
          seen.add(key);
          const r = automatonLemma(k, net.pm.arith, hd.struct.lambda, hd.struct.pairs);
          lemmas.push(r.detail);
          if (!r.holds) {
            lemmaHolds = false;
            failure ??= { position: -1, detail: `head ${hd.struct.name}: ${r.detail}` };
          }
        }
      }
      for (let p = 0; p < S; p++) {
        const t = a.target[p]!;
        const w = want?.[p] ?? -1;
        checked++;
        if (t !== w) {
          const got = t >= 0 ? `matches position ${t}` : t === -1 ? 'matches no visible key' : t === -2 ? 'matches several visible keys' : 'holds no code';
          failure ??= { position: p, detail: `head ${hd.struct.name} (layer ${l}) at position ${p} ${got}; the model's contract says ${w >= 0 ? `position ${w}` : 'none'}` };
          continue;
        }
        if (t >= 0) {
          minTarget = Math.min(minTarget, a.alphaLo[p]!);
          maxElsewhere = Math.max(maxElsewhere, a.eta[p]!);
        }
      }
    }),
  );
  const r: ClaimResult = {
    claim: 'retrieval lemma',
    holds: !failure && lemmaHolds,
    evidence: {
      method: 'code match',
      head_positions_checked: checked,
      min_target_weight: minTarget,
      max_weight_elsewhere: maxElsewhere,
      ...(outward ? {} : { exact_one_hot: lemmaHolds && !failure, automaton: lemmas.join('; ') }),
    },
  };
  if (failure) r.failure = failure;
  return r;
}

/**
 * Claim 3 for a model whose metadata names a feed-forward block `gate`: for every gate type and
 * pair of bits (set in the subspaces the block reads: a value, a value, a truth table), the block
 * writes the gate's value; margin = 1/2 - |written - value| (positive: on the right side of 1/2).
 */
function gateLemma(net: Network): ClaimResult {
  const meta = net.bound.model.meta;
  const block = meta.blocks?.find((b) => b.name === 'gate' && b.kind === 'feed-forward');
  const labels = meta.basis;
  if (!block || block.reads.length !== 3 || block.writes.length !== 1) {
    return { claim: 'gate lemma', holds: false, evidence: { reason: 'the model names no gate block that reads two values and a truth table' }, failure: { position: -1, detail: 'no gate block' } };
  }
  const [a, b, tt] = block.reads as [string, string, string];
  const out = labels.indexOf(block.writes[0]!);
  const at = (name: string, i?: number) => labels.indexOf(i === undefined ? name : `${name}[${i}]`);
  const d = net.d;
  const sources = Array.from({ length: 4 }, (_, u) => copySource(net, at(tt, u)));
  const vocab = net.bound.model.vocab;
  // The table the block receives for a gate type: what the type token's embedding holds where the
  // heads copy the table from (so a wrong token embedding shows here), else the type's own table.
  const tableOf = (op: OpCode): number[] => {
    const tok = vocab.indexOf(uniformTypeName(op)) >= 0 ? vocab.indexOf(uniformTypeName(op)) : vocab.indexOf(OP_NAMES[op]);
    if (tok < 0 || sources.some((c) => c < 0)) return [applyOp(op, 0, 0), applyOp(op, 0, 1), applyOp(op, 1, 0), applyOp(op, 1, 1)];
    return sources.map((c) => net.pm.tok[tok * d + c]!);
  };
  const perOp: Record<string, number> = {};
  let worst = Infinity;
  let failure: ClaimResult['failure'];
  for (const name of OP_NAMES) {
    const op = opCode(name)!;
    let opWorst = Infinity;
    for (let x = 0; x < 2; x++) {
      for (let y = 0; y < 2; y++) {
        const h = new Float64Array(d);
        h[at('one')] = 1;
        h[at(a)] = x;
        h[at(b)] = y;
        tableOf(op).forEach((v, u) => (h[at(tt, u)] = v));
        const r = gateOut(net, block.layer, pointBox(h), out);
        const want = applyOp(op, x, y);
        const m = 0.5 - Math.max(Math.abs(r.lo - want), Math.abs(r.hi - want));
        opWorst = Math.min(opWorst, m);
        if (!(m > 0) && !failure) failure = { position: -1, detail: `${name}(${x}, ${y}): the gate block writes [${r.lo}, ${r.hi}]` };
      }
    }
    perOp[name] = opWorst;
    worst = Math.min(worst, opWorst);
  }
  const res: ClaimResult = { claim: 'gate lemma', holds: !failure, evidence: { block: block.name, layer: block.layer, min_margin: worst, ...perOp } };
  if (failure) res.failure = failure;
  return res;
}

/** The token-embedding coordinate a coordinate is copied from through match heads' value copies, or -1. */
function copySource(net: Network, coord: number): number {
  let c = coord;
  for (let guard = 0; guard < 64; guard++) {
    const head = net.layers.flatMap((L) => L.heads).find((hd) => hd.struct.copies.some(([, to]) => to === c));
    if (!head) return net.pm.tok.some((_, i) => i % net.d === c && net.pm.tok[i] !== 0) ? c : -1;
    c = head.struct.copies.find(([, to]) => to === c)![0];
  }
  return -1;
}

function gateOut(net: Network, l: number, h: ReturnType<typeof pointBox>, out: number): { lo: number; hi: number } {
  const L = net.layers[l]!;
  const z = net.ops.relu(net.ops.matvec(L.w1, h, L.b1));
  const f = net.ops.matvec(L.w2, z, L.b2);
  return { lo: f.lo[out]!, hi: f.hi[out]! };
}
