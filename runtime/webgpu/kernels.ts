// Compiling WGSL into compute pipelines with explicit bind-group layouts: group 0 holds the
// kernel's buffers, group 1 the parameter block, with one layout shared by every kernel (so a
// parameter slot's bind group serves them all). A shader the driver rejects becomes one line naming
// the kernel and the first error's line:column, never a crash. The engine builds its kernels
// once per model and caches the few variants that depend on the batch (see KernelSet).

import type { GpuContext } from './gpu.js';
import { WebGpuError, messageOf } from './errors.js';
import { PARAM_BYTES, type BindingKind, type ShaderSource } from './shaders/common.js';

export interface Kernel {
  label: string;
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}

const COMPUTE_STAGE = 4; // GPUShaderStage.COMPUTE

function layoutEntry(binding: number, kind: BindingKind): GPUBindGroupLayoutEntry {
  return { binding, visibility: COMPUTE_STAGE, buffer: { type: kind === 'read' ? 'read-only-storage' : 'storage' } };
}

/** The layout of bind group 1 (the parameter block). Dynamic offsets would be simpler, but on
 *  lavapipe a dispatch with a changed dynamic offset costs about 100 µs more. */
export function paramsLayout(ctx: GpuContext): GPUBindGroupLayout {
  return ctx.device.createBindGroupLayout({
    label: 'params',
    entries: [{ binding: 0, visibility: COMPUTE_STAGE, buffer: { type: 'uniform', minBindingSize: PARAM_BYTES } }],
  });
}

/** Compiles one kernel; compile and pipeline errors become a one-line WebGpuError. */
export async function buildKernel(ctx: GpuContext, src: ShaderSource, params: GPUBindGroupLayout = paramsLayout(ctx)): Promise<Kernel> {
  const d = ctx.device;
  ctx.check();
  d.pushErrorScope('validation');
  const module = d.createShaderModule({ label: src.label, code: src.code });
  const info = await module.getCompilationInfo();
  const scoped = await d.popErrorScope();
  const err = info.messages.find((m) => m.type === 'error');
  if (err) throw new WebGpuError('shader', `WebGPU could not compile the ${src.label} kernel: ${err.lineNum}:${err.linePos}: ${err.message}`);
  if (scoped) throw new WebGpuError('shader', `WebGPU could not compile the ${src.label} kernel: ${scoped.message}`);
  try {
    d.pushErrorScope('validation');
    const layout = d.createBindGroupLayout({ label: src.label, entries: src.bindings.slice(1).map((k, i) => layoutEntry(i + 1, k)) });
    const pipelineLayout = d.createPipelineLayout({ label: src.label, bindGroupLayouts: [layout, params] });
    const layoutErr = await d.popErrorScope();
    if (layoutErr) throw new Error(layoutErr.message);
    const pipeline = await d.createComputePipelineAsync({ label: src.label, layout: pipelineLayout, compute: { module, entryPoint: 'main' } });
    return { label: src.label, pipeline, layout };
  } catch (e) {
    throw new WebGpuError('shader', `WebGPU could not build the ${src.label} pipeline: ${messageOf(e)}`);
  }
}

/** Kernels by key, each compiled once (concurrent requests share the compilation).
 * GATECOT_KERNEL_TIMES=1 prints each pipeline's creation time. On lavapipe that is not the whole
 * cost: llvmpipe compiles a kernel to machine code at its first dispatch (the time then shows in
 * that dispatch), and Mesa keeps the result in its disk cache, so only a machine's first run
 * pays it; MESA_SHADER_CACHE_DISABLE=true measures cold compilation. */
export class KernelCache {
  private readonly ctx: GpuContext;
  private readonly map = new Map<string, Promise<Kernel>>();
  /** The parameter-block layout of every kernel of this cache. */
  readonly params: GPUBindGroupLayout;

  constructor(ctx: GpuContext) {
    this.ctx = ctx;
    this.params = paramsLayout(ctx);
  }

  get(key: string, make: () => ShaderSource): Promise<Kernel> {
    let k = this.map.get(key);
    if (!k) {
      const t0 = performance.now();
      k = buildKernel(this.ctx, make(), this.params);
      if (process.env.GATECOT_KERNEL_TIMES) void k.then(() => process.stderr.write(`kernel ${key}: ${((performance.now() - t0) / 1000).toFixed(2)} s\n`));
      this.map.set(key, k);
      k.catch(() => this.map.delete(key));
    }
    return k;
  }

  get size(): number {
    return this.map.size;
  }
}
