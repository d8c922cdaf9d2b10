// The checker's own arithmetic (written apart from the runtime's, on purpose): rounding to
// f32, to the paper's fixed point F_s and floating point F_{e,s} (nearest, ties toward zero,
// saturating), and the softmax convention of each mode.

import { UserError } from '../../common/errors.js';

export interface CheckArith {
  round(x: number): number;
  /** IEEE modes subtract the row maximum inside softmax; the paper's modes do not. */
  shift: boolean;
}

function fixedRound(s: number): (x: number) => number {
  const unit = 2 ** s;
  const top = 2 ** (2 * s) - 1;
  return (x) => {
    const n = Math.min(top, Math.ceil(Math.abs(x) * unit - 0.5));
    return (x < 0 ? -n : n) / unit;
  };
}

function floatRound(e: number, s: number): (x: number) => number {
  const eMax = 2 ** e - 1;
  const top = 2 ** (2 * s) - 1;
  const biggest = top * 2 ** (eMax - s);
  return (x) => {
    const ax = Math.abs(x);
    if (ax === 0) return 0;
    if (ax >= biggest) return x < 0 ? -biggest : biggest;
    let p = Math.floor(Math.log2(ax));
    if (2 ** p > ax) p--;
    if (2 ** (p + 1) <= ax) p++;
    const E = Math.max(-eMax, Math.min(eMax, p - s + 1));
    const step = 2 ** (E - s);
    const v = Math.min(biggest, Math.ceil(ax / step - 0.5) * step);
    return x < 0 ? -v : v;
  };
}

export function checkArith(name: string): CheckArith {
  if (name === 'f64') return { round: (x) => x, shift: true };
  if (name === 'f32') return { round: Math.fround, shift: true };
  let m = /^fixed:(\d+)$/.exec(name);
  if (m) return { round: fixedRound(Number(m[1])), shift: false };
  m = /^float:(\d+),(\d+)$/.exec(name);
  if (m) return { round: floatRound(Number(m[1]), Number(m[2])), shift: false };
  throw new UserError(`the checker does not know the arithmetic '${name}'`);
}
