// Errors of the WebGPU engine. Every one is a UserError with a one-line message, so the CLI
// prints "gatecot: <message>" and exits 2 instead of crashing: a missing adapter, a lost
// device, a shader the driver rejects, or a model too large for the adapter's limits are
// facts about the machine or the input, not bugs to show a stack trace for.

import { UserError } from '../../common/errors.js';

/**
 * 'no-adapter': no adapter, WebGPU disabled, or Dawn did not load. 'unsupported': the adapter
 * or the engine does not offer what was asked (an arithmetic, shader-f16, a device, a feature).
 * These two mean "WebGPU cannot run this here" and are the only ones `--backend auto` falls back
 * on (isUnavailable); the others are failures of the engine on this model and must be seen.
 */
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

/** WebGPU cannot run this here (no adapter, disabled, an arithmetic or feature it lacks). */
export function isUnavailable(e: unknown): e is WebGpuError {
  return e instanceof WebGpuError && (e.kind === 'no-adapter' || e.kind === 'unsupported');
}

export function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

export function messageOf(e: unknown): string {
  return oneLine(e instanceof Error ? e.message : String(e));
}
