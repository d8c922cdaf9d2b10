// A seeded PRNG with the same stream on every machine: xoshiro128** (Blackman & Vigna) on
// 32-bit integers (Math.imul, shifts: exact in every JS engine), its 128-bit state filled by
// two steps of splitmix64 (in BigInt) from the 64-bit seed. Never Math.random.

const GOLDEN = 0x9e3779b97f4a7c15n;
const MASK64 = (1n << 64n) - 1n;

/** splitmix64: the next state and output from a 64-bit state. */
export function splitmix64(state: bigint): { state: bigint; out: bigint } {
  const s = (state + GOLDEN) & MASK64;
  let z = s;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return { state: s, out: z ^ (z >> 31n) };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** Seeds from a 64-bit integer (taken mod 2^64). */
  constructor(seed: bigint) {
    const a = splitmix64(seed & MASK64);
    const b = splitmix64(a.state);
    this.s0 = Number(a.out & 0xffffffffn) | 0;
    this.s1 = Number(a.out >> 32n) | 0;
    this.s2 = Number(b.out & 0xffffffffn) | 0;
    this.s3 = Number(b.out >> 32n) | 0;
    // An all-zero state would stay zero forever; splitmix64 makes it practically impossible.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A generator with this exact xoshiro128** state (for checking against reference vectors). */
  static fromState(s0: number, s1: number, s2: number, s3: number): Rng {
    const r = new Rng(0n);
    r.s0 = s0 | 0;
    r.s1 = s1 | 0;
    r.s2 = s2 | 0;
    r.s3 = s3 | 0;
    return r;
  }

  /** Next 32-bit output, as an unsigned number in [0, 2^32). */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform integer in [0, n) for 1 <= n <= 2^32, unbiased (rejects the top partial block). */
  below(n: number): number {
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const r = this.nextU32();
      if (r < limit) return r % n;
    }
  }
}
