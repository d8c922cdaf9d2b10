// Option values of a fuzz campaign and their parsing (one-line OptionErrors that name the option;
// the CLI words them with its flags).

import { OptionError } from '../common/errors.js';
import { parseMix } from '../circuits/gen/random.js';

/** An inclusive integer range A..B. */
export interface Range {
  min: number;
  max: number;
}

/** "A..B" or a single "A" (= A..A), each within [lo, hi]; errors name the option `name`. */
export function parseRange(text: string, name: string, lo: number, hi: number): Range {
  const m = /^\s*(\d+)\s*(?:\.\.\s*(\d+)\s*)?$/.exec(text);
  const min = m ? Number(m[1]) : NaN;
  const max = m ? Number(m[2] ?? m[1]) : NaN;
  if (!m || !(min >= lo) || !(max <= hi) || min > max) {
    throw new OptionError(name, `must be A..B (or one number) with ${lo} <= A <= B <= ${hi}, got '${text}'`);
  }
  return { min, max };
}

export function rangeText(r: Range): string {
  return r.min === r.max ? String(r.min) : `${r.min}..${r.max}`;
}

/** Checks a gate mix (the `random` generator's option `mix`) and returns it trimmed. */
export function checkMix(text: string): string {
  parseMix(text);
  return text.trim();
}

export function parseLocality(text: string): number {
  const x = /^\s*(\d+(\.\d*)?|\.\d+)\s*$/.test(text) ? Number(text) : NaN;
  if (!(x >= 0 && x <= 1)) throw new OptionError('locality', `must be a number from 0 to 1, got '${text}'`);
  return x;
}

/** What decides the circuits of a campaign (besides the seed and the case index). */
export interface CaseOptions {
  gates: Range;
  inputs: Range;
  /** Fixed op mix for every case; drawn per case when undefined. */
  mix?: string;
  /** Fixed locality for every case; drawn per case when undefined. */
  locality?: number;
}

export const DEFAULT_GATES: Range = { min: 1, max: 200 };
export const DEFAULT_INPUTS: Range = { min: 0, max: 32 };
/** Limits of --gates and --inputs (a case must stay a few seconds of work). */
export const MAX_GATES = 100_000;
export const MAX_INPUTS = 4096;
