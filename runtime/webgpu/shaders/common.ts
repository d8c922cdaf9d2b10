// Pieces every WGSL kernel shares: the element type (f32, or f16 with `enable f16`), the
// per-dispatch parameter block (bind group 1: one uniform slot per dispatch, so many chunks or
// decoding steps can be recorded into one command buffer), and the 2-D grid that lets a long
// 1-D index space exceed the 65535-workgroups-per-dimension limit. The buffers a kernel reads
// and writes are bind group 0, bindings 1, 2, ...

import { dirIndex, type HeadLayout, type HeadShape, type LayerLayout, type Precision } from '../layout.js';

/** Fields of the uniform parameter block, in order (all u32). */
export const PARAM_FIELDS = [
  'pos0', // absolute position of the chunk's first row
  'nPos', // positions in this chunk
  'nRows', // batch rows B
  'seqLen', // row stride of the token buffers
  'posBase', // first position held by the bound position-embedding segment
  'kvBase', // first position held by the bound key/value segment
  'kvRows', // rows (positions) a key/value segment holds
  'chunkCap', // position capacity of the chunk buffers (their row stride)
  'kStart', // first key of this attention dispatch (absolute)
  'kEnd', // one past its last key
  'flags', // FLAG_* below
  'writeFrom', // generation: rows at positions >= writeFrom write their argmax to position + 1
  'blockBase', // decoding: index of this segment's first key block in the partials buffer
  'nBlocks', // decoding: key blocks the combine step merges
  'blockCap', // decoding: key-block capacity per group in the partials buffer
  'dim', // d_model, read at run time so the compiler does not unroll loops over it
  // The head an attention dispatch works on, so that the attention kernels depend only on the
  // head's shape (and compile once for every model of that shape):
  'hKRow', // key/query row width of the layer
  'hKOff', // the head's offset in a key/query row
  'hAOff', // the head's offset in the attention output and value rows
  'hHdv', // the layer's attention output width
  'hGBase', // decoding: the head's first (head, group) row in the partials buffer
  'pStride', // decoding: elements per partial
  // Word addresses of layer directories (layout.ts), so the layer kernels depend only on the
  // layer's shape: the layer a kernel applies, and (step kernel) the layer it projects for.
  'wDir',
  'wDir2',
  'flagSlot', // latent loops: the row of the changed-flags buffer the compare kernel writes
  'pad0',
  'pad1',
  'pad2',
] as const;

export type ParamName = (typeof PARAM_FIELDS)[number];
export type Params = Partial<Record<ParamName, number>>;
export const PARAM_BYTES = PARAM_FIELDS.length * 4;

export const FLAG_FIRST = 1; // first key segment: start the softmax state afresh
export const FLAG_LAST = 2; // last key segment: normalise and write the head output
export const FLAG_LOGITS = 4; // write logits
export const FLAG_GENERATE = 8; // write argmax tokens into the token buffer (decoding)

export const WG = 64;

export function header(prec: Precision): string {
  const f16 = prec === 'f16';
  return `${f16 ? 'enable f16;\n' : ''}alias T = ${prec};
alias T4 = vec4<${prec}>;
// Stands for -infinity in max computations (finite, so NEG - NEG = 0 stays a number).
const NEG: T = ${f16 ? '-65504.0h' : '-3.0e38'};
struct Params {
${PARAM_FIELDS.map((f) => `  ${f}: u32,`).join('\n')}
}
@group(1) @binding(0) var<uniform> P: Params;
`;
}

/** Flat index of a 1-D job dispatched as a 2-D grid of WG-wide workgroups. */
export const FLAT_INDEX = `gid.x + gid.y * (nwg.x * ${WG}u)`;
export const GRID_ARGS = `@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u`;

/** Opening of a kernel with one invocation per residual-stream element of the chunk: D, the
 * element index idx (out-of-range invocations return), its row r and coordinate x. */
export const PER_ELEMENT = `let D = P.dim;
  let idx = ${FLAT_INDEX};
  if (idx >= P.nRows * P.nPos * D) { return; }
  let r = idx / D;
  let x = idx % D;`;

/** Opening of a kernel with one invocation per row of the chunk (batch row b, chunk position c):
 * D, the row's index in the chunk buffers and h0, its first residual element (out-of-range
 * invocations return). */
export const PER_ROW = `let D = P.dim;
  let r = ${FLAT_INDEX};
  if (r >= P.nRows * P.nPos) { return; }
  let b = r / P.nPos;
  let c = r % P.nPos;
  let row = b * P.chunkCap + c;
  let h0 = row * D;`;

export type BindingKind = 'uniform' | 'read' | 'rw';

/** The weight buffer W (layout.ts) at `binding`, with its readers: wDense(i) is element i of the
 * dense region, wVal(q) the value of the nonzero whose pair starts at word q. */
export function weightDecl(prec: Precision, binding = 1): string {
  const f16 = prec === 'f16';
  return `@group(0) @binding(${binding}) var<storage, read> W: array<u32>;
fn wDense(i: u32) -> T { return ${f16 ? 'bitcast<vec2<f16>>(W[i >> 1u])[i & 1u]' : 'bitcast<f32>(W[i])'}; }
fn wVal(q: u32) -> T { return ${f16 ? 'bitcast<vec2<f16>>(W[q + 1u]).x' : 'bitcast<f32>(W[q + 1u])'}; }`;
}

/** WGSL statement: acc += Σ over the nonzeros of the row whose start is at word `start`, in
 * increasing column order, of value · x(column) (x: an expression of the column index). */
export function sparseDot(acc: string, start: string, x: (col: string) => string): string {
  return `{ let nzEnd = W[${start} + 1u]; for (var nz = W[${start}]; nz < nzEnd; nz += 2u) { ${acc} = ${acc} + wVal(nz) * ${x('W[nz]')}; } }`;
}

/** WGSL expression: a weight address from the layer directory at P.<field> (dirIndex). */
export function dirWord(L: LayerLayout, h: number, what: Parameters<typeof dirIndex>[2], field: 'wDir' | 'wDir2' = 'wDir'): string {
  return `W[P.${field} + ${dirIndex(L, h, what)}u]`;
}

export interface ShaderSource {
  label: string;
  code: string;
  /** Kinds of bindings 0..n-1: entry 0 is always the parameter block (group 1, binding 0),
   *  entries 1..n-1 are bindings 1..n-1 of group 0. */
  bindings: BindingKind[];
}

/** WGSL expression: a layer's key/query row width for the pass's batch (P.nRows). */
export function kRowExpr(L: LayerLayout): string {
  return `(${L.kRowSh}u + ${L.kRowNs}u * P.nRows)`;
}

/** WGSL expression: a head's offset within a key/query row. */
export function kOffExpr(hl: HeadLayout): string {
  return `(${hl.kSh}u + ${hl.kNs}u * P.nRows)`;
}

/** WGSL expression: workgroup rows ("groups") of a head: value groups of NB rows, or batch rows. */
export function groupsExpr(hl: HeadLayout, nb: number): string {
  const NB = headNb(hl, nb);
  return hl.shared ? `((P.nRows + ${NB - 1}u) / ${NB}u)` : 'P.nRows';
}

/** Most values (NB·dv) a score-sharing group of a position-only head accumulates per query. The
 * attention kernels unroll over them, and a CPU adapter's shader compiler takes time superlinear
 * in their number (lavapipe, cold: ~12 s at 16, ~70 s at 64, minutes at 200), while the gain of
 * sharing a score among more rows is small: wider heads share each score among fewer rows (more
 * groups, each computing the scores again). */
export const MAX_GROUP_VALUES = 32;

/** Batch rows per group of a head: nb (a power of two) for a position-only head, capped so that
 * NB·dv <= MAX_GROUP_VALUES (at least 1); 1 for any other head. */
export function headNb(hl: HeadShape, nb: number): number {
  if (!hl.shared) return 1;
  let n = nb;
  while (n > 1 && n * hl.dv > MAX_GROUP_VALUES) n /= 2;
  return n;
}

/** Zero of the element type (an f16 literal needs its suffix). */
export function zero(prec: Precision): string {
  return prec === 'f16' ? '0.0h' : '0.0';
}

export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** WGSL expression: index of value e of batch row `row` for key position `pos` of head hl in a
 *  value segment. Layout [position][head][row][dv], so a head's rows are contiguous. */
export function vIndex(L: LayerLayout, hl: HeadLayout, pos: string, row: string, e: string): string {
  return `((${pos} - P.kvBase) * P.nRows * ${L.hdv}u + P.nRows * ${hl.aOff}u + (${row}) * ${hl.dv}u + ${e})`;
}

/** vIndex with the head's placement read from the parameter block (attention kernels). */
export function vIndexP(dv: number, pos: string, row: string, e: string, aOff = 'P.hAOff'): string {
  return `((${pos} - P.kvBase) * P.nRows * P.hHdv + P.nRows * ${aOff} + (${row}) * ${dv}u + ${e})`;
}

/**
 * The end of both streaming-softmax attention kernels: each of the QPI queries of an invocation
 * either writes its normalised outputs for the NB rows it covers (last key pass) or saves its
 * running max, sum and unnormalised accumulators to the state buffer St for the next pass.
 */
export function attentionEpilogue(QPI: number, NB: number, DV: number): string {
  const rows = (r: number) =>
    range(NB)
      .map(
        (n) => `      if (row0 + ${n}u < P.nRows) {
        let ab = ((row0 + ${n}u) * P.chunkCap + qc${r}) * P.hHdv + P.hAOff;
${range(DV)
  .map((e) => `        A[ab + ${e}u] = a${r}_${n * DV + e} / l${r};`)
  .join('\n')}
      }`,
      )
      .join('\n');
  return range(QPI)
    .map(
      (r) => `  if (qc${r} < P.nPos) {
    if (last) {
${rows(r)}
    } else {
      St[st${r}] = m${r};
      St[st${r} + 1u] = l${r};
${range(NB * DV)
  .map((k) => `      St[st${r} + ${2 + k}u] = a${r}_${k};`)
  .join('\n')}
    }
  }`,
    )
    .join('\n');
}
