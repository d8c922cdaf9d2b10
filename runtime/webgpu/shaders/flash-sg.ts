// Causal attention for a chunk of queries, streaming softmax, register-tiled for CPU-emulated
// adapters (lavapipe/llvmpipe). There, every memory load inside a loop is executed lane by
// lane, and any workgroupBarrier() turns the whole shader into a coroutine that runs about
// three times slower; a workgroup-memory tile (flash.ts) pays for both. This kernel has no
// barrier and no workgroup memory: each invocation keeps QPI queries in registers; the keys are
// read G at a time (G = the subgroup size), lane c of the subgroup loading key t0 + c and its
// values, and every key is handed to all lanes with subgroupBroadcast(., c), so each key is
// loaded once per subgroup instead of once per lane. Per group of G keys each query takes the
// group maximum, rescales its running sum and accumulators once, and adds exp(s - max)·v.
// Batch sharing (position-only heads), key segments and the state buffer work as in flash.ts.

import type { HeadShape, Precision } from '../layout.js';
import { FLAG_FIRST, FLAG_LAST, WG, attentionEpilogue, header, range, vIndexP, zero, type ShaderSource } from './common.js';
import { flashDims, type FlashConfig } from './flash.js';

export interface FlashSgConfig extends FlashConfig {
  /** Subgroup size (keys broadcast per group). */
  sg: number;
}

export function flashSgShader(prec: Precision, hl: HeadShape, cfg: FlashSgConfig): ShaderSource {
  const { nb: NB, qpi: QPI, sg: G } = cfg;
  const f16 = prec === 'f16';
  const { DK4, DV, NBDV, TQ, R, Kk } = flashDims(hl, cfg);
  const C = range(G);
  const Z = zero(prec);
  // f16 values travel through the subgroup as u32 bit patterns (no f16 subgroup feature needed).
  const bk = (x: string, c: number): string => (f16 ? `bitcast<T4>(subgroupBroadcast(bitcast<vec2<u32>>(${x}), ${c}u))` : `subgroupBroadcast(${x}, ${c}u)`);
  const bv = (x: string, c: number): string => (f16 ? `T(bitcast<vec2<f16>>(subgroupBroadcast(bitcast<u32>(vec2<f16>(${x}, ${Z})), ${c}u)).x)` : `subgroupBroadcast(${x}, ${c}u)`);
  const code = `enable subgroups;
${header(prec)}
@group(0) @binding(1) var<storage, read> Q: array<T4>;
@group(0) @binding(2) var<storage, read> K: array<T4>;
@group(0) @binding(3) var<storage, read> Vc: array<T>;
@group(0) @binding(4) var<storage, read_write> A: array<T>;
@group(0) @binding(5) var<storage, read_write> St: array<T>;
const NBDV = ${NBDV}u;

@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) sl: u32) {
  let gy = wid.y;
  let keySet = select(gy, 0u, ${hl.shared});
  let row0 = gy * ${NB}u;
  let qbase = wid.x * ${TQ}u;
  if (qbase >= P.nPos) { return; }
  let first = (P.flags & ${FLAG_FIRST}u) != 0u;
  let last = (P.flags & ${FLAG_LAST}u) != 0u;
  let KROW4 = P.hKRow / 4u;
  let kOff4 = (P.hKOff + keySet * ${hl.dk4}u) / 4u;
  // Keys this workgroup needs: up to its last query (causal), within this segment.
  let kHi = min(P.kEnd, P.pos0 + min(qbase + ${TQ}u, P.nPos));
${R.map(
  (r) => `  let qc${r} = qbase + ${r * WG}u + li;
  let lim${r} = min(P.pos0 + qc${r} + 1u, kHi); // keys j < lim are visible to this query
  let qb${r} = min(qc${r}, P.nPos - 1u) * KROW4 + kOff4;
${range(DK4)
  .map((t) => `  let q${r}_${t} = Q[qb${r} + ${t}u];`)
  .join('\n')}
  let st${r} = (gy * P.chunkCap + min(qc${r}, P.nPos - 1u)) * (2u + NBDV);
  var m${r} = NEG;
  var l${r} = ${Z};
${Kk.map((k) => `  var a${r}_${k} = ${Z};`).join('\n')}
  if (!first) {
    m${r} = St[st${r}];
    l${r} = St[st${r} + 1u];
${Kk.map((k) => `    a${r}_${k} = St[st${r} + ${2 + k}u];`).join('\n')}
  }`,
).join('\n')}
  let lane = sl % ${G}u;
  // Value rows beyond the batch read row 0 (their results are never written).
${range(NB)
  .map((n) => `  let vr${n} = select(0u, row0 + ${n}u, row0 + ${n}u < P.nRows);`)
  .join('\n')}
  for (var t0 = P.kStart; t0 < kHi; t0 += ${G}u) {
    let kr = min(t0 + lane, kHi - 1u);
    let kb = (kr - P.kvBase) * KROW4 + kOff4;
${range(DK4)
  .map((t) => `    let mk${t} = K[kb + ${t}u];`)
  .join('\n')}
${Kk.map((k) => `    let mv${k} = Vc[${vIndexP(DV, 'kr', `vr${Math.floor(k / DV)}`, `${k % DV}u`)}];`).join('\n')}
${C.map((c) => range(DK4).map((t) => `    let k${c}_${t} = ${bk(`mk${t}`, c)};`).join('\n')).join('\n')}
${C.map((c) => Kk.map((k) => `    let v${c}_${k} = ${bv(`mv${k}`, c)};`).join('\n')).join('\n')}
${R.map(
  (r) => `    {
${C.map((c) => `      let s${c} = select(NEG, ${range(DK4).map((t) => `dot(q${r}_${t}, k${c}_${t})`).join(' + ')}, t0 + ${c}u < lim${r});`).join('\n')}
      let mx = max(m${r}, ${C.map((c) => `s${c}`).reduce((a, b) => `max(${a}, ${b})`)});
      let sc = exp(m${r} - mx);
      m${r} = mx;
      l${r} = l${r} * sc;
${Kk.map((k) => `      a${r}_${k} = a${r}_${k} * sc;`).join('\n')}
${C.map(
  (c) => `      {
        let p = select(${Z}, exp(s${c} - mx), t0 + ${c}u < lim${r});
        l${r} = l${r} + p;
${Kk.map((k) => `        a${r}_${k} = a${r}_${k} + p * v${c}_${k};`).join('\n')}
      }`,
).join('\n')}
    }`,
).join('\n')}
  }
${attentionEpilogue(QPI, NB, DV)}
}
`;
  return {
    label: `flash-sg(dk4 ${hl.dk4}, dv ${hl.dv}, nb ${NB}, qpi ${QPI}, sg ${G}${hl.shared ? ', shared' : ''})`,
    code,
    bindings: ['uniform', 'read', 'read', 'read', 'rw', 'rw'],
  };
}
