// The fast path's threads: the calling thread and up to `threads - 1` worker threads
// (worker_threads) over one shared WebAssembly memory. A job is posted to every worker, then the
// caller takes blocks itself and waits (Atomics.wait) until every block is done: the API stays
// synchronous, and a worker that has not started yet simply takes fewer blocks (the caller can
// do them all). Workers are unref'd: they never keep the process alive.

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Arena } from './arena.js';
import { scratchAt, scratchWords } from './attention.js';
import { blocksOf, takeShare, widthOf, type Job } from './jobs.js';
import type { Scratch } from './attention.js';
import { EXP_BITS, EXP_CACHE_WORDS, EXP_EMPTY, kernelModule, packTable } from './kernels.js';
import type { WorkerData, WorkerTask } from './worker.js';

/** Control words: a ring of (counter, done) pairs, one per job, so that a worker that sees a job
 *  late finds its counter spent instead of another job's. */
const RING = 256;
/** Seconds without any block finished before the caller gives up on a stuck worker. */
const STALL_SECONDS = 120;

/** The worker script beside this module once built; from the TypeScript sources (vitest), the
 *  build in dist/; none: no workers (one thread). */
function workerUrl(): URL | undefined {
  const here = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL('../../../dist/runtime/cpu/fast/worker.js', import.meta.url);
  return existsSync(fileURLToPath(built)) ? built : undefined;
}

/** Threads the fast path uses by default: every core, at most 8. */
export function defaultThreads(): number {
  return Math.max(1, Math.min(8, availableParallelism()));
}

export class FastRuntime {
  readonly arena = new Arena();
  private readonly ctl: number;
  private readonly workers: Worker[] = [];
  private seq = 0;
  /** Each thread's exp cache (word offsets; thread 0: this one), and the left-pack table. */
  private readonly caches: number[] = [];
  private readonly pack: number;
  /** Threads that take part in a job (this one included). */
  readonly threads: number;
  /** Milliseconds spent in attention jobs (every head's scores, softmax and value sums) so far. */
  attentionMs = 0;

  constructor(threads: number) {
    this.ctl = this.arena.alloc(2 * RING);
    this.pack = this.arena.alloc(64);
    new Uint8Array(this.arena.memory.buffer).set(packTable(), 4 * this.pack);
    const url = threads > 1 ? workerUrl() : undefined;
    if (url) {
      const data: WorkerData = { memory: this.arena.memory, module: kernelModule() };
      for (let k = 1; k < threads; k++) {
        const w = new Worker(url, { workerData: data });
        w.unref();
        this.workers.push(w);
      }
    }
    this.threads = 1 + this.workers.length;
    for (let k = 0; k < this.threads; k++) {
      const c = this.arena.alloc(EXP_CACHE_WORDS);
      this.arena.i32.fill(EXP_EMPTY, c, c + (1 << EXP_BITS));
      this.caches.push(c);
    }
  }

  /** This thread's scratch for score rows of `width` words (allocate below a mark, release after). */
  scratch(width: number): Scratch {
    return scratchAt(this.arena.alloc(scratchWords(width)), width, this.caches[0]!, this.pack);
  }

  /** Runs every block of `job`, on all threads; returns when all are done. */
  run(job: Job): void {
    const t0 = performance.now();
    const blocks = blocksOf(job);
    const mark = this.arena.mark();
    const width = widthOf(job);
    const T = this.workers.length + 1;
    // a chunk: a few blocks, so that T threads share the work evenly
    const chunk = Math.max(1, Math.min(16, Math.floor(blocks / (8 * T))));
    const base = this.arena.alloc(T * scratchWords(width));
    const scratch = Array.from({ length: T }, (_, k) => scratchAt(base + k * scratchWords(width), width, this.caches[k]!, this.pack));
    const ctl = this.ctl + 2 * (this.seq++ % RING);
    const i32 = this.arena.i32;
    Atomics.store(i32, ctl, 0);
    Atomics.store(i32, ctl + 1, 0);
    if (blocks > 1) this.workers.forEach((w, k) => w.postMessage({ job, scratch: scratch[k + 1]!, ctl, chunk } satisfies WorkerTask));
    takeShare(this.arena, job, scratch[0]!, ctl, chunk);
    let last = Atomics.load(i32, ctl + 1);
    let since = performance.now();
    while (last < blocks) {
      Atomics.wait(i32, ctl + 1, last, 1000);
      const now = Atomics.load(i32, ctl + 1);
      if (now !== last) {
        last = now;
        since = performance.now();
      } else if (performance.now() - since > STALL_SECONDS * 1000) {
        throw new Error(`a fast-path worker thread stopped (${blocks - last} of ${blocks} blocks not done)`);
      }
    }
    this.arena.release(mark);
    if (job.kind === 'attend') this.attentionMs += performance.now() - t0;
  }

  dispose(): void {
    for (const w of this.workers) void w.terminate();
    this.workers.length = 0;
  }
}

const runtimes = new Map<number, FastRuntime>();

/** The process's runtime for a thread count (made once: its memory and workers are reused). */
export function fastRuntime(threads: number): FastRuntime {
  let r = runtimes.get(threads);
  if (!r) {
    r = new FastRuntime(threads);
    runtimes.set(threads, r);
  }
  return r;
}
