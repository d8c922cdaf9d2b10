// Named subspaces of the residual stream. Every weight matrix is built from these names, so a
// matrix explains itself and a trace can label every coordinate (`pos_bits[3]`, `tt.11`, ...).
// The order of the subspaces is the order of the coordinates, which matters under the
// paper's left-to-right rounded sums: `one` comes first so constant offsets are added before
// the signed terms.

export interface Subspace {
  name: string;
  offset: number;
  size: number;
}

export class Basis {
  private readonly spaces = new Map<string, Subspace>();
  private size = 0;

  /** Adds a subspace of `size` coordinates (labels name[i], or just name when size is 1). */
  add(name: string, size = 1): this {
    if (this.spaces.has(name)) throw new Error(`subspace ${name} defined twice`);
    this.spaces.set(name, { name, offset: this.size, size });
    this.size += size;
    return this;
  }

  get dim(): number {
    return this.size;
  }

  has(name: string): boolean {
    return this.spaces.has(name);
  }

  space(name: string): Subspace {
    const s = this.spaces.get(name);
    if (!s) throw new Error(`no subspace ${name}`);
    return s;
  }

  /** Coordinate index of name[i] (i = 0 for a 1-dimensional subspace). */
  at(name: string, i = 0): number {
    const s = this.space(name);
    if (i < 0 || i >= s.size) throw new Error(`${name}[${i}] is outside its ${s.size} coordinates`);
    return s.offset + i;
  }

  /** One label per coordinate. */
  labels(): string[] {
    const out: string[] = [];
    for (const s of this.spaces.values()) {
      for (let i = 0; i < s.size; i++) out.push(s.size === 1 ? s.name : `${s.name}[${i}]`);
    }
    return out;
  }

  subspaces(): Subspace[] {
    return [...this.spaces.values()];
  }
}

/** Groups a list of coordinate labels back into subspaces (for traces of a loaded model). */
export function subspacesOfLabels(labels: string[]): Subspace[] {
  const out: Subspace[] = [];
  labels.forEach((l, i) => {
    const name = l.replace(/\[\d+\]$/, '');
    const last = out[out.length - 1];
    if (last && last.name === name) last.size++;
    else out.push({ name, offset: i, size: 1 });
  });
  return out;
}

/**
 * What one construction block reads and writes, by subspace name (as Tracr's blocks carry their
 * input and output spaces). kind: where the block sits; layer: its layer (embeddings: -1,
 * unembedding: n_layers).
 */
export interface BlockSpaces {
  name: string;
  kind: 'token-embedding' | 'position-embedding' | 'head' | 'feed-forward' | 'unembedding';
  layer: number;
  reads: string[];
  writes: string[];
  /** Subspaces the block changes in place: it reads them and adds a correction (a looped block
   *  replaces a wire's value by writing new - old, and clears its scratch). Each must be written
   *  first by another block that runs earlier. */
  updates?: string[];
  /** feed-forward blocks: the range [from, to) of the layer's hidden units that are this block's. */
  units?: [number, number];
}
