// Reading generator options: the CLI hands every option over as a string, so each one is
// validated here with a one-line OptionError that names the option, the accepted range and the
// value given (e.g. "width must be an integer from 1 to 4096, got 'x'"; the CLI says --width).

import { OptionError } from '../../common/errors.js';
import { quote } from '../errors.js';
import type { GenOption } from './types.js';

/** The option's text: the value given, else its default; a missing required option is an error. */
export function optionText(opts: Record<string, string>, spec: GenOption): string {
  const v = opts[spec.name] ?? spec.default;
  if (v === undefined) throw new OptionError(spec.name, `is required (${spec.help})`);
  return v;
}

const DECIMAL = /^[+-]?\d+$/;

export function intOption(opts: Record<string, string>, spec: GenOption, min: number, max: number): number {
  const text = optionText(opts, spec).trim();
  const v = DECIMAL.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    throw new OptionError(spec.name, `must be an integer from ${min} to ${max}, got ${quote(text)}`);
  }
  return v;
}

/** A big integer, decimal or 0x-prefixed hex. */
export function bigintOption(opts: Record<string, string>, spec: GenOption, min: bigint, max: bigint): bigint {
  const text = optionText(opts, spec).trim();
  let v: bigint | undefined;
  if (DECIMAL.test(text)) v = BigInt(text);
  else if (/^0x[0-9a-f]+$/i.test(text)) v = BigInt(text);
  if (v === undefined || v < min || v > max) {
    throw new OptionError(spec.name, `must be an integer from ${min} to ${maxText(max)}, got ${quote(text)}`);
  }
  return v;
}

function maxText(max: bigint): string {
  return max === (1n << 64n) - 1n ? '2^64-1' : max.toString();
}

/** A switch: off unless given; the CLI passes 'true' for `--name`, the API 'true' or 'false'. */
export function flagOption(opts: Record<string, string>, spec: GenOption): boolean {
  const v = opts[spec.name];
  if (v === undefined) return false;
  const text = v.trim();
  if (text === 'true' || text === 'false') return text === 'true';
  throw new OptionError(spec.name, `must be true or false, got ${quote(text)}`);
}

const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function floatOption(opts: Record<string, string>, spec: GenOption, min: number, max: number): number {
  const text = optionText(opts, spec).trim();
  const v = FLOAT.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(v) || v < min || v > max) {
    throw new OptionError(spec.name, `must be a number from ${min} to ${max}, got ${quote(text)}`);
  }
  return v;
}
