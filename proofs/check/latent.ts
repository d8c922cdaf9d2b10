// check-cert for a latent model's certificate (looped, looped-cot, deep: no chain of thought, the
// answer is the argmax at each output wire's position after the last applied layer). Written apart
// from proofs/latent/ on purpose: it reads the model (model/) and its stored circuit (circuits/),
// and uses the checker's own rounding (arith.ts), weights and dense softmax (dense.ts).
//
// What it re-derives:
//   - identity: digest, model hash, circuit hash, construction; the prompt and output positions the
//     construction gives the circuit; the layers applied (the loop count is the certificate's: the
//     model's own or a `--loops` override, stated there);
//   - claim 1: stored layers, heads, d_model = 3k + 9 (looped, deep) or 4k + 11 (looped-cot), finite
//     weights;
//   - claim 2: every head of every stored layer reads, in its query and key, no coordinate a token
//     sets or a layer writes (so one attention pattern serves every input and iteration); every
//     attention weight by its own dense softmax; each head's largest weight on the contract's
//     target, exactly one-hot in fixed:s / float:e,s;
//   - claims 4 and 5, in the paper's formats (fixed:s, float:e,s), by its own induction: per
//     position a finite set of residual vectors (points), each tagged with the value of the
//     position's wire when every case fixes it; a layer step enumerates the position's vectors and
//     its heads' targets' vectors, drops cases inconsistent with the circuit, and evaluates the layer
//     exactly as the runtime does. From this it recomputes when each wire's argmax becomes and stays
//     its value (settle), each wire's final margin, the schedule claim and the outputs claim; the
//     certificate's numbers must be the same;
//   - in f32 (outward or nearest) it runs the model itself, layer by layer, on every input when
//     there are at most 2^10 (else a seeded sample within a work budget, all-zero and all-one among
//     them), and confirms that no run contradicts the certificate: from each wire's recorded settle
//     layer on its argmax is right, and no recorded margin exceeds what the runs show.
// Claim 3 (the update block on every gate type) is not re-checked: the induction covers every
// gate the circuit uses. The verdict must be the conjunction of the claims.

import { OP_NAMES, parseCircuitText, type Circuit } from '../../circuits/index.js';
import { Rng } from '../../circuits/gen/prng.js';
import type { Model } from '../../model/index.js';
import { checkArith, type CheckArith } from './arith.js';
import { claimsOf, identityProblems, rel, sha, type CertClaim, type RecheckResult } from './common.js';
import { DenseNet, feedForwardAt, mul, readsOf, type HeadWeights } from './dense.js';
import { GATE } from './margins.js';

const OPERANDS: Record<string, number> = { CONST0: 0, CONST1: 0, NOT: 1, BUF: 1 };
/** Most vectors the checker keeps at one position. */
const MAX_VECTORS = 64;
/** f32: position steps (inputs x applied layers x positions) the runs may take, at most (but 8 inputs always). */
export const LATENT_RUN_BUDGET = 1e6;
const MAX_EXHAUSTIVE = 1024;
const SAMPLE = 256;

class Problem extends Error {}

interface Wiring {
  c: Circuit;
  n: number;
  W: number;
  /** Operand wires of wire w. */
  ins: number[][];
  gate: ((a: number, b: number) => number)[];
  /** When the construction finishes wire w (applied layers). */
  due: number[];
  /** The circuit's depth (a constant gate counts 1). */
  depth: number;
}

function wiring(c: Circuit, cot: boolean): Wiring {
  const n = c.nInputs;
  const W = n + c.ops.length;
  const ins: number[][] = [];
  const gate: ((a: number, b: number) => number)[] = [];
  const depth: number[] = [];
  for (let w = 0; w < W; w++) {
    if (w < n) {
      ins.push([]);
      gate.push(() => 0);
      depth.push(0);
      continue;
    }
    const name = OP_NAMES[c.ops[w - n]!]!;
    const ar = OPERANDS[name] ?? 2;
    const x = [c.a[w - n]!, c.b[w - n]!].slice(0, ar);
    ins.push(x);
    gate.push(GATE[name]!);
    depth.push(1 + Math.max(0, ...x.map((u) => depth[u]!)));
  }
  return { c, n, W, ins, gate, due: cot ? depth.map((_, w) => (w < n ? 0 : w - n + 1)) : depth, depth: depth.reduce((a, b) => Math.max(a, b), 1) };
}

/** The stored layers in the order they are applied, with the certificate's loop count. */
function appliedOrder(m: Model, loops: unknown): number[] {
  const n = m.layers.length;
  const lp = m.meta.loop;
  if (!lp) {
    if (loops !== undefined) throw new Problem(`the certificate states ${String(loops)} loops, but the model has no loop`);
    return Array.from({ length: n }, (_, l) => l);
  }
  if (typeof loops !== 'number' || !Number.isInteger(loops) || loops < 1 || loops > 1_000_000) throw new Problem(`the certificate states no valid loop count (${String(loops)})`);
  const out: number[] = [];
  for (let l = 0; l < lp.start; l++) out.push(l);
  for (let t = 0; t < loops; t++) for (let l = lp.start; l < lp.end; l++) out.push(l);
  for (let l = lp.end; l < n; l++) out.push(l);
  return out;
}

function structureHolds(m: Model, cot: boolean, deep: boolean, depth: number): { holds: boolean; k: number; formula: number } {
  const S = m.meta.mode === 'positional' ? m.meta.seq_len : 0;
  let k = 1;
  while (2 ** k < S + 1) k++;
  const formula = cot ? 4 * k + 11 : 3 * k + 9;
  const weights = [m.tokEmb, m.posEmb, m.unembed, ...m.layers.flatMap((L) => [...L.heads.flatMap((h) => [h.wq, h.wk, h.wv, h.wo]), L.ff.w1, L.ff.b1, L.ff.w2, L.ff.b2])];
  const finite = weights.every((a) => a.every((x) => Number.isFinite(x)));
  const layers = deep ? Math.max(1, depth) : 1;
  const loopOk = deep ? !m.meta.loop : m.meta.loop?.start === 0 && m.meta.loop.end === 1;
  const holds = m.layers.length === layers && m.layers.every((L) => L.heads.length === (cot ? 3 : 2)) && loopOk && m.d === formula && finite;
  return { holds, k, formula };
}

/** Columns that a token sets or a layer writes: a position-only head reads none of them. */
function movingColumns(m: Model): Uint8Array {
  const d = m.d;
  const bad = new Uint8Array(d);
  m.tokEmb.forEach((x, i) => x !== 0 && (bad[i % d] = 1));
  for (const L of m.layers) {
    for (const h of L.heads) h.wo.forEach((x, i) => x !== 0 && (bad[Math.floor(i / h.dv)] = 1));
    L.ff.w2.forEach((x, i) => x !== 0 && (bad[Math.floor(i / L.ff.m)] = 1));
    L.ff.b2.forEach((x, c) => x !== 0 && (bad[c] = 1));
  }
  return bad;
}

interface Attn {
  /** weights[l][h]: dense softmax per stored layer. */
  weights: HeadWeights[][];
  holds: boolean;
  oneHot: boolean;
  minTarget: number;
  maxElsewhere: number;
  failure?: string;
}

function attention(m: Model, net: DenseNet, tokens: Int32Array, exact: boolean): Attn {
  const meta = m.meta;
  const d = m.d;
  const S = tokens.length;
  const moving = movingColumns(m);
  const h = net.embed(tokens);
  const r: Attn = { weights: [], holds: true, oneHot: true, minTarget: Infinity, maxElsewhere: 0 };
  const seen: { wq: Float32Array; wk: Float32Array; W: HeadWeights }[] = [];
  const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((x, i) => x === b[i]);
  net.layers.forEach((L, l) => {
    const row: HeadWeights[] = [];
    L.heads.forEach((hd, hi) => {
      const raw = m.layers[l]!.heads[hi]!;
      for (let t = 0; t < hd.dk; t++) {
        if ([...readsOf(hd.wq, t), ...readsOf(hd.wk, t)].some((c) => moving[c])) {
          r.holds = false;
          r.failure ??= `head ${hd.name} (layer ${l}) reads, in its query or key, a coordinate that a token sets or a layer writes`;
        }
      }
      let W = seen.find((x) => same(x.wq, raw.wq) && same(x.wk, raw.wk))?.W;
      if (!W) {
        const Q = new Float64Array(S * hd.dk);
        const K = new Float64Array(S * hd.dk);
        for (let p = 0; p < S; p++) {
          mul(net.R, hd.wq, h, p * d, Q, p * hd.dk);
          mul(net.R, hd.wk, h, p * d, K, p * hd.dk);
        }
        W = net.softmax(Q, K, hd.dk, S);
        seen.push({ wq: raw.wq, wk: raw.wk, W });
      }
      row.push(W);
      const rule = meta.head_targets[l]?.[hi];
      if (!rule || rule.rule !== 'positions') {
        r.holds = false;
        r.failure ??= `head ${hd.name} (layer ${l}) states no target positions`;
        return;
      }
      W.at.forEach(({ j, w }, p) => {
        const t = rule.positions[p] ?? -1;
        let best = -1;
        let bw = -Infinity;
        let wt = 0;
        let rest = 0;
        for (let x = 0; x < j.length; x++) {
          if (w[x]! > bw) [bw, best] = [w[x]!, j[x]!];
          if (j[x] === t) wt = w[x]!;
          else rest += w[x]!;
        }
        if (best !== t || !(wt > rest)) {
          r.holds = false;
          r.failure ??= `head ${hd.name} (layer ${l}) at position ${p} attends most to ${best >= 0 ? `position ${best}` : 'nothing'}; the contract says position ${t}`;
        }
        if (!(j.length === 1 && wt === 1)) r.oneHot = false;
        r.minTarget = Math.min(r.minTarget, wt);
        r.maxElsewhere = Math.max(r.maxElsewhere, rest);
      });
    });
    r.weights.push(row);
  });
  if (exact && !r.oneHot) {
    r.holds = false;
    r.failure ??= 'the attention is not exactly one-hot';
  }
  return r;
}

interface Vec {
  /** The wire's value in every case that produced this vector, or -1. */
  bit: number;
  h: Float64Array;
}

interface Induction {
  settle: (number | null)[];
  margins: (number | null)[];
}

/** The runtime's layer at one position, given its residual and each head's attended residual (one-hot). */
function layerAt(net: DenseNet, l: number, h: Float64Array, attended: Float64Array[]): Float64Array {
  const { d, R } = net;
  const L = net.layers[l]!;
  const acc = new Float64Array(d);
  const o = new Float64Array(d);
  L.heads.forEach((hd, i) => {
    const a = new Float64Array(hd.dv);
    mul(R, hd.wv, attended[i]!, 0, a, 0);
    for (let e = 0; e < hd.dv; e++) a[e] = R(0 + R(1 * a[e]!));
    mul(R, hd.wo, a, 0, o, 0);
    for (let c = 0; c < d; c++) acc[c] = R(acc[c]! + o[c]!);
  });
  const out = new Float64Array(d);
  for (let c = 0; c < d; c++) out[c] = R(h[c]! + acc[c]!);
  feedForwardAt(R, L, out, 0, new Float64Array(L.m), new Float64Array(d));
  return out;
}

/** Lead of token `want` over every other at a residual vector. */
function lead(net: DenseNet, h: Float64Array, want: number): number {
  const lg = new Float64Array(net.V);
  mul(net.R, net.unembed, h, 0, lg, 0);
  let rival = -Infinity;
  for (let v = 0; v < net.V; v++) if (v !== want) rival = Math.max(rival, lg[v]!);
  return lg[want]! - rival;
}

/** The exact formats' induction (see the header): every state a finite set of points. */
function inductionExact(net: DenseNet, wr: Wiring, tokens: Int32Array, applied: number[], att: Attn, tok: [number, number]): Induction {
  const { d } = net;
  const S = tokens.length;
  const h0 = net.embed(tokens);
  const wireAt = (p: number) => (p >= 1 && p <= wr.W ? p - 1 : -1);
  let state: { wire: number; v: Vec[] }[] = Array.from({ length: S }, (_, p) => {
    const w = wireAt(p);
    if (w >= 0 && w < wr.n) {
      const t0 = Int32Array.from(tokens);
      t0[p] = tok[0];
      const a = net.embed(t0).slice(p * d, (p + 1) * d);
      t0[p] = tok[1];
      const b = net.embed(t0).slice(p * d, (p + 1) * d);
      return { wire: w, v: [{ bit: 0, h: a }, { bit: 1, h: b }] };
    }
    return { wire: -1, v: [{ bit: -1, h: h0.slice(p * d, (p + 1) * d) }] };
  });
  const margin = (p: number): number | null => {
    const w = wireAt(p);
    const st = state[p]!;
    if (w < 0 || st.wire !== w) return null;
    return st.v.reduce((m, x) => Math.min(m, lead(net, x.h, tok[x.bit as 0 | 1])), Infinity);
  };
  const lastBad = new Array<number>(wr.W).fill(-1);
  let margins = Array.from({ length: wr.W }, (_, w) => margin(1 + w));
  margins.forEach((m, w) => !(m !== null && m > 0) && (lastBad[w] = 0));
  let changed = new Uint8Array(S).fill(1);
  const eq = (a: Float64Array, b: Float64Array) => a.every((x, i) => x === b[i]);
  const sameState = (a: { wire: number; v: Vec[] }, b: { wire: number; v: Vec[] }) => a.wire === b.wire && a.v.length === b.v.length && a.v.every((x, i) => x.bit === b.v[i]!.bit && eq(x.h, b.v[i]!.h));
  applied.forEach((l, ti) => {
    const t = ti + 1;
    const targets = att.weights[l]!.map((W) => (p: number) => W.at[p]!.j[0] ?? -1);
    const again = ti > 0 && applied[ti - 1] === l;
    const next = state.map((st, p) => {
      const tg = targets.map((f) => f(p));
      if (again && !changed[p] && tg.every((j) => j < 0 || !changed[j])) return st;
      const w = wireAt(p);
      const pos = [...new Set([p, ...tg.filter((j) => j >= 0)])];
      const out: Vec[] = [];
      let allFixed = true;
      const count = pos.reduce((a, j) => a * state[j]!.v.length, 1);
      for (let m = 0; m < count; m++) {
        let r = m;
        const pick = new Map<number, Vec>();
        for (const j of pos) {
          const vs = state[j]!.v;
          pick.set(j, vs[r % vs.length]!);
          r = Math.floor(r / vs.length);
        }
        const known = new Map<number, number>();
        for (const j of pos) if (state[j]!.wire >= 0 && pick.get(j)!.bit >= 0) known.set(state[j]!.wire, pick.get(j)!.bit);
        const valueOf = (u: number): number | undefined => known.get(u) ?? (u >= wr.n && wr.ins[u]!.every((x) => known.has(x)) ? wr.gate[u]!(known.get(wr.ins[u]![0]!) ?? 0, known.get(wr.ins[u]![1]!) ?? 0) : undefined);
        if ([...known].some(([u, b]) => u >= wr.n && wr.ins[u]!.every((x) => known.has(x)) && wr.gate[u]!(known.get(wr.ins[u]![0]!) ?? 0, known.get(wr.ins[u]![1]!) ?? 0) !== b)) continue;
        const h = layerAt(net, l, pick.get(p)!.h, tg.map((j) => (j >= 0 ? pick.get(j)!.h : new Float64Array(d))));
        const v = w >= 0 ? valueOf(w) : undefined;
        if (v === undefined) allFixed = false;
        out.push({ bit: v ?? -1, h });
      }
      const v: Vec[] = [];
      for (const x of out) {
        const bit = allFixed ? x.bit : -1;
        if (!v.some((y) => y.bit === bit && eq(y.h, x.h))) v.push({ bit, h: x.h });
      }
      if (v.length === 0) throw new Problem(`layer ${t}, position ${p}: no case is consistent with the circuit`);
      if (v.length > MAX_VECTORS) throw new Problem(`layer ${t}, position ${p}: more than ${MAX_VECTORS} residual vectors; the checker gives up`);
      v.sort((a, b) => a.bit - b.bit);
      return { wire: allFixed ? w : -1, v };
    });
    changed = Uint8Array.from(next, (st, p) => (sameState(st, state[p]!) ? 0 : 1));
    state = next;
    margins = margins.map((m, w) => (changed[1 + w] ? margin(1 + w) : m));
    margins.forEach((m, w) => !(m !== null && m > 0) && (lastBad[w] = t));
  });
  return { margins, settle: margins.map((m, w) => (m !== null && m > 0 ? lastBad[w]! + 1 : null)) };
}

/** f32: the model run on inputs; per wire, the last layer at which some run's argmax is wrong, and the least final lead. */
function runs(net: DenseNet, wr: Wiring, tokensOf: (bits: Uint8Array) => Int32Array, applied: number[], att: Attn, inputs: Uint8Array[], tok: [number, number]): { lastWrong: number[]; least: number[]; witness: string[] } {
  const { d, R } = net;
  const lastWrong = new Array<number>(wr.W).fill(-1);
  const least = new Array<number>(wr.W).fill(Infinity);
  const witness = new Array<string>(wr.W).fill('');
  const S = 1 + wr.W;
  const acc = new Float64Array(S * d);
  const o = new Float64Array(d);
  const f = new Float64Array(d);
  const z = new Float64Array(Math.max(1, ...net.layers.map((L) => L.m)));
  const dv = Math.max(1, ...net.layers.flatMap((L) => L.heads.map((h) => h.dv)));
  const V = new Float64Array(S * dv);
  const a = new Float64Array(dv);
  const lg = new Float64Array(net.V);
  const val = new Uint8Array(wr.W);
  for (const bits of inputs) {
    for (let w = 0; w < wr.W; w++) val[w] = w < wr.n ? bits[w]! : wr.gate[w]!(val[wr.ins[w]![0]!] ?? 0, val[wr.ins[w]![1]!] ?? 0);
    const h = net.embed(tokensOf(bits));
    const look = (t: number) => {
      for (let w = 0; w < wr.W; w++) {
        mul(R, net.unembed, h, (1 + w) * d, lg, 0);
        const want = tok[val[w]! as 0 | 1];
        let rival = -Infinity;
        for (let v = 0; v < net.V; v++) if (v !== want && lg[v]! > rival) rival = lg[v]!;
        const x = lg[want]! - rival;
        if (!(x > 0) && t > lastWrong[w]!) {
          lastWrong[w] = t;
          witness[w] = Array.from(bits).join('');
        }
        if (t === applied.length && x < least[w]!) least[w] = x;
      }
    };
    look(0);
    applied.forEach((l, ti) => {
      const L = net.layers[l]!;
      acc.fill(0);
      L.heads.forEach((hd, hi) => {
        for (let p = 0; p < S; p++) mul(R, hd.wv, h, p * d, V, p * hd.dv);
        for (let p = 0; p < S; p++) {
          const { j, w } = att.weights[l]![hi]!.at[p]!;
          for (let e = 0; e < hd.dv; e++) {
            let sum = 0;
            for (let x = 0; x < j.length; x++) sum = R(sum + R(w[x]! * V[j[x]! * hd.dv + e]!));
            a[e] = sum;
          }
          mul(R, hd.wo, a, 0, o, 0);
          for (let c = 0; c < d; c++) acc[p * d + c] = R(acc[p * d + c]! + o[c]!);
        }
      });
      for (let x = 0; x < S * d; x++) h[x] = R(h[x]! + acc[x]!);
      for (let p = 0; p < S; p++) feedForwardAt(R, L, h, p * d, z.subarray(0, L.m), f);
      look(ti + 1);
    });
  }
  return { lastWrong, least, witness };
}

/** Every input when there are at most MAX_EXHAUSTIVE and the runs fit in 4 budgets, else a seeded sample of `most`. */
function inputsOf(n: number, perInput: number): { inputs: Uint8Array[]; exhaustive: boolean } {
  const most = Math.min(SAMPLE, Math.max(8, Math.floor(LATENT_RUN_BUDGET / perInput)));
  if (2 ** n <= MAX_EXHAUSTIVE && 2 ** n * perInput <= 4 * LATENT_RUN_BUDGET) return { inputs: Array.from({ length: 2 ** n }, (_, x) => Uint8Array.from({ length: n }, (_, k) => (x >> k) & 1)), exhaustive: true };
  const rng = new Rng(20240607n);
  const inputs = [new Uint8Array(n), new Uint8Array(n).fill(1)];
  while (inputs.length < most) inputs.push(Uint8Array.from({ length: n }, () => rng.nextU32() & 1));
  return { inputs, exhaustive: false };
}

const numOrNull = (x: unknown): number | null => (typeof x === 'number' ? x : null);

/** Re-checks a latent model's certificate (see the header). */
export function recheckLatent(cert: Record<string, unknown>, m: Model): RecheckResult {
  const fail = (p: string[]): RecheckResult => ({ ok: false, problems: p, positions: 0, minMargin: null });
  const meta = m.meta;
  if (meta.mode !== 'positional' || meta.readout !== 'argmax') return fail(['this check is for latent (looped, looped-cot, deep) models']);
  const problems = identityProblems(cert, m);
  if (cert.circuit_hash !== meta.circuit_hash || sha(meta.circuit) !== meta.circuit_hash) problems.push("the circuit hash does not match the model's circuit");
  const kind = meta.construction ?? 'looped';
  if (!['looped', 'looped-cot', 'deep'].includes(kind)) problems.push(`the model's construction '${kind}' is not a latent one`);
  if (cert.construction !== kind) problems.push(`the certificate is for a ${String(cert.construction)} model, this one is ${kind}`);
  const arithName = String(cert.arith);
  let arith: CheckArith | undefined;
  try {
    if (arithName === 'f16' || arithName === 'f64') throw new Error();
    arith = checkArith(arithName);
  } catch {
    problems.push(`the checker does not re-check latent certificates in '${arithName}'`);
  }
  if (problems.length > 0 || !arith) return fail(problems);
  const cot = kind === 'looped-cot';
  try {
    const c = parseCircuitText(meta.circuit, { format: 'gc', name: meta.circuit_name });
    const wr = wiring(c, cot);
    const vocab = m.vocab;
    const tok: [number, number] = [vocab.indexOf('0'), vocab.indexOf('1')];
    const bos = vocab.indexOf('<bos>');
    const q = vocab.indexOf('?');
    if (tok.some((x) => x < 0) || bos < 0 || q < 0) throw new Problem("the model's vocabulary lacks '0', '1', '?' or '<bos>'");
    const S = 1 + wr.W;
    const want = [bos, ...Array.from({ length: wr.n }, (_, k) => `x${k}`), ...c.ops.map(() => q)];
    if (meta.seq_len !== S || meta.prompt.length !== S || meta.prompt.some((e, p) => e !== want[p])) throw new Problem('the prompt is not <bos>, the inputs, then one "?" per gate');
    const outs = c.outputs.flatMap((o) => Array.from(o.wires));
    if (meta.outputs.length !== outs.length || outs.some((w, k) => meta.outputs[k] !== 1 + w)) throw new Problem("the model does not read each output at its wire's position");
    const applied = appliedOrder(m, cert.loops);
    if (cert.applied_layers !== applied.length) problems.push(`the certificate says ${String(cert.applied_layers)} applied layers, the model with its loop count applies ${applied.length}`);
    if (cert.seq_len !== S || cert.first_position !== 1) problems.push(`the certificate's sequence (S ${String(cert.seq_len)}, first position ${String(cert.first_position)}) is not the model's (S ${S}, wire positions from 1)`);
    const claims = claimsOf(cert);
    const byName = (name: string): CertClaim | undefined => claims.find((x) => x.claim === name);
    const st = structureHolds(m, cot, kind === 'deep', wr.depth);
    const sc = byName('structure');
    if (!sc) problems.push('the certificate has no structure claim');
    else if (sc.holds !== st.holds || sc.evidence.d_model !== m.d || sc.evidence.d_formula !== st.formula || sc.evidence.k !== st.k) problems.push(`the structure claim (holds ${sc.holds}, d_model ${String(sc.evidence.d_model)}, formula ${String(sc.evidence.d_formula)}, k ${String(sc.evidence.k)}) is not what the weights show (holds ${st.holds}, ${m.d}, ${st.formula}, ${st.k})`);
    const exact = arithName.startsWith('fixed:') || arithName.startsWith('float:');
    const net = new DenseNet(m, arith);
    const tokensOf = (bits: Uint8Array) => Int32Array.from([bos, ...Array.from(bits, (b) => tok[b as 0 | 1]), ...c.ops.map(() => q)]);
    const zero = tokensOf(new Uint8Array(wr.n));
    const att = attention(m, net, zero, exact);
    const rc = byName('retrieval lemma');
    const recorded = byName('all inputs');
    const ic = byName('induction');
    if (!rc) problems.push('the certificate has no retrieval claim');
    else {
      if (rc.holds && !att.holds) problems.push(`the retrieval claim holds in the certificate, but the re-check finds: ${att.failure}`);
      const tw = rc.evidence.min_target_weight;
      const we = rc.evidence.max_weight_elsewhere;
      if (rc.holds && att.holds && (typeof tw !== 'number' || tw > att.minTarget + rel(att.minTarget) || typeof we !== 'number' || we < att.maxElsewhere - rel(att.maxElsewhere))) {
        problems.push(`the certificate records target weight >= ${String(tw)} and <= ${String(we)} elsewhere; the re-check finds ${att.minTarget} and ${att.maxElsewhere}`);
      }
    }
    const settle = Array.isArray(cert.settle) ? cert.settle.map(numOrNull) : undefined;
    const margins = Array.isArray(cert.margins) ? cert.margins.map(numOrNull) : undefined;
    if (!settle || settle.length !== wr.W || !margins || margins.length !== wr.W) throw new Problem(`the certificate records no settle layer and margin per wire (${wr.W} wires)`);
    if (!ic || !recorded) throw new Problem('the certificate has no induction or all-inputs claim');
    const T = applied.length;
    // what the certificate's own numbers say, and whether its claims say the same
    const onTime = wr.due.every((t, w) => t > T || (settle[w] !== null && settle[w]! <= t));
    const outsRight = outs.length > 0 && outs.every((w) => margins[w] !== null && margins[w]! > 0);
    settle.forEach((s, w) => {
      if ((s === null) !== (margins[w] === null || !(margins[w]! > 0))) problems.push(`wire ${w}: settle ${s} and final margin ${margins[w]} disagree`);
      if (s !== null && !(Number.isInteger(s) && s >= 0 && s <= T)) problems.push(`wire ${w}: settle layer ${s} is after the last applied layer ${T}`);
    });
    let how: string;
    let least = Infinity;
    if (exact) {
      if (!att.oneHot) {
        if (ic.holds || recorded.holds) problems.push('the induction is claimed, but the attention is not exactly one-hot: the exact evaluation does not apply');
        how = 'not re-run (attention not one-hot)';
      } else {
        const mine = inductionExact(net, wr, zero, applied, att, tok);
        const w = mine.settle.findIndex((s, x) => s !== settle[x]);
        if (w >= 0) problems.push(`wire ${w}: the certificate says its value is established from layer ${settle[w]}, the re-check finds ${mine.settle[w]}`);
        const k = mine.margins.findIndex((x, y) => (x === null) !== (margins[y] === null) || (x !== null && Math.abs(x - margins[y]!) > rel(x)));
        if (k >= 0) problems.push(`wire ${k}: the certificate records final margin ${margins[k]}, the re-check finds ${mine.margins[k]}`);
        for (const o of outs) least = Math.min(least, mine.margins[o] ?? -Infinity);
        how = `its own exact induction over ${T} applied layers and ${S} positions (every input at once)`;
      }
    } else {
      const { inputs, exhaustive } = inputsOf(wr.n, Math.max(1, (T + 1) * S));
      const r = runs(net, wr, tokensOf, applied, att, inputs, tok);
      const w = settle.findIndex((s, x) => s !== null && r.lastWrong[x]! >= s);
      if (w >= 0) problems.push(`wire ${w}: the certificate says its value is established from layer ${settle[w]}, but on input ${r.witness[w]} its argmax is wrong after layer ${r.lastWrong[w]}`);
      const k = margins.findIndex((x, y) => x !== null && x > r.least[y]! + rel(r.least[y]!));
      if (k >= 0) problems.push(`wire ${k}: the certificate records final margin ${margins[k]}, but a run shows ${r.least[k]}`);
      if (recorded.holds && outs.some((o) => !(r.least[o]! > 0))) problems.push('the all-inputs claim holds, but a run gets an output wrong');
      for (const o of outs) least = Math.min(least, r.least[o]!);
      const kindOf = recorded.evidence.rounding === 'nearest' ? "the CPU reference's round-to-nearest order" : 'outward rounding, every binary32 evaluation order';
      how = `${exhaustive ? `runs of the model on all 2^${wr.n} inputs` : `SAMPLED: runs on ${inputs.length} of the 2^${wr.n} inputs (seeded; a work budget)`}, round to nearest, which confirm the certificate (${kindOf}) as not contradicted: its settle layers hold on every run and its margins lie at or below the runs'`;
    }
    if (ic.holds !== onTime) problems.push(`the induction claim says ${ic.holds}, but its settle layers ${onTime ? 'meet' : 'miss'} the construction's schedule`);
    if (recorded.holds !== outsRight) problems.push(`the all-inputs claim says ${recorded.holds}, but ${outsRight ? 'every' : 'not every'} output's recorded margin is positive`);
    const allHold = claims.length > 0 && claims.every((x) => x.holds === true);
    if (cert.verdict !== allHold) problems.push(`the verdict ${String(cert.verdict)} does not follow from the claims`);
    const loops = meta.loop ? `, ${String(cert.loops)} loops${cert.loops !== meta.loop.count ? ` (the model's own: ${meta.loop.count})` : ''}` : '';
    const summary =
      `${kind} model of ${c.name} (${wr.W} wires${loops}, ${T} applied layers), ${arithName}, re-checked independently: claim 1 (structure); ` +
      `claim 2 (position-only heads, every attention weight by a dense softmax, each head on its contract target${exact ? ', exactly one-hot' : ''}); claim 3 not re-checked (the induction covers every gate this circuit uses); ` +
      `claims 4 and 5 by ${how}; least output margin ${least}; the certificate's verdict: ${cert.verdict ? 'CERTIFIED' : 'NOT CERTIFIED'}`;
    return { ok: problems.length === 0, problems, positions: wr.W, minMargin: Number.isFinite(least) ? least : null, summary };
  } catch (e) {
    if (e instanceof Problem) return fail([...problems, e.message]);
    throw e;
  }
}
