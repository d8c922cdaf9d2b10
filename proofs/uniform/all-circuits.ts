// certify MODEL --all-circuits --arith fixed:s: a certificate that ONE uniform model file is
// right for EVERY well-formed circuit of at most its capacity and every input, by finite checks of
// each block over its whole input domain, in the paper's arithmetic F_s (docs/proofs.md, "Every
// circuit at once", states the induction that glues them):
//   structure        3 layers of 4, 2 and 1 heads, d_model = 12L + 49
//   embeddings       every token's embedding (its id code, its kind, a type's truth table) and every
//                    position's slot, for all 1 + 8N positions
//   heads            each head is a match head wired as the construction says (spec.ts); the
//                    automaton lemma (match.ts) for its pair count; each position head's query finds
//                    exactly its rule's target among the visible keys, at every position
//   feed-forward     layer 1 (gate, operand select, NA select) over every slot, pair of written bits,
//                    description (each type and NA pattern, or none) and operand code bits (bit by bit,
//                    after checking that no unit mixes two bits); layer 2 over every slot, value, gate bit
//   output layer     over every slot and state the feed-forward layers can produce, every next id
//                    (an automaton over the interleaved id rows): the right token leads

import { OP_NAMES, applyOp, type OpCode } from '../../circuits/index.js';
import { evaluateRule, idOfToken, sha256, uniformTypeName, type Model, type TargetRule, type UniformMeta } from '../../model/index.js';
import { parseArith, prepare, type PreparedModel } from '../../runtime/index.js';
import { modelHash } from '../certify.js';
import { structureClaim } from '../structure.js';
import type { ClaimResult, Evidence } from '../types.js';
import { automatonLemma, matchStructure, type MatchStructure } from './match.js';
import { UNIFORM_HEADS, POSITION_SUBSPACES, TOKEN_SUBSPACES, type HeadSpec } from './spec.js';

export const ALL_CIRCUITS_VERSION = 1;

export interface AllCircuitsCertificate {
  version: number;
  kind: 'all-circuits';
  model_hash: string;
  capacity: number;
  max_seq_len: number;
  arith: string;
  claims: ClaimResult[];
  verdict: boolean;
  seconds: number;
  digest: string;
}

class Fail extends Error {}

/** Coordinates by subspace name ("name" for all elements, "name[i]" one). */
class Coords {
  constructor(private readonly labels: string[]) {}
  of(name: string): number[] {
    const out: number[] = [];
    this.labels.forEach((l, c) => {
      if (l === name || l.replace(/\[\d+\]$/, '') === name) out.push(c);
    });
    if (out.length === 0) throw new Fail(`the model has no subspace ${name}`);
    return out;
  }
  one(name: string): number {
    const c = this.of(name);
    if (c.length !== 1) throw new Fail(`${name} is not one coordinate`);
    return c[0]!;
  }
  name(c: number): string {
    return this.labels[c] ?? `#${c}`;
  }
}

const sbin = (i: number, b: number): number => (((i >>> b) & 1) === 1 ? 1 : -1);

function claim(name: string, run: () => Evidence): ClaimResult {
  try {
    return { claim: name, holds: true, evidence: run() };
  } catch (e) {
    if (!(e instanceof Fail)) throw e;
    return { claim: name, holds: false, evidence: { reason: e.message }, failure: { position: -1, detail: e.message } };
  }
}

export function certifyAllCircuits(model: Model, arithName: string): AllCircuitsCertificate {
  const t0 = performance.now();
  if (model.meta.mode !== 'uniform') throw new Error('the all-circuits certificate is for uniform models');
  const meta = model.meta;
  const arith = parseArith(arithName);
  const pm = prepare(model, arith);
  const C = new Coords(meta.basis);
  const claims: ClaimResult[] = [structureClaim(model)];
  if (arith.kind !== 'fixed' && arith.kind !== 'float') {
    claims.push({ claim: 'arithmetic', holds: false, evidence: { reason: `the all-circuits certificate is exact: it needs the paper's fixed:s or float:e,s, not ${arith.name}` } });
  } else {
    claims.push(claim('embeddings', () => embeddings(pm, meta, C)));
    claims.push(claim('heads', () => heads(pm, meta, C)));
    claims.push(claim('feed-forward', () => feedForward(pm, C)));
    claims.push(claim('output layer', () => outputLayer(pm, meta, C)));
  }
  const cert: Omit<AllCircuitsCertificate, 'digest'> = {
    version: ALL_CIRCUITS_VERSION,
    kind: 'all-circuits',
    model_hash: modelHash(model),
    capacity: meta.capacity,
    max_seq_len: meta.max_seq_len,
    arith: arith.name,
    claims,
    verdict: claims.every((c) => c.holds),
    seconds: (performance.now() - t0) / 1000,
  };
  return { ...cert, digest: sha256(JSON.stringify(cert)) };
}

/** Every token's embedding and every position's slot, as the construction states them. */
function embeddings(pm: PreparedModel, meta: UniformMeta, C: Coords): Evidence {
  const { d } = pm;
  const vocab = pm.model.vocab;
  const code = C.of('tcode');
  const tt = C.of('t_tt');
  const [tId, tIsval, tVal, tNa] = ['t_id', 't_isval', 't_val', 't_na'].map((n) => C.one(n));
  const allowed = new Set(TOKEN_SUBSPACES.flatMap((n) => C.of(n)));
  vocab.forEach((tok, v) => {
    const row = (c: number) => pm.tok[v * d + c]!;
    const id = idOfToken(tok);
    if (id > meta.capacity) throw new Fail(`token ${tok} names a wire beyond the capacity ${meta.capacity}`);
    const want = new Map<number, number>();
    code.forEach((c, b) => want.set(c, sbin(id, b)));
    want.set(tId, id > 0 ? 1 : -1);
    want.set(tIsval, tok === '0' || tok === '1' ? 1 : -1);
    want.set(tVal, tok === '1' ? 1 : 0);
    want.set(tNa, tok === 'NA' ? 1 : 0);
    const op = OP_NAMES.findIndex((_, o) => uniformTypeName(o as OpCode) === tok);
    tt.forEach((c, u) => want.set(c, op >= 0 ? applyOp(op as OpCode, u >> 1, u & 1) : 0));
    for (let c = 0; c < d; c++) {
      const w = want.get(c) ?? 0;
      if (!allowed.has(c) && row(c) !== 0) throw new Fail(`token ${tok} writes ${C.name(c)}, outside the token subspaces`);
      if (row(c) !== w) throw new Fail(`token ${tok}: ${C.name(c)} is ${row(c)}, the construction needs ${w}`);
    }
  });
  const slot = C.of('slot');
  const one = C.one('one');
  const s3 = C.one('s3');
  const posAllowed = new Set(POSITION_SUBSPACES.flatMap((n) => C.of(n)));
  const pos = pm.model.posEmb;
  const R = (x: number) => pm.k.round(x);
  for (let p = 0; p < meta.max_seq_len; p++) {
    const s = (p + meta.label_offset) & 3;
    const at = (c: number) => R(pos[p * d + c]!);
    if (at(one) !== 1 || at(s3) !== (s === 3 ? 1 : -1) || slot.some((c, i) => at(c) !== (i === s ? 1 : 0))) throw new Fail(`position ${p}: one, slot or s3 is not the construction's (slot ${s})`);
    for (let c = 0; c < d; c++) if (!posAllowed.has(c) && pos[p * d + c] !== 0) throw new Fail(`position ${p} writes ${C.name(c)}, outside the position subspaces`);
  }
  return { tokens: vocab.length, positions: meta.max_seq_len };
}

/** Coordinates of a spec entry: "x*" all of x, "one", or a single-coordinate subspace. */
function specCoords(C: Coords, names: string[]): number[] {
  return names.flatMap((n) => (n.endsWith('*') ? C.of(n.slice(0, -1)) : [C.one(n)]));
}

function expectedCopies(C: Coords, spec: HeadSpec): [number, number][] {
  return spec.copies.flatMap(([from, to]): [number, number][] => {
    if (from === 'tcode|one') {
      const t = C.of('tcode');
      const dst = C.of(to);
      return t.flatMap((c, b): [number, number][] => [[c, dst[2 * b]!], [C.one('one'), dst[2 * b + 1]!]]);
    }
    const a = C.of(from);
    const b = C.of(to);
    if (a.length !== b.length) throw new Fail(`head ${spec.name}: ${from} and ${to} differ in width`);
    return a.map((c, i): [number, number] => [c, b[i]!]);
  });
}

/** Each head against the spec; the automaton lemma; position heads at every position. */
function heads(pm: PreparedModel, meta: UniformMeta, C: Coords): Evidence {
  const lemmas = new Map<string, string>();
  let positionsChecked = 0;
  for (const spec of UNIFORM_HEADS) {
    const L = pm.layers[spec.layer];
    const h = L?.heads.findIndex((x) => x.name === spec.name) ?? -1;
    if (!L || h < 0) throw new Fail(`no head ${spec.name} in layer ${spec.layer}`);
    const st = matchStructure(pm, spec.layer, L.heads[h]!);
    if (typeof st === 'string') throw new Fail(st);
    const copies = expectedCopies(C, spec);
    if (JSON.stringify([...st.copies].sort()) !== JSON.stringify([...copies].sort())) throw new Fail(`head ${spec.name} copies ${st.copies.map(([a, b]) => `${C.name(a)}->${C.name(b)}`).join(', ')}, not the construction's`);
    const key = `${st.lambda}/${st.pairs}`;
    if (!lemmas.has(key)) {
      const r = automatonLemma(pm.k, pm.arith, st.lambda, st.pairs);
      if (!r.holds) throw new Fail(`head ${spec.name}: ${r.detail}`);
      lemmas.set(key, r.detail);
    }
    if (spec.query && spec.key) {
      const q = specCoords(C, spec.query);
      const k = specCoords(C, spec.key);
      if (st.pairs !== q.length || k.length !== q.length) throw new Fail(`head ${spec.name}: ${st.pairs} pairs, the construction ${q.length}`);
      st.query.forEach((form, i) => {
        if (form.size !== 1 || form.get(q[i]!) !== 1) throw new Fail(`head ${spec.name}: query bit ${i} is not ${C.name(q[i]!)}`);
        if (st.key[i] !== k[i]) throw new Fail(`head ${spec.name}: key bit ${i} reads ${C.name(st.key[i]!)}, not ${C.name(k[i]!)}`);
      });
    } else {
      positionsChecked += positionHead(pm, meta, spec, st, h);
    }
  }
  return { heads: UNIFORM_HEADS.length, automaton: [...lemmas.values()].join('; '), position_head_positions: positionsChecked };
}

/** A position head at every position: its query's code is exactly its rule target's key code among the visible keys. */
function positionHead(pm: PreparedModel, meta: UniformMeta, spec: HeadSpec, st: MatchStructure, h: number): number {
  const { d, k } = pm;
  const hd = pm.layers[spec.layer]!.heads[h]!;
  if (!hd.positionOnly) throw new Fail(`head ${spec.name} reads token coordinates in its query or key`);
  const S = meta.max_seq_len;
  const lam = k.round(st.lambda);
  const bos = pm.model.vocab.indexOf('<bos>');
  const hbuf = new Float64Array(d);
  const q = new Float64Array(hd.dk);
  const kv = new Float64Array(hd.dk);
  const codeAt = (p: number, W: Float64Array, out: Float64Array, scale: number): string => {
    for (let c = 0; c < d; c++) hbuf[c] = k.round(pm.tok[bos * d + c]! + k.round(pm.model.posEmb[p * d + c]!));
    k.matvec(W, hd.dk, d, hbuf, 0, out, 0);
    let s = '';
    for (let i = 0; i < st.pairs; i++) {
      const x = out[2 * i]!;
      if (x !== scale && x !== -scale) throw new Fail(`head ${spec.name} at position ${p}: code bit ${i} is ${x}, not ±${scale}`);
      s += x > 0 ? '+' : '-';
    }
    return s;
  };
  const keys = new Map<string, number>();
  for (let p = 0; p < S; p++) {
    const c = codeAt(p, hd.wk, kv, lam);
    if (keys.has(c)) throw new Fail(`head ${spec.name}: positions ${keys.get(c)} and ${p} have the same key code`);
    keys.set(c, p);
  }
  const rule: TargetRule = spec.rule === 'group-slot' ? { rule: 'group-slot', offset: spec.offset! } : { rule: 'previous-group' };
  const targets = evaluateRule(rule, new Int32Array(S), meta);
  for (let p = 0; p < S; p++) {
    const m = keys.get(codeAt(p, hd.wq, q, 1));
    const got = m !== undefined && m <= p ? m : -1;
    if (got !== targets[p]) throw new Fail(`head ${spec.name} at position ${p} finds ${got >= 0 ? `position ${got}` : 'no visible key'}, its rule names ${targets[p]! >= 0 ? `position ${targets[p]}` : 'none'}`);
  }
  return S;
}

/** A residual vector with the named coordinates set. */
function vec(d: number, set: [number, number][]): Float64Array {
  const h = new Float64Array(d);
  for (const [c, v] of set) h[c] = v;
  return h;
}

/** One feed-forward layer on h, exactly as the runtime computes it: the output f (before the residual add). */
function ff(pm: PreparedModel, l: number, h: Float64Array): Float64Array {
  const { d, k } = pm;
  const L = pm.layers[l]!;
  const z = new Float64Array(L.m);
  k.matvec(L.w1, L.m, d, h, 0, z, 0);
  for (let u = 0; u < L.m; u++) z[u] = Math.max(0, k.round(z[u]! + L.b1[u]!));
  const f = new Float64Array(d);
  k.matvec(L.w2, d, L.m, z, 0, f, 0);
  for (let c = 0; c < d; c++) f[c] = k.round(f[c]! + L.b2[c]!);
  return f;
}

function readsOnly(pm: PreparedModel, W: Float64Array, rows: number, allowed: Set<number>, what: string, C: Coords): void {
  for (let r = 0; r < rows; r++) for (let c = 0; c < pm.d; c++) if (W[r * pm.d + c] !== 0 && !allowed.has(c)) throw new Fail(`${what} reads ${C.name(c)}`);
}

/** Layer 0 has no feed-forward units; layers 1 and 2 over their whole input domains. */
function feedForward(pm: PreparedModel, C: Coords): Evidence {
  const { d } = pm;
  if (pm.layers[0]!.m !== 0 && pm.layers[0]!.w2.some((x) => x !== 0)) throw new Fail('layer 0 has a feed-forward layer; the construction has none');
  const one = C.one('one');
  const slot = C.of('slot');
  const [o1Val, tVal, na1, na2, y, outNa, val, outBit] = ['o1_val', 't_val', 'd_na1', 'd_na2', 'y', 'out_na', 'val', 'out_bit'].map((n) => C.one(n));
  const dtt = C.of('d_tt');
  const in1 = C.of('d_in1');
  const in2 = C.of('d_in2');
  const qop = C.of('q_op');
  // layer 1
  const L1 = pm.layers[1]!;
  readsOnly(pm, L1.w1, L1.m, new Set([one, ...slot, o1Val, tVal, ...dtt, na1!, na2!, ...in1, ...in2]), 'the layer-1 feed-forward layer', C);
  for (let u = 0; u < L1.m; u++) {
    const bits = new Set<number>();
    in1.forEach((c, b) => L1.w1[u * d + c] !== 0 && bits.add(b));
    in2.forEach((c, b) => L1.w1[u * d + c] !== 0 && bits.add(b));
    const writes: number[] = [];
    for (let c = 0; c < d; c++) if (L1.w2[c * L1.m + u] !== 0) writes.push(c);
    if (bits.size > 1) throw new Fail(`layer-1 unit ${u} reads several operand code bits`);
    const b = [...bits][0];
    for (const c of writes) {
      const qb = qop.indexOf(c);
      if (b !== undefined && qb !== b) throw new Fail(`layer-1 unit ${u} reads operand bit ${b} but writes ${C.name(c)}`);
      if (qb >= 0 && b !== undefined && qb !== b) throw new Fail(`layer-1 unit ${u} mixes code bits`);
    }
  }
  let cases = 0;
  const descs: ({ table: number[]; n1: number; n2: number } | null)[] = [null];
  for (let op = 0; op < OP_NAMES.length; op++) for (let n1 = 0; n1 < 2; n1++) for (let n2 = 0; n2 < 2; n2++) descs.push({ table: [0, 1, 2, 3].map((u) => applyOp(op as OpCode, u >> 1, u & 1)), n1, n2 });
  for (let s = 0; s < 4; s++) {
    for (const desc of descs) {
      for (let a = 0; a < 2; a++) {
        for (let bb = 0; bb < 2; bb++) {
          for (const c1 of [-1, 0, 1]) {
            for (const c2 of [-1, 0, 1]) {
              const set: [number, number][] = [[one, 1], [slot[s]!, 1], [o1Val, a], [tVal, bb]];
              if (desc) {
                dtt.forEach((c, u) => set.push([c, desc.table[u]!]));
                set.push([na1!, desc.n1], [na2!, desc.n2]);
              }
              in1.forEach((c) => set.push([c, desc ? c1 : 0]));
              in2.forEach((c) => set.push([c, desc ? c2 : 0]));
              const f = ff(pm, 1, vec(d, set));
              const want = new Map<number, number>();
              want.set(y!, desc ? desc.table[2 * a + bb]! : 0);
              want.set(outNa!, desc ? (s === 0 ? desc.n1 : s === 1 ? desc.n2 : 0) : 0);
              qop.forEach((c) => want.set(c, desc ? (s === 0 ? c1 : s === 1 ? c2 : 0) : 0));
              for (let c = 0; c < d; c++) {
                if (f[c] !== (want.get(c) ?? 0)) throw new Fail(`layer 1 at slot ${s}, written bits (${a}, ${bb}), ${desc ? `description table ${desc.table.join('')} NA ${desc.n1}${desc.n2}, operand bits ${c1}/${c2}` : 'no description'}: ${C.name(c)} is ${f[c]}, the lemma says ${want.get(c) ?? 0}`);
              }
              cases++;
            }
          }
        }
      }
    }
  }
  // layer 2
  const L2 = pm.layers[2]!;
  readsOnly(pm, L2.w1, L2.m, new Set([one, ...slot, val!, y!]), 'the layer-2 feed-forward layer', C);
  for (let s = 0; s < 4; s++) {
    for (let v = 0; v < 2; v++) {
      for (let g = 0; g < 2; g++) {
        const f = ff(pm, 2, vec(d, [[one, 1], [slot[s]!, 1], [val!, v], [y!, g]]));
        const want = s < 2 ? v : s === 2 ? g : 0;
        for (let c = 0; c < d; c++) if (f[c] !== (c === outBit ? want : 0)) throw new Fail(`layer 2 at slot ${s}, value ${v}, gate bit ${g}: ${C.name(c)} is ${f[c]}, the lemma says ${c === outBit ? want : 0}`);
        cases++;
      }
    }
  }
  return { cases, layer1_units: L1.m, layer2_units: L2.m };
}

/** The output layer over every state the feed-forward lemmas allow, every next id. */
function outputLayer(pm: PreparedModel, meta: UniformMeta, C: Coords): Evidence {
  const { d, V, k } = pm;
  const vocab = pm.model.vocab;
  const R = (x: number) => k.round(x);
  const one = C.one('one');
  const slot = C.of('slot');
  const [outNa, outBit] = ['out_na', 'out_bit'].map((n) => C.one(n));
  const next = C.of('next_pair');
  const kBits = next.length / 2;
  readsOnly(pm, pm.unembed, V, new Set([one, ...slot, outNa!, outBit!, ...next]), 'the output layer', C);
  // id rows: slot[3] first, then (sbin(i)_b, -1) on the pairs, nothing else
  let cId = NaN;
  const ids: number[] = [];
  vocab.forEach((tok, v) => {
    const id = idOfToken(tok);
    const row = (c: number) => pm.unembed[v * d + c]!;
    if (id === 0) {
      for (const c of next) if (row(c) !== 0) throw new Fail(`the output row of ${tok} reads the next id`);
      return;
    }
    ids.push(v);
    const nz: number[] = [];
    for (let c = 0; c < d; c++) if (row(c) !== 0) nz.push(c);
    const want = [slot[3]!, ...next];
    if (nz.length !== want.length || nz.some((c, i) => c !== want[i])) throw new Fail(`the output row of ${tok} is not slot[3] then the interleaved pairs`);
    if (Number.isNaN(cId)) cId = row(slot[3]!);
    if (row(slot[3]!) !== cId) throw new Fail(`the output row of ${tok} weighs slot[3] differently`);
    for (let b = 0; b < kBits; b++) if (row(next[2 * b]!) !== sbin(id, b) || row(next[2 * b + 1]!) !== -1) throw new Fail(`the output row of ${tok} does not hold its code in the pairs`);
  });
  if (ids.length !== meta.capacity) throw new Fail(`${ids.length} id tokens for capacity ${meta.capacity}`);
  // automaton over the pairs, from acc0 = [c·slot3]: the matching id's logit and the most any other id reaches
  const idLogits = (s3: number): { match: number; other: number; zero: number } => {
    const acc0 = R(R(cId) * s3);
    let matched = new Set([acc0]);
    let missed = new Set<number>();
    for (let b = 0; b < kBits; b++) {
      const nm = new Set<number>();
      const nx = new Set<number>();
      const step = (acc: number, w: number, x: number) => R(R(acc + R(w * x)) + R(-1 * 1));
      for (const acc of matched) for (const w of [-1, 1]) for (const x of [-1, 1]) (w === x ? nm : nx).add(step(acc, w, x));
      for (const acc of missed) for (const w of [-1, 1]) for (const x of [-1, 1]) nx.add(step(acc, w, x));
      matched = nm;
      missed = nx;
    }
    if (matched.size !== 1) throw new Fail('the matching id row does not have one logit');
    return { match: [...matched][0]!, other: Math.max(...missed), zero: acc0 };
  };
  const bit = (x: number) => vocab.indexOf(x ? '1' : '0');
  const na = vocab.indexOf('NA');
  let worst = Infinity;
  let cases = 0;
  for (let s = 0; s < 4; s++) {
    const ida = idLogits(s === 3 ? 1 : 0);
    for (const n of s < 2 ? [0, 1] : [0]) {
      for (const ob of s < 3 ? [0, 1] : [0]) {
        const h = vec(d, [[one, 1], [slot[s]!, 1], [outNa!, n], [outBit!, ob]]);
        const logits = new Float64Array(V);
        k.matvec(pm.unembed, V, d, h, 0, logits, 0);
        // the non-id rows read no pair: their logits are these whatever the next id
        let rivalNonId = -Infinity;
        const want = s === 3 ? -1 : n ? na : bit(ob);
        for (let v = 0; v < V; v++) if (idOfToken(vocab[v]!) === 0 && v !== want) rivalNonId = Math.max(rivalNonId, logits[v]!);
        const margin = s === 3 ? ida.match - Math.max(ida.other, rivalNonId) : logits[want]! - Math.max(rivalNonId, ida.match, ida.other, ida.zero);
        if (!(margin > 0)) throw new Fail(`slot ${s}, out_na ${n}, out_bit ${ob}: the right token leads by ${margin}`);
        worst = Math.min(worst, margin);
        cases++;
      }
    }
  }
  return { cases, id_rows: ids.length, min_margin: worst };
}
