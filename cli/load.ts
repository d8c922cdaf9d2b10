// Loading what a command works on: a circuit file (compiled on the fly with --cot/--scale), or
// a compiled model file (.safetensors), whose circuit is read from its own metadata.

import { readFileSync } from 'node:fs';
import { CircuitError, parseCircuitBytes, type Circuit } from '../circuits/index.js';
import { compile, looksLikeModel, modelFromBytes, parseFault, type CompileOptions, type CotFormat, type Model } from '../compiler/index.js';
import { circuitOfModel } from '../runtime/index.js';
import { UsageError } from './errors.js';
import { parseFormat } from './files.js';

export interface CompileFlags {
  cot?: string;
  scale?: string;
  format?: string;
  injectFault?: string;
}

export interface Loaded {
  model: Model;
  circuit: Circuit;
  /** True when FILE was a circuit compiled here. */
  compiled: boolean;
  compileSeconds: number;
}

export function parseCot(s: string | undefined): CotFormat {
  if (s === undefined || s === '4tok' || s === 'gate') return s ?? '4tok';
  throw new UsageError(`--cot must be 4tok or gate, got '${s}'`);
}

export function parseScale(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const x = Number(s);
  if (!Number.isFinite(x) || x <= 0) throw new UsageError(`--scale must be a positive number, got '${s}'`);
  return x;
}

export function compileOptionsOf(flags: CompileFlags): CompileOptions {
  const opts: CompileOptions = { cot: parseCot(flags.cot) };
  const scale = parseScale(flags.scale);
  if (scale !== undefined) opts.scale = scale;
  if (flags.injectFault !== undefined) opts.fault = parseFault(flags.injectFault);
  return opts;
}

export function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new CircuitError('io', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function loadCircuitOrModel(path: string, flags: CompileFlags): Loaded {
  const bytes = readBytes(path);
  if (path.endsWith('.safetensors') || looksLikeModel(bytes)) {
    if (flags.cot !== undefined || flags.scale !== undefined || flags.injectFault !== undefined) {
      throw new UsageError(`${path} is a compiled model: --cot, --scale and --inject-fault apply to circuit files`);
    }
    const model = modelFromBytes(bytes, path);
    return { model, circuit: circuitOfModel(model), compiled: false, compileSeconds: 0 };
  }
  const fmt = parseFormat(flags.format);
  const circuit = parseCircuitBytes(bytes, fmt ? { file: path, format: fmt } : { file: path });
  const t0 = performance.now();
  const model = compile(circuit, compileOptionsOf(flags));
  return { model, circuit, compiled: true, compileSeconds: (performance.now() - t0) / 1000 };
}
