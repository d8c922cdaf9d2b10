// Causal attention for a chunk of queries with an online (streaming) softmax. A workgroup owns
// TQ = WG·QPI consecutive queries (QPI per invocation, kept in registers as vec4s) and streams
// the keys in tiles of TK through workgroup memory: per tile every query computes its TK scores,
// takes the tile maximum, rescales its running sum and accumulators once, then adds
// exp(s - max)·v. Memory stays O(S·d): no score matrix is ever stored.
//
// Batch sharing: workgroup row y is a "group". For a position-only head there is one key set
// and a group is NB batch rows whose values are weighted by the same softmax (each score is
// computed once for NB inputs); otherwise a group is one batch row with its own keys.
//
// The keys of one dispatch come from one cache segment [kStart, kEnd); when a sequence needs
// several segments the running max, sum and accumulators persist in a state buffer between
// dispatches (FLAG_FIRST starts afresh, FLAG_LAST normalises and writes the head output).

import type { HeadShape, Precision } from '../layout.js';
import { FLAG_FIRST, FLAG_LAST, WG, attentionEpilogue, header, range, vIndexP, zero, type ShaderSource } from './common.js';

export interface FlashConfig {
  /** Batch rows per group (1 unless the head is position-only). */
  nb: number;
  /** Queries per invocation. */
  qpi: number;
  /** Keys per tile. */
  tk: number;
}

/** Keys per tile that fit the workgroup memory (vec4 keys and NB·dv values per key). */
export function flashTile(hl: HeadShape, nb: number, bytes: number, maxWorkgroupStorage: number, want = 64): number {
  const perKey = (hl.dk4 + nb * hl.dv) * bytes;
  let tk = want;
  while (tk > 4 && tk * perKey > maxWorkgroupStorage) tk >>= 1;
  return tk;
}

/** The sizes both attention kernels unroll over: key/query vec4s, value width, values of a
 * score-sharing group, queries per workgroup, and the query and value index lists. */
export function flashDims(hl: HeadShape, cfg: FlashConfig): { DK4: number; DV: number; NBDV: number; TQ: number; R: number[]; Kk: number[] } {
  const NBDV = cfg.nb * hl.dv;
  return { DK4: hl.dk4 / 4, DV: hl.dv, NBDV, TQ: WG * cfg.qpi, R: range(cfg.qpi), Kk: range(NBDV) };
}

export function flashShader(prec: Precision, hl: HeadShape, cfg: FlashConfig): ShaderSource {
  const { nb: NB, qpi: QPI, tk: TK } = cfg;
  const { DK4, DV, NBDV, TQ, R, Kk } = flashDims(hl, cfg);
  const T0 = zero(prec);
  const dotExpr = (r: number): string => range(DK4).map((t) => `dot(q${r}_${t}, kt[kb + ${t}u])`).join(' + ');
  const code = `${header(prec)}
@group(0) @binding(1) var<storage, read> Q: array<T4>;
@group(0) @binding(2) var<storage, read> K: array<T4>;
@group(0) @binding(3) var<storage, read> Vc: array<T>;
@group(0) @binding(4) var<storage, read_write> A: array<T>;
@group(0) @binding(5) var<storage, read_write> St: array<T>;
const DK4 = ${DK4}u;
const DV = ${DV}u;
const NB = ${NB}u;
const NBDV = ${NBDV}u;
const TK = ${TK}u;
const TQ = ${TQ}u;
const SHARED = ${hl.shared};
const ZERO: T = ${T0};
var<workgroup> kt: array<T4, ${TK * DK4}>;
var<workgroup> vt: array<T, ${TK * NBDV}>;

@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u) {
  let gy = wid.y;
  let keySet = select(gy, 0u, SHARED);
  let row0 = gy * NB;
  let qbase = wid.x * TQ;
  if (qbase >= P.nPos) { return; }
  // Row offsets in vec4 units (row widths and head offsets are multiples of 4).
  let KROW4 = P.hKRow / 4u;
  let kOff4 = (P.hKOff + keySet * ${hl.dk4}u) / 4u;
  let first = (P.flags & ${FLAG_FIRST}u) != 0u;
  let last = (P.flags & ${FLAG_LAST}u) != 0u;
${R.map(
  (r) => `  let qc${r} = qbase + ${r * WG}u + li;
  let i${r} = P.pos0 + qc${r};
  let qb${r} = min(qc${r}, P.nPos - 1u) * KROW4 + kOff4;
${range(DK4)
  .map((t) => `  let q${r}_${t} = Q[qb${r} + ${t}u];`)
  .join('\n')}
  let st${r} = (gy * P.chunkCap + min(qc${r}, P.nPos - 1u)) * (2u + NBDV);
  var m${r} = NEG;
  var l${r} = ZERO;
${Kk.map((k) => `  var a${r}_${k} = ZERO;`).join('\n')}
  if (!first) {
    m${r} = St[st${r}];
    l${r} = St[st${r} + 1u];
${Kk.map((k) => `    a${r}_${k} = St[st${r} + ${2 + k}u];`).join('\n')}
  }
  var s${r}: array<T, ${TK}>;`,
).join('\n')}
  // Keys this workgroup needs: up to its last query (causal), within this segment.
  let kHi = min(P.kEnd, P.pos0 + min(qbase + TQ, P.nPos));
  for (var t0 = P.kStart; t0 < kHi; t0 += TK) {
    let nk = min(TK, kHi - t0);
    for (var x = li; x < TK * DK4; x += ${WG}u) {
      let j = t0 + x / DK4;
      var kv = T4(ZERO);
      if (j < kHi) { kv = K[(j - P.kvBase) * KROW4 + kOff4 + x % DK4]; }
      kt[x] = kv;
    }
    for (var x = li; x < TK * NBDV; x += ${WG}u) {
      let j = t0 + x / NBDV;
      let n = (x % NBDV) / DV;
      var vv = ZERO;
      if (j < kHi && row0 + n < P.nRows) { vv = Vc[${vIndexP(DV, 'j', 'row0 + n', 'x % DV')}]; }
      vt[x] = vv;
    }
    workgroupBarrier();
${R.map(
  (r) => `    {
      var mx = NEG;
      for (var jj = 0u; jj < nk; jj++) {
        let kb = jj * DK4;
        let sc = select(NEG, ${dotExpr(r)}, t0 + jj <= i${r});
        s${r}[jj] = sc;
        mx = max(mx, sc);
      }
      let mNew = max(m${r}, mx);
      let scale = exp(m${r} - mNew);
      m${r} = mNew;
      l${r} = l${r} * scale;
${Kk.map((k) => `      a${r}_${k} = a${r}_${k} * scale;`).join('\n')}
      for (var jj = 0u; jj < nk; jj++) {
        let p = select(ZERO, exp(s${r}[jj] - mNew), t0 + jj <= i${r});
        l${r} = l${r} + p;
        let vb = jj * NBDV;
${Kk.map((k) => `        a${r}_${k} = a${r}_${k} + p * vt[vb + ${k}u];`).join('\n')}
      }
    }`,
).join('\n')}
    workgroupBarrier();
  }
${attentionEpilogue(QPI, NB, DV)}
}
`;
  return {
    label: `flash(dk4 ${hl.dk4}, dv ${hl.dv}, nb ${NB}, qpi ${QPI}, tk ${TK}${hl.shared ? ', shared' : ''})`,
    code,
    bindings: ['uniform', 'read', 'read', 'read', 'rw', 'rw'],
  };
}

/** Workgroups along x for a chunk of nPos queries. */
export function flashGroupsX(nPos: number, qpi: number): number {
  return Math.ceil(nPos / (WG * qpi));
}
