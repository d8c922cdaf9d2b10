// Opening the WebGPU adapter and device through Dawn's node bindings (the `webgpu` package).
// The native module is imported lazily, so the CPU path never loads it, and a machine where it
// cannot load reads as "no adapter". The object returned by create() is kept on the context for
// as long as the device lives: if it is garbage-collected while work is pending, Dawn aborts
// the process from ProcessEvents.

import { readFileSync } from 'node:fs';
import { WebGpuError, WebGpuUnavailableError, messageOf } from './errors.js';

export interface GpuOptions {
  /** Behave as if there were no adapter (tests; GATECOT_WEBGPU=off does the same). */
  disabled?: boolean;
  /** Options passed to Dawn's create(), e.g. "enable-dawn-features=...". */
  dawnOptions?: string[];
  /** Ask for the shader-f16 feature when the adapter offers it. */
  wantF16?: boolean;
  /** Caps the storage-binding size below the adapter's (tests of the buffer-splitting paths). */
  maxBindingBytes?: number;
  /** Ask for timestamp queries (profiling). */
  timestamps?: boolean;
}

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallback: boolean;
  /** One line: vendor, architecture and description. */
  line: string;
}

/** The limits the engine sizes its buffers and dispatches by. */
export interface EngineLimits {
  maxBindingBytes: number;
  maxBufferBytes: number;
  maxWorkgroupStorage: number;
  maxInvocations: number;
  maxWorkgroupsPerDim: number;
  maxStorageBuffersPerStage: number;
  uniformAlign: number;
}

interface AdapterHandle {
  gpu: GPU;
  adapter: GPUAdapter;
}

/** Disabled by option or by GATECOT_WEBGPU=off|0|false. */
function isDisabled(opts: GpuOptions): boolean {
  const env = (process.env.GATECOT_WEBGPU ?? '').toLowerCase();
  return Boolean(opts.disabled) || env === 'off' || env === '0' || env === 'false';
}

/** The SIMD width lavapipe's JIT compiler (llvmpipe) gets when the process does not choose
 * one: 512 bits where the CPU has AVX-512 (F, BW, DQ, VL), read from /proc/cpuinfo. llvmpipe
 * runs every shader invocation as one lane of a vector of that width (subgroups of 16 f32 lanes
 * instead of 8) and defaults to 256 bits even on AVX-512 CPUs; on this project's kernels the
 * wider vectors halve the instructions per attention pair (BENCHMARKS.md). Each lane computes
 * exactly what it computes at 256 bits. LP_NATIVE_VECTOR_WIDTH set by the user wins;
 * GATECOT_LAVAPIPE_WIDTH=256 keeps Mesa's default. Must run before Dawn opens Vulkan (Mesa
 * reads the variable once per process). */
export function chooseLavapipeWidth(env: NodeJS.ProcessEnv = process.env, cpuinfo: () => string = readCpuinfo): string | undefined {
  if (env.LP_NATIVE_VECTOR_WIDTH !== undefined) return env.LP_NATIVE_VECTOR_WIDTH;
  if (env.GATECOT_LAVAPIPE_WIDTH === '256') return undefined;
  const flags = new Set(/^flags\s*:(.*)$/m.exec(cpuinfo())?.[1]?.trim().split(/\s+/) ?? []);
  if (!['avx512f', 'avx512bw', 'avx512dq', 'avx512vl'].every((f) => flags.has(f))) return undefined;
  env.LP_NATIVE_VECTOR_WIDTH = '512';
  return '512';
}

function readCpuinfo(): string {
  try {
    return process.platform === 'linux' ? readFileSync('/proc/cpuinfo', 'latin1') : '';
  } catch {
    return '';
  }
}

/** The adapter, or a WebGpuUnavailableError saying why there is none. */
export async function requestAdapter(opts: GpuOptions = {}): Promise<AdapterHandle> {
  if (isDisabled(opts)) throw new WebGpuUnavailableError('WebGPU is disabled (GATECOT_WEBGPU=off)');
  let mod: { create: (o: string[]) => GPU };
  try {
    mod = (await import('webgpu')) as unknown as { create: (o: string[]) => GPU };
  } catch (e) {
    throw new WebGpuUnavailableError(`the Dawn module (npm package webgpu) did not load: ${messageOf(e)}`);
  }
  let gpu: GPU;
  let adapter: GPUAdapter | null;
  chooseLavapipeWidth();
  try {
    gpu = mod.create(opts.dawnOptions ?? []);
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    throw new WebGpuUnavailableError(messageOf(e));
  }
  if (!adapter) throw new WebGpuUnavailableError('requestAdapter() found none (no GPU driver, or no Vulkan/Metal/D3D12 implementation such as lavapipe)');
  return { gpu, adapter };
}

export function summarizeAdapter(a: GPUAdapter): AdapterSummary {
  const i = a.info;
  const vendor = i.vendor || 'unknown vendor';
  const architecture = i.architecture || 'unknown architecture';
  const description = i.description || i.device || 'no description';
  return {
    vendor,
    architecture,
    device: i.device,
    description,
    isFallback: Boolean((i as { isFallbackAdapter?: boolean }).isFallbackAdapter),
    line: `${vendor}, ${architecture}: ${description}`,
  };
}

/** An open device with its adapter; records loss and uncaptured errors for check(). */
export class GpuContext {
  /** Held so Dawn's instance outlives every pending operation (see the file comment). */
  readonly gpu: GPU;
  readonly adapter: GPUAdapter;
  readonly device: GPUDevice;
  readonly info: AdapterSummary;
  readonly limits: EngineLimits;
  readonly hasF16: boolean;
  /** The fixed subgroup size when the device has subgroups of one size (0 otherwise). */
  readonly subgroupSize: number;
  /** A CPU implementation (lavapipe, llvmpipe, SwiftShader): kernels avoid barriers there. */
  readonly isCpu: boolean;
  private lost: string | null = null;
  private uncaptured: string | null = null;
  private destroyed = false;

  constructor(h: AdapterHandle, device: GPUDevice, hasF16: boolean, maxBindingBytes?: number) {
    this.gpu = h.gpu;
    this.adapter = h.adapter;
    this.device = device;
    this.info = summarizeAdapter(h.adapter);
    this.hasF16 = hasF16;
    const ai = h.adapter.info;
    const sgMin = ai.subgroupMinSize ?? 0;
    this.subgroupSize = device.features.has('subgroups') && sgMin > 0 && sgMin === ai.subgroupMaxSize ? sgMin : 0;
    this.isCpu = this.info.isFallback || this.info.architecture === 'software' || /llvmpipe|lavapipe|swiftshader/i.test(`${this.info.description} ${this.info.device}`);
    const L = device.limits;
    this.limits = {
      maxBindingBytes: Math.min(L.maxStorageBufferBindingSize, maxBindingBytes ?? Infinity),
      maxBufferBytes: L.maxBufferSize,
      maxWorkgroupStorage: L.maxComputeWorkgroupStorageSize,
      maxInvocations: L.maxComputeInvocationsPerWorkgroup,
      maxWorkgroupsPerDim: L.maxComputeWorkgroupsPerDimension,
      maxStorageBuffersPerStage: L.maxStorageBuffersPerShaderStage,
      uniformAlign: L.minUniformBufferOffsetAlignment,
    };
    void device.lost.then((info) => {
      if (!this.destroyed) this.lost = `${info.reason === 'destroyed' ? 'destroyed' : 'lost'}${info.message ? `: ${info.message}` : ''}`;
    });
    device.onuncapturederror = (ev: GPUUncapturedErrorEvent) => {
      this.uncaptured ??= ev.error.message;
    };
  }

  /** Open, not lost, and no uncaptured error: fit for more work (check() throws otherwise). */
  get healthy(): boolean {
    return !this.destroyed && this.lost === null && this.uncaptured === null;
  }

  /** Throws a one-line WebGpuError when the device was lost or reported an error. */
  check(): void {
    if (this.lost !== null) throw new WebGpuError('device-lost', `WebGPU device ${this.lost}`);
    if (this.uncaptured !== null) throw new WebGpuError('validation', `WebGPU error: ${this.uncaptured}`);
  }

  /** Runs fn inside validation and out-of-memory error scopes; a captured error throws. */
  async scoped<T>(what: string, fn: () => T): Promise<T> {
    this.check();
    const d = this.device;
    d.pushErrorScope('out-of-memory');
    d.pushErrorScope('validation');
    let out: T;
    try {
      out = fn();
    } finally {
      const v = await d.popErrorScope();
      const m = await d.popErrorScope();
      if (m) throw new WebGpuError('out-of-memory', `WebGPU ran out of memory (${what}): ${m.message}`);
      if (v) throw new WebGpuError('validation', `WebGPU rejected ${what}: ${v.message}`);
    }
    this.check();
    return out;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.device.destroy();
  }
}

/** Opens the adapter and a device with the adapter's own limits (f16 when asked and offered). */
export async function openGpu(opts: GpuOptions = {}): Promise<GpuContext> {
  const h = await requestAdapter(opts);
  const a = h.adapter;
  const hasF16 = Boolean(opts.wantF16) && a.features.has('shader-f16');
  const features: GPUFeatureName[] = [];
  if (hasF16) features.push('shader-f16');
  if (a.features.has('subgroups')) features.push('subgroups');
  if (opts.timestamps && a.features.has('timestamp-query')) features.push('timestamp-query');
  const L = a.limits;
  let device: GPUDevice;
  try {
    device = await a.requestDevice({
      requiredFeatures: features,
      requiredLimits: {
        maxStorageBufferBindingSize: L.maxStorageBufferBindingSize,
        maxBufferSize: L.maxBufferSize,
        maxComputeWorkgroupStorageSize: L.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: L.maxComputeInvocationsPerWorkgroup,
        maxComputeWorkgroupSizeX: L.maxComputeWorkgroupSizeX,
        maxComputeWorkgroupsPerDimension: L.maxComputeWorkgroupsPerDimension,
        maxStorageBuffersPerShaderStage: L.maxStorageBuffersPerShaderStage,
      },
    });
  } catch (e) {
    throw new WebGpuError('unsupported', `the WebGPU adapter (${summarizeAdapter(a).line}) refused a device: ${messageOf(e)}`);
  }
  return new GpuContext(h, device, hasF16, opts.maxBindingBytes);
}
