// One decoding step's per-row work, fused into a single dispatch (one invocation per sequence)
// so that generating a token costs two dispatches per layer instead of nine: a dispatch is
// far more expensive than this row's few thousand multiply-adds, above all on a CPU-emulated
// adapter where each one wakes the worker threads.
//   post(l): merge the decoding partials of layer l's heads (a = acc / sum after rescaling to the
//            common maximum), h += Σ W_O a, h += FF(h); then either project layer l+1's q, k, v
//            at the same position, or (last layer) unembed, take the argmax, write it as the
//            next token, embed that token at the next position and project layer 0 there.
//   start:   embed the first decoded position and project layer 0 (after the prompt prefill).
// Every sum runs in the order the CPU reference rounds in (over each weight row's nonzeros).
// Weight addresses come from layer directories: P.wDir (the layer merged and mixed), P.wDir2 (the
// layer projected), so the code depends on the two layers' shapes only.

import type { LayerLayout, ModelLayout } from '../layout.js';
import { FLAT_INDEX, GRID_ARGS, WG, dirWord, groupsExpr, header, headNb, kOffExpr, kRowExpr, sparseDot, vIndex, weightDecl, zero, type BindingKind, type ShaderSource } from './common.js';
import { partialStride } from './decode.js';

/** WGSL expression: index of head h's first group among the layer's (head, group) rows. */
function headGroupBase(L: LayerLayout, h: number, nb: number): string {
  const parts = L.heads.slice(0, h).map((hl) => groupsExpr(hl, nb));
  return parts.length ? `(${parts.join(' + ')})` : '0u';
}

export type StepVariant = { kind: 'start' } | { kind: 'post'; layer: number };

function combineAndMix(ml: ModelLayout, L: LayerLayout, nb: number): string {
  const Z = zero(ml.prec);
  const stride = partialStride(L, nb);
  const heads = L.heads
    .map((hl, h) => {
      const NB = headNb(hl, nb);
      return `  {
    let gy = ${hl.shared ? `b / ${NB}u` : 'b'};
    let n = b - gy * ${NB}u;
    let base = (${headGroupBase(L, h, nb)} + gy) * P.blockCap;
    // Merge the partials in one pass: rescale to the running maximum when it grows.
    var M = NEG;
    var l = ${Z};
    var acc: array<T, ${hl.dv}>;
    for (var k = 0u; k < P.nBlocks; k++) {
      let pb = (base + k) * ${stride}u;
      let mk = Part[pb];
      if (mk > M) {
        let c = exp(M - mk);
        l = l * c;
        for (var e = 0u; e < ${hl.dv}u; e++) { acc[e] = acc[e] * c; }
        M = mk;
      }
      let w = exp(mk - M);
      l = l + Part[pb + 1u] * w;
      for (var e = 0u; e < ${hl.dv}u; e++) { acc[e] = acc[e] + Part[pb + 2u + n * ${hl.dv}u + e] * w; }
    }
    for (var e = 0u; e < ${hl.dv}u; e++) { a[${hl.aOff}u + e] = acc[e] / l; }
  }`;
    })
    .join('\n');
  const outproj = L.heads
    .map(
      (hl, h) => `    {
      var o = ${Z};
      ${sparseDot('o', `${dirWord(L, h, 'wo')} + x`, (c) => `a[${hl.aOff}u + ${c}]`)}
      tot = tot + o;
    }`,
    )
    .join('\n');
  return `  for (var x = 0u; x < D; x++) { h[x] = H[hrow + x]; }
  var a: array<T, ${L.hdv}>;
${heads}
  for (var x = 0u; x < D; x++) {
    var tot = ${Z};
${outproj}
    h[x] = h[x] + tot;
  }
  var z: array<T, ${Math.max(1, L.m)}>;
  for (var u = 0u; u < ${L.m}u; u++) {
    var acc = ${Z};
    ${sparseDot('acc', `${dirWord(L, -1, 'w1')} + u`, (c) => `h[${c}]`)}
    acc = acc + wDense(${dirWord(L, -1, 'b1')} + u);
    z[u] = select(${Z}, acc, acc > ${Z});
  }
  for (var x = 0u; x < D; x++) {
    var f = ${Z};
    ${sparseDot('f', `${dirWord(L, -1, 'w2')} + x`, (c) => `z[${c}]`)}
    f = f + wDense(${dirWord(L, -1, 'b2')} + x);
    h[x] = h[x] + f;
  }`;
}

function project(ml: ModelLayout, L: LayerLayout): string {
  const Z = zero(ml.prec);
  return L.heads
    .map(
      (hl, h) => `  {
    let kOff = ${kOffExpr(hl)};
    ${hl.shared ? 'if (b == 0u) {' : '{'}
      let s = ${hl.shared ? '0u' : 'b'};
      for (var o = 0u; o < ${hl.dk4}u; o++) {
        var q = ${Z};
        var k = ${Z};
        ${sparseDot('q', `${dirWord(L, h, 'wq', 'wDir2')} + o`, (c) => `h[${c}]`)}
        ${sparseDot('k', `${dirWord(L, h, 'wk', 'wDir2')} + o`, (c) => `h[${c}]`)}
        Q[kOff + s * ${hl.dk4}u + o] = q;
        K[(tp - P.kvBase) * KROW + kOff + s * ${hl.dk4}u + o] = k;
      }
    }
    for (var e = 0u; e < ${hl.dv}u; e++) {
      var v = ${Z};
      ${sparseDot('v', `${dirWord(L, h, 'wv', 'wDir2')} + e`, (c) => `h[${c}]`)}
      Vc[${vIndex(L, hl, 'tp', 'b', 'e')}] = v;
    }
  }`,
    )
    .join('\n');
}

function embed(ml: ModelLayout, tokenExpr: string): string {
  return `  let t = min(${tokenExpr}, ${ml.V - 1}u);
  for (var x = 0u; x < D; x++) { h[x] = wDense(${ml.wTok}u + t * D + x) + pe[(tp - P.posBase) * D + x]; }`;
}

function unembedArgmax(ml: ModelLayout): string {
  return `  var best = 0u;
  var ninf = 0xff800000u;
  var bv = bitcast<f32>(ninf);
  for (var v = 0u; v < ${ml.V}u; v++) {
    var acc = ${zero(ml.prec)};
    ${sparseDot('acc', `${ml.wUnembed}u + v`, (c) => `h[${c}]`)}
    let y = f32(acc);
    if (y > bv) { bv = y; best = v; }
  }
  tokens[b * P.seqLen + P.pos0 + 1u] = best;`;
}

export function stepShader(ml: ModelLayout, variant: StepVariant, nb: number): ShaderSource {
  const nL = ml.layers.length;
  const post = variant.kind === 'post';
  const l = post ? variant.layer : -1;
  const lastPost = post && l === nL - 1;
  // Layer whose q, k, v this step writes, and whether the step embeds a token.
  const lp = post && !lastPost ? l + 1 : 0;
  const embeds = !post || lastPost;
  const Lp = ml.layers[lp]!;
  const bindings: BindingKind[] = ['uniform', 'read', 'rw', 'rw', 'rw', 'rw'];
  const decls = [
    weightDecl(ml.prec),
    '@group(0) @binding(2) var<storage, read_write> H: array<T>;',
    '@group(0) @binding(3) var<storage, read_write> Q: array<T>;',
    '@group(0) @binding(4) var<storage, read_write> K: array<T>;',
    '@group(0) @binding(5) var<storage, read_write> Vc: array<T>;',
  ];
  let next = 6;
  if (embeds) {
    decls.push(`@group(0) @binding(${next++}) var<storage, read> pe: array<T>;`, `@group(0) @binding(${next++}) var<storage, read_write> tokens: array<u32>;`);
    bindings.push('read', 'rw');
  }
  if (post) {
    decls.push(`@group(0) @binding(${next++}) var<storage, read> Part: array<T>;`);
    bindings.push('read');
  }
  let body: string;
  if (!post) {
    body = `  let tp = P.pos0;\n${embed(ml, 'tokens[b * P.seqLen + tp]')}`;
  } else if (lastPost) {
    body = `${combineAndMix(ml, ml.layers[l]!, nb)}
${unembedArgmax(ml)}
  if (P.pos0 + 2u >= P.seqLen) { return; }
  let tp = P.pos0 + 1u;
${embed(ml, 'best')}`;
  } else {
    body = `${combineAndMix(ml, ml.layers[l]!, nb)}
  let tp = P.pos0;`;
  }
  const code = `${header(ml.prec)}
${decls.join('\n')}
@compute @workgroup_size(${WG})
fn main(${GRID_ARGS}) {
  let D = P.dim;
  let b = ${FLAT_INDEX};
  if (b >= P.nRows) { return; }
  let hrow = b * P.chunkCap * D;
  let KROW = ${kRowExpr(Lp)};
  var h: array<T, ${ml.d}>;
${body}
  for (var x = 0u; x < D; x++) { H[hrow + x] = h[x]; }
${project(ml, Lp)}
}
`;
  return { label: post ? `step(layer ${l}, nb ${nb})` : 'step(start)', code, bindings };
}
