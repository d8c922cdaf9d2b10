// The index of key codes: code -> the positions whose key has that code, and the codes within
// Hamming radius r of a query's code, enumerated as code XOR mask over the masks of at most r
// bits. A lookup never scans the keys: a direct-address table for narrow codes, a hash map for
// wide ones; each position links to the previous position with the same code.

import { UserError } from '../../common/errors.js';

/** Most codes a query may enumerate (masks of at most r bits over n code bits). */
export const MAX_MASKS = 1 << 20;

/** Widest code stored in a direct-address table (4 bytes per code). */
const TABLE_BITS = 20;

/** All masks over n bits with at most r bits set, by number of bits (the empty mask first). */
export function radiusMasks(n: number, r: number): Int32Array {
  const rr = Math.min(r, n);
  let count = 0;
  let binom = 1;
  for (let k = 0; k <= rr; k++) {
    count += binom;
    if (count > MAX_MASKS) throw new UserError(`radius ${r} over ${n} code bits enumerates more than ${MAX_MASKS} codes per query: choose a smaller radius`);
    binom = (binom * (n - k)) / (k + 1);
  }
  const out = new Int32Array(count);
  let o = 0;
  const pick = new Int32Array(rr);
  for (let k = 0; k <= rr; k++) {
    // combinations of k bit positions in increasing order
    for (let i = 0; i < k; i++) pick[i] = i;
    for (;;) {
      let mask = 0;
      for (let i = 0; i < k; i++) mask |= 1 << pick[i]!;
      out[o++] = mask;
      let i = k - 1;
      while (i >= 0 && pick[i] === n - k + i) i--;
      if (i < 0) break;
      pick[i]!++;
      for (let j = i + 1; j < k; j++) pick[j] = pick[j - 1]! + 1;
    }
  }
  return out;
}

export class CodeIndex {
  private readonly table: Int32Array | undefined;
  private readonly map: Map<number, number> | undefined;
  /** next[j]: the previous position with the same code as j (-1: none). */
  readonly next: Int32Array;

  constructor(bits: number, maxLen: number) {
    this.next = new Int32Array(maxLen);
    if (bits <= TABLE_BITS && 1 << bits <= Math.max(1 << 12, 8 * maxLen)) this.table = new Int32Array(1 << bits).fill(-1);
    else this.map = new Map();
  }

  /** Adds position j (positions are added in increasing order). */
  insert(code: number, j: number): void {
    if (this.table) {
      this.next[j] = this.table[code]!;
      this.table[code] = j;
    } else {
      const m = this.map!;
      const prev = m.get(code);
      this.next[j] = prev ?? -1;
      m.set(code, j);
    }
  }

  /** The last position added with this code (-1: none); next[] leads to the earlier ones. */
  last(code: number): number {
    if (this.table) return this.table[code]!;
    return this.map!.get(code) ?? -1;
  }

  /** Forgets every position (the index is reused for the next batch). */
  clear(): void {
    if (this.table) this.table.fill(-1);
    else this.map!.clear();
  }
}
