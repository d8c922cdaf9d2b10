// check-cert: re-checks a certificate against a model with code of its own. It shares nothing
// with `certify` beyond loading the model (compiler/ reads the file, circuits/ reads the circuit
// stored in it): its own rounding, its own attention, its own interval evaluation.
//
// It accepts a certificate only when (1) the certificate is intact (its digest), (2) it names this
// model and circuit (hashes), (3) every recorded per-position margin is at most the margin
// recomputed here from every attention weight (and equal to it where the certificate says it
// computed every weight), and (4) its verdict follows from its claims and margins.

import { createHash } from 'node:crypto';
import { applyOp, parseCircuitText, type Circuit, type OpCode } from '../../circuits/index.js';
import { modelToBytes, type Model } from '../../compiler/index.js';
import { checkArith, type CheckArith } from './arith.js';

export interface RecheckResult {
  ok: boolean;
  problems: string[];
  positions: number;
  minMargin: number | null;
}

const sha = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/** The digest a certificate carries: SHA-256 of its JSON without the digest field. */
export function certificateDigest(cert: Record<string, unknown>): string {
  const { digest: _drop, ...rest } = cert;
  void _drop;
  return sha(JSON.stringify(rest));
}

interface Net {
  m: Model;
  R: (x: number) => number;
  shift: boolean;
  d: number;
}

function mv(n: Net, W: Float32Array, rows: number, cols: number, x: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    let acc = 0;
    for (let c = 0; c < cols; c++) acc = n.R(acc + n.R(n.R(W[r * cols + c]!) * x[c]!));
    out.push(acc);
  }
  return out;
}

/** Interval matrix-vector product under monotone rounding. */
function mvBox(n: Net, W: Float32Array, rows: number, cols: number, lo: number[], hi: number[]): [number[], number[]] {
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < rows; r++) {
    let x = 0;
    let y = 0;
    for (let c = 0; c < cols; c++) {
      const w = n.R(W[r * cols + c]!);
      const p = n.R(w * lo[c]!);
      const q = n.R(w * hi[c]!);
      x = n.R(x + Math.min(p, q));
      y = n.R(y + Math.max(p, q));
    }
    a.push(x);
    b.push(y);
  }
  return [a, b];
}

function embed(n: Net, tok: number, pos: number): number[] {
  const { m, d } = n;
  return Array.from({ length: d }, (_, c) => n.R(n.R(m.tokEmb[tok * d + c]!) + n.R(m.posEmb[pos * d + c]!)));
}

/** Recomputes the per-position margins with every attention weight (O(S^2)). */
export function recomputeMargins(m: Model, c: Circuit, arith: CheckArith): { first: number; margins: number[] } {
  const n: Net = { m, R: arith.round, shift: arith.shift, d: m.d };
  const meta = m.meta;
  const S = meta.seq_len;
  const P = meta.prompt.length;
  const zero = meta.vocab.indexOf('0');
  const one = meta.vocab.indexOf('1');
  // what each position holds: a wire (>= 0) or a fixed token (-1 - id)
  const holds = [...meta.prompt, ...meta.cot_template].map((e) => (typeof e === 'number' ? -1 - e : Number(e.slice(1))));
  const defined = new Map<number, number>(); // gate wire -> position of its own value
  meta.cot_template.forEach((e, t) => {
    if (typeof e === 'string') {
      const w = Number(e.slice(1));
      if (w >= c.nInputs && !defined.has(w)) defined.set(w, P + t); // first occurrence: the gate's own value
    }
  });
  const L = m.layers[0]!;
  const tokensOf = (j: number) => (holds[j]! < 0 ? [-1 - holds[j]!] : [zero, one]);
  const keys = L.heads.map((h) => Array.from({ length: S }, (_, j) => mv(n, h.wk, h.dk, n.d, embed(n, tokensOf(j)[0]!, j))));
  const values = L.heads.map((h) => Array.from({ length: S }, (_, j) => tokensOf(j).map((t) => mv(n, h.wv, h.dv, n.d, embed(n, t, j)))));
  const margins: number[] = [];
  for (let i = P - 1; i < S - 1; i++) {
    const att = L.heads.map((h, hi) => {
      const q = mv(n, h.wq, h.dk, n.d, embed(n, tokensOf(i)[0]!, i));
      const s = keys[hi]!.slice(0, i + 1).map((k) => {
        let acc = 0;
        for (let t = 0; t < h.dk; t++) acc = n.R(acc + n.R(q[t]! * k[t]!));
        return acc;
      });
      const top = n.shift ? Math.max(...s) : 0;
      const e = s.map((x) => n.R(Math.exp(n.R(x - top))));
      let Z = 0;
      for (const x of e) Z = n.R(Z + x);
      const w = e.map((x) => (Z === 0 ? 0 : n.R(x / Z)));
      let best = 0;
      w.forEach((x, j) => {
        if (x > w[best]!) best = j;
      });
      return { w, best };
    });
    // wires that matter at i: its own, the attended ones, those the next token depends on
    const next = holds[i + 1]!;
    let deps: number[] = [];
    let want: (v: (w: number) => number) => number;
    if (next < 0) want = () => -1 - next;
    else if (defined.get(next) === i + 1) {
      const g = next - c.nInputs;
      deps = [c.a[g]!, c.b[g]!].filter((w) => w >= 0);
      want = (v) => (applyOp(c.ops[g] as OpCode, deps[0] !== undefined ? v(deps[0]) : 0, deps[1] !== undefined ? v(deps[1]) : 0) ? one : zero);
    } else {
      deps = [next];
      want = (v) => (v(next) ? one : zero);
    }
    const free = [...new Set([holds[i]!, ...att.map((a) => holds[a.best]!), ...deps].filter((w) => w >= 0))];
    let worst = Infinity;
    for (let mask = 0; mask < 1 << free.length; mask++) {
      const v = (w: number) => (mask >> free.indexOf(w)) & 1;
      const tokAt = (j: number) => (holds[j]! < 0 ? -1 - holds[j]! : v(holds[j]!) ? one : zero);
      const sum = new Array<number>(n.d).fill(0);
      const sumHi = new Array<number>(n.d).fill(0);
      L.heads.forEach((h, hi) => {
        const { w, best } = att[hi]!;
        const lo: number[] = [];
        const hiv: number[] = [];
        for (let e = 0; e < h.dv; e++) {
          let a = 0;
          let b = 0;
          for (let j = 0; j <= i; j++) {
            const opts = j === best ? [values[hi]![j]![tokensOf(j).indexOf(tokAt(j))]![e]!] : values[hi]![j]!.map((vv) => vv[e]!);
            a = n.R(a + n.R(w[j]! * Math.min(...opts)));
            b = n.R(b + n.R(w[j]! * Math.max(...opts)));
          }
          lo.push(a);
          hiv.push(b);
        }
        const [oa, ob] = mvBox(n, h.wo, n.d, h.dv, lo, hiv);
        for (let x = 0; x < n.d; x++) {
          sum[x] = n.R(sum[x]! + oa[x]!);
          sumHi[x] = n.R(sumHi[x]! + ob[x]!);
        }
      });
      const base = embed(n, tokAt(i), i);
      let lo = base.map((x, k) => n.R(x + sum[k]!));
      let hi = base.map((x, k) => n.R(x + sumHi[k]!));
      const [za, zb] = mvBox(n, L.ff.w1, L.ff.m, n.d, lo, hi);
      const ra = za.map((z, u) => Math.max(0, n.R(z + n.R(L.ff.b1[u]!))));
      const rb = zb.map((z, u) => Math.max(0, n.R(z + n.R(L.ff.b1[u]!))));
      const [fa, fb] = mvBox(n, L.ff.w2, n.d, L.ff.m, ra, rb);
      lo = lo.map((x, k) => n.R(x + n.R(fa[k]! + n.R(L.ff.b2[k]!))));
      hi = hi.map((x, k) => n.R(x + n.R(fb[k]! + n.R(L.ff.b2[k]!))));
      const [la, lb] = mvBox(n, m.unembed, m.vocab.length, n.d, lo, hi);
      const target = want(v);
      const rival = Math.max(...lb.filter((_, t) => t !== target));
      worst = Math.min(worst, la[target]! - rival);
    }
    margins.push(worst);
  }
  return { first: P - 1, margins };
}

/**
 * The margins prove that every position holds the value of the wire its metadata entry names;
 * the answer is then right only if each output of the circuit is read from a position that holds
 * that output's wire. Returns what is wrong, if anything.
 */
function outputsProblem(m: Model, c: Circuit): string | undefined {
  const meta = m.meta;
  const entries = [...meta.prompt, ...meta.cot_template];
  const wires = c.outputs.flatMap((o) => Array.from(o.wires));
  if (!Array.isArray(meta.outputs) || meta.outputs.length !== wires.length) return `the model reads ${Array.isArray(meta.outputs) ? meta.outputs.length : 0} outputs, the circuit has ${wires.length}`;
  for (let k = 0; k < wires.length; k++) {
    const p = meta.outputs[k]!;
    const e = entries[p];
    const w = typeof e === 'string' && /^[xw]\d+$/.test(e) ? Number(e.slice(1)) : undefined;
    if (w !== wires[k]) return `output ${k} is read at position ${p}, which holds ${e === undefined ? 'nothing' : typeof e === 'string' ? `wire ${e.slice(1)}` : `the fixed token ${meta.vocab[e]}`}, not wire ${wires[k]}`;
  }
  return undefined;
}

/** Re-checks a parsed certificate against a loaded model. */
export function recheck(cert: Record<string, unknown>, m: Model): RecheckResult {
  const problems: string[] = [];
  const meta = m.meta;
  if (cert.version !== 1) problems.push(`unknown certificate version ${String(cert.version)}`);
  if (typeof cert.digest !== 'string' || cert.digest !== certificateDigest(cert)) problems.push('the certificate was altered after it was written (its digest does not match its content)');
  const modelHash = sha(modelToBytes(m));
  if (cert.model_hash !== modelHash) problems.push(`the certificate is for model ${String(cert.model_hash).slice(0, 12)}..., this model is ${modelHash.slice(0, 12)}...`);
  if (cert.circuit_hash !== meta.circuit_hash || sha(meta.circuit) !== meta.circuit_hash) problems.push('the circuit hash does not match the model\'s circuit');
  if (m.layers.length !== 1) problems.push('the checker handles 1-layer models only');
  if (problems.length > 0) return { ok: false, problems, positions: 0, minMargin: null };
  const c = parseCircuitText(meta.circuit, { format: 'gc', name: meta.circuit_name });
  const outputProblem = outputsProblem(m, c);
  if (outputProblem) return { ok: false, problems: [outputProblem], positions: 0, minMargin: null };
  const arith = checkArith(String(cert.arith));
  const { first, margins } = recomputeMargins(m, c, arith);
  const recorded = cert.margins as (number | null)[];
  const claims = cert.claims as { claim: string; holds: boolean; evidence: Record<string, unknown> }[];
  const exhaustive = claims.find((x) => x.claim === 'retrieval lemma')?.evidence?.method === 'exhaustive';
  if (cert.first_position !== first || !Array.isArray(recorded) || recorded.length !== margins.length) {
    problems.push(`the certificate covers ${Array.isArray(recorded) ? recorded.length : 0} positions from ${String(cert.first_position)}, the model has ${margins.length} from ${first}`);
  } else {
    for (let k = 0; k < margins.length; k++) {
      const r = recorded[k];
      if (r === null || r === undefined) continue;
      const tol = 1e-9 * Math.max(1, Math.abs(margins[k]!));
      if (r > margins[k]! + tol) {
        problems.push(`position ${first + k}: the certificate records margin ${r}, but at most ${margins[k]} holds`);
        break;
      }
      if (exhaustive && Math.abs(r - margins[k]!) > tol) {
        problems.push(`position ${first + k}: the certificate records margin ${r}, recomputed ${margins[k]} (both from every attention weight)`);
        break;
      }
    }
  }
  const allHold = claims.every((x) => x.holds);
  if (cert.verdict !== allHold) problems.push(`the verdict ${String(cert.verdict)} does not follow from the claims`);
  const inputs = claims.find((x) => x.claim === 'all inputs');
  const positive = recorded.every((x) => x !== null && x > 0);
  if (inputs?.holds && !positive) problems.push('the all-inputs claim holds while some recorded margin is not positive');
  if (cert.verdict === true && !margins.every((x) => x > 0)) problems.push('the verdict is true but a recomputed margin is not positive');
  const finite = margins.filter((x) => Number.isFinite(x));
  return { ok: problems.length === 0, problems, positions: margins.length, minMargin: finite.length ? Math.min(...finite) : null };
}
