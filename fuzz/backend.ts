// The backend of a fuzz campaign, chosen once when it starts: `cpu`; `webgpu` (no adapter, or an
// arithmetic it does not run, is an error); `auto`: WebGPU when it is available here, else the
// CPU with a one-line notice (runtime/backend.ts says what "available" means). Once chosen, every
// check of the campaign runs there: a WebGPU error on some model is a finding, never a quiet
// switch to the CPU.
//
// A WebGPU campaign opens ONE device and every check (cases and shrinking) creates its engine on
// it: opening a device and compiling the kernels anew per check costs seconds, while kernels
// already built on the same device are not compiled again (the attention kernels depend on head
// shapes only, so most models of a campaign share them; the others embed the model's weight
// offsets and are built per model). A device that was lost
// or holds an uncaptured error is replaced before the next check, so one broken case does not
// fail every later one. SharedGpu holds the context (which holds the object Dawn's create()
// returned) until close(): Dawn aborts the process if that object is collected with work pending.

import { NetlistBuilder } from '../circuits/index.js';
import { compile, type Model } from '../compiler/index.js';
import { parseArith } from '../runtime/arith.js';
import { createEngine, type BackendChoice, type CpuKernel } from '../runtime/backend.js';
import type { Backend } from '../runtime/engine.js';
import { isUnavailable } from '../runtime/webgpu/errors.js';
import { openGpu, type GpuContext, type GpuOptions } from '../runtime/webgpu/gpu.js';

/** One WebGPU device for a whole campaign, reopened when it breaks. */
export class SharedGpu {
  private ctx: GpuContext | undefined;
  /** Devices opened after the first (each replaced a lost or failed one). */
  reopened = 0;

  private constructor(
    private readonly opts: GpuOptions,
    ctx: GpuContext,
  ) {
    this.ctx = ctx;
  }

  static async open(opts: GpuOptions): Promise<SharedGpu> {
    return new SharedGpu(opts, await openGpu(opts));
  }

  /** The adapter's one-line description. */
  get adapter(): string {
    return this.ctx?.info.line ?? '';
  }

  /** The open device; a fresh one when the last was lost or reported an error. */
  async context(): Promise<GpuContext> {
    if (this.ctx && !this.ctx.healthy) {
      this.ctx.destroy();
      this.ctx = undefined;
      this.reopened++;
    }
    this.ctx ??= await openGpu(this.opts);
    return this.ctx;
  }

  close(): void {
    this.ctx?.destroy();
    this.ctx = undefined;
  }
}

export interface FuzzBackend {
  /** Where every check of the campaign runs. */
  used: Backend;
  /** Why `auto` chose the CPU (one line). */
  notice?: string;
  /** The campaign's device (when used is webgpu). */
  gpu?: SharedGpu;
}

/** A one-gate model: creating its engine checks the arithmetic, the features and the kernels. */
function probeModel(): Model {
  const nb = new NetlistBuilder();
  const [x] = nb.addInputGroup('x', ['x'], nb.loc(1, 1));
  nb.addOutputGroup('y', [{ net: nb.addGate('y', 'NOT', [x!], nb.loc(1, 1)), loc: nb.loc(1, 1) }]);
  return compile(nb.build('probe'), { cot: 'gate' });
}

/**
 * Chooses the campaign's backend and opens its device. Throws a one-line UserError for a bad
 * arithmetic, for `webgpu` where WebGPU cannot run, and for any WebGPU failure that is not
 * "unavailable" (also with `auto`).
 */
export async function openFuzzBackend(choice: BackendChoice, arith: string, gpuOpts: GpuOptions = {}, cpuKernel?: CpuKernel): Promise<FuzzBackend> {
  const a = parseArith(arith);
  if (choice === 'cpu') return { used: 'cpu' };
  if (a.kind !== 'f32' && a.kind !== 'f16') {
    // No device needed to know: webgpu throws, auto gives the CPU with its notice.
    const { engine, notice } = await createEngine(probeModel(), choice, arith, { webgpu: gpuOpts });
    engine.dispose();
    return notice !== undefined ? { used: engine.backend, notice } : { used: engine.backend };
  }
  let gpu: SharedGpu | undefined;
  try {
    gpu = await SharedGpu.open({ ...gpuOpts, wantF16: a.kind === 'f16' });
    const { engine, notice } = await createEngine(probeModel(), choice, arith, { webgpu: { context: await gpu.context() } });
    engine.dispose();
    if (engine.backend === 'webgpu') return { used: 'webgpu', gpu };
    gpu.close();
    return notice !== undefined ? { used: 'cpu', notice } : { used: 'cpu' };
  } catch (e) {
    gpu?.close();
    if (choice === 'auto' && isUnavailable(e)) return { used: 'cpu', notice: `${e.message}: using the CPU ${a.kind === 'f32' && cpuKernel !== 'reference' ? 'fast f32 kernel' : 'reference'}` };
    throw e;
  }
}
