// A fast-path worker thread: the same kernels on the same shared memory; it takes blocks of the
// job it is told about until none are left (jobs.ts takeShare).
import { parentPort, workerData } from 'node:worker_threads';
import { MemoryViews } from './arena.js';
import { takeShare, type Job } from './jobs.js';
import type { Scratch } from './attention.js';
import type { WasmMemory, WasmModule } from './wasm.js';

export interface WorkerData {
  memory: WasmMemory;
  module: WasmModule;
}

export interface WorkerTask {
  job: Job;
  scratch: Scratch;
  ctl: number;
  chunk: number;
}

const data = workerData as WorkerData;
const views = new MemoryViews(data.memory, data.module);
parentPort!.on('message', (t: WorkerTask) => takeShare(views, t.job, t.scratch, t.ctl, t.chunk));
