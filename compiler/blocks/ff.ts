// Feed-forward blocks from unit descriptions: each ReLU unit reads a few coordinates (with
// coefficients), adds a bias and writes a few coordinates. Several blocks of one layer are
// concatenated into that layer's feed-forward weights (their units side by side).

import type { FeedForward } from '../../model/index.js';

export interface Unit {
  label: string;
  in: [coord: number, coef: number][];
  bias: number;
  out: [coord: number, coef: number][];
}

export function feedForward(d: number, units: Unit[]): FeedForward {
  const m = units.length;
  const w1 = new Float32Array(m * d);
  const b1 = new Float32Array(m);
  const w2 = new Float32Array(d * m);
  units.forEach((u, i) => {
    for (const [c, v] of u.in) w1[i * d + c] = v;
    b1[i] = u.bias;
    for (const [c, v] of u.out) w2[c * m + i] = v;
  });
  return { m, w1, b1, w2, b2: new Float32Array(d), units: units.map((u) => u.label) };
}

/** The units of several blocks side by side (their outputs add). */
export function concatFeedForward(d: number, blocks: FeedForward[]): FeedForward {
  const m = blocks.reduce((s, f) => s + f.m, 0);
  const w1 = new Float32Array(m * d);
  const b1 = new Float32Array(m);
  const w2 = new Float32Array(d * m);
  const b2 = new Float32Array(d);
  let u0 = 0;
  for (const f of blocks) {
    w1.set(f.w1, u0 * d);
    b1.set(f.b1, u0);
    for (let c = 0; c < d; c++) {
      for (let u = 0; u < f.m; u++) w2[c * m + u0 + u] = f.w2[c * f.m + u]!;
      b2[c] = b2[c]! + f.b2[c]!;
    }
    u0 += f.m;
  }
  return { m, w1, b1, w2, b2, units: blocks.flatMap((f) => f.units) };
}
