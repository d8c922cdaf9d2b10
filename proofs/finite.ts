// A claim holds only on finite evidence that meets its bound. NaN or ±Infinity anywhere in a
// claim's evidence (or in its margins), or in the model's weights, is a failed claim with the
// reason in words: the arithmetic behind such a number proves nothing (a NaN compares false with
// every bound, an infinite margin comes from an overflowed enclosure).

import type { Model } from '../model/index.js';
import type { ClaimResult } from './types.js';

function nonFinite(x: unknown): string | undefined {
  if (typeof x === 'number' && !Number.isFinite(x)) return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
  return undefined;
}

/** The first non-finite number in an evidence object (key path and value), if any. */
function firstNonFinite(v: unknown, path: string): [string, string] | undefined {
  const nf = nonFinite(v);
  if (nf) return [path, nf];
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const r = firstNonFinite(v[i], `${path}[${i}]`);
      if (r) return r;
    }
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const r = firstNonFinite(x, path ? `${path}.${k}` : k);
      if (r) return r;
    }
  }
  return undefined;
}

/** Weights of the model that are NaN or infinite. */
export function nonFiniteWeights(m: Model): number {
  let n = 0;
  const count = (a: Float32Array) => {
    for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) n++;
  };
  [m.tokEmb, m.posEmb, m.unembed].forEach(count);
  for (const L of m.layers) {
    for (const h of L.heads) [h.wq, h.wk, h.wv, h.wo].forEach(count);
    [L.ff.w1, L.ff.b1, L.ff.w2, L.ff.b2].forEach(count);
  }
  return n;
}

/**
 * The claims as they may be stated: every numeric claim fails when the model has non-finite
 * weights, and any claim whose evidence holds a non-finite number fails, each with its reason.
 * `margins` (the all-inputs claim's per-position margins) count as that claim's evidence.
 */
export function finiteClaims(model: Model, claims: ClaimResult[], margins: ArrayLike<number | null>): ClaimResult[] {
  const bad = nonFiniteWeights(model);
  const marginBad = Array.from(margins).findIndex((x) => x !== null && !Number.isFinite(x));
  return claims.map((c) => {
    if (!c.holds) return c;
    let reason: string | undefined;
    if (bad > 0 && c.claim !== 'structure') reason = `the model has ${bad} non-finite weights (NaN or ±Infinity): no number computed from them proves anything`;
    const nf = firstNonFinite(c.evidence, '');
    if (!reason && nf) reason = `its evidence ${nf[0]} is ${nf[1]}, not a finite number: the bound cannot be checked (weights this large overflow the arithmetic)`;
    if (!reason && c.claim === 'all inputs' && marginBad >= 0) reason = `the margin at position ${marginBad} is ${nonFinite(Array.from(margins)[marginBad])}, not a finite number`;
    return reason ? { ...c, holds: false, failure: { position: -1, detail: reason } } : c;
  });
}
