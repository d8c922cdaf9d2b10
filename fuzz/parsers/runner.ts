// Runs examineParse under a time limit in a worker thread. A parse that does not answer in time
// is a hang: the worker is terminated and a fresh one serves the next file. A worker that dies
// (out of memory, a fatal error) is a crash. The worker gets the main thread's stack size, so a
// recursion that would overflow the CLI's stack overflows there too, and a heap limit, so a
// runaway allocation kills the worker and not the campaign.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type FormatName } from '../../circuits/index.js';
import { UserError } from '../../common/errors.js';
import { examineParse, type ParseOutcome } from './examine.js';
import type { ParseRequest } from './parse-worker.js';

export interface ParseRunner {
  run(bytes: Uint8Array, format: FormatName, file: string): Promise<ParseOutcome>;
  close(): Promise<void>;
}

/** The worker script: beside this module once built; from the TypeScript sources (vitest),
 * the build in dist/ (plain Node cannot run a .ts worker). */
export function defaultWorkerUrl(): URL {
  const here = new URL('./parse-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL('../../dist/fuzz/parsers/parse-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new UserError('the parser fuzzer needs the built worker dist/fuzz/parsers/parse-worker.js: run `npm run build`');
}

export interface WorkerRunnerOptions {
  timeoutMs: number;
  workerUrl?: URL;
  /** Heap limit of the worker (default 1024 MB). */
  heapMb?: number;
}

export class WorkerParseRunner implements ParseRunner {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly url: URL;

  constructor(private readonly opts: WorkerRunnerOptions) {
    this.url = opts.workerUrl ?? defaultWorkerUrl();
  }

  private ensure(): Worker {
    if (!this.worker) {
      this.worker = new Worker(this.url, { resourceLimits: { stackSizeMb: 1, maxOldGenerationSizeMb: this.opts.heapMb ?? 1024 } });
    }
    return this.worker;
  }

  private drop(w: Worker): void {
    if (this.worker === w) this.worker = undefined;
    void w.terminate();
  }

  run(bytes: Uint8Array, format: FormatName, file: string): Promise<ParseOutcome> {
    const w = this.ensure();
    const id = this.nextId++;
    const t0 = performance.now();
    return new Promise((resolve) => {
      const finish = (o: ParseOutcome): void => {
        clearTimeout(timer);
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
        resolve(o);
      };
      const onMessage = (m: { id: number; outcome: ParseOutcome }): void => {
        if (m.id === id) finish(m.outcome);
      };
      const onError = (e: Error): void => {
        this.drop(w);
        finish({ status: 'crash', message: `the parser worker died: ${e.name}: ${e.message}`, ms: performance.now() - t0 });
      };
      const onExit = (code: number): void => {
        this.drop(w);
        finish({ status: 'crash', message: `the parser worker exited with code ${code}`, ms: performance.now() - t0 });
      };
      const timer = setTimeout(() => {
        this.drop(w);
        finish({ status: 'hang', message: `no answer within ${this.opts.timeoutMs} ms`, ms: performance.now() - t0 });
      }, this.opts.timeoutMs);
      w.on('message', onMessage);
      w.once('error', onError);
      w.once('exit', onExit);
      const req: ParseRequest = { id, bytes, format, file };
      w.postMessage(req);
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }
}

/** Parses in this thread: no time limit, no protection; for tests of the campaign logic. */
export class InlineParseRunner implements ParseRunner {
  run(bytes: Uint8Array, format: FormatName, file: string): Promise<ParseOutcome> {
    return Promise.resolve(examineParse(bytes, format, file));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
