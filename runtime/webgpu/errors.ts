// Errors of the WebGPU engine. Every one is a UserError with a one-line message, so the CLI
// prints "gatecot: <message>" and exits 2 instead of crashing: a missing adapter, a lost
// device, a shader the driver rejects, or a model too large for the adapter's limits are
// facts about the machine or the input, not bugs to show a stack trace for.

import { UserError } from '../../circuits/index.js';

export type WebGpuErrorKind = 'no-adapter' | 'unsupported' | 'device-lost' | 'shader' | 'validation' | 'out-of-memory' | 'limits';

export class WebGpuError extends UserError {
  override name = 'WebGpuError';
  readonly kind: WebGpuErrorKind;

  constructor(kind: WebGpuErrorKind, message: string) {
    super(oneLine(message));
    this.kind = kind;
  }
}

/** No WebGPU adapter (or the native Dawn module could not load). */
export class WebGpuUnavailableError extends WebGpuError {
  override name = 'WebGpuUnavailableError';

  constructor(why: string) {
    super('no-adapter', `no WebGPU adapter: ${why}`);
  }
}

export function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

export function messageOf(e: unknown): string {
  return oneLine(e instanceof Error ? e.message : String(e));
}
