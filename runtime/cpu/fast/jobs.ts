// The work the fast path hands to its threads: a head's attention or the output layer's argmax,
// both in blocks of 4 positions, each block independent of the others (any thread may take it).

import type { MemoryViews } from './arena.js';
import { attendBlocks, type HeadJob, type Scratch } from './attention.js';
import { argmaxBlocks, type ArgmaxJob } from './readout.js';

export type Job = HeadJob | ArgmaxJob;

/** Blocks of 4 rows in a job. */
export const blocksOf = (job: Job): number => Math.ceil(job.L / 4);

/** Row width of the scratch score rows a job needs. */
export const widthOf = (job: Job): number => (job.kind === 'attend' ? job.Lpad : job.Vpad);

export function runBlocks(V: MemoryViews, job: Job, sc: Scratch, b0: number, b1: number): void {
  if (job.kind === 'attend') attendBlocks(V, job, sc, b0, b1);
  else argmaxBlocks(V, job, sc, b0, b1);
}

/** One thread's share of a job: blocks taken `chunk` at a time from the counter at word ctl,
 *  the count done added to word ctl + 1 (and waiters woken). */
export function takeShare(V: MemoryViews, job: Job, sc: Scratch, ctl: number, chunk: number): void {
  const blocks = blocksOf(job);
  V.refresh();
  for (;;) {
    const b0 = Atomics.add(V.i32, ctl, chunk);
    if (b0 >= blocks) return;
    const b1 = Math.min(blocks, b0 + chunk);
    runBlocks(V, job, sc, b0, b1);
    Atomics.add(V.i32, ctl + 1, b1 - b0);
    Atomics.notify(V.i32, ctl + 1);
  }
}
