// A tiny WebAssembly binary writer: enough to emit the fast CPU path's few SIMD kernels from
// TypeScript (there is no wasm toolchain here). A module imports one shared memory
// ("env", "memory") and exports its functions; a function body is a list of instruction bytes
// built with the helpers below. Only what the kernels use is here.

export type ValType = 'i32' | 'f32' | 'f64' | 'v128';

const VALTYPE: Record<ValType, number> = { i32: 0x7f, f32: 0x7d, f64: 0x7c, v128: 0x7b };

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (32-bit values). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  n |= 0;
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];

export interface WasmFunction {
  name: string;
  params: ValType[];
  results: ValType[];
  /** Locals beyond the parameters (indices continue after them). */
  locals: ValType[];
  body: number[];
}

/** A function the module imports from "env" (its index: its place in the list, before the module's own). */
export interface WasmImport {
  name: string;
  params: ValType[];
  results: ValType[];
}

/** A module importing env.memory (shared, up to maxPages 64-KiB pages) and the functions
 *  `imports`, and exporting `fns` (function i of fns has index imports.length + i). */
export function wasmModule(fns: WasmFunction[], maxPages: number, imports: WasmImport[] = []): Uint8Array {
  const sig = (f: { params: ValType[]; results: ValType[] }): number[] => [0x60, ...vec(f.params.map((t) => [VALTYPE[t]])), ...vec(f.results.map((t) => [VALTYPE[t]]))];
  const types = [...imports, ...fns].map(sig);
  const imported = vec([
    [...name('env'), ...name('memory'), 0x02, 0x03, ...uleb(1), ...uleb(maxPages)],
    ...imports.map((f, i) => [...name('env'), ...name(f.name), 0x00, ...uleb(i)]),
  ]);
  const funcs = vec(fns.map((_, i) => uleb(imports.length + i)));
  const exports = vec(fns.map((f, i) => [...name(f.name), 0x00, ...uleb(imports.length + i)]));
  const code = vec(
    fns.map((f) => {
      const locals = vec(f.locals.map((t) => [1, VALTYPE[t]]));
      const body = [...locals, ...f.body, 0x0b];
      return [...uleb(body.length), ...body];
    }),
  );
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, imported),
    ...section(3, funcs),
    ...section(7, exports),
    ...section(10, code),
  ]);
}

const simd = (op: number): number[] => [0xfd, ...uleb(op)];
/** memarg: alignment exponent and offset. */
const mem = (align: number, offset: number): number[] => [align, ...uleb(offset)];

/** The instructions the kernels use (each returns its bytes). */
export const op = {
  block: (): number[] => [0x02, 0x40],
  loop: (): number[] => [0x03, 0x40],
  if: (): number[] => [0x04, 0x40],
  else: (): number[] => [0x05],
  call: (f: number): number[] => [0x10, ...uleb(f)],
  end: (): number[] => [0x0b],
  br: (depth: number): number[] => [0x0c, ...uleb(depth)],
  brIf: (depth: number): number[] => [0x0d, ...uleb(depth)],
  get: (i: number): number[] => [0x20, ...uleb(i)],
  set: (i: number): number[] => [0x21, ...uleb(i)],
  tee: (i: number): number[] => [0x22, ...uleb(i)],
  i32: (n: number): number[] => [0x41, ...sleb(n)],
  f32: (x: number): number[] => [0x43, ...new Uint8Array(new Float32Array([x]).buffer)],
  i32Add: (): number[] => [0x6a],
  i32Sub: (): number[] => [0x6b],
  i32Mul: (): number[] => [0x6c],
  i32And: (): number[] => [0x71],
  i32Shl: (): number[] => [0x74],
  i32Ctz: (): number[] => [0x68],
  i32Eqz: (): number[] => [0x45],
  i32LtU: (): number[] => [0x49],
  i32GtU: (): number[] => [0x4b],
  i32Eq: (): number[] => [0x46],
  i32ShrU: (): number[] => [0x76],
  i32Load: (offset = 0): number[] => [0x28, ...mem(2, offset)],
  i32LeU: (): number[] => [0x4d],
  f32Eq: (): number[] => [0x5b],
  f32Ne: (): number[] => [0x5c],
  f32Lt: (): number[] => [0x5d],
  f32Add: (): number[] => [0x92],
  f32Sub: (): number[] => [0x93],
  f32Mul: (): number[] => [0x94],
  f32Div: (): number[] => [0x95],
  f32DemoteF64: (): number[] => [0xb6],
  f64PromoteF32: (): number[] => [0xbb],
  i32ReinterpretF32: (): number[] => [0xbc],
  i32GeU: (): number[] => [0x4f],
  i32Store: (offset = 0): number[] => [0x36, ...mem(2, offset)],
  f32Load: (offset = 0): number[] => [0x2a, ...mem(2, offset)],
  f32Store: (offset = 0): number[] => [0x38, ...mem(2, offset)],
  v128Load: (offset = 0): number[] => [...simd(0x00), ...mem(4, offset)],
  v128Load32Splat: (offset = 0): number[] => [...simd(0x09), ...mem(2, offset)],
  v128Store: (offset = 0): number[] => [...simd(0x0b), ...mem(4, offset)],
  f32x4Splat: (): number[] => simd(0x13),
  i32x4Splat: (): number[] => simd(0x11),
  i32x4Add: (): number[] => simd(0xae),
  i32x4LeS: (): number[] => simd(0x3d),
  v128And: (): number[] => simd(0x4e),
  i8x16Swizzle: (): number[] => simd(0x0e),
  i32Popcnt: (): number[] => [0x69],
  /** i32x4.const: four 32-bit lanes. */
  v128ConstI32: (lanes: [number, number, number, number]): number[] => [...simd(0x0c), ...new Uint8Array(new Int32Array(lanes).buffer)],
  f32x4ExtractLane: (lane: number): number[] => [...simd(0x1f), lane],
  f32x4Lt: (): number[] => simd(0x43),
  v128Not: (): number[] => simd(0x4d),
  v128AnyTrue: (): number[] => simd(0x53),
  i32x4Bitmask: (): number[] => simd(0xa4),
  f32x4Add: (): number[] => simd(0xe4),
  f32x4Sub: (): number[] => simd(0xe5),
  f32x4Mul: (): number[] => simd(0xe6),
  f32x4Div: (): number[] => simd(0xe7),
  /** pmax(a, b) = a < b ? b : a, lane by lane (a NaN in b never replaces a). */
  f32x4Pmax: (): number[] => simd(0xeb),
};

/** The parts of the WebAssembly API used here (tsconfig's lib has no DOM; Node 20 has them all). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
export type WasmModule = object;
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (m: WasmModule, imports: object) => { exports: object };
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}

export const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
