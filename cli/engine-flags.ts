// The engine flags (--backend, --cpu-kernel, --attention) read from their text. The runtime takes
// the parsed values (runtime/backend.ts); only the command line knows the flags' names.

import { UserError } from '../common/errors.js';
import type { AttentionMode, BackendChoice, CpuKernel } from '../runtime/index.js';

/** The backend named by --backend; `ort` only where the caller offers it (run and verify). */
export function parseBackend(s: string | undefined, opts: { ort?: boolean } = {}): BackendChoice {
  if (s === undefined) return 'cpu';
  if (s === 'auto' || s === 'cpu' || s === 'webgpu') return s;
  if (s === 'ort' && opts.ort) return s;
  if (s === 'ort') throw new UserError('--backend ort (onnxruntime) is offered by run and verify only; here use auto, cpu or webgpu');
  throw new UserError(`--backend must be auto, cpu${opts.ort ? ', webgpu or ort' : ' or webgpu'}, got '${s}'`);
}

/** --cpu-kernel: which CPU loop runs f32 (undefined: the engine's default). */
export function parseCpuKernel(s: string | undefined): CpuKernel | undefined {
  if (s === undefined) return undefined;
  if (s === 'fast' || s === 'reference') return s;
  throw new UserError(`--cpu-kernel must be fast or reference, got '${s}'`);
}

/** --attention: dense (the default) or the certified sparse mode, asked for by name. */
export function parseAttention(s: string | undefined): AttentionMode {
  if (s === undefined || s === 'dense' || s === 'sparse') return s ?? 'dense';
  throw new UserError(`--attention must be dense or sparse, got '${s}'`);
}
