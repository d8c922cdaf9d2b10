// One model description, several executors: the CPU reference and the WebGPU engine implement
// this interface over the same Model object.

export type Backend = 'cpu' | 'webgpu' | 'ort';

export interface ForwardResult {
  /** argmax[b][i]: the token the model writes after position i of sequence b. */
  argmax: Int32Array[];
  /** logits[b]: L x V, when asked for. */
  logits?: Float32Array[];
  /** Looped models run with loops 'auto': for each sequence, the loops after which it settled. */
  loops?: number[];
}

/** How often an engine applies a looped model's block: a count, or until nothing changes. */
export type LoopSetting = number | 'auto';

export interface ForwardOptions {
  logits?: boolean;
  /** The caller reads the argmax of positions argmaxFrom..argmaxTo-1 only (verify: those that
   *  predict a CoT token); engines may compute the others anyway, an engine that certifies its
   *  argmax (sparse attention) certifies only these. */
  argmaxFrom?: number;
  argmaxTo?: number;
  onProgress?: (fraction: number) => void;
}

export interface Engine {
  readonly backend: Backend;
  readonly arith: string;
  /** Human-readable executor description (the adapter, for WebGPU). */
  readonly description: string;
  /** Teacher-forced pass over sequences of equal length: every position at once. onProgress
   *  (optional; engines may call it or not) gets the fraction of the pass done. */
  forward(seqs: Int32Array[], opts?: ForwardOptions): Promise<ForwardResult>;
  /** Greedy decoding with a KV cache: extends each prompt (equal lengths) by `steps` argmax tokens. */
  generate(prompts: Int32Array[], steps: number, opts?: { onProgress?: (fraction: number) => void }): Promise<Int32Array[]>;
  dispose(): void;
}
