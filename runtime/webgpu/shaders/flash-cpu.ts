// Causal attention for a chunk of queries, streaming softmax, for CPU adapters (lavapipe).
//
// llvmpipe runs each invocation as one lane of an 8- or 16-wide SIMD vector (the subgroup). A
// memory load inside a loop becomes a loop over the lanes (a scalar load with a bounds test
// each, whatever the address), a subgroupBroadcast one shuffle, and arithmetic one vector
// instruction for all lanes; registers are the CPU's 16 or 32 vector registers, so whatever a
// lane keeps beyond that lives on the stack. The kernel is therefore shaped like a CPU GEMM
// micro-kernel (and like PyTorch's CPU flash attention, which blocks queries and keys and
// rescales once per block):
// - each lane owns QPI queries (loaded once); all lanes of a subgroup walk the same keys, G at
//   a time (G = the subgroup size): lane c loads key t0 + c and its values (one per-lane load
//   per key and subgroup), and every key component is handed to all lanes with
//   subgroupBroadcast;
// - scores are computed KB keys at a time, component-outer: per key component, KB broadcasts
//   and QPI·KB multiply-adds into QPI·KB accumulators that stay in registers;
// - per block of KB keys each query takes the block maximum, rescales its running sum and
//   accumulators once and adds exp(s - max)·v. Where a lane's value accumulators (QPI·NB·dv)
//   cannot all stay in registers (a wide head: llvmpipe keeps them on the stack), the block's
//   P·V runs as a small GEMM instead (FlashCpuConfig.pv 'blocked'): per value component, the KB
//   keys' products are summed in a register per query and added to the accumulator once
//   (one load and one store per block instead of one per key);
// - a block in which every query of the subgroup has only exactly-zero weights (block maximum
//   more than DEAD below its running maximum: exp underflows to 0 in f32 and f16) would add 0 to
//   every running sum and rescale none; its exps, values and P·V are left out (subgroupAll). The
//   scores of every (query, key) pair are still computed: it is the dense softmax, with the
//   work whose result is exactly 0 not done (models whose off-target weights underflow, such as
//   the uniform model's one-hot heads, gain; others run as before);
// - keys below kFull are visible to every query of the workgroup and run without any causal
//   test; only the last (diagonal) stretch of at most TQ + G keys runs with it.
// No barrier and no workgroup memory (each turns an llvmpipe shader into a coroutine). Batch
// sharing (position-only heads), key segments and the state buffer work as in flash.ts.

import type { HeadShape, Precision } from '../layout.js';
import { FLAG_FIRST, FLAG_LAST, WG, attentionEpilogue, header, range, vIndexP, zero, type ShaderSource } from './common.js';
import { flashDims, type FlashConfig } from './flash.js';

export interface FlashCpuConfig extends FlashConfig {
  /** Subgroup size: keys loaded per step (one per lane). */
  sg: number;
  /** Keys per softmax block (one maximum and one rescale per block and query); divides sg. */
  kb: number;
  /** The NB·dv values of a key for a group start at a multiple of 4 in the value cache for
   *  every key (cpuValuesAligned): they are read as vec4s, a quarter of the per-lane loads. */
  v4: boolean;
  /** How a block's exp(s - max)·v reaches the accumulators: 'inline' adds each key's product to
   *  them as it goes (their loads and stores are free while they fit in registers); 'blocked'
   *  sums the block's KB products per value component first (cpuPv chooses). */
  pv?: 'inline' | 'blocked';
  /** Leave out the blocks whose weights are all exactly 0 (cpuSkip chooses: wide heads). */
  skip?: boolean;
  /** Key order: 'forward' (oldest first) or 'backward' (the diagonal stretch first, then the
   *  older keys newest first); a head whose targets are just behind its queries finds them first
   *  walking backward, and every later block is left out. */
  walk?: 'forward' | 'backward';
}

/** Values per key (NB·dv) from which a head's kernel tests its blocks for exactly-zero weights:
 *  a block left out saves its exps and QPI·KB·NB·dv multiply-adds, while a head carrying one
 *  value saves little more than its exps and pays the test and the branch (BENCHMARKS.md,
 *  2026-12-06 14:00–15:17 UTC: the positional heads lost about 20% with the test forced on). */
export const CPU_SKIP_MIN_VALUES = 8;

export function cpuSkip(nbdv: number): boolean {
  return nbdv >= CPU_SKIP_MIN_VALUES;
}

/** Value accumulators per lane above which the blocked P·V pays (llvmpipe: one vector register
 *  per lane value; the CPU has 16 or 32 of them, and scores and queries need their own). */
export const CPU_PV_INLINE_MAX = 16;

/** The P·V form for a head carrying `nbdv` values per key at `qpi` queries per lane. */
export function cpuPv(nbdv: number, qpi: number): 'inline' | 'blocked' {
  return qpi * nbdv > CPU_PV_INLINE_MAX ? 'blocked' : 'inline';
}

/** Whether a head's values can be read as vec4s for a batch of B rows (FlashCpuConfig.v4): the
 *  value row of a position (B·hdv), the head's place in it (B·aOff) and a group's values (nb·dv)
 *  are all whole vec4s. */
export function cpuValuesAligned(hdv: number, aOff: number, dv: number, nb: number, B: number): boolean {
  return (B * hdv) % 4 === 0 && (B * aOff) % 4 === 0 && (nb * dv) % 4 === 0;
}

const COMP = ['x', 'y', 'z', 'w'];

export function flashCpuShader(prec: Precision, hl: HeadShape, cfg: FlashCpuConfig): ShaderSource {
  const { nb: NB, qpi: QPI, sg: G } = cfg;
  const KB = Math.min(G, cfg.kb);
  if (G % KB !== 0) throw new RangeError(`keys per block (${KB}) must divide the subgroup size (${G})`);
  const f16 = prec === 'f16';
  const { DK4, DV, NBDV, TQ, R, Kk } = flashDims(hl, cfg);
  const Z = zero(prec);
  // f16 values travel through the subgroup as u32 bit patterns (no f16 subgroup feature needed).
  const bk = (x: string, c: number): string => (f16 ? `bitcast<T4>(subgroupBroadcast(bitcast<vec2<u32>>(${x}), ${c}u))` : `subgroupBroadcast(${x}, ${c}u)`);
  const bv = (x: string, c: number): string => (f16 ? `T(bitcast<vec2<f16>>(subgroupBroadcast(bitcast<u32>(vec2<f16>(${x}, ${Z})), ${c}u)).x)` : `subgroupBroadcast(${x}, ${c}u)`);
  /** Key component t.x of key c of the step, in every lane. */
  const kc = (c: number, t: number, x: number): string => (f16 ? `kv${c}_${t}.${COMP[x]}` : bk(`mk${t}.${COMP[x]}`, c));
  // The softmax update of query r over the block's keys C, shared by both P·V forms:
  /** Key c of the step is visible to query r. */
  const vis = (r: number, c: number): string => `t0 + ${c}u < lim${r}`;
  /** In a masked (diagonal) block, the scores of the keys query r cannot see become NEG. */
  const maskScores = (r: number, C: number[], masked: boolean): string[] => (masked ? C.map((c) => `    s${r}_${c} = select(NEG, s${r}_${c}, ${vis(r, c)});`) : []);
  /** The maximum of query r's scores in the block. */
  const blockMax = (r: number, C: number[]): string => C.map((c) => `s${r}_${c}`).reduce((a, b) => `max(${a}, ${b})`);
  /** The weight exp(s - mx) of key c for query r (zero where it cannot see the key). */
  const weight = (r: number, c: number, mx: string, masked: boolean): string => (masked ? `select(${Z}, exp(s${r}_${c} - ${mx}), ${vis(r, c)})` : `exp(s${r}_${c} - ${mx})`);

  /** Scores and softmax update of the KB keys c0 .. c0 + KB - 1 of the step. */
  const block = (c0: number, masked: boolean): string => {
    const C = range(KB).map((i) => c0 + i);
    const lines: string[] = [];
    if (f16) C.forEach((c) => range(DK4).forEach((t) => lines.push(`    let kv${c}_${t} = ${bk(`mk${t}`, c)};`)));
    // Component-outer: each broadcast key component meets the QPI queries at once.
    range(DK4).forEach((t) =>
      range(4).forEach((x) => {
        C.forEach((c) => {
          lines.push(`    let b${c}_${t}${COMP[x]} = ${kc(c, t, x)};`);
          R.forEach((r) => {
            const prod = `q${r}_${t}.${COMP[x]} * b${c}_${t}${COMP[x]}`;
            lines.push(t === 0 && x === 0 ? `    var s${r}_${c} = ${prod};` : `    s${r}_${c} = s${r}_${c} + ${prod};`);
          });
        });
      }),
    );
    // Per query its block maximum; a block in which every query's weights are exactly 0 (its
    // maximum more than DEAD below the running one) changes nothing and is left out whole.
    R.forEach((r) => {
      lines.push(...maskScores(r, C, masked));
      lines.push(`    let bm${r} = ${blockMax(r, C)};`);
    });
    // The update runs under the test (values loaded inside it, so a block left out loads none),
    // or in a plain scope.
    lines.push(cfg.skip ? `    if (!subgroupAll(${R.map((r) => `bm${r} < m${r} - DEAD`).join(' && ')})) {\n${valueLoads}` : '    {');
    lines.push(cfg.pv === 'blocked' ? blockedPv(C, masked) : inlinePv(C, masked), '    }');
    return `    {\n${lines.join('\n')}\n    }`;
  };

  /** The softmax update of a block with its P·V inline: per query one rescale, then each key's
   *  weight and products added to the accumulators as it goes. */
  const inlinePv = (C: number[], masked: boolean): string => {
    const lines: string[] = [];
    C.forEach((c) => Kk.forEach((k) => lines.push(`    let v${c}_${k} = ${bv(`mv${k}`, c)};`)));
    R.forEach((r) => {
      lines.push(`    {
      let mx = max(m${r}, bm${r});
      let sc = exp(m${r} - mx);
      m${r} = mx;
      l${r} = l${r} * sc;
${Kk.map((k) => `      a${r}_${k} = a${r}_${k} * sc;`).join('\n')}
${C.map(
  (c) => `      {
        let p = ${weight(r, c, 'mx', masked)};
        l${r} = l${r} + p;
${Kk.map((k) => `        a${r}_${k} = a${r}_${k} + p * v${c}_${k};`).join('\n')}
      }`,
).join('\n')}
    }`);
    });
    return lines.join('\n');
  };

  /** The softmax update of a block with its P·V as a small GEMM: per query the block maximum,
   *  the rescale factor and the KB weights p; then per value component the KB products summed
   *  in one register per query, added to the rescaled accumulator once. */
  const blockedPv = (C: number[], masked: boolean): string => {
    const lines: string[] = [];
    R.forEach((r) => {
      lines.push(`    let mx${r} = max(m${r}, bm${r});`);
      lines.push(`    let sc${r} = exp(m${r} - mx${r});`);
      lines.push(`    m${r} = mx${r};`);
      C.forEach((c) => lines.push(`    let p${r}_${c} = ${weight(r, c, `mx${r}`, masked)};`));
      lines.push(`    l${r} = l${r} * sc${r} + (${C.map((c) => `p${r}_${c}`).join(' + ')});`);
    });
    Kk.forEach((k) => {
      C.forEach((c, ci) => {
        lines.push(`    let v${c}_${k} = ${bv(`mv${k}`, c)};`);
        R.forEach((r) => lines.push(ci === 0 ? `    var u${r}_${k} = p${r}_${c} * v${c}_${k};` : `    u${r}_${k} = u${r}_${k} + p${r}_${c} * v${c}_${k};`));
      });
      R.forEach((r) => lines.push(`    a${r}_${k} = a${r}_${k} * sc${r} + u${r}_${k};`));
    });
    return `    {\n${lines.join('\n')}\n    }`;
  };

  // Lane c's values of key kr (all NB rows of the group), as vec4s when aligned: once per step, or
  // inside each block's test when the kernel has one.
  const valueLoads = cfg.v4
    ? `    let vb = ((kr - P.kvBase) * P.nRows * P.hHdv + P.nRows * P.hAOff + row0 * ${DV}u) / 4u;
${range(NBDV / 4)
  .map((i) => `    let mv4_${i} = Vc[vb + ${i}u];`)
  .join('\n')}
${Kk.map((k) => `    let mv${k} = mv4_${Math.floor(k / 4)}.${COMP[k % 4]};`).join('\n')}`
    : Kk.map((k) => `    let mv${k} = Vc[${vIndexP(DV, 'kr', `vr${Math.floor(k / DV)}`, `${k % DV}u`)}];`).join('\n');

  /** One step of G keys from t0: lane c loads key t0 + c (clamped below kHi when masked). */
  const step = (masked: boolean): string => `    let kr = ${masked ? 'min(t0 + lane, kHi - 1u)' : 't0 + lane'};
    let kb = (kr - P.kvBase) * KROW4 + kOff4;
${range(DK4)
  .map((t) => `    let mk${t} = K[kb + ${t}u];`)
  .join('\n')}
${cfg.skip ? '' : valueLoads}
${range(G / KB)
  .map((i) => block(i * KB, masked))
  .join('\n')}`;

  const forwardWalk = `  for (var t0 = P.kStart; t0 < kFull; t0 += ${G}u) {
${step(false)}
  }
  for (var t0 = kFull; t0 < kHi; t0 += ${G}u) {
${step(true)}
  }`;
  const backwardWalk = `  for (var t0 = kFull; t0 < kHi; t0 += ${G}u) {
${step(true)}
  }
  for (var t1 = kFull; t1 > P.kStart; t1 -= ${G}u) {
    let t0 = t1 - ${G}u;
${step(false)}
  }`;
  // The test of a block is the same in every lane of a subgroup (subgroupAll), which WGSL's
  // uniformity analysis cannot see; the broadcasts inside it are in subgroup-uniform control flow.
  const code = `enable subgroups;
diagnostic(off, subgroup_uniformity);
${header(prec)}
@group(0) @binding(1) var<storage, read> Q: array<T4>;
@group(0) @binding(2) var<storage, read> K: array<T4>;
@group(0) @binding(3) var<storage, read> Vc: array<${cfg.v4 ? 'T4' : 'T'}>;
@group(0) @binding(4) var<storage, read_write> A: array<T>;
@group(0) @binding(5) var<storage, read_write> St: array<T>;
const NBDV = ${NBDV}u;
// exp(x) rounds to exactly 0 in f32 and f16 below x = -DEAD (their least subnormals are about
// e^-103.3 and e^-16.6): a key block whose every score is that far below the running maximum
// would add exactly 0 to the running sums and rescale them by exp(0) = 1.
const DEAD: T = ${f16 ? '104.0h' : '104.0'};

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
  // Keys this workgroup needs: up to its last query (causal), within this segment. Keys below
  // kFull (whole steps of G) are visible to all its queries.
  let kHi = min(P.kEnd, P.pos0 + min(qbase + ${TQ}u, P.nPos));
  let kAll = max(P.kStart, min(kHi, P.pos0 + qbase + 1u));
  let kFull = P.kStart + (kAll - P.kStart) / ${G}u * ${G}u;
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
${cfg.walk === 'backward' ? backwardWalk : forwardWalk}
${attentionEpilogue(QPI, NB, DV)}
}
`;
  return {
    label: `flash-cpu(dk4 ${hl.dk4}, dv ${hl.dv}, nb ${NB}, qpi ${QPI}, sg ${G}, kb ${KB}${cfg.v4 ? ', v4' : ''}${cfg.pv === 'blocked' ? ', pv blocked' : ''}${cfg.skip ? ', skip' : ''}${cfg.walk === 'backward' ? ', backward' : ''}${hl.shared ? ', shared' : ''})`,
    code,
    bindings: ['uniform', 'read', 'read', 'read', 'rw', 'rw'],
  };
}
