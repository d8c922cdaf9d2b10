// The WebGPU engine: the same transformer as the CPU reference (runtime/cpu), run by WGSL
// compute kernels through Dawn. forward() is teacher forcing over every position of a batch,
// in chunks of positions; generate() prefills the prompt the same way, then decodes one
// position per step for the whole batch with the key/value cache on the GPU, the argmax written
// by the GPU into the token buffer that the next step embeds. Arithmetic: f32, or f16 storage
// and math (`--arith f16`) where the adapter offers shader-f16.
// Latent models (runtime/latent.ts: looped, looped-cot, deep) run forward() layer by layer
// through the applied layers (latent.ts here), the loop on the GPU, with loops 'auto' as the CPU
// reference runs it. Layers of the same shape share their compiled kernels (layout.ts).

import { appliedLayers, loopCount, type Model } from '../../model/index.js';
import type { Engine, ForwardResult, LoopSetting } from '../engine.js';
import { autoLimit, latent } from '../latent.js';
import { destroyModelBuffers, readBack, uploadModel, type ModelBuffers } from './buffers.js';
import { chunkRanges, PassEncoder, type ChunkMode, type LayerKernels, type PassKernels } from './encode.js';
import { WebGpuError } from './errors.js';
import { openGpu, type GpuContext, type GpuOptions } from './gpu.js';
import { KernelCache, type Kernel } from './kernels.js';
import { runLatent } from './latent.js';
import { layoutOf, shapeKey, type ModelLayout, type Precision } from './layout.js';
import { ParamArena } from './params.js';
import { Profiler } from './profile.js';
import { DEFAULT_TUNING, maxBatch, planPass, type AttentionKernel, type PassPlan, type Tuning } from './plan.js';
import { headNb, type ShaderSource } from './shaders/common.js';
import { compareShader } from './shaders/compare.js';
import { decodeShader, headRuns } from './shaders/decode.js';
import { embedShader } from './shaders/embed.js';
import { flashShader } from './shaders/flash.js';
import { flashCpuShader } from './shaders/flash-cpu.js';
import { flashSgShader } from './shaders/flash-sg.js';
import { mixShader } from './shaders/mix.js';
import { projectShader } from './shaders/project.js';
import { stepShader } from './shaders/step.js';
import { unembedShader } from './shaders/unembed.js';
import { Workspace } from './workspace.js';

export interface WebGpuEngineOptions extends GpuOptions {
  /** An open device to use (shared by several engines; the engine then leaves it open). */
  context?: GpuContext;
  tuning?: Partial<Tuning>;
  /** Most sequences per pass (larger batches are split). */
  maxBatch?: number;
  /** Decoding steps recorded per submission. */
  stepsPerSubmit?: number;
  /** Time the attention kernels with timestamp queries (see lastProfile). */
  profile?: boolean;
  /** Looped models: the loop count to run (default: the model's own), or 'auto'. */
  loops?: LoopSetting;
}

export interface EngineProfile {
  /** GPU seconds in the chunk attention kernels during the last forward(). */
  attentionSeconds: number;
  /** The same per head, by "layer.head" (e.g. "1.0"). */
  headSeconds: Record<string, number>;
}

const PARAM_SLOTS = 4096;

/** One unit of recorded work: a chunk of positions or a decoding step. */
type Work = { kind: 'chunk'; c0: number; c1: number } | { kind: 'start'; i: number } | { kind: 'step'; i: number };

export class WebGpuEngine implements Engine {
  readonly backend = 'webgpu' as const;
  readonly arith: Precision;
  readonly description: string;
  readonly ctx: GpuContext;
  readonly layout: ModelLayout;
  private readonly buffers: ModelBuffers;
  private readonly kernels: KernelCache;
  private readonly arena: ParamArena;
  private readonly tuning: Tuning;
  private readonly batchCap: number;
  private readonly stepsPerSubmit: number;
  private ws: Workspace | undefined;
  private disposed = false;
  private readonly profiler: Profiler | undefined;
  /** Timings of the last forward() when created with profile: true. */
  lastProfile: EngineProfile | undefined;
  private readonly ownsContext: boolean;
  private readonly model: Model;
  /** Looped models: the loop setting this engine runs (the model's own count when not given). */
  readonly loops: LoopSetting | undefined;
  /** Stored layer indices in the order they are applied. */
  readonly applied: number[];

  private constructor(ctx: GpuContext, model: Model, prec: Precision, opts: WebGpuEngineOptions) {
    this.ctx = ctx;
    this.model = model;
    this.loops = opts.loops;
    this.applied = appliedLayers(model.meta, typeof opts.loops === 'number' ? opts.loops : undefined);
    this.ownsContext = opts.context === undefined;
    this.arith = prec;
    this.description = ctx.info.line;
    this.layout = layoutOf(model, prec);
    // A CPU adapter has few cores: fewer decoding partials make the per-step merge cheaper.
    this.tuning = { ...DEFAULT_TUNING, decodeLanes: ctx.isCpu ? 128 : DEFAULT_TUNING.decodeLanes, ...opts.tuning };
    this.batchCap = opts.maxBatch ?? 64;
    this.stepsPerSubmit = opts.stepsPerSubmit ?? 128;
    this.kernels = new KernelCache(ctx);
    this.arena = new ParamArena(ctx, PARAM_SLOTS, this.kernels.params);
    this.buffers = uploadModel(ctx, model, this.layout);
    this.profiler = opts.profile ? new Profiler(ctx) : undefined;
  }

  /** Opens the adapter, uploads the model and builds its kernels. */
  static async create(model: Model, arith: string, opts: WebGpuEngineOptions = {}): Promise<WebGpuEngine> {
    if (arith !== 'f32' && arith !== 'f16') throw new WebGpuError('unsupported', `the WebGPU engine runs f32 or f16, not ${arith} (the CPU engine runs it)`);
    // A bad loop count fails as on the CPU (LoopCountError), before any device is opened.
    if (opts.loops !== undefined) loopCount(model.meta, opts.loops === 'auto' ? 1 : opts.loops);
    const ctx = opts.context ?? (await openGpu({ ...opts, wantF16: arith === 'f16' }));
    let e: WebGpuEngine | undefined;
    try {
      if (arith === 'f16' && !ctx.hasF16) throw new WebGpuError('unsupported', `the WebGPU adapter (${ctx.info.line}) does not offer shader-f16: run it in f32`);
      e = await ctx.scoped('the model upload', () => new WebGpuEngine(ctx, model, arith, opts));
      await e.baseKernels();
      return e;
    } catch (err) {
      if (e) e.dispose();
      else if (!opts.context) ctx.destroy();
      throw err;
    }
  }

  private kernel(key: string, make: () => ShaderSource): Promise<Kernel> {
    return this.kernels.get(key, make);
  }

  /** Compiled pipelines so far (layers of one shape share theirs: this does not grow with a
   *  deep model's depth or a loop's count). */
  get pipelineCount(): number {
    return this.kernels.size;
  }

  /** Whether forward() runs layer by layer (runtime/latent.ts). */
  private get layerMajor(): boolean {
    return latent(this.model);
  }

  /** A layer's projection and mix kernels, keyed by its shape (layout.ts shapeKey). */
  private layerKernels(l: number): Promise<[Kernel, Kernel]> {
    const ml = this.layout;
    const L = ml.layers[l]!;
    const key = shapeKey(L);
    return Promise.all([this.kernel(`project.${key}`, () => projectShader(ml, L)), this.kernel(`mix.${key}`, () => mixShader(ml, L))]);
  }

  /** Kernels that do not depend on the batch: built once, when the engine is created. */
  private async baseKernels(): Promise<void> {
    const ml = this.layout;
    await Promise.all([
      this.kernel('embed', () => embedShader(ml)),
      this.kernel('unembed', () => unembedShader(ml)),
      ...(this.layerMajor ? [] : [this.kernel('step.start', () => stepShader(ml, { kind: 'start' }, 1))]),
      ...ml.layers.map((_, l) => this.layerKernels(l)),
    ]);
  }

  /** The chunk attention kernel this engine runs (Tuning.attention; auto: the CPU kernel on a
   *  CPU adapter, the workgroup-memory tiled kernel elsewhere). */
  attentionKernel(): AttentionKernel {
    const t = this.tuning.attention;
    if ((t === 'subgroup' || t === 'cpu') && !this.subgroupSize()) throw new WebGpuError('unsupported', `the ${t} attention kernel needs subgroups of one fixed size`);
    if (t !== 'auto') return t;
    return this.ctx.isCpu && this.subgroupSize() ? 'cpu' : 'tiled';
  }

  /** The adapter's fixed subgroup size when the subgroup kernel can use it, else 0. */
  private subgroupSize(): number {
    const sg = this.ctx.subgroupSize;
    return sg >= 4 && sg <= 64 ? sg : 0;
  }

  /** The kernels of a pass (batch-dependent variants compiled on first use, then cached). */
  private async passKernels(plan: PassPlan, decode: boolean): Promise<PassKernels> {
    const ml = this.layout;
    const nb = plan.nb;
    const layers = await Promise.all(
      ml.layers.map(async (L, l): Promise<LayerKernels> => {
        const flash = await Promise.all(
          L.heads.map((hl, h) => {
            const { nb: hnb, qpi, tk, v4, pv, skip, walk } = plan.heads[l]![h]!;
            const shape = `${hl.dk4}.${hl.dv}.${hl.shared}`;
            const kind = this.attentionKernel();
            if (kind === 'cpu') {
              const { kb } = this.tuning;
              const sg = this.subgroupSize();
              return this.kernel(`flash-cpu.${shape}.${hnb}.${qpi}.${sg}.${kb}.${v4}.${pv}.${skip}.${walk}`, () => flashCpuShader(ml.prec, hl, { nb: hnb, qpi, tk, sg, kb, v4, pv, skip, walk }));
            }
            if (kind === 'subgroup') {
              const sg = this.subgroupSize();
              return this.kernel(`flash-sg.${shape}.${hnb}.${qpi}.${sg}`, () => flashSgShader(ml.prec, hl, { nb: hnb, qpi, tk, sg }));
            }
            return this.kernel(`flash.${shape}.${hnb}.${qpi}.${tk}`, () => flashShader(ml.prec, hl, { nb: hnb, qpi, tk }));
          }),
        );
        const [project, mix] = await this.layerKernels(l);
        if (!decode) return { project, mix, flash };
        // The step kernel mixes layer l and projects for the next layer (or embeds and projects
        // layer 0 after the last): its code depends on both shapes and on which case it is.
        const last = l === ml.layers.length - 1;
        const next = ml.layers[last ? 0 : l + 1]!;
        const [step, ...dec] = await Promise.all([
          this.kernel(`step.${shapeKey(L)}.${shapeKey(next)}.${last}.${nb}`, () => stepShader(ml, { kind: 'post', layer: l }, nb)),
          ...headRuns(L).map(({ h0, n }) => {
            const hl = L.heads[h0]!;
            return this.kernel(`decode.${n}.${hl.dk4}.${hl.dv}.${hl.shared}.${headNb(hl, nb)}`, () => decodeShader(ml.prec, hl, nb, n));
          }),
        ]);
        return { project, mix, flash, decode: dec, step };
      }),
    );
    const [embed, unembed] = await Promise.all([this.kernel('embed', () => embedShader(ml)), this.kernel('unembed', () => unembedShader(ml))]);
    const start = decode ? await this.kernel('step.start', () => stepShader(ml, { kind: 'start' }, 1)) : undefined;
    const compare = this.loops === 'auto' && !decode ? await this.kernel('compare', () => compareShader(ml)) : undefined;
    return { embed, unembed, layers, ...(start ? { start } : {}), ...(compare ? { compare } : {}) };
  }

  private workspace(B: number, L: number, layerMajor = false): Workspace {
    if (this.ws?.matches(B, L, layerMajor)) return this.ws;
    this.ws?.destroy();
    this.ws = undefined;
    this.ws = new Workspace(this.ctx, this.layout, planPass(this.layout, this.ctx.limits, B, L, this.tuning, this.attentionKernel()), layerMajor);
    return this.ws;
  }

  private checkTokens(seqs: Int32Array[], L: number, what: string): void {
    if (this.disposed) throw new Error('the WebGPU engine was disposed');
    if (seqs.some((s) => s.length !== L)) throw new RangeError(`${what} needs sequences of equal length`);
    const V = this.layout.V;
    for (const s of seqs) for (const t of s) if (!(t >= 0 && t < V)) throw new RangeError(`token id ${t} outside the vocabulary`);
  }

  /** Records and submits the work items, several per submission, at most two submissions queued. */
  private async runWork(enc: PassEncoder, work: Work[], mode: ChunkMode): Promise<void> {
    const dev = this.ctx.device;
    let inFlight: Promise<undefined> | undefined;
    for (let w = 0; w < work.length; ) {
      const ce = dev.createCommandEncoder();
      let pass: GPUComputePassEncoder | undefined;
      let steps = 0;
      for (; w < work.length && steps < this.stepsPerSubmit; w++) {
        const it = work[w]!;
        const slots = it.kind === 'chunk' ? enc.chunkSlots(it.c1) : it.kind === 'step' ? enc.stepSlots(it.i) : 1;
        if (slots > this.arena.free) {
          if (steps === 0) throw new WebGpuError('limits', 'one chunk needs more parameter slots than the engine holds');
          break;
        }
        if (it.kind === 'chunk') {
          pass?.end();
          pass = undefined;
          enc.encodeChunk(ce, it.c0, it.c1, mode);
        } else {
          pass ??= ce.beginComputePass();
          if (it.kind === 'start') enc.encodeStart(pass, it.i);
          else enc.encodeStep(pass, it.i);
        }
        steps++;
      }
      pass?.end();
      await this.ctx.scoped('the recorded kernels', () => {
        this.arena.flush(dev.queue);
        dev.queue.submit([ce.finish()]);
      });
      // The next submission is recorded while this one runs.
      if (inFlight) await inFlight;
      inFlight = dev.queue.onSubmittedWorkDone();
    }
    if (inFlight) await inFlight;
    this.ctx.check();
  }

  private uploadTokens(ws: Workspace, seqs: Int32Array[]): void {
    const { L } = ws.plan;
    const all = new Uint32Array(ws.plan.B * L);
    seqs.forEach((s, b) => all.set(s, b * L));
    this.ctx.device.queue.writeBuffer(ws.tokens, 0, all);
  }

  private async readTokens(ws: Workspace, src: GPUBuffer): Promise<Uint32Array> {
    const { B, L } = ws.plan;
    const ce = this.ctx.device.createCommandEncoder();
    ce.copyBufferToBuffer(src, 0, ws.tokStaging, 0, B * L * 4);
    this.ctx.device.queue.submit([ce.finish()]);
    return new Uint32Array(await readBack(this.ctx, ws.tokStaging, B * L * 4));
  }

  /** The chunks of positions [from, to): none crosses a position-embedding or key/value segment. */
  private chunkList(ws: Workspace, from: number, to: number): [number, number][] {
    return chunkRanges(from, to, ws.plan.C, [this.buffers.posRows, ws.plan.kvRows]);
  }

  private chunks(ws: Workspace, from: number, to: number): Work[] {
    return this.chunkList(ws, from, to).map(([c0, c1]) => ({ kind: 'chunk', c0, c1 }));
  }

  async forward(seqs: Int32Array[], opts: { logits?: boolean } = {}): Promise<ForwardResult> {
    const L = seqs[0]?.length ?? 0;
    this.checkTokens(seqs, L, 'forward');
    if (L > this.layout.positions) throw new RangeError(`position ${this.layout.positions} is beyond the model's ${this.layout.positions} positions`);
    const argmax: Int32Array[] = [];
    const logits: Float32Array[] = [];
    const V = this.layout.V;
    if (L === 0) {
      for (const _ of seqs) {
        argmax.push(new Int32Array(0));
        logits.push(new Float32Array(0));
      }
    }
    const loops: number[] = L === 0 ? seqs.map(() => 0) : []; // an empty sequence settles at once
    const cap = maxBatch(this.ctx.limits, L, this.batchCap);
    this.profiler?.seconds.clear();
    const layerMajor = this.layerMajor;
    const mode: ChunkMode = { kind: 'verify', logits: Boolean(opts.logits) };
    const lp = this.model.meta.loop;
    const auto = this.loops === 'auto' && lp ? { start: lp.start, end: lp.end, maxLoops: autoLimit(this.model, L) } : undefined;
    for (let b0 = 0; L > 0 && b0 < seqs.length; b0 += cap) {
      const batch = seqs.slice(b0, b0 + cap);
      const ws = this.workspace(batch.length, L, layerMajor);
      const ks = await this.passKernels(ws.plan, false);
      const enc = new PassEncoder(this.ctx, this.layout, this.buffers, ws, ks, this.arena, this.profiler);
      this.uploadTokens(ws, batch);
      if (layerMajor) {
        const r = await runLatent(this.ctx, enc, ws, this.arena, this.chunkList(ws, 0, L), { applied: this.applied, mode, perSubmit: this.stepsPerSubmit, ...(auto ? { auto } : {}) });
        if (r) loops.push(...r);
      } else {
        await this.runWork(enc, this.chunks(ws, 0, L), mode);
      }
      const out = await this.readTokens(ws, ws.out);
      batch.forEach((_, b) => argmax.push(Int32Array.from(out.subarray(b * L, (b + 1) * L))));
      if (opts.logits) {
        const all = new Float32Array(await readBack(this.ctx, ws.logits().staging, batch.length * L * V * 4));
        batch.forEach((_, b) => logits.push(all.slice(b * L * V, (b + 1) * L * V)));
      }
    }
    if (this.profiler) {
      await this.profiler.collect();
      const headSeconds: Record<string, number> = {};
      for (const [label, s] of this.profiler.seconds) if (label.startsWith('attention ')) headSeconds[label.slice('attention '.length)] = s;
      this.lastProfile = { attentionSeconds: Object.values(headSeconds).reduce((a, b) => a + b, 0), headSeconds };
    }
    return { argmax, ...(opts.logits ? { logits } : {}), ...(auto ? { loops } : {}) };
  }

  async generate(prompts: Int32Array[], steps: number): Promise<Int32Array[]> {
    const P = prompts[0]?.length ?? 0;
    if (P === 0) throw new RangeError('generate needs non-empty prompts of equal length');
    if (steps > 0 && this.model.meta.loop) throw new WebGpuError('unsupported', 'the WebGPU engine generates tokens with models without a loop; a looped model answers in one forward pass (the CPU engine decodes with it)');
    this.checkTokens(prompts, P, 'generate');
    const L = P + steps;
    if (L > this.layout.positions) throw new RangeError(`position ${L - 1} is beyond the model's ${this.layout.positions} positions`);
    if (steps === 0) return prompts.map((p) => Int32Array.from(p));
    const out: Int32Array[] = [];
    const cap = maxBatch(this.ctx.limits, L, this.batchCap);
    for (let b0 = 0; b0 < prompts.length; b0 += cap) {
      const batch = prompts.slice(b0, b0 + cap);
      const ws = this.workspace(batch.length, L);
      const ks = await this.passKernels(ws.plan, true);
      const enc = new PassEncoder(this.ctx, this.layout, this.buffers, ws, ks, this.arena);
      this.uploadTokens(ws, batch);
      // Prefill positions 0..P-1 (writes token P), then one step per position P..L-2.
      const work: Work[] = this.chunks(ws, 0, P);
      if (P <= L - 2) {
        work.push({ kind: 'start', i: P });
        for (let i = P; i <= L - 2; i++) work.push({ kind: 'step', i });
      }
      await this.runWork(enc, work, { kind: 'generate', writeFrom: P - 1 });
      const toks = await this.readTokens(ws, ws.tokens);
      batch.forEach((_, b) => out.push(Int32Array.from(toks.subarray(b * L, (b + 1) * L))));
    }
    return out;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.ws?.destroy();
    this.profiler?.destroy();
    this.arena.destroy();
    destroyModelBuffers(this.buffers);
    if (this.ownsContext) this.ctx.destroy();
  }
}
