// The changed-flag test of a loop iteration (`--loops auto`): one invocation per row of a chunk
// compares the residual h with `old` (the residual after the previous iteration) coordinate by
// coordinate, as the CPU reference does (runtime/cpu/layer-major.ts: a value differs when
// `a !== b`, so NaN always differs and -0 equals +0; tested on bit patterns, safe from fast-math
// rewrites), sets flag row P.flagSlot of its batch row when any coordinate differs, and copies h
// into `old` for the next iteration's test.

import type { ModelLayout } from '../layout.js';
import { GRID_ARGS, PER_ROW, WG, header, type ShaderSource } from './common.js';

export function compareShader(ml: ModelLayout): ShaderSource {
  const code = `${header(ml.prec)}
@group(0) @binding(1) var<storage, read> h: array<T>;
@group(0) @binding(2) var<storage, read_write> old: array<T>;
@group(0) @binding(3) var<storage, read_write> flags: array<atomic<u32>>;

fn isNan(u: u32) -> bool { return (u & 0x7fffffffu) > 0x7f800000u; }
fn differs(a: f32, b: f32) -> bool {
  let ua = bitcast<u32>(a);
  let ub = bitcast<u32>(b);
  return isNan(ua) || isNan(ub) || (ua != ub && ((ua | ub) & 0x7fffffffu) != 0u);
}

@compute @workgroup_size(${WG})
fn main(${GRID_ARGS}) {
  ${PER_ROW}
  var changed = false;
  for (var x = 0u; x < D; x++) {
    let v = h[h0 + x];
    if (differs(f32(v), f32(old[h0 + x]))) { changed = true; }
    old[h0 + x] = v;
  }
  if (changed) { atomicStore(&flags[P.flagSlot * P.nRows + b], 1u); }
}
`;
  return { label: 'compare', code, bindings: ['uniform', 'read', 'rw', 'rw'] };
}
