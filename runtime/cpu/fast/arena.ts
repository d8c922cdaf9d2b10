// The fast path's working memory: one shared WebAssembly memory (the kernels read and write it,
// worker threads see the same bytes), handed out by a bump allocator in 16-byte-aligned runs of
// 32-bit words. Offsets are word indices (byte address / 4) into the f32 and i32 views.

import { instantiate, kernelModule, MAX_PAGES, type KernelExports } from './kernels.js';
import { WA, type WasmMemory, type WasmModule } from './wasm.js';

const PAGE = 65536;

/** Views of a shared memory, re-made when the memory has grown. */
export class MemoryViews {
  f32: Float32Array;
  i32: Int32Array;
  readonly kernels: KernelExports;
  constructor(
    readonly memory: WasmMemory,
    module: WasmModule = kernelModule(),
  ) {
    this.kernels = instantiate(memory, module);
    this.f32 = new Float32Array(memory.buffer);
    this.i32 = new Int32Array(memory.buffer);
  }
  /** Re-makes the views if the memory grew since they were made. */
  refresh(): void {
    if (this.f32.buffer.byteLength !== this.memory.buffer.byteLength || this.f32.length * 4 !== this.memory.buffer.byteLength) {
      this.f32 = new Float32Array(this.memory.buffer);
      this.i32 = new Int32Array(this.memory.buffer);
    }
  }
}

export class Arena extends MemoryViews {
  private top = 4; // word 0..3: reserved (a work counter for the threads)
  constructor() {
    super(new WA.Memory({ initial: 16, maximum: MAX_PAGES, shared: true }));
  }
  /** n words (zeroed), 16-byte aligned; returns the word offset. */
  alloc(n: number): number {
    const at = (this.top + 3) & ~3;
    const end = at + Math.max(4, (n + 3) & ~3);
    const have = this.memory.buffer.byteLength;
    if (end * 4 > have) {
      const pages = Math.ceil((end * 4 - have) / PAGE);
      if (have / PAGE + pages > MAX_PAGES) throw new RangeError(`the fast CPU path needs ${((end * 4) / 2 ** 30).toFixed(1)} GiB of working memory, more than WebAssembly's 4 GiB`);
      this.memory.grow(pages);
    }
    this.refresh();
    this.f32.fill(0, at, end);
    this.top = end;
    return at;
  }
  /** The allocation mark, to release everything allocated after it with `release`. */
  mark(): number {
    return this.top;
  }
  release(mark: number): void {
    this.top = mark;
  }
}
