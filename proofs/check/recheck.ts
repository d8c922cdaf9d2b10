// check-cert: re-checks a certificate against a model with code of its own (this file: positional
// models; uniform models: uniform.ts and all-circuits.ts). It shares nothing with `certify` beyond
// loading the model (model/ reads the file, circuits/ reads the circuit stored in it): its own
// rounding, its own attention, its own interval evaluation.
//
// It accepts a certificate only when (1) the certificate is intact (its digest), (2) it names this
// model and circuit (hashes), and the model reads each output of the circuit from a position that
// holds that output's wire, (3) the structure claim (claim 1) is what the weights show, (4) the
// retrieval claim (claim 2) agrees with every attention weight recomputed here, (5) every recorded
// per-position margin (claim 4) equals the margin recomputed here (for the fast method: is a
// bound at most FAST_SLACK below it), and (6) its verdict follows from its claims. Claim 3 (the
// gate lemma for every gate type, also ones the circuit does not use) is not re-checked: the
// margins of claim 4 already cover every gate the circuit uses.

import { parseCircuitText, type Circuit } from '../../circuits/index.js';
import type { Model, PositionalMeta } from '../../model/index.js';
import { checkArith } from './arith.js';
import { identityProblems, rel, sha, type CertClaim, type RecheckResult } from './common.js';
import { recheckAllCircuits } from './all-circuits.js';
import { recomputeMargins, tokenDependentHead, type Recomputed } from './margins.js';
import { recheckUniformCircuit } from './uniform.js';
import { recheckLatent } from './latent.js';

/**
 * The margins prove that every position holds the value of the wire its metadata entry names;
 * the answer is then right only if each output of the circuit is read from a position that holds
 * that output's wire. Returns what is wrong, if anything.
 */
function outputsProblem(m: Model, c: Circuit): string | undefined {
  const meta = m.meta as PositionalMeta;
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

/** Relative slack allowed below an exact margin for a certificate made with the fast method,
 * whose margins are bounds (measured within 3e-5 of the exact ones). */
const FAST_SLACK = 1e-3;
/** Relative slack below the exact round-to-nearest margin for outward-rounded f32 margins, which
 * enclose every evaluation order and so lie lower (measured: up to 3% on c7552 4tok). The checker
 * does not re-derive the enclosure; it confirms the margins never exceed the exact ones. */
const OUTWARD_SLACK = 0.25;

/** Claim 1, recomputed: 1 layer of 2 heads, d_model = 3k + 9 (gate) or 3k + 11 (4tok), finite weights. */
function structureProblems(m: Model, claim: CertClaim | undefined): string[] {
  const S = (m.meta as PositionalMeta).seq_len;
  let k = 0;
  while (2 ** k < S + 1) k++;
  const formula = 3 * k + (m.meta.cot === '4tok' ? 11 : 9);
  const weights = [m.tokEmb, m.posEmb, m.unembed, ...m.layers.flatMap((L) => [...L.heads.flatMap((h) => [h.wq, h.wk, h.wv, h.wo]), L.ff.w1, L.ff.b1, L.ff.w2, L.ff.b2])];
  const finite = weights.every((a) => a.every((x) => Number.isFinite(x)));
  const holds = m.layers.length === 1 && m.layers.every((L) => L.heads.length === 2) && m.d === formula && finite;
  if (!claim) return ['the certificate has no structure claim'];
  const out: string[] = [];
  if (claim.holds !== holds) out.push(`the structure claim says ${claim.holds}, the re-check finds ${holds} (d_model ${m.d}, formula ${formula})`);
  if (claim.evidence.d_model !== m.d || claim.evidence.d_formula !== formula || claim.evidence.k !== k) out.push(`the structure evidence (d_model ${String(claim.evidence.d_model)}, formula ${String(claim.evidence.d_formula)}, k ${String(claim.evidence.k)}) is not the model's (${m.d}, ${formula}, ${k})`);
  return out;
}

/** Claim 2, recomputed from every attention weight. */
function retrievalProblems(r: Recomputed, claim: CertClaim | undefined, fixed: boolean): string[] {
  if (!claim) return ['the certificate has no retrieval claim'];
  const a = r.attention;
  const holds = a.minLead > 0 && (!fixed || a.oneHot);
  const out: string[] = [];
  if (claim.holds && !holds) out.push(`the retrieval claim holds in the certificate, but the re-check finds a lead of ${a.minLead}${fixed && !a.oneHot ? ' and attention that is not exactly one-hot' : ''}`);
  const ev = claim.evidence;
  const exhaustive = ev.method === 'exhaustive';
  const slack = (x: number) => (exhaustive ? rel(x) : FAST_SLACK * Math.max(1, Math.abs(x)));
  if (typeof ev.min_target_weight === 'number' && (ev.min_target_weight > a.minTopWeight + rel(a.minTopWeight) || ev.min_target_weight < a.minTopWeight - slack(a.minTopWeight))) {
    out.push(`the certificate records a least target weight of ${ev.min_target_weight}, the re-check ${a.minTopWeight}`);
  }
  if (typeof ev.max_weight_elsewhere === 'number' && (ev.max_weight_elsewhere < a.maxElsewhere - rel(a.maxElsewhere) || ev.max_weight_elsewhere > a.maxElsewhere + slack(a.maxElsewhere))) {
    out.push(`the certificate records at most ${ev.max_weight_elsewhere} of weight elsewhere, the re-check ${a.maxElsewhere}`);
  }
  if (fixed && typeof ev.exact_one_hot === 'boolean' && ev.exact_one_hot !== a.oneHot) out.push(`the certificate says the attention is${ev.exact_one_hot ? '' : ' not'} exactly one-hot; the re-check finds it is${a.oneHot ? '' : ' not'}`);
  return out;
}

/** Claim 4: every recorded margin is the recomputed one (or, for the fast method, a bound at most
 * FAST_SLACK below it), and the claim holds exactly when every margin is positive. */
function marginProblems(r: Recomputed, cert: Record<string, unknown>, claim: CertClaim | undefined, exhaustive: boolean): string[] {
  const { first, margins } = r;
  const outward = claim?.evidence?.rounding === 'outward';
  const slack = outward ? OUTWARD_SLACK : FAST_SLACK;
  const recorded = cert.margins;
  if (cert.first_position !== first || !Array.isArray(recorded) || recorded.length !== margins.length) {
    return [`the certificate covers ${Array.isArray(recorded) ? recorded.length : 0} positions from ${String(cert.first_position)}, the model has ${margins.length} from ${first}`];
  }
  for (let k = 0; k < margins.length; k++) {
    const x = recorded[k] as unknown;
    const m = margins[k]!;
    if (typeof x !== 'number') return [`position ${first + k}: the certificate records no margin, the re-check finds ${m}`];
    if (x > m + rel(m)) return [`position ${first + k}: the certificate records margin ${x}, but at most ${m} holds`];
    if (exhaustive && !outward && x < m - rel(m)) return [`position ${first + k}: the certificate records margin ${x}, recomputed ${m} (both from every attention weight)`];
    if (x < m - slack * Math.max(1, Math.abs(m))) return [`position ${first + k}: the certificate records margin ${x}, more than ${slack * 100}% below the exact margin ${m} (altered, or a bound too loose to confirm)`];
  }
  const positive = (recorded as number[]).every((x) => x > 0);
  if (!claim) return ['the certificate has no all-inputs claim'];
  if (claim.holds !== positive) return [`the all-inputs claim says ${claim.holds}, but ${positive ? 'every' : 'not every'} recorded margin is positive`];
  return [];
}

/** Re-checks a parsed certificate against a loaded model: a positional model's here, a uniform
 * model's per-circuit certificate with its circuit (uniform.ts), an all-circuits one without
 * (all-circuits.ts). */
export function recheck(cert: Record<string, unknown>, m: Model, circuit?: Circuit): RecheckResult {
  const problems: string[] = [];
  const fail = (p: string[]): RecheckResult => ({ ok: false, problems: p, positions: 0, minMargin: null });
  if (m.meta.mode === 'uniform') {
    if (cert.kind === 'all-circuits') return circuit ? fail(['an all-circuits certificate covers every circuit: it is re-checked without one']) : recheckAllCircuits(cert, m);
    return circuit ? recheckUniformCircuit(cert, m, circuit) : fail(["a uniform model's per-circuit certificate is re-checked with its circuit"]);
  }
  if (circuit) return fail(['a positional model carries its circuit: its certificate is re-checked without another']);
  if (m.meta.readout === 'argmax') return recheckLatent(cert, m);
  const meta = m.meta;
  problems.push(...identityProblems(cert, m));
  if (cert.circuit_hash !== meta.circuit_hash || sha(meta.circuit) !== meta.circuit_hash) problems.push('the circuit hash does not match the model\'s circuit');
  if (m.layers.length !== 1) problems.push('the checker handles 1-layer models only');
  const tokenHead = tokenDependentHead(m);
  if (tokenHead) problems.push(`${tokenHead} reads token coordinates in its query or key: the checker needs position-only attention`);
  if (!Array.isArray(cert.claims)) problems.push('the certificate has no claims');
  if (problems.length > 0) return fail(problems);
  const c = parseCircuitText(meta.circuit, { format: 'gc', name: meta.circuit_name });
  const outputProblem = outputsProblem(m, c);
  if (outputProblem) return fail([outputProblem]);
  const arithName = String(cert.arith);
  const arith = checkArith(arithName);
  const claims = cert.claims as CertClaim[];
  const byName = (name: string) => claims.find((x) => x && x.claim === name);
  const retrieval = byName('retrieval lemma');
  const exhaustive = retrieval?.evidence?.method === 'exhaustive';
  const r = recomputeMargins(m, c, arith);
  problems.push(...structureProblems(m, byName('structure')));
  problems.push(...retrievalProblems(r, retrieval, arithName.startsWith('fixed:')));
  problems.push(...marginProblems(r, cert, byName('all inputs'), exhaustive));
  const allHold = claims.every((x) => x.holds);
  if (cert.verdict !== allHold) problems.push(`the verdict ${String(cert.verdict)} does not follow from the claims`);
  if (cert.verdict === true && !r.margins.every((x) => x > 0)) problems.push('the verdict is true but a recomputed margin is not positive');
  const finite = r.margins.filter((x) => Number.isFinite(x));
  return { ok: problems.length === 0, problems, positions: r.margins.length, minMargin: finite.length ? finite.reduce((a, b) => Math.min(a, b)) : null };
}
