// Bit-sliced evaluation through the WebAssembly SIMD kernel (kernel.ts): the gate program is
// written into linear memory, then each pass copies 128·K vectors' input words into the wire
// slots, runs every gate, and gathers the kept wires' words into the output rows. Same layout
// and results as the JavaScript evaluator (circuits/eval.ts evalBitslicedJs); undefined where
// WebAssembly SIMD is missing or the circuit does not fit 32-bit memory, so the caller falls
// back to that evaluator.

import { checkKeep, checkOut, type Circuit } from '../ir.js';
import { KERNEL_K, kernelBytes, type KernelK } from './kernel.js';

interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (desc: { initial: number; maximum?: number }) => WasmMemory;
}

type Run = (p: number, pend: number, d: number) => void;
interface Kernel {
  mem: WasmMemory;
  run: Record<KernelK, Run>;
  rows: (src: number, srcStride: number, dst: number, dstStride: number, n: number, bytes: number) => void;
  gather: (list: number, dst: number, dstStride: number, n: number, bytes: number) => void;
}

const PAGE = 65536;

/** Memory sizes the evaluator works within (bytes); tests shrink them to reach every path. */
export interface WasmEvalLimits {
  /** Wire slots above this use a smaller K (fewer vectors per pass), for the cache. */
  wires: number;
  /** Input and output rows above this are processed in blocks of words. */
  io: number;
  /** A memory up to this size is kept for the next call; a larger one is the call's own. */
  retain: number;
}

export const DEFAULT_LIMITS: WasmEvalLimits = { wires: 32 << 20, io: 64 << 20, retain: 128 << 20 };

/** Beyond this the circuit goes to the JavaScript evaluator (addresses are 32-bit). */
const MAX_BYTES = 2 ** 31;

let compiled: object | null | undefined;
let retained: Kernel | undefined;

function wasmApi(): WasmApi | undefined {
  return (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
}

/** The compiled kernel module, or null where WebAssembly SIMD is not available. */
function kernelModule(): object | null {
  if (compiled !== undefined) return compiled;
  const wa = wasmApi();
  const bytes = kernelBytes();
  try {
    compiled = wa && wa.validate(bytes) ? new wa.Module(bytes) : null;
  } catch {
    compiled = null;
  }
  return compiled;
}

function instantiate(module: object, mem: WasmMemory): Kernel {
  const e = new (wasmApi()!.Instance)(module, { env: { mem } }).exports;
  const run = Object.fromEntries(KERNEL_K.map((k) => [k, e[`run${k}`] as Run])) as Record<KernelK, Run>;
  return { mem, run, rows: e.rows as Kernel['rows'], gather: e.gather as Kernel['gather'] };
}

/** A kernel instance whose memory holds at least `bytes`. */
function kernelWith(module: object, bytes: number, retain: number): Kernel {
  const pages = Math.ceil(bytes / PAGE);
  const Memory = wasmApi()!.Memory;
  if (bytes > retain) return instantiate(module, new Memory({ initial: pages }));
  retained ??= instantiate(module, new Memory({ initial: Math.max(pages, 16) }));
  const have = retained.mem.buffer.byteLength / PAGE;
  if (have < pages) retained.mem.grow(pages - have);
  return retained;
}

/** Whether this JavaScript engine runs the WebAssembly SIMD kernel. */
export function wasmEvalAvailable(): boolean {
  return kernelModule() !== null;
}

/** K for W words per vector-row: no more words per pass than W needs, and slots within budget. */
export function chooseK(nWires: number, W: number, wireBytes = DEFAULT_LIMITS.wires): KernelK {
  let k: KernelK = 8;
  while (k > 1 && (4 * (k / 2) >= W || nWires * 16 * k > wireBytes)) k = (k / 2) as KernelK;
  return k;
}

const align16 = (x: number): number => Math.ceil(x / 16) * 16;

/** The longest run a header holds (its count is in bits 4 to 31). */
const MAX_RUN = 1 << 27;

/** Program bytes for T gates at most: a header per gate, where every run is one gate long. */
const programBound = (T: number): number => 12 * T;

/** Writes the gate program at word 0 of u32; returns its length in bytes. */
function writeProgram(u32: Uint32Array, c: Circuit, wireBase: number, S: number): number {
  const { ops, a, b } = c;
  const T = ops.length;
  let q = 0;
  for (let g0 = 0; g0 < T; ) {
    const op = ops[g0]!;
    let g = g0;
    const header = q++;
    for (; g < T && ops[g] === op && g - g0 < MAX_RUN; g++) {
      const x = a[g]!;
      const y = b[g]!;
      u32[q] = wireBase + (x >= 0 ? x : 0) * S;
      u32[q + 1] = wireBase + (y >= 0 ? y : 0) * S;
      q += 2;
    }
    u32[header] = op | ((g - g0) << 4);
    g0 = g;
  }
  return 4 * q;
}

/**
 * evalBitsliced (circuits/eval.ts) on the WebAssembly kernel: inputs nInputs * W words,
 * wire-major; returns keep.length * W words (every wire when keep is absent), in `out` when
 * given, or undefined where the kernel cannot run this circuit.
 */
export function evalBitslicedWasm(c: Circuit, inputs: Uint32Array, W: number, keep?: ArrayLike<number>, out?: Uint32Array, limits: WasmEvalLimits = DEFAULT_LIMITS): Uint32Array | undefined {
  const module = kernelModule();
  if (!module) return undefined;
  const n = c.nInputs;
  const T = c.ops.length;
  const nw = n + T;
  const nKeep = keep ? keep.length : nw;
  const K = chooseK(nw, W, limits.wires);
  const S = 16 * K;
  const words = 4 * K;
  const rowBytes = (n + nKeep) * 4;
  const Wb = rowBytes * W <= limits.io ? W : Math.max(words, Math.floor(limits.io / (rowBytes * words)) * words);
  const progBytes = programBound(T);
  const keepBase = align16(progBytes);
  const inBase = align16(keepBase + 4 * nKeep);
  const outBase = align16(inBase + 4 * n * Wb);
  const wireBase = align16(outBase + 4 * nKeep * Wb);
  const total = wireBase + nw * S;
  if (total > MAX_BYTES) return undefined;
  checkOut(out, nKeep * W);
  if (W === 0) return out ?? new Uint32Array(0);
  let kern: Kernel;
  try {
    kern = kernelWith(module, total, limits.retain);
  } catch {
    return undefined; // no memory of that size: the JavaScript evaluator tries
  }
  const u32 = new Uint32Array(kern.mem.buffer);
  const progEnd = writeProgram(u32, c, wireBase, S);
  for (let j = 0; j < nKeep; j++) {
    const w = keep ? keep[j]! : j;
    checkKeep(w, nw);
    u32[keepBase / 4 + j] = wireBase + w * S;
  }
  const run = kern.run[K];
  for (let b0 = 0; b0 < W; b0 += Wb) {
    const bw = Math.min(Wb, W - b0);
    if (Wb === W) u32.set(inputs, inBase / 4);
    else for (let i = 0; i < n; i++) u32.set(inputs.subarray(i * W + b0, i * W + b0 + bw), inBase / 4 + i * Wb);
    for (let w0 = 0; w0 < bw; w0 += words) {
      const cw = Math.min(words, bw - w0);
      kern.rows(inBase + 4 * w0, 4 * Wb, wireBase, S, n, 4 * cw);
      run(0, progEnd, wireBase + n * S);
      kern.gather(keepBase, outBase + 4 * w0, 4 * Wb, nKeep, 4 * cw);
    }
    if (Wb === W && !out) return u32.slice(outBase / 4, outBase / 4 + nKeep * W);
    out ??= new Uint32Array(nKeep * W);
    if (Wb === W) out.set(u32.subarray(outBase / 4, outBase / 4 + nKeep * W));
    else for (let j = 0; j < nKeep; j++) out.set(u32.subarray(outBase / 4 + j * Wb, outBase / 4 + j * Wb + bw), j * W + b0);
  }
  return out!;
}
