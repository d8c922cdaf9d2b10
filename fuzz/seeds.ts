// Seeds and shards of a fuzz campaign.
//
// Case i of a campaign with seed S has its own 64-bit seed
//     caseSeed(S, i) = mix(mix(S) XOR i)        mix(x) = splitmix64 output for state x
// (splitmix64 as in circuits/gen/prng.ts: z = x + 0x9e3779b97f4a7c15, then its two
// xor-shift-multiply rounds). Every case depends on (S, i) alone, so `--index i` rebuilds case
// i without running cases 0..i-1, on any machine. Mixing S before the XOR keeps campaigns of
// nearby seeds apart: with mix(S XOR i) alone, (S=0, i=1) and (S=1, i=0) would be one case.
//
// Shards are round-robin: shard I of N (1-based) runs the cases i with i mod N = I - 1. The N
// shards are disjoint and together run every case; each stays a uniform sample of the
// campaign even when stopped early by a time budget (contiguous blocks would not).

import { OptionError } from '../common/errors.js';
import { splitmix64 } from '../circuits/gen/prng.js';

const MASK64 = (1n << 64n) - 1n;

export function mix64(x: bigint): bigint {
  return splitmix64(x & MASK64).out;
}

/** The seed of case `index` of the campaign with seed `seed`. */
export function caseSeed(seed: bigint, index: number): bigint {
  return mix64(mix64(seed) ^ BigInt(index));
}

export interface Shard {
  /** 1-based: shard `index` of `count`. */
  index: number;
  count: number;
}

export const WHOLE: Shard = { index: 1, count: 1 };

export function inShard(i: number, shard: Shard): boolean {
  return i % shard.count === shard.index - 1;
}

/** Case indices of a shard, in increasing order, below `count` (unbounded when undefined). */
export function* shardIndices(shard: Shard, count: number | undefined): Generator<number> {
  for (let i = shard.index - 1; count === undefined || i < count; i += shard.count) yield i;
}

/** "I/N" with 1 <= I <= N. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !Number.isSafeInteger(count) || count < 1 || index < 1 || index > count) {
    throw new OptionError('shard', `must be I/N with 1 <= I <= N (e.g. 2/8), got '${text}'`);
  }
  return { index, count };
}

/** Why a campaign must not start another case now (interrupted, or out of time), if it must not. */
export function stopReason(o: { signal?: AbortSignal; timeBudget?: number }, t0: number): 'interrupted' | 'time-budget' | undefined {
  if (o.signal?.aborted) return 'interrupted';
  if (o.timeBudget !== undefined && performance.now() - t0 >= 1000 * o.timeBudget) return 'time-budget';
  return undefined;
}
