// Loading what a command works on: a circuit file (compiled on the fly with --cot/--scale/--mode),
// or a compiled model file (.safetensors, or an .onnx file written by gatecot export). A
// positional model carries its circuit; a uniform model runs the circuit given with --circuit.
// The result is the model bound to its circuit.

import { parseCircuitBytes, readInputFile } from '../circuits/index.js';
import { compile, parseFault, type CompileOptions } from '../compiler/index.js';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { bindCompiled, bindModel, looksLikeModel, MAX_LOOPS, modelFromBytes, modelFromOnnx, type Bound, type CotFormat, type Model, type ModelMode } from '../model/index.js';
import type { LatentKind } from '../compiler/index.js';
import type { LoopSetting } from '../runtime/index.js';
import { UsageError } from './errors.js';
import { loadCircuit, parseOptionsOf, type CircuitFlags } from './files.js';

export interface CompileFlags extends CircuitFlags {
  cot?: string;
  scale?: string;
  injectFault?: string;
  mode?: string;
  /** The circuit a uniform model runs. */
  circuit?: string;
}

export interface Loaded extends Bound {
  /** True when FILE was a circuit compiled here. */
  compiled: boolean;
  compileSeconds: number;
}

export function parseCot(s: string | undefined): CotFormat {
  if (s === undefined || s === '4tok' || s === 'gate') return s ?? '4tok';
  throw new UsageError(`--cot must be 4tok or gate, got '${s}'`);
}

export const LATENT_MODES: readonly LatentKind[] = ['looped', 'looped-cot', 'deep'];

/** The uniform looped model (no CoT; the circuit in the prompt): --mode uniform-looped for a circuit file. */
export const UNIFORM_LOOPED = 'uniform-looped';

export function parseMode(s: string | undefined): ModelMode | LatentKind | typeof UNIFORM_LOOPED {
  if (s === undefined || s === 'positional' || s === 'uniform' || s === UNIFORM_LOOPED) return s ?? 'positional';
  if ((LATENT_MODES as readonly string[]).includes(s)) return s as LatentKind;
  throw new UsageError(`--mode must be positional, uniform, looped, looped-cot, deep or uniform-looped, got '${s}'`);
}

/** --loops K (a whole number, 1..MAX_LOOPS) or auto (run until an iteration changes nothing). */
export function parseLoops(s: string | undefined): LoopSetting | undefined {
  if (s === undefined) return undefined;
  if (s === 'auto') return 'auto';
  if (!/^[+-]?\d+$/.test(s.trim())) throw new UsageError(`--loops must be a whole number or auto, got '${s}'`);
  const n = Number(s);
  if (n < 1) throw new UsageError(`--loops must be at least 1, got ${s}`);
  if (n > MAX_LOOPS) throw new UsageError(`--loops ${s} is beyond the limit of ${MAX_LOOPS} loops`);
  return n;
}

export function parseScale(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const x = Number(s);
  if (!Number.isFinite(x) || x <= 0) throw new UsageError(`--scale must be a positive number, got '${s}'`);
  return x;
}

export function compileOptionsOf(flags: CompileFlags): CompileOptions {
  const mode = parseMode(flags.mode);
  if (mode === 'uniform' && flags.cot !== undefined && flags.cot !== '4tok') throw new UsageError('--mode uniform writes the 4-token CoT: --cot gate is positional only');
  if (mode !== 'positional' && mode !== 'uniform') {
    if (flags.cot !== undefined) throw new UsageError(`--mode ${mode} writes no chain of thought: --cot does not apply`);
    if (flags.injectFault !== undefined) throw new UsageError(`--inject-fault applies to the CoT constructions, not to --mode ${mode}`);
    const scale = parseScale(flags.scale);
    const kind: CompileOptions = mode === UNIFORM_LOOPED ? { mode: 'uniform', latent: 'looped' } : { latent: mode };
    return { ...kind, ...(scale !== undefined ? { scale } : {}) };
  }
  const opts: CompileOptions = { cot: parseCot(flags.cot), mode };
  const scale = parseScale(flags.scale);
  if (scale !== undefined) opts.scale = scale;
  if (flags.injectFault !== undefined) opts.fault = parseFault(flags.injectFault);
  return opts;
}

/** A file's bytes (regular files only; - is standard input), with a one-line error. */
export function readBytes(path: string): Uint8Array {
  return readInputFile(path);
}

export function isModelFile(path: string, bytes: Uint8Array): boolean {
  return path.endsWith('.safetensors') || isOnnxFile(path) || looksLikeModel(bytes);
}

function isOnnxFile(path: string): boolean {
  return path.toLowerCase().endsWith('.onnx');
}

/** An external data file named by an .onnx file: beside it (no absolute path, no way up). */
function externalReader(onnxPath: string): (location: string) => Uint8Array {
  return (location) => {
    if (isAbsolute(location) || location.split(/[\\/]/).includes('..')) throw new UsageError(`${onnxPath}: external data location ${location} is not a file beside the model`);
    const path = join(dirname(onnxPath), location);
    try {
      return readFileSync(path);
    } catch (e) {
      throw new UsageError(`${onnxPath}: cannot read its external data ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  };
}

/** The model in a model file's bytes: safetensors, or an .onnx file written by gatecot export. */
export function readModel(bytes: Uint8Array, path: string): Model {
  return isOnnxFile(path) ? modelFromOnnx(bytes, path, externalReader(path)) : modelFromBytes(bytes, path);
}

export function loadCircuitOrModel(path: string, flags: CompileFlags): Loaded {
  const bytes = readBytes(path);
  if (isModelFile(path, bytes)) {
    if (flags.cot !== undefined || flags.scale !== undefined || flags.injectFault !== undefined || flags.mode !== undefined) {
      throw new UsageError(`${path} is a compiled model: --cot, --scale, --mode and --inject-fault apply to circuit files`);
    }
    const model = readModel(bytes, path);
    if (model.meta.mode === 'uniform') {
      if (flags.circuit === undefined) throw new UsageError(`${path} is a uniform model (capacity ${model.meta.capacity} wires): give the circuit to run with --circuit FILE`);
      return { ...bindModel(model, loadCircuit(flags.circuit, flags)), compiled: false, compileSeconds: 0 };
    }
    if (flags.circuit !== undefined) throw new UsageError(`--circuit goes with a uniform model; ${path} is positional (its circuit is in its weights)`);
    return { ...bindModel(model), compiled: false, compileSeconds: 0 };
  }
  if (flags.circuit !== undefined) throw new UsageError(`--circuit goes with a uniform model file; ${path} is a circuit file (compile it with --mode uniform, or give the model)`);
  const file = path === '-' ? '<stdin>' : path;
  const circuit = parseCircuitBytes(bytes, { ...parseOptionsOf(flags), file });
  const opts = compileOptionsOf(flags);
  const t0 = performance.now();
  const model = compile(circuit, opts);
  const compileSeconds = (performance.now() - t0) / 1000;
  return { ...bindCompiled(model, circuit), compiled: true, compileSeconds };
}
