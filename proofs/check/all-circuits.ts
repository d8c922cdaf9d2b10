// check-cert for an all-circuits certificate (certify MODEL --all-circuits --arith fixed:s): every
// block lemma recomputed from the weights with the checker's own code (its own rounding,
// arith.ts; its own products, scores, softmax and feed-forward evaluation), against its own
// statement of the construction (docs/model-format.md, compiler/uniform/layout.ts), written here
// as what each residual subspace holds:
//   structure      3 layers of 4, 2 and 1 heads, d_model = 12L + 49, L = ceil(log2 N)
//   embeddings     the vocabulary is 0 1, the ten types, NA, <bos>, #1..#N; every token's row holds
//                  tcode = sbin(id) (id 0 for a token that names no wire), t_id, t_isval, t_val,
//                  t_na, a type's truth table in t_tt, nothing else; every one of the 1 + 8N
//                  positions holds one, its slot ((p + 3) mod 4) one-hot, s3, and nothing outside
//                  its position codes
//   heads          every head copies exactly the subspaces the construction names (each value row
//                  reads one coordinate with weight 1, each output column writes one); its query
//                  and key read only what the construction names; every query and key it can form
//                  is a code (±1 bits interleaved with 1; ±λ bits interleaved with -λ), and the
//                  match lemma (an automaton over the rounded partial sums, every pattern of bits
//                  in {-1, 0, 1}) makes [exp score] one number e > 0 on matching codes and 0
//                  otherwise, with [e / e] = 1, so a unique visible match gets weight exactly 1
//                  and every other position exactly 0 (no match: every weight 0);
//                  position heads: every position's query and key (all 1 + 8N positions), key codes
//                  pairwise distinct, each query's visible match is the contract's rule target
//                  (model/contract.ts evaluateRule), and the softmax itself computed densely at
//                  every position (N <= 512), else at the first and last DENSE_EDGE positions;
//                  content heads: every value their query and key subspaces can hold (ids 0..N or
//                  nothing), the codes match exactly when the construction says they should, and
//                  the scores and [exp] computed directly for every (query, key) pair when there are
//                  at most DIRECT_PAIRS of them
//   feed-forward   layer 0 has none; layer 1 over every slot, pair of written bits, description
//                  (each type and NA pattern, or none) and operand code bits (-1, 0, 1, all bits
//                  alike: valid because each output coordinate's units read bits of one index,
//                  checked), writing y, q_op, out_na and nothing else; layer 2 over every slot,
//                  value and gate bit, writing out_bit and nothing else
//   output layer   every slot and state the feed-forward layers can leave, every next id (or none),
//                  all V rows computed directly: the right token leads
// It accepts the certificate when its digest, model hash, capacity and sequence length match, each
// claim holds exactly when the re-check finds it holds, the output layer's recorded margin is not
// above the re-checked one, and the verdict is the conjunction of the claims. The induction that
// glues the lemmas into "every circuit, every input" is docs/proofs.md's ("Every circuit at once").

import { evaluateRule, type Model, type TargetRule, type UniformMeta } from '../../model/index.js';
import { checkArith } from './arith.js';
import { claimsOf, identityProblems, rel, uniformStructure, type RecheckResult } from './common.js';
import { mul, readsOf, rowsOf, type Rows } from './dense.js';
import { GATE } from './margins.js';

/** Position heads: the softmax is computed densely at every position when there are at most
 * DENSE_ALL positions, else at the first and last DENSE_EDGE. */
export const DENSE_ALL = 4097;
export const DENSE_EDGE = 1024;
/** Content heads: (query, key) value pairs whose scores are computed directly (all up to this many). */
export const DIRECT_PAIRS = 2_000_000;

const TYPES = ['AND', 'OR', 'XOR', 'NAND', 'NOR', 'XNOR', 'NOT', 'BUF', 'FALSE', 'TRUE'];
const GATE_OF: Record<string, string> = { FALSE: 'CONST0', TRUE: 'CONST1' };
const table = (type: string): number[] => [0, 1, 2, 3].map((u) => GATE[GATE_OF[type] ?? type]!(u >> 1, u & 1));
const sbin = (i: number, b: number): number => (((i >>> b) & 1) === 1 ? 1 : -1);
const idOf = (tok: string): number => (/^#[1-9]\d*$/.test(tok) ? Number(tok.slice(1)) : 0);

class Bad extends Error {}

/** Residual coordinates by subspace name, from the model's basis labels ("name" or "name[i]"). */
class Space {
  private readonly byName = new Map<string, number[]>();
  constructor(labels: string[]) {
    labels.forEach((l, c) => {
      const m = /^(.*)\[(\d+)\]$/.exec(l);
      const name = m ? m[1]! : l;
      const list = this.byName.get(name) ?? [];
      list[m ? Number(m[2]) : 0] = c;
      this.byName.set(name, list);
    });
  }
  all(name: string): number[] {
    const c = this.byName.get(name);
    if (!c || c.some((x) => x === undefined) || c.length === 0) throw new Bad(`the model's basis has no subspace ${name}`);
    return c;
  }
  one(name: string): number {
    const c = this.all(name);
    if (c.length !== 1) throw new Bad(`the subspace ${name} is not one coordinate`);
    return c[0]!;
  }
  many(names: string[]): number[] {
    return names.flatMap((n) => this.all(n));
  }
}

// ---- the construction, as the checker states it ------------------------------------------

interface PositionHead {
  name: string;
  rule: TargetRule;
  copies: [string, string][];
}

const POSITION_HEADS: PositionHead[] = [
  { name: 'group_0', rule: { rule: 'group-slot', offset: 0 }, copies: [['tcode', 'g_code'], ['t_tt', 'g_tt']] },
  { name: 'group_1', rule: { rule: 'group-slot', offset: 1 }, copies: [['tcode', 'o1_code'], ['t_na', 'o1_na'], ['t_val', 'o1_val']] },
  { name: 'group_2', rule: { rule: 'group-slot', offset: 2 }, copies: [['tcode', 'o2_code'], ['t_na', 'o2_na']] },
  { name: 'previous', rule: { rule: 'previous-group' }, copies: [['tcode', 'p_code']] },
];
const POSITION_SPACES = ['one', 'slot', 's3', 'pos_bits', 'prev_bits'];

/**
 * A content head: its query holds the code of an id (or nothing) in `query`; its key holds the
 * code of an id (or nothing) in `keyCode` and two ±1 flags; `matches` says when they should match.
 * An id of -1 stands for "nothing" (the subspace is 0).
 */
interface ContentHead {
  name: string;
  layer: number;
  query: string;
  keyCode: string;
  flags: [string, string];
  copies: [string, string][];
  /** Key values: [id, flag 0, flag 1] (flags ±1). */
  keys: (N: number) => [number, number, number][];
  matches: (q: number, key: [number, number, number]) => boolean;
}

const ids = (N: number): number[] => Array.from({ length: N + 2 }, (_, i) => i - 1);
const flagged = (N: number, ownId: boolean): [number, number, number][] =>
  ids(N).flatMap((i) => [1, -1].flatMap((s3): [number, number, number][] => (ownId ? [[i, s3, i >= 1 ? 1 : -1]] : [[i, s3, 1], [i, s3, -1]])));

const CONTENT_HEADS: ContentHead[] = [
  {
    // the own-id token (slot 3, an id) of the description whose id starts the query's group
    name: 'description',
    layer: 1,
    query: 'g_code',
    keyCode: 'tcode',
    flags: ['s3', 't_id'],
    copies: [['g_tt', 'd_tt'], ['o1_code', 'd_in1'], ['o1_na', 'd_na1'], ['o2_code', 'd_in2'], ['o2_na', 'd_na2']],
    keys: (N) => flagged(N, true).filter(([i]) => i >= 0),
    matches: (q, [i, s3]) => q >= 1 && i === q && s3 === 1,
  },
  {
    // the own-id token of the description after the one whose own id is the query's id
    name: 'next',
    layer: 1,
    query: 'g_code',
    keyCode: 'p_code',
    flags: ['s3', 't_id'],
    copies: [], // tcode -> next_pair[2b], one -> next_pair[2b + 1]: set below
    keys: (N) => flagged(N, false),
    matches: (q, [i, s3, id]) => q >= 0 && i === q && s3 === 1 && id === 1,
  },
  {
    // the value token (slot 3) of the CoT group whose id is the operand's
    name: 'operand',
    layer: 2,
    query: 'q_op',
    keyCode: 'g_code',
    flags: ['s3', 't_isval'],
    copies: [['t_val', 'val']],
    keys: (N) => flagged(N, false),
    matches: (q, [i, s3, isval]) => q >= 0 && i === q && s3 === 1 && isval === 1,
  },
];

// ---- the re-check ------------------------------------------------------------------------

interface Ctx {
  m: Model;
  meta: UniformMeta;
  R: (x: number) => number;
  d: number;
  sp: Space;
  N: number;
  /** tcode width. */
  k: number;
  S: number;
  layer(l: number): { heads: Map<string, { wq: Rows; wk: Rows; wv: Rows; wo: Rows; dk: number; dv: number }>; w1: Rows; b1: Float64Array; w2: Rows; b2: Float64Array; m: number };
  unembed: Rows;
}

function context(m: Model, R: (x: number) => number): Ctx {
  const meta = m.meta as UniformMeta;
  const d = m.d;
  const sp = new Space(meta.basis);
  const layers = m.layers.map((L) => ({
    heads: new Map(L.heads.map((h) => [h.name, { wq: rowsOf(h.wq, h.dk, d, R), wk: rowsOf(h.wk, h.dk, d, R), wv: rowsOf(h.wv, h.dv, d, R), wo: rowsOf(h.wo, d, h.dv, R), dk: h.dk, dv: h.dv }])),
    w1: rowsOf(L.ff.w1, L.ff.m, d, R),
    b1: Float64Array.from(L.ff.b1, (x) => R(x)),
    w2: rowsOf(L.ff.w2, d, L.ff.m, R),
    b2: Float64Array.from(L.ff.b2, (x) => R(x)),
    m: L.ff.m,
  }));
  return {
    m,
    meta,
    R,
    d,
    sp,
    N: meta.capacity,
    k: sp.all('tcode').length,
    S: 1 + 8 * meta.capacity,
    layer: (l) => {
      const L = layers[l];
      if (!L) throw new Bad(`the model has no layer ${l}`);
      return L;
    },
    unembed: rowsOf(m.unembed, m.vocab.length, d, R),
  };
}

/** A residual vector with the given coordinates set. */
function vec(d: number, set: [number, number][]): Float64Array {
  const h = new Float64Array(d);
  for (const [c, x] of set) h[c] = x;
  return h;
}

/** The code of an id (or nothing: -1) written into coordinates cs. */
function code(cs: number[], id: number): [number, number][] {
  return cs.map((c, b) => [c, id < 0 ? 0 : sbin(id, b)]);
}

function embeddings(x: Ctx): string {
  const { m, d, R, sp, N, k } = x;
  const want = ['0', '1', ...TYPES, 'NA', '<bos>', ...Array.from({ length: N }, (_, i) => `#${i + 1}`)];
  if (m.vocab.length !== want.length || new Set(m.vocab).size !== m.vocab.length || want.some((t) => !m.vocab.includes(t))) throw new Bad(`the vocabulary is not 0 1, the ten types, NA, <bos>, #1..#${N}`);
  if (N >= 2 ** k) throw new Bad(`ids up to ${N} need more than ${k} code bits`);
  const [tId, tIsval, tVal, tNa] = ['t_id', 't_isval', 't_val', 't_na'].map((n) => sp.one(n));
  const tcode = sp.all('tcode');
  const tt = sp.all('t_tt');
  m.vocab.forEach((tok, v) => {
    const id = idOf(tok);
    const e = new Map<number, number>(code(tcode, id));
    e.set(tId!, id > 0 ? 1 : -1);
    e.set(tIsval!, tok === '0' || tok === '1' ? 1 : -1);
    e.set(tVal!, tok === '1' ? 1 : 0);
    e.set(tNa!, tok === 'NA' ? 1 : 0);
    const tab = TYPES.includes(tok) ? table(tok) : [0, 0, 0, 0];
    tt.forEach((c, u) => e.set(c, tab[u]!));
    for (let c = 0; c < d; c++) {
      const got = R(m.tokEmb[v * d + c]!);
      if (got !== (e.get(c) ?? 0)) throw new Bad(`token ${tok}: ${m.meta.basis[c]} is ${got}, the construction says ${e.get(c) ?? 0}`);
    }
  });
  if (m.posEmb.length !== x.S * d || x.meta.max_seq_len !== x.S) throw new Bad(`the model has ${m.posEmb.length / d} positions (max_seq_len ${x.meta.max_seq_len}), the construction 1 + 8N = ${x.S}`);
  const allowed = new Set(sp.many(POSITION_SPACES));
  const one = sp.one('one');
  const s3 = sp.one('s3');
  const slot = sp.all('slot');
  for (let p = 0; p < x.S; p++) {
    const s = (p + 3) & 3;
    const at = (c: number) => R(m.posEmb[p * d + c]!);
    if (at(one) !== 1 || at(s3) !== (s === 3 ? 1 : -1) || slot.some((c, i) => at(c) !== (i === s ? 1 : 0))) throw new Bad(`position ${p}: one, slot or s3 is not 1, slot ${s} one-hot, ${s === 3 ? 1 : -1}`);
    for (let c = 0; c < d; c++) if (!allowed.has(c) && at(c) !== 0) throw new Bad(`position ${p} writes ${m.meta.basis[c]}, outside its position subspaces`);
  }
  return `${m.vocab.length} tokens and ${x.S} positions`;
}

/** Each value row reads one coordinate with weight 1, each output column writes one: the copies equal `want`. */
function copies(x: Ctx, name: string, h: { wv: Rows; wo: Rows; dv: number }, want: [number, number][]): void {
  const got: string[] = [];
  const wo = new Map<number, [number, number][]>(); // value e -> [(coordinate, weight)]
  for (let c = 0; c < x.d; c++) for (let t = h.wo.start[c]!; t < h.wo.start[c + 1]!; t++) wo.set(h.wo.col[t]!, [...(wo.get(h.wo.col[t]!) ?? []), [c, h.wo.w[t]!]]);
  for (let e = 0; e < h.dv; e++) {
    const src = readsOf(h.wv, e);
    const dst = wo.get(e) ?? [];
    if (src.length !== 1 || h.wv.w[h.wv.start[e]!] !== 1 || dst.length !== 1 || dst[0]![1] !== 1) throw new Bad(`head ${name}: value ${e} is not a copy of one coordinate into one coordinate`);
    got.push(`${src[0]}>${dst[0]![0]}`);
  }
  const w = want.map(([a, b]) => `${a}>${b}`);
  if (got.sort().join(',') !== w.sort().join(',')) throw new Bad(`head ${name} does not copy what the construction says`);
}

function readsOnly(x: Ctx, A: Rows, allowed: number[], what: string): void {
  const ok = new Set(allowed);
  for (let r = 0; r < A.rows; r++) for (const c of readsOf(A, r)) if (!ok.has(c)) throw new Bad(`${what} reads ${x.m.meta.basis[c]}`);
}

/**
 * The match lemma for `pairs` interleaved pairs: query (q, 1), key (λ·k, -λ) with q, k in
 * {-1, 0, 1}, the score summed left to right with every product and partial sum rounded. Returns
 * e = [exp] of the score of every all-matching pattern (q = k ≠ 0 in every pair), after checking
 * that it is one positive number with [e / e] = 1 and that every other pattern's [exp] is 0.
 */
function matchLemma(R: (x: number) => number, lam: number, pairs: number, name: string): number {
  let matched = new Set<number>([0]);
  let other = new Set<number>();
  const step = (acc: number, q: number, kb: number) => R(R(acc + R(q * R(kb * lam))) + R(1 * -lam));
  const bits = [-1, 0, 1];
  for (let i = 0; i < pairs; i++) {
    const nm = new Set<number>();
    const no = new Set<number>();
    for (const acc of matched) for (const q of bits) for (const kb of bits) (q !== 0 && q === kb ? nm : no).add(step(acc, q, kb));
    for (const acc of other) for (const q of bits) for (const kb of bits) no.add(step(acc, q, kb));
    matched = nm;
    other = no;
  }
  const ex = (s: number) => R(Math.exp(s));
  const es = new Set([...matched].map(ex));
  const e = [...es][0]!;
  if (es.size !== 1 || !(e > 0)) throw new Bad(`head ${name}: matching codes score ${[...matched].join(', ')}, whose rounded exp is not one positive number`);
  if (R(e / e) !== 1) throw new Bad(`head ${name}: [e / e] is ${R(e / e)}, not 1`);
  for (const s of other) if (ex(s) !== 0) throw new Bad(`head ${name}: a pattern that does not match scores ${s}, whose rounded exp is ${ex(s)}, not 0 (λ = ${lam})`);
  return e;
}

/** The code of a query or key vector: '+', '-' or '0' per pair, after checking its form. */
function codeOf(v: Float64Array, scale: number, constant: number, what: string): string {
  let s = '';
  for (let i = 0; 2 * i < v.length; i++) {
    const b = v[2 * i]!;
    if (v[2 * i + 1] !== constant || (b !== scale && b !== -scale && b !== 0)) throw new Bad(`${what} is not a code (pair ${i}: ${b}, ${v[2 * i + 1]})`);
    s += b > 0 ? '+' : b < 0 ? '-' : '0';
  }
  return s;
}

const matchCodes = (q: string, k: string): boolean => q === k && !q.includes('0');

/** The key scale λ of a head: the magnitude of its keys' constant term, the same in every key. */
function scaleOf(keys: Float64Array[], name: string): number {
  const lam = -keys[0]![1]!;
  if (!(lam > 0)) throw new Bad(`head ${name}: the key's constant term is ${-lam}, not -λ with λ > 0`);
  return lam;
}

/** Dense softmax weights of query q over keys 0..p (paper arithmetic: no max subtraction). */
function denseWeights(R: (x: number) => number, q: Float64Array, keys: Float64Array[], p: number): Float64Array {
  const e = new Float64Array(p + 1);
  let Z = 0;
  for (let j = 0; j <= p; j++) {
    const kj = keys[j]!;
    let acc = 0;
    for (let t = 0; t < q.length; t++) acc = R(acc + R(q[t]! * kj[t]!));
    e[j] = R(Math.exp(acc));
    Z = R(Z + e[j]!);
  }
  return e.map((x) => (Z === 0 ? (x === 0 ? 0 : R(Infinity)) : R(x / Z)));
}

function heads(x: Ctx): string {
  const { sp, d, R, S, N } = x;
  const one = sp.one('one');
  const notes: string[] = [];
  // layer 0: position heads
  const L0 = x.layer(0);
  if (L0.heads.size !== 4 || POSITION_HEADS.some((h) => !L0.heads.has(h.name))) throw new Bad(`layer 0's heads are ${[...L0.heads.keys()].join(', ')}, the construction's group_0, group_1, group_2, previous`);
  const posCoords = sp.many(POSITION_SPACES);
  const rows = Array.from({ length: S }, (_, p) => Float64Array.from({ length: d }, (_, c) => R(x.m.posEmb[p * d + c]!)));
  let dense = 0;
  for (const spec of POSITION_HEADS) {
    const h = L0.heads.get(spec.name)!;
    copies(x, spec.name, h, spec.copies.flatMap(([a, b]) => sp.all(a).map((c, i): [number, number] => [c, sp.all(b)[i]!])));
    readsOnly(x, h.wq, posCoords, `head ${spec.name}'s query`);
    readsOnly(x, h.wk, posCoords, `head ${spec.name}'s key`);
    const Q = rows.map((r) => {
      const q = new Float64Array(h.dk);
      mul(R, h.wq, r, 0, q, 0);
      return q;
    });
    const K = rows.map((r) => {
      const k = new Float64Array(h.dk);
      mul(R, h.wk, r, 0, k, 0);
      return k;
    });
    const lam = scaleOf(K, spec.name);
    matchLemma(R, lam, h.dk / 2, spec.name);
    const keyAt = new Map<string, number>();
    K.forEach((k, p) => {
      const c = codeOf(k, lam, -lam, `head ${spec.name}'s key at position ${p}`);
      if (keyAt.has(c)) throw new Bad(`head ${spec.name}: positions ${keyAt.get(c)} and ${p} have the same key code`);
      keyAt.set(c, p);
    });
    const target = evaluateRule(spec.rule, new Int32Array(S), { ...x.meta, label_offset: 3 });
    Q.forEach((q, p) => {
      const c = codeOf(q, 1, 1, `head ${spec.name}'s query at position ${p}`);
      const j = c.includes('0') ? undefined : keyAt.get(c);
      const got = j !== undefined && j <= p ? j : -1;
      if (got !== target[p]) throw new Bad(`head ${spec.name} at position ${p} matches ${got >= 0 ? `position ${got}` : 'no visible key'}; its rule names ${target[p]! >= 0 ? `position ${target[p]}` : 'none'}`);
    });
    // the softmax itself, densely, at the first and last positions
    for (let p = 0; p < S; p++) {
      if (S > DENSE_ALL && p >= DENSE_EDGE && p < S - DENSE_EDGE) continue;
      const w = denseWeights(R, Q[p]!, K, p);
      w.forEach((wj, j) => {
        if (wj !== (j === target[p] ? 1 : 0)) throw new Bad(`head ${spec.name} at position ${p} puts weight ${wj} on position ${j} (rule target ${target[p]})`);
      });
      dense++;
    }
  }
  notes.push(`position heads: codes at all ${S} positions match their rule targets; dense softmax exactly one-hot at ${dense} (head, position) pairs${S > DENSE_ALL ? ` (the first and last ${DENSE_EDGE} positions of each head)` : ' (every position)'}`);
  // content heads
  let direct = 0;
  let coded = 0;
  for (const spec of CONTENT_HEADS) {
    const h = x.layer(spec.layer).heads.get(spec.name);
    if (!h) throw new Bad(`layer ${spec.layer} has no head ${spec.name}`);
    const want =
      spec.name === 'next'
        ? sp.all('tcode').flatMap((c, b): [number, number][] => [[c, sp.all('next_pair')[2 * b]!], [one, sp.all('next_pair')[2 * b + 1]!]])
        : spec.copies.flatMap(([a, b]) => sp.all(a).map((c, i): [number, number] => [c, sp.all(b)[i]!]));
    copies(x, spec.name, h, want);
    const qc = sp.all(spec.query);
    const kc = sp.all(spec.keyCode);
    const [f0, f1] = spec.flags.map((f) => sp.one(f));
    readsOnly(x, h.wq, [one, ...qc], `head ${spec.name}'s query`);
    readsOnly(x, h.wk, [one, ...kc, f0!, f1!], `head ${spec.name}'s key`);
    const queries = ids(N).map((i) => {
      const q = new Float64Array(h.dk);
      mul(R, h.wq, vec(d, [[one, 1], ...code(qc, i)]), 0, q, 0);
      return { i, q };
    });
    const keys = spec.keys(N).map((kf) => {
      const k = new Float64Array(h.dk);
      mul(R, h.wk, vec(d, [[one, 1], ...code(kc, kf[0]), [f0!, kf[1]], [f1!, kf[2]]]), 0, k, 0);
      return { kf, k };
    });
    const lam = scaleOf(keys.map((k) => k.k), spec.name);
    const e = matchLemma(R, lam, h.dk / 2, spec.name);
    const qCodes = queries.map(({ i, q }) => codeOf(q, 1, 1, `head ${spec.name}'s query for id ${i}`));
    const kCodes = keys.map(({ kf, k }) => codeOf(k, lam, -lam, `head ${spec.name}'s key for (${kf.join(', ')})`));
    const small = queries.length * keys.length <= DIRECT_PAIRS;
    queries.forEach(({ i, q }, a) => {
      keys.forEach(({ kf, k }, b) => {
        const should = spec.matches(i, kf);
        if (matchCodes(qCodes[a]!, kCodes[b]!) !== should) throw new Bad(`head ${spec.name}: the query for id ${i} and the key (${kf.join(', ')}) ${should ? 'do not match' : 'match'}; the construction says they ${should ? 'do' : 'do not'}`);
        coded++;
        if (!small) return;
        let acc = 0;
        for (let t = 0; t < h.dk; t++) acc = R(acc + R(q[t]! * k[t]!));
        if (R(Math.exp(acc)) !== (should ? e : 0)) throw new Bad(`head ${spec.name}: the query for id ${i} scores ${acc} against the key (${kf.join(', ')}), [exp] ${R(Math.exp(acc))}`);
        direct++;
      });
    });
  }
  notes.push(`content heads: ${coded} (query, key) value pairs match exactly as the construction says, ${direct} of them scored directly`);
  return notes.join('; ');
}

function ffOut(x: Ctx, l: number, h: Float64Array): Float64Array {
  const { R, d } = x;
  const L = x.layer(l);
  const z = new Float64Array(L.m);
  mul(R, L.w1, h, 0, z, 0);
  for (let u = 0; u < L.m; u++) {
    const y = R(z[u]! + L.b1[u]!);
    z[u] = y > 0 ? y : 0;
  }
  const f = new Float64Array(d);
  mul(R, L.w2, z, 0, f, 0);
  return f.map((v, c) => R(v + L.b2[c]!));
}

function expectOut(x: Ctx, f: Float64Array, want: Map<number, number>, what: string): void {
  for (let c = 0; c < x.d; c++) if (f[c] !== (want.get(c) ?? 0)) throw new Bad(`${what}: ${x.m.meta.basis[c]} is ${f[c]}, the construction says ${want.get(c) ?? 0}`);
}

function feedForward(x: Ctx): string {
  const { sp, d } = x;
  const L0 = x.layer(0);
  if (L0.w2.col.length !== 0 || L0.b2.some((v) => v !== 0)) throw new Bad('layer 0 has a feed-forward output; the construction has none');
  const one = sp.one('one');
  const slot = sp.all('slot');
  const [o1Val, tVal, na1, na2, y, outNa, val, outBit] = ['o1_val', 't_val', 'd_na1', 'd_na2', 'y', 'out_na', 'val', 'out_bit'].map((n) => sp.one(n)) as number[];
  const dtt = sp.all('d_tt');
  const in1 = sp.all('d_in1');
  const in2 = sp.all('d_in2');
  const qop = sp.all('q_op');
  const L1 = x.layer(1);
  readsOnly(x, L1.w1, [one, ...slot, o1Val!, tVal!, ...dtt, na1!, na2!, ...in1, ...in2], 'the layer-1 feed-forward layer');
  // each output coordinate's units read operand code bits of one index at most (q_op[b]: b only)
  const bitOf = new Map<number, number>();
  in1.forEach((c, b) => bitOf.set(c, b));
  in2.forEach((c, b) => bitOf.set(c, b));
  const unitBits = Array.from({ length: L1.m }, (_, u) => new Set(readsOf(L1.w1, u).filter((c) => bitOf.has(c)).map((c) => bitOf.get(c)!)));
  for (let c = 0; c < d; c++) {
    const bits = new Set(readsOf(L1.w2, c).flatMap((u) => [...unitBits[u]!]));
    const own = qop.indexOf(c);
    if (bits.size > 1 || (bits.size === 1 && [...bits][0] !== own)) throw new Bad(`the layer-1 feed-forward output ${x.m.meta.basis[c]} depends on operand code bits ${[...bits].join(', ')}`);
  }
  let cases = 0;
  const descs: ({ tab: number[]; n1: number; n2: number } | null)[] = [null, ...TYPES.flatMap((t) => [0, 1, 2, 3].map((n) => ({ tab: table(t), n1: n >> 1, n2: n & 1 })))];
  for (let s = 0; s < 4; s++) {
    for (const desc of descs) {
      for (let a = 0; a < 2; a++) {
        for (let b = 0; b < 2; b++) {
          for (const c1 of desc ? [-1, 0, 1] : [0]) {
            for (const c2 of desc ? [-1, 0, 1] : [0]) {
              const set: [number, number][] = [[one, 1], [slot[s]!, 1], [o1Val!, a], [tVal!, b]];
              if (desc) {
                dtt.forEach((c, u) => set.push([c, desc.tab[u]!]));
                set.push([na1!, desc.n1], [na2!, desc.n2], ...in1.map((c): [number, number] => [c, c1]), ...in2.map((c): [number, number] => [c, c2]));
              }
              const want = new Map<number, number>([[y!, desc ? desc.tab[2 * a + b]! : 0], [outNa!, desc && s < 2 ? (s === 0 ? desc.n1 : desc.n2) : 0]]);
              qop.forEach((c) => want.set(c, desc && s < 2 ? (s === 0 ? c1 : c2) : 0));
              expectOut(x, ffOut(x, 1, vec(d, set)), want, `layer 1 at slot ${s}, bits (${a}, ${b}), ${desc ? `table ${desc.tab.join('')} NA ${desc.n1}${desc.n2}, operand bits ${c1}/${c2}` : 'no description'}`);
              cases++;
            }
          }
        }
      }
    }
  }
  const L2 = x.layer(2);
  readsOnly(x, L2.w1, [one, ...slot, val!, y!], 'the layer-2 feed-forward layer');
  for (let s = 0; s < 4; s++) {
    for (let v = 0; v < 2; v++) {
      for (let g = 0; g < 2; g++) {
        const want = new Map([[outBit!, s < 2 ? v : s === 2 ? g : 0]]);
        expectOut(x, ffOut(x, 2, vec(d, [[one, 1], [slot[s]!, 1], [val!, v], [y!, g]])), want, `layer 2 at slot ${s}, value ${v}, gate bit ${g}`);
        cases++;
      }
    }
  }
  return `${cases} cases`;
}

function outputLayer(x: Ctx): { note: string; margin: number } {
  const { sp, d, R, N, m } = x;
  const one = sp.one('one');
  const slot = sp.all('slot');
  const outNa = sp.one('out_na');
  const outBit = sp.one('out_bit');
  const next = sp.all('next_pair');
  readsOnly(x, x.unembed, [one, ...slot, outNa, outBit, ...next], 'the output layer');
  const V = m.vocab.length;
  const tok = (t: string) => m.vocab.indexOf(t);
  const logits = new Float64Array(V);
  let worst = Infinity;
  let cases = 0;
  for (let s = 0; s < 4; s++) {
    const states = s < 2 ? [[0, 0], [0, 1], [1, 0], [1, 1]] : s === 2 ? [[0, 0], [0, 1]] : [[0, 0]];
    for (const [na, bit] of states) {
      for (let j = s === 3 ? 1 : 0; j <= N; j++) {
        // next_pair: (sbin(j)_b, 1) per bit for the next id j, all 0 when there is none (j = 0)
        const pairs = next.map((c, i): [number, number] => [c, j === 0 ? 0 : i % 2 === 1 ? 1 : sbin(j, i >> 1)]);
        mul(R, x.unembed, vec(d, [[one, 1], [slot[s]!, 1], [outNa, na!], [outBit, bit!], ...pairs]), 0, logits, 0);
        const want = s === 3 ? tok(`#${j}`) : na ? tok('NA') : tok(bit ? '1' : '0');
        let rival = -Infinity;
        for (let v = 0; v < V; v++) if (v !== want && logits[v]! > rival) rival = logits[v]!;
        const margin = logits[want]! - rival;
        if (!(margin > 0)) throw new Bad(`slot ${s}, out_na ${na}, out_bit ${bit}, next id ${j || 'none'}: '${m.vocab[want]}' leads by ${margin}`);
        worst = Math.min(worst, margin);
        cases++;
      }
    }
  }
  return { note: `${cases} states, all ${V} rows each: margin ${worst}`, margin: worst };
}

const CLAIMS = ['structure', 'embeddings', 'heads', 'feed-forward', 'output layer'];

/** Re-checks an all-circuits certificate against a uniform model. */
export function recheckAllCircuits(cert: Record<string, unknown>, m: Model): RecheckResult {
  const fail = (p: string[]): RecheckResult => ({ ok: false, problems: p, positions: 0, minMargin: null });
  if (m.meta.mode !== 'uniform') return fail(['an all-circuits certificate is for a uniform model; this model is positional']);
  const meta = m.meta;
  const problems: string[] = [];
  problems.push(...identityProblems(cert, m));
  if (cert.capacity !== meta.capacity || cert.max_seq_len !== 1 + 8 * meta.capacity) problems.push(`the certificate says capacity ${String(cert.capacity)} (S up to ${String(cert.max_seq_len)}); the model's capacity is ${meta.capacity} (S up to ${1 + 8 * meta.capacity})`);
  const arithName = String(cert.arith);
  if (!/^(fixed:\d+|float:\d+,\d+)$/.test(arithName)) problems.push(`an all-circuits certificate is exact: the checker re-checks fixed:s and float:e,s, not '${arithName}'`);
  if (problems.length > 0) return fail(problems);
  const R = checkArith(arithName).round;

  // the re-check's own findings, claim by claim (undefined: holds)
  const found = new Map<string, string | undefined>();
  const notes = new Map<string, string>();
  let margin = NaN;
  const s = uniformStructure(m);
  found.set('structure', s.holds ? undefined : s.why);
  const run = (name: string, f: (x: Ctx) => string) => {
    try {
      notes.set(name, f(context(m, R)));
      found.set(name, undefined);
    } catch (e) {
      if (!(e instanceof Bad)) throw e;
      found.set(name, e.message);
    }
  };
  run('embeddings', embeddings);
  run('heads', heads);
  run('feed-forward', feedForward);
  run('output layer', (x) => {
    const r = outputLayer(x);
    margin = r.margin;
    return r.note;
  });

  const claims = claimsOf(cert);
  const names = claims.map((c) => c.claim);
  if (names.join('|') !== CLAIMS.join('|')) problems.push(`the certificate's claims are ${names.join(', ') || 'none'}, not ${CLAIMS.join(', ')}`);
  for (const c of claims) {
    if (!found.has(c.claim)) continue;
    const why = found.get(c.claim);
    if (c.holds === true && why !== undefined) problems.push(`the certificate says ${c.claim} holds; the re-check finds: ${why}`);
    if (c.holds !== true && why === undefined) problems.push(`the certificate says ${c.claim} does not hold; the re-check finds it holds`);
  }
  const outClaim = claims.find((c) => c.claim === 'output layer');
  const recorded = outClaim?.evidence?.min_margin;
  if (outClaim?.holds && found.get('output layer') === undefined && (typeof recorded !== 'number' || recorded > margin + rel(margin))) problems.push(`the certificate records an output-layer margin of ${String(recorded)}, the re-check ${margin}`);
  const allHold = claims.length > 0 && claims.every((c) => c.holds === true);
  if (cert.verdict !== allHold) problems.push(`the verdict ${String(cert.verdict)} does not follow from the claims`);
  const mine = CLAIMS.every((n) => found.get(n) === undefined);
  if (cert.verdict === true && !mine) problems.push('the verdict is true but the re-check finds a block lemma that fails');
  const summary =
    `uniform model, capacity ${meta.capacity} (S up to ${1 + 8 * meta.capacity}), ${arithName}, every circuit of at most ${meta.capacity} wires: ` +
    CLAIMS.map((n) => `${n} ${found.get(n) === undefined ? `holds${notes.has(n) ? ` (${notes.get(n)})` : ''}` : `fails (${found.get(n)})`}`).join('; ') +
    ` — re-checked independently; the certificate's verdict: ${cert.verdict ? 'CERTIFIED' : 'NOT CERTIFIED'} (the induction gluing these lemmas: docs/proofs.md)`;
  return { ok: problems.length === 0, problems, positions: 0, minMargin: Number.isFinite(margin) ? margin : null, summary };
}
