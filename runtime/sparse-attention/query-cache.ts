// What a position-only head with exact inputs and static keys computes at a query: its queries,
// keys and codes depend on positions alone, so the candidates, their weights and the enclosure of
// the dense softmax at position i are the same in every run of the model. An engine keeps them per
// head (positions in increasing order, as the runs step them) and later runs reuse them: a
// verification in several batches and the generations that follow pay for each query once.

/** One head's queries, position by position. */
export class QueryCache {
  /** Positions cached: 0..length-1. */
  length = 0;
  /** Position i's candidates are entries start[i]..start[i+1]-1. */
  private start = new Int32Array(1025);
  private cand = new Int32Array(4096);
  /** The sparse run's weights, and the dense run's weight intervals. */
  private p = new Float64Array(4096);
  private plo = new Float64Array(4096);
  private phi = new Float64Array(4096);
  /** Per position: bound on an omitted key's weight, omitted mass, flags (1: undominated, 2: pExact). */
  private pOmit = new Float64Array(1024);
  private mass = new Float64Array(1024);
  private flags = new Uint8Array(1024);

  private grow(positions: number, entries: number): void {
    if (positions + 1 >= this.start.length) {
      const n = Math.max(positions + 2, this.start.length * 2);
      const s = new Int32Array(n);
      s.set(this.start);
      this.start = s;
      for (const k of ['pOmit', 'mass'] as const) {
        const a = new Float64Array(n);
        a.set(this[k]);
        this[k] = a;
      }
      const f = new Uint8Array(n);
      f.set(this.flags);
      this.flags = f;
    }
    if (entries > this.cand.length) {
      const n = Math.max(entries, this.cand.length * 2);
      const c = new Int32Array(n);
      c.set(this.cand);
      this.cand = c;
      for (const k of ['p', 'plo', 'phi'] as const) {
        const a = new Float64Array(n);
        a.set(this[k]);
        this[k] = a;
      }
    }
  }

  /** Appends position `length`'s query. */
  push(nc: number, cand: Int32Array, p: Float64Array, plo: Float64Array, phi: Float64Array, pOmit: number, mass: number, undominated: boolean, pExact: boolean): void {
    const i = this.length;
    const o = this.start[i]!;
    this.grow(i + 1, o + nc);
    for (let x = 0; x < nc; x++) {
      this.cand[o + x] = cand[x]!;
      this.p[o + x] = p[x]!;
      this.plo[o + x] = plo[x]!;
      this.phi[o + x] = phi[x]!;
    }
    this.start[i + 1] = o + nc;
    this.pOmit[i] = pOmit;
    this.mass[i] = mass;
    this.flags[i] = (undominated ? 1 : 0) | (pExact ? 2 : 0);
    this.length = i + 1;
  }

  /** Position i's query into the given buffers; returns its candidate count. */
  read(i: number, cand: Int32Array, p: Float64Array, plo: Float64Array, phi: Float64Array): number {
    const o = this.start[i]!;
    const nc = this.start[i + 1]! - o;
    for (let x = 0; x < nc; x++) {
      cand[x] = this.cand[o + x]!;
      p[x] = this.p[o + x]!;
      plo[x] = this.plo[o + x]!;
      phi[x] = this.phi[o + x]!;
    }
    return nc;
  }

  pOmitAt(i: number): number {
    return this.pOmit[i]!;
  }
  massAt(i: number): number {
    return this.mass[i]!;
  }
  undominatedAt(i: number): boolean {
    return (this.flags[i]! & 1) !== 0;
  }
  pExactAt(i: number): boolean {
    return (this.flags[i]! & 2) !== 0;
  }
}
