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
// bound at most FAST_SLACK below it); for an f32 outward certificate, no recorded margin exceeds
// the exact round-to-nearest one, and a claim that all inputs hold stands only if the checker's
// OWN outward enclosure (outward.ts) gives a positive lower bound at every position, and (6) its
// verdict follows from its claims. Claim 3 (the gate lemma for every gate type, also ones the
// circuit does not use) is not re-checked: the margins of claim 4 already cover every gate the
// circuit uses.

import { parseCircuitText, type Circuit } from '../../circuits/index.js';
import type { Model, PositionalMeta } from '../../model/index.js';
import { checkArith } from './arith.js';
import { identityProblems, rel, sha, type CertClaim, type RecheckResult } from './common.js';
import { recheckAllCircuits } from './all-circuits.js';
import { recomputeMargins, tokenDependentHead, type Recomputed } from './margins.js';
import { outwardMargins, type OutwardMargins } from './outward.js';
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
/** An outward margin this far (relative, at least 1 absolute) below the checker's own outward bound
 * and the exact round-to-nearest margin is only a warning: the claim stands on the checker's own
 * bounds, and the certifier's enclosure may be looser (at --scale 2e4: 0.15 against 0.4998). */
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

const least = (xs: readonly unknown[]): number | null => {
  const nums = xs.filter((x): x is number => typeof x === 'number' && !Number.isNaN(x));
  return nums.length ? nums.reduce((a, b) => Math.min(a, b)) : null;
};

interface MarginCheck {
  problems: string[];
  warnings: string[];
}

/** The outward evidence's figures are bounds on the exact ones: none may claim better. */
function outwardEvidenceProblems(r: Recomputed, ev: Record<string, unknown>): string[] {
  const out: string[] = [];
  const near = least(r.margins);
  const { minTopWeight, maxElsewhere } = r.attention;
  if (typeof ev.min_margin_nearest === 'number' && near !== null && ev.min_margin_nearest > near + rel(near)) out.push(`the all-inputs evidence states a least round-to-nearest margin of ${ev.min_margin_nearest}, the re-check ${near}`);
  if (typeof ev.outward_min_target_weight === 'number' && ev.outward_min_target_weight > minTopWeight + rel(minTopWeight)) out.push(`the outward evidence bounds the least target weight by ${ev.outward_min_target_weight}, above the exact ${minTopWeight}`);
  if (typeof ev.outward_max_weight_elsewhere === 'number' && ev.outward_max_weight_elsewhere < maxElsewhere - rel(maxElsewhere)) out.push(`the outward evidence bounds the weight elsewhere by ${ev.outward_max_weight_elsewhere}, below the exact ${maxElsewhere}`);
  return out;
}

/**
 * Claim 4. Round to nearest (and the paper's formats): every recorded margin is the recomputed one
 * (or, for the fast method, a bound at most FAST_SLACK below it). f32 outward: no recorded margin
 * exceeds the exact round-to-nearest one (that would be a forgery); the claim that all inputs hold
 * stands only if the checker's own outward bounds `own` are all positive; a margin far below both
 * is a warning. Either way the claim holds exactly when every recorded margin is positive, and the
 * least margin the evidence states is the least recorded one.
 */
function marginProblems(r: Recomputed, own: OutwardMargins | undefined, cert: Record<string, unknown>, claim: CertClaim | undefined, exhaustive: boolean): MarginCheck {
  const { first, margins } = r;
  const warnings: string[] = [];
  const fail = (p: string): MarginCheck => ({ problems: [p], warnings });
  const recorded = cert.margins;
  if (cert.first_position !== first || !Array.isArray(recorded) || recorded.length !== margins.length) {
    return fail(`the certificate covers ${Array.isArray(recorded) ? recorded.length : 0} positions from ${String(cert.first_position)}, the model has ${margins.length} from ${first}`);
  }
  if (!claim) return fail('the certificate has no all-inputs claim');
  const ev = claim.evidence ?? {};
  const stated = typeof ev.min_margin === 'number' ? ev.min_margin : undefined;
  const explained = !claim.holds && typeof claim.failure === 'object' && claim.failure !== null;
  let loose = 0;
  for (let k = 0; k < margins.length; k++) {
    const x = recorded[k] as unknown;
    const m = margins[k]!;
    const p = first + k;
    if (typeof x !== 'number') {
      // no finite number: only where the claim fails and says why (an outward enclosure may
      // overflow where the exact margin is finite; an exact margin is missing only if not finite)
      if (explained && (own || !Number.isFinite(m))) continue;
      return fail(`position ${p}: the certificate records no margin, the re-check finds ${m}`);
    }
    if (x > m + rel(m)) return fail(`position ${p}: the certificate records margin ${x}, but at most ${m} holds`);
    if (!own) {
      if (exhaustive && x < m - rel(m)) return fail(`position ${p}: the certificate records margin ${x}, recomputed ${m} (both from every attention weight)`);
      if (x < m - FAST_SLACK * Math.max(1, Math.abs(m))) return fail(`position ${p}: the certificate records margin ${x}, more than ${FAST_SLACK * 100}% below the exact margin ${m} (altered, or a bound too loose to confirm)`);
      continue;
    }
    const b = own.margins[k]!;
    const far = (y: number) => x < y - OUTWARD_SLACK * Math.max(1, Math.abs(y));
    if (far(m) && (!(b > 0) || far(b))) {
      const what = `position ${p}: the certificate records margin ${x}, more than ${OUTWARD_SLACK * 100}% below the exact margin ${m}${b > 0 ? ` and the checker's own outward bound ${b}` : ''}`;
      if (stated !== undefined && x < stated - rel(stated)) return fail(`${what}, and below the least margin its own evidence states (${stated}): altered`);
      if (loose++ < 3) warnings.push(`${what}: the certifier's enclosure is looser than the checker's here`);
    }
  }
  if (loose > 3) warnings.push(`${loose - 3} more positions record margins that far below`);
  const recordedLeast = least(recorded);
  if (stated !== undefined && (recordedLeast === null || Math.abs(stated - recordedLeast) > rel(stated))) return fail(`the all-inputs evidence states a least margin of ${stated}, the least recorded margin is ${String(recordedLeast)}`);
  const positive = (recorded as unknown[]).every((x) => typeof x === 'number' && x > 0);
  if (claim.holds !== positive) return fail(`the all-inputs claim says ${claim.holds}, but ${positive ? 'every' : 'not every'} recorded margin is positive`);
  const problems = own ? outwardEvidenceProblems(r, ev) : [];
  if (own && claim.holds && own.failure) {
    problems.push(`the all-inputs claim holds in the certificate, but the checker's own outward enclosure gives no positive bound at ${own.margins.filter((x) => !(x > 0)).length} position(s), first ${own.failure.detail}`);
  }
  if (own && !claim.holds && !own.failure) warnings.push(`the certificate does not claim all inputs, but the checker's own outward enclosure bounds every position's margin below by ${String(least(own.margins))}: the certifier's enclosure is looser here`);
  return { problems, warnings };
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
  const allInputs = byName('all inputs');
  const own = arithName === 'f32' && allInputs?.evidence?.rounding === 'outward' ? outwardMargins(m, c) : undefined;
  problems.push(...structureProblems(m, byName('structure')));
  problems.push(...retrievalProblems(r, retrieval, arithName.startsWith('fixed:')));
  const mc = marginProblems(r, own, cert, allInputs, exhaustive);
  problems.push(...mc.problems);
  const allHold = claims.every((x) => x.holds);
  if (cert.verdict !== allHold) problems.push(`the verdict ${String(cert.verdict)} does not follow from the claims`);
  if (cert.verdict === true && !r.margins.every((x) => x > 0)) problems.push('the verdict is true but a recomputed margin is not positive');
  const minMargin = least(r.margins.filter((x) => Number.isFinite(x)));
  const result: RecheckResult = { ok: problems.length === 0, problems, positions: r.margins.length, minMargin };
  if (mc.warnings.length) result.warnings = mc.warnings;
  if (own) {
    const ownLeast = own.margins.every((x) => Number.isFinite(x)) ? least(own.margins) : null;
    const certLeast = least(cert.margins as unknown[]);
    result.outwardMinMargin = ownLeast;
    result.certMinMargin = certLeast;
    const ownText = ownLeast === null ? `no finite bound (${own.failure?.detail ?? 'a bound is not finite'})` : String(ownLeast);
    const certText = certLeast === null ? 'no finite margin' : String(certLeast);
    result.summary =
      `claims 1 (structure), 2 (retrieval) and 4 (all inputs) re-checked independently at ${r.margins.length} positions; least margin: ${String(minMargin)} round to nearest (the CPU reference's order), ` +
      `${ownText} by the checker's own outward enclosure of every binary32 evaluation order, ${certText} in the certificate` +
      `${allInputs?.holds ? ' (the all-inputs claim stands on the checker\'s own bounds)' : ''}; claim 3 is covered by the margins of every gate this circuit uses` +
      (mc.warnings.length ? `\nwarning: ${mc.warnings.join('\nwarning: ')}` : '');
  }
  return result;
}
