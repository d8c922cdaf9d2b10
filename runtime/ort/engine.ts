// onnxruntime as an engine: the model exported to ONNX (model/export/onnx.ts) and run by
// onnxruntime-node's CPU execution provider, in float32. A runtime nobody here wrote runs the
// same graph any ONNX user gets.
//   forward   teacher forcing: one run of the graph over every position of a batch
//   generate  greedy decoding by re-running the whole graph on the sequence so far at every step
//             (no key/value cache: each step costs a full pass over the prefix, O(S^2) per step)
// A looped model runs its ONNX Loop with the engine's loop count (the model's own when none is
// given) fed as the graph input `loops`, exported here as a required input: onnxruntime-node
// feeds only inputs without an initializer, and silently ignores a feed that names one (as the
// default of `loops` in an exported file is). `--loops auto` is not offered: the graph runs a
// fixed count.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../common/errors.js';
import { exportOnnx, loopCount, maxPositions, ONNX_IO, OnnxSizeError, type Model } from '../../model/index.js';
import type { Engine, ForwardOptions, ForwardResult, LoopSetting } from '../engine.js';
import { loadOrt, type OrtModule, type OrtSession, type OrtSessionOptions } from './load.js';

export interface OrtEngineOptions {
  /** Looped models: the loop count (default: the model's own). 'auto' is refused. */
  loops?: LoopSetting;
  /** onnxruntime's intra-op threads (default: its own choice). */
  threads?: number;
  /** Graphs larger than this many bytes go through a temporary .onnx file with external data (default: protobuf's limit). */
  limit?: number;
}

/** Score entries ([B, S, S] per head) one run may hold: bounds the batch at long sequences. */
const SCORE_BUDGET = 64 << 20;
const MAX_BATCH = 64;

export class OrtEngine implements Engine {
  readonly backend = 'ort' as const;
  readonly arith = 'f32';
  readonly description: string;
  /** Whether the session was created from a temporary file with external data (the graph was over the limit). */
  readonly externalData: boolean;
  private disposed = false;

  private constructor(
    private readonly ort: OrtModule,
    private readonly session: OrtSession,
    private readonly model: Model,
    /** Looped models: the count fed to `loops` (the model's own unless given). */
    private readonly loops: number | undefined,
    externalData: boolean,
  ) {
    this.externalData = externalData;
    const version = ort.env.versions?.node;
    this.description = `onnxruntime-node${version ? ` ${version}` : ''} (CPU execution provider, f32)`;
  }

  static async create(model: Model, opts: OrtEngineOptions = {}): Promise<OrtEngine> {
    if (opts.loops === 'auto') throw new UserError('onnxruntime runs the ONNX graph a fixed number of loops: automatic loop counts (auto) run on the CPU and WebGPU engines');
    const loops = loopCount(model.meta, opts.loops);
    const ort = await loadOrt();
    const so: OrtSessionOptions = { executionProviders: ['cpu'], graphOptimizationLevel: 'all', logSeverityLevel: 3, ...(opts.threads ? { intraOpNumThreads: opts.threads } : {}) };
    let session: OrtSession;
    let external = false;
    try {
      session = await ort.InferenceSession.create(exportOnnx(model, { requiredLoops: true, ...(opts.limit !== undefined ? { limit: opts.limit } : {}) }).bytes, so);
    } catch (e) {
      if (!(e instanceof OnnxSizeError)) throw e;
      // Over protobuf's limit: the weights go to an external data file, which onnxruntime reads beside the .onnx file.
      const dir = mkdtempSync(join(tmpdir(), 'gatecot-ort-'));
      try {
        const f = exportOnnx(model, { requiredLoops: true, externalData: 'model.onnx.data' });
        writeFileSync(join(dir, 'model.onnx'), f.bytes);
        writeFileSync(join(dir, 'model.onnx.data'), Buffer.concat(f.externalData ?? []));
        session = await ort.InferenceSession.create(join(dir, 'model.onnx'), so);
        external = true;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    if (loops !== undefined && !session.inputNames.includes(ONNX_IO.loops)) throw new Error(`onnxruntime lists no input ${ONNX_IO.loops} (inputs: ${session.inputNames.join(', ')}): the loop count could not be fed`);
    return new OrtEngine(ort, session, model, loops, external);
  }

  private check(seqs: Int32Array[]): number {
    const L = seqs[0]!.length;
    if (seqs.some((s) => s.length !== L)) throw new RangeError('forward needs sequences of equal length');
    const P = maxPositions(this.model);
    if (L > P) throw new RangeError(`position ${L - 1} is beyond the model's ${P} positions`);
    const V = this.model.vocab.length;
    for (const s of seqs) for (const t of s) if (!(t >= 0 && t < V)) throw new RangeError(`token id ${t} outside the vocabulary`);
    return L;
  }

  /** One run of the graph on equal-length sequences: the argmax (and the logits) at every position. */
  private async run(seqs: Int32Array[], logits: boolean): Promise<{ argmax: Int32Array[]; logits?: Float32Array[] }> {
    if (this.disposed) throw new Error('the onnxruntime engine was disposed');
    const B = seqs.length;
    const L = seqs[0]!.length;
    const ids = new BigInt64Array(B * L);
    seqs.forEach((s, b) => s.forEach((t, i) => (ids[b * L + i] = BigInt(t))));
    const feeds: Record<string, InstanceType<OrtModule['Tensor']>> = { [ONNX_IO.input]: new this.ort.Tensor('int64', ids, [B, L]) };
    if (this.loops !== undefined) feeds[ONNX_IO.loops] = new this.ort.Tensor('int64', BigInt64Array.of(BigInt(this.loops)), []);
    // All outputs by name, or the tokens alone: onnxruntime-node 1.16 labels a subset of
    // fetches by the graph's output order, so the one value fetched is read whatever its label.
    const out = logits ? await this.session.run(feeds) : await this.session.run(feeds, [ONNX_IO.tokens]);
    const tokens = logits ? out[ONNX_IO.tokens] : Object.values(out)[0];
    if (!tokens || tokens.dims.length !== 2 || tokens.dims[0] !== B || tokens.dims[1] !== L) throw new Error(`onnxruntime returned no tokens [${B}, ${L}]`);
    const toks = tokens.data as BigInt64Array;
    const argmax = seqs.map((_, b) => Int32Array.from(toks.subarray(b * L, (b + 1) * L), Number));
    if (!logits) return { argmax };
    const V = this.model.vocab.length;
    const lg = out[ONNX_IO.logits]!.data as Float32Array;
    return { argmax, logits: seqs.map((_, b) => lg.slice(b * L * V, (b + 1) * L * V)) };
  }

  private batchSize(L: number): number {
    return Math.max(1, Math.min(MAX_BATCH, Math.floor(SCORE_BUDGET / (L * L))));
  }

  async forward(seqs: Int32Array[], opts: ForwardOptions = {}): Promise<ForwardResult> {
    if (seqs.length === 0) return { argmax: [], ...(opts.logits ? { logits: [] } : {}) };
    const L = this.check(seqs);
    const nb = this.batchSize(L);
    const argmax: Int32Array[] = [];
    const logits: Float32Array[] = [];
    for (let b0 = 0; b0 < seqs.length; b0 += nb) {
      const r = await this.run(seqs.slice(b0, b0 + nb), Boolean(opts.logits));
      argmax.push(...r.argmax);
      if (r.logits) logits.push(...r.logits);
      opts.onProgress?.(Math.min(1, (b0 + nb) / seqs.length));
    }
    return opts.logits ? { argmax, logits } : { argmax };
  }

  async generate(prompts: Int32Array[], steps: number, opts: { onProgress?: (fraction: number) => void } = {}): Promise<Int32Array[]> {
    if (prompts.length === 0) return [];
    const P = prompts[0]!.length;
    if (P === 0 || prompts.some((s) => s.length !== P)) throw new RangeError('generate needs non-empty prompts of equal length');
    this.check(prompts);
    const last = P + steps - 1;
    if (last >= maxPositions(this.model)) throw new RangeError(`position ${last} is beyond the model's ${maxPositions(this.model)} positions`);
    const seqs = prompts.map((p) => {
      const s = new Int32Array(P + steps);
      s.set(p);
      return s;
    });
    const nb = this.batchSize(P + steps);
    for (let b0 = 0; b0 < seqs.length; b0 += nb) {
      const batch = seqs.slice(b0, b0 + nb);
      for (let t = 0; t < steps; t++) {
        const L = P + t;
        const r = await this.run(batch.map((s) => s.subarray(0, L)), false);
        batch.forEach((s, b) => (s[L] = r.argmax[b]![L - 1]!));
        opts.onProgress?.((b0 + (batch.length * (t + 1)) / steps) / seqs.length);
      }
    }
    return seqs;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    void this.session.release?.();
  }
}
