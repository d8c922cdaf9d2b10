// check-cert for a certificate of a uniform model on one circuit (certify MODEL --circuit FILE).
// Independent of certify: it builds the sequence itself from the circuit (docs/model-format.md:
// prompt `<bos>` then `TYPE in1 in2 #k` per wire, CoT `#k v(in1) v(in2) v(k)` per wire), evaluates
// the circuit with its own gate table, and runs its own dense forward pass (dense.ts) on the
// teacher-forced reference sequence of every input (exhaustive up to MAX_EXHAUSTIVE_INPUTS inputs,
// else a seeded sample of SAMPLE_INPUTS, which the result says). At each CoT position the least
// lead of the right token over every other, over the inputs run, is the re-checked margin.
//
// It accepts the certificate only when (1) its digest, model hash, capacity and circuit hash
// (sha256 of the circuit's .gc text) match; (2) the structure claim is what the weights show;
// (3) the retrieval claim does not hold where the re-check finds a head whose largest weight is
// not on the model's contract target (model/contract.ts evaluateRule), or, in the paper's
// arithmetic, weights that are not exactly one-hot, and its recorded weights agree (exact modes:
// equal; f32, whose certificate bounds every evaluation order: no better than the re-check's);
// (4) every recorded margin is at most the re-checked one, and equal to it when the re-check is
// exact and exhaustive (paper arithmetic, f64); an f32 certificate's margins are outward (they
// enclose every binary32 evaluation order) and may lie far below the round-to-nearest ones where
// a head has no match (its output is then bounded by the hull of every visible value), so for f32
// the checker confirms the upper bound only; the all-inputs claim holds exactly when every margin
// is positive; (5) the verdict is the conjunction of the claims. Claim 3 (the gate block on every
// gate type) is not re-checked: the margins cover every gate the circuit uses.

import { OP_NAMES, writeCircuit, type Circuit } from '../../circuits/index.js';
import { Rng } from '../../circuits/gen/prng.js';
import { evaluateRule, type Model, type UniformMeta } from '../../model/index.js';
import { checkArith, type CheckArith } from './arith.js';
import { claimsOf, identityProblems, rel, sha, uniformStructureProblems, type CertClaim, type RecheckResult } from './common.js';
import { DenseNet, type HeadWeights, type Pass } from './dense.js';
import { GATE } from './margins.js';

/** Circuits with at most this many inputs (2^n) are re-checked on every input. */
export const MAX_EXHAUSTIVE_INPUTS = 1024;
/** Inputs re-checked otherwise (seeded, all-zero and all-one among them). */
export const SAMPLE_INPUTS = 256;

const TYPE_TOKEN: Record<string, string> = { CONST0: 'FALSE', CONST1: 'TRUE' };
const OPERANDS: Record<string, number> = { CONST0: 0, CONST1: 0, NOT: 1, BUF: 1 };

class Problem extends Error {}

/** The circuit's wire values, the checker's own evaluation. */
function wireValues(c: Circuit, bits: ArrayLike<number>): Uint8Array {
  const n = c.nInputs;
  const v = new Uint8Array(n + c.ops.length);
  for (let k = 0; k < n; k++) v[k] = bits[k]! & 1;
  c.ops.forEach((op, g) => {
    const name = OP_NAMES[op]!;
    const ar = OPERANDS[name] ?? 2;
    v[n + g] = GATE[name]!(ar >= 1 ? v[c.a[g]!]! : 0, ar >= 2 ? v[c.b[g]!]! : 0);
  });
  return v;
}

/** The teacher-forced token sequence of one input: prompt, then the right chain of thought. */
export function sequenceOf(c: Circuit, vocab: string[], bits: ArrayLike<number>): Int32Array {
  const tok = (s: string): number => {
    const i = vocab.indexOf(s);
    if (i < 0) throw new Problem(`the model's vocabulary lacks the token ${s}`);
    return i;
  };
  const v = wireValues(c, bits);
  const W = v.length;
  const NA = tok('NA');
  const val = (w: number) => tok(v[w] ? '1' : '0');
  const prompt = [tok('<bos>')];
  const cot: number[] = [];
  for (let w = 0; w < W; w++) {
    const id = tok(`#${w + 1}`);
    if (w < c.nInputs) {
      prompt.push(tok(v[w] ? 'TRUE' : 'FALSE'), NA, NA, id);
      cot.push(id, NA, NA, val(w));
      continue;
    }
    const g = w - c.nInputs;
    const name = OP_NAMES[c.ops[g]!]!;
    const ar = OPERANDS[name] ?? 2;
    const a = c.a[g]!;
    const b = c.b[g]!;
    prompt.push(tok(TYPE_TOKEN[name] ?? name), ar >= 1 ? tok(`#${a + 1}`) : NA, ar >= 2 ? tok(`#${b + 1}`) : NA, id);
    cot.push(id, ar >= 1 ? val(a) : NA, ar >= 2 ? val(b) : NA, val(w));
  }
  return Int32Array.from([...prompt, ...cot]);
}

/** The inputs re-checked: all 2^n when there are at most `most`, else a seeded sample of `sample`
 * (the all-zero and all-one inputs among them). */
function inputsOf(n: number, most: number, sample: number): { inputs: Uint8Array[]; exhaustive: boolean } {
  if (2 ** n <= most) return { inputs: Array.from({ length: 2 ** n }, (_, x) => Uint8Array.from({ length: n }, (_, k) => (x >> k) & 1)), exhaustive: true };
  const rng = new Rng(20240607n);
  const inputs = [new Uint8Array(n), new Uint8Array(n).fill(1)];
  while (inputs.length < sample) inputs.push(Uint8Array.from({ length: n }, () => rng.nextU32() & 1));
  return { inputs, exhaustive: false };
}

export interface UniformRecheckOptions {
  /** Largest number of inputs re-checked exhaustively (default MAX_EXHAUSTIVE_INPUTS). */
  maxExhaustive?: number;
  /** Inputs in the sample otherwise (default SAMPLE_INPUTS, fewer where WORK_BUDGET runs out). */
  sample?: number;
}

/** Multiply-adds the checker spends on the inputs after the first, at most (but MIN_INPUTS inputs
 * always): it bounds the number of inputs run through a long sequence. */
export const WORK_BUDGET = 4e9;
const MIN_INPUTS = 8;

const mergeAttention = (x: Attention, y: Attention): Attention => ({
  holds: x.holds && y.holds,
  ...(x.failure ?? y.failure ? { failure: (x.failure ?? y.failure)! } : {}),
  minTarget: Math.min(x.minTarget, y.minTarget),
  maxElsewhere: Math.max(x.maxElsewhere, y.maxElsewhere),
  oneHot: x.oneHot && y.oneHot,
});

interface Attention {
  holds: boolean;
  failure?: string;
  minTarget: number;
  maxElsewhere: number;
  oneHot: boolean;
}

/** Claim 2 from the dense weights of one pass: each head's largest weight on its contract target. */
function attentionOf(m: Model, tokens: Int32Array, weights: HeadWeights[][], exact: boolean): Attention {
  const r: Attention = { holds: true, minTarget: Infinity, maxElsewhere: 0, oneHot: true };
  const meta = m.meta as UniformMeta;
  weights.forEach((lw, l) =>
    lw.forEach((W, hi) => {
      const name = m.layers[l]!.heads[hi]!.name;
      const rule = meta.head_targets[l]?.[hi];
      if (!rule) {
        r.holds = false;
        r.failure ??= `head ${name} (layer ${l}) has no target rule in the model's contract`;
        return;
      }
      const target = evaluateRule(rule, tokens, meta);
      W.at.forEach(({ j, w }, p) => {
        const t = target[p]!;
        let best = -1;
        let bw = -Infinity;
        let wt = 0;
        let rest = 0;
        for (let x = 0; x < j.length; x++) {
          if (w[x]! > bw) {
            bw = w[x]!;
            best = j[x]!;
          }
          if (j[x] === t) wt = w[x]!;
          else rest += w[x]!;
        }
        if (t < 0) {
          if (exact && j.length > 0) {
            r.oneHot = false;
            r.holds = false;
            r.failure ??= `head ${name} (layer ${l}) at position ${p} puts weight ${bw} on position ${best}; the contract names no target`;
          }
          return;
        }
        if (best !== t || !(wt > rest)) {
          r.holds = false;
          r.failure ??= `head ${name} (layer ${l}) at position ${p} attends most to ${best >= 0 ? `position ${best} (${bw})` : 'nothing'}; the contract says position ${t} (${wt})`;
        }
        if (wt !== 1 || j.length !== 1) r.oneHot = false;
        r.minTarget = Math.min(r.minTarget, wt);
        r.maxElsewhere = Math.max(r.maxElsewhere, rest);
      });
    }),
  );
  if (exact && !r.oneHot) r.holds = false;
  return r;
}

/**
 * Claim 3, the checker's own way: every gate type on every pair of operand bits, as a circuit of
 * one gate over its operands, run through the dense forward pass: every CoT token must lead.
 * Returns the first wrong case, or undefined.
 */
function gateTypes(net: DenseNet, capacity: number): string | undefined {
  for (const [op, name] of OP_NAMES.entries()) {
    const ar = OPERANDS[name] ?? 2;
    if (ar + 1 > capacity) continue;
    const c: Circuit = {
      name,
      inputs: ar > 0 ? [{ name: 'x', width: ar }] : [],
      outputs: [{ name: 'y', wires: [ar] }],
      nInputs: ar,
      ops: Uint8Array.of(op),
      a: Int32Array.of(ar >= 1 ? 0 : -1),
      b: Int32Array.of(ar >= 2 ? 1 : -1),
    };
    for (let x = 0; x < 2 ** ar; x++) {
      const tokens = sequenceOf(c, net.model.vocab, [x & 1, (x >> 1) & 1]);
      const pass = net.run(tokens);
      for (let p = 4 * (ar + 1); p < tokens.length - 1; p++) {
        const logits = net.logits(pass, p);
        const want = tokens[p + 1]!;
        if (logits.some((v, t) => t !== want && !(logits[want]! > v))) return `${TYPE_TOKEN[name] ?? name} on operand bits ${[x & 1, (x >> 1) & 1].slice(0, ar).join(', ') || 'none'}: position ${p} does not write '${net.model.vocab[want]}'`;
      }
    }
  }
  return undefined;
}

function retrievalProblems(a: Attention, claim: CertClaim | undefined, exact: boolean): string[] {
  if (!claim) return ['the certificate has no retrieval claim'];
  const out: string[] = [];
  if (claim.holds && !a.holds) out.push(`the retrieval claim holds in the certificate, but the re-check finds: ${a.failure ?? 'attention that is not exactly one-hot'}`);
  const ev = claim.evidence ?? {};
  const tw = ev.min_target_weight;
  const we = ev.max_weight_elsewhere;
  if (claim.holds && a.holds) {
    if (typeof tw !== 'number' || tw > a.minTarget + rel(a.minTarget) || (exact && tw < a.minTarget - rel(a.minTarget))) out.push(`the certificate records a least target weight of ${String(tw)}, the re-check ${a.minTarget}`);
    if (typeof we !== 'number' || we < a.maxElsewhere - rel(a.maxElsewhere) || (exact && we > a.maxElsewhere + rel(a.maxElsewhere))) out.push(`the certificate records at most ${String(we)} of weight elsewhere, the re-check ${a.maxElsewhere}`);
  }
  if (exact && typeof ev.exact_one_hot === 'boolean' && ev.exact_one_hot && !a.oneHot) out.push('the certificate says the attention is exactly one-hot; the re-check finds it is not');
  return out;
}

function marginProblems(mine: Float64Array, first: number, cert: Record<string, unknown>, claim: CertClaim | undefined, exactEqual: boolean): string[] {
  const recorded = cert.margins;
  if (cert.first_position !== first || !Array.isArray(recorded) || recorded.length !== mine.length) {
    return [`the certificate covers ${Array.isArray(recorded) ? recorded.length : 0} positions from ${String(cert.first_position)}, the circuit's sequence has ${mine.length} from ${first}`];
  }
  if (!claim) return ['the certificate has no all-inputs claim'];
  for (let k = 0; k < mine.length; k++) {
    const x = recorded[k] as unknown;
    const m = mine[k]!;
    const at = `position ${first + k}`;
    if (x === null) {
      if (claim.holds) return [`${at}: the certificate records no margin, yet its all-inputs claim holds`];
      continue;
    }
    if (typeof x !== 'number') return [`${at}: the certificate records no margin`];
    if (!(x <= m + rel(m))) return [`${at}: the certificate records margin ${x}, but the re-check finds ${m}`];
    if (exactEqual && x < m - rel(m)) return [`${at}: the certificate records margin ${x}, the exact re-check ${m}`];
  }
  const positive = (recorded as unknown[]).every((x) => typeof x === 'number' && x > 0);
  if (claim.holds !== positive) return [`the all-inputs claim says ${claim.holds}, but ${positive ? 'every' : 'not every'} recorded margin is positive`];
  return [];
}

/** Re-checks a per-circuit certificate of a uniform model. */
export function recheckUniformCircuit(cert: Record<string, unknown>, m: Model, c: Circuit, opts: UniformRecheckOptions = {}): RecheckResult {
  const fail = (p: string[]): RecheckResult => ({ ok: false, problems: p, positions: 0, minMargin: null });
  if (m.meta.mode !== 'uniform') return fail(['this certificate check is for uniform models']);
  const meta = m.meta;
  const problems: string[] = [];
  problems.push(...identityProblems(cert, m));
  if (cert.mode !== 'uniform' || cert.capacity !== meta.capacity) problems.push(`the certificate is for a ${String(cert.mode ?? 'positional')} model of capacity ${String(cert.capacity)}, this model is uniform of capacity ${meta.capacity}`);
  const circuitHash = sha(writeCircuit(c, 'gc'));
  if (cert.circuit_hash !== circuitHash) problems.push(`the certificate is for circuit ${String(cert.circuit_hash).slice(0, 12)}..., the circuit given is ${circuitHash.slice(0, 12)}... (${c.name})`);
  const W = c.nInputs + c.ops.length;
  if (W > meta.capacity) problems.push(`the circuit has ${W} wires, more than the model's capacity of ${meta.capacity}`);
  let arith: CheckArith | undefined;
  const arithName = String(cert.arith);
  try {
    if (arithName === 'f16') throw new Error();
    arith = checkArith(arithName);
  } catch {
    problems.push(`the checker does not re-check the arithmetic '${arithName}'`);
  }
  if (cert.seq_len !== 1 + 8 * W) problems.push(`the certificate says S = ${String(cert.seq_len)}, the circuit's sequence has ${1 + 8 * W} tokens`);
  if (problems.length > 0 || !arith) return fail(problems);

  const claims = claimsOf(cert);
  const byName = (name: string) => claims.find((x) => x.claim === name);
  problems.push(...uniformStructureProblems(m, byName('structure')));
  const exact = arithName.startsWith('fixed:') || arithName.startsWith('float:');
  const net = new DenseNet(m, arith);
  const V = m.vocab;
  const pairs: [number, number][] = [['0', '1'], ['FALSE', 'TRUE']].map(([x, y]) => [V.indexOf(x!), V.indexOf(y!)] as [number, number]).filter(([x, y]) => x >= 0 && y >= 0);
  const taint = net.taint(pairs);
  const shareable = taint.attention === undefined;
  const P = 1 + 4 * W;
  const S = 1 + 8 * W;
  const mine = new Float64Array(S - P).fill(Infinity);
  const lead = (tokens: Int32Array, pass: Pass) => {
    for (let p = P - 1; p < S - 1; p++) {
      const logits = net.logits(pass, p);
      const want = tokens[p + 1]!;
      let rival = -Infinity;
      for (let v = 0; v < logits.length; v++) if (v !== want && logits[v]! > rival) rival = logits[v]!;
      const k = p - (P - 1);
      mine[k] = Math.min(mine[k]!, logits[want]! - rival);
    }
  };
  let inputs: Uint8Array[];
  let exhaustive: boolean;
  let attention: Attention;
  try {
    // the all-zero input first: its dense attention is claim 2's, and (when shareable) every other input's
    const zero = sequenceOf(c, V, new Uint8Array(c.nInputs));
    const first = net.run(zero);
    lead(zero, first);
    attention = attentionOf(m, zero, first.weights, exact);
    const reuse = shareable ? { pass: first, varying: taint.varying } : undefined;
    const dims = m.layers.flatMap((L) => L.heads.map((h) => ({ dk: h.dk, dv: h.dv })));
    const work = reuse
      ? first.weights.flat().reduce((sum, W, i) => sum + W.at.reduce((t, x) => t + x.j.length, 0) * reuse.varying.flat()[i]!.filter((x) => x).length, 0) + S * m.d * 8
      : dims.reduce((sum, x) => sum + (S * S * (x.dk + x.dv)) / 2, 0);
    const budget = Math.max(MIN_INPUTS, Math.floor(WORK_BUDGET / Math.max(1, work)));
    ({ inputs, exhaustive } = inputsOf(c.nInputs, Math.min(opts.maxExhaustive ?? MAX_EXHAUSTIVE_INPUTS, budget), opts.sample ?? Math.min(SAMPLE_INPUTS, budget)));
    for (const bits of inputs) {
      if (bits.every((b) => b === 0)) continue;
      const tokens = sequenceOf(c, V, bits);
      const pass = net.run(tokens, reuse);
      lead(tokens, pass);
      if (!reuse) attention = mergeAttention(attention, attentionOf(m, tokens, pass.weights, exact));
    }
  } catch (e) {
    if (e instanceof Problem) return fail([e.message]);
    throw e;
  }
  problems.push(...retrievalProblems(attention, byName('retrieval lemma'), exact));
  const gate = byName('gate lemma');
  if (!gate) problems.push('the certificate has no gate-lemma claim');
  else if (gate.holds) {
    const wrong = gateTypes(net, meta.capacity);
    if (wrong) problems.push(`the gate-lemma claim holds in the certificate, but the re-check finds: ${wrong}`);
  }
  const exactEqual = exhaustive && arithName !== 'f32';
  problems.push(...marginProblems(mine, P - 1, cert, byName('all inputs'), exactEqual));
  const allHold = claims.length > 0 && claims.every((x) => x.holds === true);
  if (cert.verdict !== allHold) problems.push(`the verdict ${String(cert.verdict)} does not follow from the claims`);
  const least = mine.reduce((x, y) => Math.min(x, y), Infinity);
  if (cert.verdict === true && !(least > 0)) problems.push(`the verdict is true but the re-check finds a margin of ${least}`);
  const how = exhaustive ? `all 2^${c.nInputs} inputs` : `SAMPLED: ${inputs.length} of the 2^${c.nInputs} inputs (seeded; more inputs than the checker runs exhaustively here), so the margins are confirmed as upper bounds only`;
  const nearest = arithName === 'f32' ? ' (round to nearest; the certificate\'s outward margins may only lie lower)' : '';
  const summary =
    `uniform model (capacity ${meta.capacity}), circuit ${c.name} (${W} wires), ${arithName}, re-checked independently: claim 1 (structure); ` +
    `claim 2 (every head at every position on its contract target, dense attention${shareable ? ', one pattern for every input: no query or key reads an input-dependent coordinate' : ''}); ` +
    `claim 3 (${gate?.holds ? 'every gate type on every pair of bits, a one-gate circuit through the dense forward pass' : 'not claimed, not re-checked'}); ` +
    `claim 4 (margins at ${mine.length} CoT positions by a dense teacher-forced forward pass over ${how}), least margin ${least}${nearest}; ` +
    `the certificate's verdict: ${cert.verdict ? 'CERTIFIED' : 'NOT CERTIFIED'}`;
  return { ok: problems.length === 0, problems, positions: mine.length, minMargin: Number.isFinite(least) ? least : null, summary };
}
